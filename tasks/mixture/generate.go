package mixture

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/autollmresearch/gym/tasks"
)

// GenOptions are the knobs of the synthetic generator. Start from
// DefaultGenOptions and change what you need; Generate uses every field as
// given.
type GenOptions struct {
	// Seed drives every random choice: the source-skill affinities, the
	// benchmark weights and levels, the size-specific shifts, the mixtures
	// and the run noise. Default 1.
	Seed uint64
	// Mixtures is the number of mixtures run at each model size, in Models
	// order. The sets are nested like ADMIRE's: the 3B mixtures are the
	// first Mixtures[1] of the 0.5B ones and the 7B mixtures the first
	// Mixtures[2], so counts must be non-increasing and positive, with at
	// least two at the smallest size. Default {240, 120, 60}.
	Mixtures [3]int
	// Shift scales the size-specific log-normal perturbation of the
	// source-skill affinities: at N parameters their logarithms move by
	// Shift·(N/1e9)^-0.25 standard deviations. It is what makes the best
	// mixture change with model size: the default 0.45 puts the cross-size
	// Spearman correlation of the objective near the real runs' (about 0.55
	// to 0.65). Must be in [0, 5].
	Shift float64
	// Noise is the standard deviation of the run-to-run noise added to each
	// benchmark score in logit units. Default 0.05; must be in [0, 5].
	Noise float64
}

// DefaultGenOptions returns the options of Default.
func DefaultGenOptions() GenOptions {
	return GenOptions{Seed: 1, Mixtures: [3]int{240, 120, 60}, Shift: 0.45, Noise: 0.05}
}

// Constants of the synthetic model (see the package documentation).
const (
	// genStream is the second word of the PCG state; the seed is the first.
	genStream = 0x6d6978747572652d // "mixture-"
	// skillFloor is ε in log(ε + skill mass): a skill the mixture does not
	// feed at all costs a finite amount.
	skillFloor = 0.02
	// ftTokens is the assumed fine-tuning budget per run, in tokens, for
	// the cost estimate.
	ftTokens = 5e8
	// shiftDecay is κ in the per-size perturbation sd = Shift·(N/1e9)^-κ.
	shiftDecay = 0.25
	// offAffinity and offWeight bound the uniform random off-primary
	// source-skill affinities and benchmark-skill weights.
	offAffinity = 0.1
	offWeight   = 0.15
)

// The skills that link sources to benchmarks.
const (
	skMath = iota
	skCode
	skInstruct
	skKnowledge
	skReasoning
	skSafety
	numSkills
)

// sourceSkills holds the hand-set primary affinities of each source (in
// sources order) for each skill, read off the sources' names and contents.
var sourceSkills = [][numSkills]float64{
	{skSafety: 1},                        // coconot: contextual non-compliance
	{skCode: 1},                          // evol codealpaca
	{skKnowledge: 0.6, skReasoning: 0.6}, // flan v2: NLP task collection
	{skInstruct: 0.7},                    // no robots: human-written instructions
	{skMath: 1},                          // numinamath TIR
	{skInstruct: 0.6},                    // oasst1: assistant conversations
	{skCode: 1},                          // personahub code
	{skInstruct: 1},                      // personahub instruction following
	{skMath: 1},                          // personahub math
	{skSafety: 0.3},                      // hard-coded identity prompts
	{skKnowledge: 0.3, skInstruct: 0.3},  // aya: multilingual
	{skMath: 1, skReasoning: 0.2},        // open math 2 gsm8k
	{skMath: 0.8},                        // personahub intermediate algebra
	{skKnowledge: 0.8},                   // sciriff: scientific literature
	{skSafety: 1},                        // wildguard mix
	{skReasoning: 0.7},                   // table gpt
	{skInstruct: 0.8},                    // wildchat
	{skSafety: 1},                        // wildjailbreak
	{skMath: 0.8, skReasoning: 0.2},      // personas math grade
}

// benchSkills holds the hand-set primary skill weights of each benchmark (in
// benchmarks order), and chance its score floor (chance level of
// multiple-choice benchmarks).
var benchSkills = []struct {
	w      [numSkills]float64
	chance float64
}{
	{w: [numSkills]float64{skMath: 1}},                                                         // minerva math
	{w: [numSkills]float64{skMath: 1, skReasoning: 0.3}},                                       // gsm8k
	{w: [numSkills]float64{skReasoning: 1}},                                                    // bbh
	{w: [numSkills]float64{skKnowledge: 1, skReasoning: 0.5}, chance: 0.25},                    // mmlu
	{w: [numSkills]float64{skCode: 1}},                                                         // humaneval
	{w: [numSkills]float64{skCode: 1}},                                                         // humaneval+
	{w: [numSkills]float64{skReasoning: 0.7, skKnowledge: 0.5}},                                // drop
	{w: [numSkills]float64{skInstruct: 1}},                                                     // ifeval
	{w: [numSkills]float64{skKnowledge: 1}},                                                    // popqa
	{w: [numSkills]float64{skSafety: 0.7, skKnowledge: 0.3}},                                   // truthfulqa
	{w: [numSkills]float64{skKnowledge: 0.7, skReasoning: 0.5}, chance: 0.25},                  // arc challenge
	{w: [numSkills]float64{skCode: 1}},                                                         // bigcodebench hard
	{w: [numSkills]float64{skReasoning: 0.7, skKnowledge: 0.5}, chance: 0.25},                  // gpqa
	{w: [numSkills]float64{skKnowledge: 1}},                                                    // natural questions
	{w: [numSkills]float64{skReasoning: 0.6, skKnowledge: 0.4}, chance: 0.5},                   // piqa
	{w: [numSkills]float64{skReasoning: 0.5, skSafety: 0.3, skInstruct: 0.2}, chance: 1.0 / 3}, // social iqa
	{w: [numSkills]float64{skKnowledge: 1}},                                                    // triviaqa
}

// dirichletAlphas are the symmetric Dirichlet concentrations the mixtures
// cycle through: sparse, flat and dense.
var dirichletAlphas = [...]float64{0.5, 2, 8}

var defaultTable = sync.OnceValues(func() (*tasks.Table, error) {
	return Generate(DefaultGenOptions())
})

// Default returns the embedded synthetic table, generated on first use with
// DefaultGenOptions. The table is shared and read-only: callers must not
// Release it.
func Default() (*tasks.Table, error) { return defaultTable() }

func (o GenOptions) validate() error {
	var errs []error
	if o.Mixtures[0] < 2 {
		errs = append(errs, fmt.Errorf("option Mixtures[0] = %d: want at least 2 mixtures at the smallest size", o.Mixtures[0]))
	}
	for i := 1; i < len(o.Mixtures); i++ {
		if o.Mixtures[i] < 1 || o.Mixtures[i] > o.Mixtures[i-1] {
			errs = append(errs, fmt.Errorf("option Mixtures[%d] = %d: want a count in [1, Mixtures[%d] = %d] (the sets are nested)",
				i, o.Mixtures[i], i-1, o.Mixtures[i-1]))
		}
	}
	if o.Mixtures[0] > 1_000_000 {
		errs = append(errs, fmt.Errorf("option Mixtures[0] = %d: want at most 1000000", o.Mixtures[0]))
	}
	if !(o.Shift >= 0 && o.Shift <= 5) {
		errs = append(errs, fmt.Errorf("option Shift = %g: want a number in [0, 5]", o.Shift))
	}
	if !(o.Noise >= 0 && o.Noise <= 5) {
		errs = append(errs, fmt.Errorf("option Noise = %g: want a number in [0, 5]", o.Noise))
	}
	if len(errs) > 0 {
		return fmt.Errorf("mixture: invalid GenOptions: %w", errors.Join(errs...))
	}
	return nil
}

// newModel draws the default generator's random constants: the World with
// the hand-set skills of sourceSkills and benchSkills, every size
// perturbing the affinities by shift·(N/1e9)^-0.25 standard deviations.
func newModel(rng *rand.Rand, shift float64) (*World, error) {
	nb, ns := len(benchmarks), len(sources)
	w := &World{
		Sources:    Sources(),
		Benchmarks: Benchmarks(),
		Chance:     make([]float64, nb),
		Models:     Models(),
		Level:      make([]float64, nb),
		Slope:      make([]float64, nb),
		Gain:       make([]float64, nb),
		Alphas:     dirichletAlphas[:],
	}
	base := make([][numSkills]float64, ns)
	for s := range base {
		for k := range numSkills {
			base[s][k] = sourceSkills[s][k] + offAffinity*rng.Float64()
		}
	}
	weight := make([][]float64, nb)
	for b := range nb {
		weight[b] = make([]float64, numSkills)
		var sum float64
		for k := range numSkills {
			v := benchSkills[b].w[k] + offWeight*rng.Float64()
			weight[b][k] = v
			sum += v
		}
		for k := range numSkills {
			weight[b][k] /= sum
		}
		w.Chance[b] = benchSkills[b].chance
		w.Level[b] = -1.5 + 2*rng.Float64()
		w.Slope[b] = 0.3 + 0.5*rng.Float64()
		w.Gain[b] = 0.1 + 0.3*rng.Float64()
	}
	// Each size perturbs the log-affinities independently, with a standard
	// deviation that shrinks with size: small models use their data more
	// idiosyncratically, so the 0.5B ranking agrees less with the others
	// than 3B and 7B agree with each other, as in the real runs.
	for _, name := range models {
		n, err := ModelParams(name)
		if err != nil {
			return nil, err
		}
		sd := shift * math.Pow(n/1e9, -shiftDecay)
		a := make([][]float64, ns)
		for s := range a {
			a[s] = make([]float64, numSkills)
			for k := range numSkills {
				a[s][k] = base[s][k] * math.Exp(sd*rng.NormFloat64())
			}
		}
		w.Affinity = append(w.Affinity, a)
		w.Weight = append(w.Weight, weight)
	}
	return w, nil
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// dirichlet draws a symmetric Dirichlet(alpha) vector of length n.
func dirichlet(rng *rand.Rand, alpha float64, n int) []float64 {
	g := distuv.Gamma{Alpha: alpha, Beta: 1, Src: rng}
	r := make([]float64, n)
	var sum float64
	for sum == 0 {
		for i := range r {
			r[i] = g.Rand()
			sum += r[i]
		}
	}
	for i := range r {
		r[i] /= sum
	}
	return r
}

// Generate builds a synthetic mixture table from opts. See the package
// documentation for the model.
func Generate(opts GenOptions) (*tasks.Table, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(opts.Seed, genStream))
	w, err := newModel(rng, opts.Shift)
	if err != nil {
		return nil, fmt.Errorf("mixture: %w", err)
	}
	w.Mixtures = opts.Mixtures[:]
	w.Noise = opts.Noise
	return w.table(rng,
		"synthetic: concave skill-utility model of github.com/autollmresearch/gym/tasks/mixture, shaped after "+Source,
		"Synthetic; task and benchmarks after "+Citation)
}

func numOOD() int {
	n := 0
	for _, b := range benchmarks {
		if b.OOD {
			n++
		}
	}
	return n
}
