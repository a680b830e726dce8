package mixture

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/autollmresearch/gym/fidelity"
	"github.com/autollmresearch/gym/spaces"
	"github.com/autollmresearch/gym/tasks"
)

// World is one synthetic data-mixture world: the skill-utility model of
// the package documentation with every constant given, for any number of
// sources, skills, benchmarks and model sizes. Default is the World with
// ADMIRE's 19 sources and 17 benchmarks and six hand-set skills; package
// prior draws others. GenerateWorld turns a World into a table.
type World struct {
	// Sources name the simplex's parts; Benchmarks the scored benchmarks
	// (at least one in distribution and one out of it), with Chance their
	// score floors.
	Sources    []string
	Benchmarks []Benchmark
	Chance     []float64
	// Models name the model sizes, cheap to expensive, each ending in a
	// size ModelParams reads ("-0.5B"); Mixtures[i] is how many mixtures
	// size i ran: the first Mixtures[i] of the smallest size's, so counts
	// are non-increasing, with at least two at the smallest size.
	Models   []string
	Mixtures []int
	// Affinity[i][s][k] is how much source s feeds skill k at size i, and
	// Weight[i][b][k] how much benchmark b draws on skill k at size i (each
	// row summing to 1).
	Affinity [][][]float64
	Weight   [][][]float64
	// Interaction[s][t] (s < t, nil for none) adds Σ Interaction[s][t]·r_s·r_t
	// to every utility: sources that help or hurt each other.
	Interaction [][]float64
	// Level, Slope and Gain are each benchmark's logit at 1e9 parameters,
	// logit gain per e-fold of parameters, and logit per unit of utility.
	Level, Slope, Gain []float64
	// Alphas are the symmetric Dirichlet concentrations the mixtures cycle
	// through; Subset is the probability that a mixture uses only a random
	// half of the sources (a sparse mixture).
	Alphas []float64
	Subset float64
	// Noise is the standard deviation of run noise in logit units.
	Noise float64
	// Minimize makes the objective "loss" = −ln of the mean benchmark
	// score (the metric avg_id+ood), minimised, instead of that mean,
	// maximised.
	Minimize bool
}

// Loss is the objective of a World with Minimize set: −ln of the mean
// benchmark score.
const Loss = "loss"

// Validate reports every inconsistent or non-finite field, naming it.
func (w *World) Validate() error {
	var fs faults
	fs.add(w.sourceFaults()...)
	fs.add(w.benchmarkFaults()...)
	fs.add(w.modelFaults()...)
	fs.add(w.skillFaults()...)
	fs.add(w.interactionFaults()...)
	fs.add(w.curveFaults()...)
	fs.add(w.noiseFaults()...)
	if len(fs) > 0 {
		return fmt.Errorf("mixture: invalid World: %w", errors.Join(fs...))
	}
	return nil
}

// faults collects the problems Validate finds, in the order found.
type faults []error

// add appends errs to fs.
func (fs *faults) add(errs ...error) { *fs = append(*fs, errs...) }

// addf appends a problem formatted as by fmt.Errorf.
func (fs *faults) addf(format string, a ...any) { *fs = append(*fs, fmt.Errorf(format, a...)) }

// sourceFaults checks that there are at least two sources.
func (w *World) sourceFaults() faults {
	var fs faults
	if ns := len(w.Sources); ns < 2 {
		fs.addf("field Sources has %d sources, want at least 2", ns)
	}
	return fs
}

// benchmarkFaults checks that the benchmarks hold both in- and
// out-of-distribution ones and that Chance gives each a level in [0, 1).
func (w *World) benchmarkFaults() faults {
	var fs faults
	id, ood := 0, 0
	for _, b := range w.Benchmarks {
		if b.OOD {
			ood++
		} else {
			id++
		}
	}
	if id == 0 || ood == 0 {
		fs.addf("field Benchmarks has %d in-distribution and %d out-of-distribution benchmarks, want at least one of each", id, ood)
	}
	if nb := len(w.Benchmarks); len(w.Chance) != nb {
		fs.addf("field Chance has %d values, want one per benchmark (%d)", len(w.Chance), nb)
	}
	for b, c := range w.Chance {
		if !(c >= 0 && c < 1) {
			fs.addf("field Chance[%d] is %g, want a number in [0, 1)", b, c)
		}
	}
	return fs
}

// modelFaults checks that the model sizes parse and strictly increase and
// that Mixtures gives each a count of nested mixtures.
func (w *World) modelFaults() faults {
	var fs faults
	nm := len(w.Models)
	if nm < 1 {
		fs.addf("field Models is empty")
	}
	prev := 0.0
	for i, m := range w.Models {
		n, err := ModelParams(m)
		switch {
		case err != nil:
			fs.addf("field Models[%d]: %v", i, err)
		case n <= prev:
			fs.addf("field Models[%d] is %q, want sizes strictly increasing (cheap to expensive)", i, m)
		}
		prev = max(prev, n)
	}
	if len(w.Mixtures) != nm {
		fs.addf("field Mixtures has %d counts, want one per model (%d)", len(w.Mixtures), nm)
		return fs
	}
	for i, c := range w.Mixtures {
		switch {
		case i == 0 && c < 2:
			fs.addf("field Mixtures[0] is %d, want at least 2", c)
		case i > 0 && (c < 1 || c > w.Mixtures[i-1]):
			fs.addf("field Mixtures[%d] is %d, want a count in [1, Mixtures[%d] = %d] (the sets are nested)", i, c, i-1, w.Mixtures[i-1])
		case c > 1_000_000:
			fs.addf("field Mixtures[%d] is %d, want at most 1000000", i, c)
		}
	}
	return fs
}

// skillFaults checks that Affinity and Weight give, at every model size, a
// row per source and per benchmark, all over the same non-zero number of
// skills and holding non-negative finite values.
func (w *World) skillFaults() faults {
	var fs faults
	ns, nb, nm := len(w.Sources), len(w.Benchmarks), len(w.Models)
	if len(w.Affinity) != nm || len(w.Weight) != nm {
		fs.addf("fields Affinity and Weight have %d and %d sizes, want one per model (%d)", len(w.Affinity), len(w.Weight), nm)
		return fs
	}
	skills := -1
	for i := range nm {
		if len(w.Affinity[i]) != ns || len(w.Weight[i]) != nb {
			fs.addf("Affinity[%d] has %d sources and Weight[%d] %d benchmarks, want %d and %d", i, len(w.Affinity[i]), i, len(w.Weight[i]), ns, nb)
			continue
		}
		for _, row := range append(append([][]float64(nil), w.Affinity[i]...), w.Weight[i]...) {
			if skills < 0 {
				skills = len(row)
			}
			if len(row) != skills || skills == 0 {
				fs.addf("Affinity and Weight rows at size %d have differing or no skills", i)
				break
			}
			for _, v := range row {
				if !(v >= 0) || math.IsInf(v, 0) {
					fs.addf("Affinity or Weight at size %d holds %g, want non-negative and finite", i, v)
					break
				}
			}
		}
	}
	return fs
}

// interactionFaults checks that Interaction, when set, is a finite square
// matrix over the sources.
func (w *World) interactionFaults() faults {
	var fs faults
	ns := len(w.Sources)
	if w.Interaction != nil && len(w.Interaction) != ns {
		fs.addf("field Interaction has %d rows, want one per source (%d) or none", len(w.Interaction), ns)
	}
	for s, row := range w.Interaction {
		if len(row) != ns {
			fs.addf("field Interaction[%d] has %d values, want %d", s, len(row), ns)
			continue
		}
		for _, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				fs.addf("field Interaction[%d] holds %g, want finite", s, v)
				break
			}
		}
	}
	return fs
}

// curveFaults checks that Level, Slope and Gain give each benchmark a
// finite value.
func (w *World) curveFaults() faults {
	var fs faults
	nb := len(w.Benchmarks)
	for _, f := range []struct {
		name string
		v    []float64
	}{{"Level", w.Level}, {"Slope", w.Slope}, {"Gain", w.Gain}} {
		if len(f.v) != nb {
			fs.addf("field %s has %d values, want one per benchmark (%d)", f.name, len(f.v), nb)
		}
		for i, v := range f.v {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				fs.addf("field %s[%d] is %g, want finite", f.name, i, v)
			}
		}
	}
	return fs
}

// noiseFaults checks the Dirichlet concentrations Alphas, the Subset
// probability and the Noise scale.
func (w *World) noiseFaults() faults {
	var fs faults
	if len(w.Alphas) == 0 {
		fs.addf("field Alphas is empty")
	}
	for i, a := range w.Alphas {
		if !(a > 0) || math.IsInf(a, 0) {
			fs.addf("field Alphas[%d] is %g, want positive and finite", i, a)
		}
	}
	if !(w.Subset >= 0 && w.Subset <= 1) {
		fs.addf("field Subset is %g, want a probability in [0, 1]", w.Subset)
	}
	if !(w.Noise >= 0 && w.Noise <= 5) {
		fs.addf("field Noise is %g, want a number in [0, 5]", w.Noise)
	}
	return fs
}

// GenerateWorld draws w's mixtures and run noise from seed and returns the
// table, with provenance synthetic and the metadata of the task. Source
// and Generator in the metadata are left for the caller to fill.
func GenerateWorld(w *World, seed uint64) (*tasks.Table, error) {
	if err := w.Validate(); err != nil {
		return nil, err
	}
	return w.table(rand.New(rand.NewPCG(seed, genStream)), "", "")
}

// centre returns each size's and benchmark's utility of the uniform
// mixture, the zero of the logit's mixture term.
func (w *World) centre() [][]float64 {
	uniform := make([]float64, len(w.Sources))
	for s := range uniform {
		uniform[s] = 1 / float64(len(uniform))
	}
	out := make([][]float64, len(w.Models))
	for i := range out {
		out[i] = make([]float64, len(w.Benchmarks))
		for b := range out[i] {
			out[i][b] = w.utility(i, b, uniform)
		}
	}
	return out
}

// utility is u_ib(r) = Σ_k W_ibk·log(ε + Σ_s A_isk·r_s) + Σ_s<t I_st·r_s·r_t.
func (w *World) utility(i, b int, r []float64) float64 {
	aff, wt := w.Affinity[i], w.Weight[i][b]
	var u float64
	for k, wk := range wt {
		var mass float64
		for s, x := range r {
			mass += aff[s][k] * x
		}
		u += wk * math.Log(skillFloor+mass)
	}
	for s, row := range w.Interaction {
		for t := s + 1; t < len(row); t++ {
			u += row[t] * r[s] * r[t]
		}
	}
	return u
}

// mixtures draws the smallest size's mixtures: Dirichlet draws cycling
// through Alphas, each restricted to a random half of the sources with
// probability Subset (decided by a stream of its own, so that a World
// without sparse mixtures draws exactly as the default generator always
// has).
func (w *World) mixtures(rng *rand.Rand) [][]float64 {
	var sparse *rand.Rand
	if w.Subset > 0 {
		sparse = rand.New(rand.NewPCG(rng.Uint64(), 0x737061727365))
	}
	out := make([][]float64, w.Mixtures[0])
	for j := range out {
		out[j] = dirichlet(rng, w.Alphas[j%len(w.Alphas)], len(w.Sources))
		if sparse != nil && sparse.Float64() < w.Subset {
			keep := sparse.Perm(len(w.Sources))[:max(1, len(w.Sources)/2)]
			r := make([]float64, len(w.Sources))
			var sum float64
			for _, s := range keep {
				r[s] = out[j][s]
				sum += r[s]
			}
			if sum > 0 {
				for s := range r {
					r[s] /= sum
				}
				out[j] = r
			}
		}
	}
	return out
}

// table simulates every run of w from rng and builds the table, with the
// given source and citation.
func (w *World) table(rng *rand.Rand, source, citation string) (*tasks.Table, error) {
	centre := w.centre()
	mixes := w.mixtures(rng)
	md := meta(w.Models)
	md.Space = spaces.MustConfigSpace(spaces.SimplexDim(Ratio, w.Sources...))
	md.Metrics = make([]string, 0, len(w.Benchmarks)+4)
	for _, b := range w.Benchmarks {
		md.Metrics = append(md.Metrics, b.Name)
	}
	md.Metrics = append(md.Metrics, AvgID, AvgOOD, Objective)
	if w.Minimize {
		md.Metrics = append(md.Metrics, Loss)
		md.Objective, md.Direction = Loss, tasks.Minimize
	}
	md.Provenance = tasks.Synthetic
	acc := fidelity.DefaultAccelerator()
	md.CostSource = fmt.Sprintf("estimated: 6·N·D FLOPs with D = %.0e fine-tuning tokens per run on %s at %g TFLOP/s peak, %g%% utilisation",
		ftTokens, acc.Name, acc.PeakFLOPS/1e12, acc.Utilisation*100)
	md.Source, md.Citation, md.Licence = source, citation, "no third-party data: generated by this module's code"
	b, err := tasks.NewBuilder(md)
	if err != nil {
		return nil, fmt.Errorf("mixture: %w", err)
	}
	nb := len(w.Benchmarks)
	for i, name := range w.Models {
		n, err := ModelParams(name)
		if err != nil {
			return nil, fmt.Errorf("mixture: %w", err)
		}
		cost := acc.TrainingHours(n, ftTokens)
		for _, r := range mixes[:w.Mixtures[i]] {
			metrics := make(map[string]float64, nb+4)
			var id, ood float64
			nid := 0
			for k, bench := range w.Benchmarks {
				z := w.Level[k] + w.Slope[k]*math.Log(n/1e9) + w.Gain[k]*(w.utility(i, k, r)-centre[i][k]) + w.Noise*rng.NormFloat64()
				c := w.Chance[k]
				y := c + (1-c)*sigmoid(z)
				metrics[bench.Name] = y
				if bench.OOD {
					ood += y
				} else {
					id += y
					nid++
				}
			}
			metrics[AvgID] = id / float64(nid)
			metrics[AvgOOD] = ood / float64(nb-nid)
			metrics[Objective] = (id + ood) / float64(nb)
			if w.Minimize {
				metrics[Loss] = -math.Log(metrics[Objective])
			}
			b.Add(tasks.Row{
				Experiment:   ExperimentID(name),
				Fidelity:     map[string]any{FidModel: name, FidParams: n},
				Config:       spaces.Config{Ratio: append([]float64(nil), r...)},
				Metrics:      metrics,
				CostGPUHours: cost,
			})
		}
	}
	t, err := b.Build()
	if err != nil {
		return nil, fmt.Errorf("mixture: %w", err)
	}
	return t, nil
}

// ModelName returns the name of a synthetic model of n parameters,
// "world-<size>B" with three significant digits (in millions, "M", below
// 1e8 parameters), which ModelParams reads back.
func ModelName(n float64) string {
	if n < 1e8 {
		return "world-" + strconv.FormatFloat(n/1e6, 'f', -1, 64) + "M"
	}
	return "world-" + strconv.FormatFloat(n/1e9, 'g', 3, 64) + "B"
}
