package prior

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/autollmresearch/gym/tasks"
	"github.com/autollmresearch/gym/tasks/mixture"
)

// Mixture is the prior over data-mixture worlds: each draw is a
// mixture.World (sources feeding skills, benchmarks drawing on skills,
// model sizes that shift both) generated into a table by
// mixture.GenerateWorld. Every field is the range one world parameter is
// drawn from; DefaultMixture documents them.
type Mixture struct {
	// Sources, Skills and Benchmarks are how many of each a world has;
	// Chance the probability that a benchmark is multiple choice with a
	// score floor drawn from ChanceFloor; OOD the fraction of benchmarks
	// out of distribution.
	Sources, Skills, Benchmarks IntRange
	Chance                      float64
	ChanceFloor, OOD            Range
	// SecondSkill is the probability that a source (or a benchmark) has a
	// second primary skill; Primary and Secondary the ranges of primary
	// affinities and weights; OffAffinity and OffWeight bound the uniform
	// affinities and weights off the primary skills.
	SecondSkill            float64
	Primary, Secondary     Range
	OffAffinity, OffWeight Range
	// Stars is how many sources are far more useful than the rest, their
	// affinities multiplied by StarBoost: the few mixtures rich in them
	// stand out above the typical one.
	Stars     IntRange
	StarBoost Range
	// Sizes is how many model sizes; SmallestN the smallest's parameters;
	// SizeStep the ratio between consecutive sizes.
	Sizes               IntRange
	SmallestN, SizeStep Range
	// Runs is how many mixtures the smallest size ran, RunsKept the
	// fraction of them the next size ran again, MinRuns the fewest any
	// size ran.
	Runs     IntRange
	RunsKept Range
	MinRuns  int
	// Shift scales the size-specific perturbation of the affinities (at 1e9
	// parameters, decaying as N^-ShiftDecay): the lower the shift, the
	// better the ranking of mixtures carries across sizes. Drift moves
	// each skill's weight with size as (N/N₀)^δ, δ drawn from Drift.
	Shift, ShiftDecay, Drift Range
	// Interaction scales the pairwise source interactions; Interacting is
	// the fraction of source pairs that interact.
	Interaction, Interacting Range
	// Level, Slope and Gain are the benchmark logit's level, size slope
	// and mixture sensitivity; GainScale multiplies a world's gains.
	Level, Slope, Gain, GainScale Range
	// Alpha is a world's typical Dirichlet concentration: the world's
	// mixtures cycle through three concentrations, each Alpha times a
	// factor drawn from AlphaSpread. Subset is the share of mixtures
	// restricted to half the sources.
	Alpha, AlphaSpread, Subset Range
	// Noise is the run noise in logit units; Minimize the probability that
	// the objective is a loss to minimise.
	Noise    Range
	Minimize float64
}

// DefaultMixture returns the default mixture prior. Its ranges contain the
// embedded default's constants (19 sources, 6 skills, 17 benchmarks, 3
// sizes of 0.5B to 7B, Shift 0.45, Noise 0.05, gains 0.1 to 0.4) and reach
// well beyond: 5 to 30 sources, 2 to 4 sizes from 0.1B up, cross-size rank
// correlations from about 0 to 0.95 (central 95 % of draws), interacting sources, sparse mixtures,
// down to 20 runs at the largest size, and one world in four scored by a
// loss to minimise.
func DefaultMixture() *Mixture {
	return &Mixture{
		Sources: IntRange{5, 30}, Skills: IntRange{3, 8}, Benchmarks: IntRange{4, 20},
		Chance: 0.3, ChanceFloor: Uniform(0.2, 0.5), OOD: Uniform(0.2, 0.6),
		SecondSkill: 0.4, Primary: Uniform(0.3, 1), Secondary: Uniform(0.1, 0.7),
		OffAffinity: Uniform(0.02, 0.2), OffWeight: Uniform(0.05, 0.3),
		Stars: IntRange{0, 3}, StarBoost: LogUniform(1.5, 6),
		Sizes: IntRange{2, 4}, SmallestN: LogUniform(1e8, 1.5e9), SizeStep: LogUniform(2, 8),
		Runs: IntRange{60, 400}, RunsKept: Uniform(0.2, 0.8), MinRuns: 20,
		Shift: LogUniform(0.05, 1.5), ShiftDecay: Uniform(0, 0.5), Drift: Uniform(-0.2, 0.2),
		Interaction: LogUniform(0.01, 1), Interacting: Uniform(0, 0.3),
		Level: Uniform(-1.5, 0.5), Slope: Uniform(0.3, 0.8), Gain: Uniform(0.1, 0.4), GainScale: LogUniform(0.25, 2.5),
		Alpha: LogUniform(0.2, 20), AlphaSpread: LogUniform(0.25, 4), Subset: Uniform(0, 0.3),
		Noise:    LogUniform(0.01, 0.2),
		Minimize: 0.25,
	}
}

// Task returns "mixture".
func (p *Mixture) Task() string { return mixture.Task }

// Validate reports every range that is empty or malformed, naming it.
func (p *Mixture) Validate() error {
	var errs []error
	for _, r := range []struct {
		name string
		r    IntRange
		min  int
	}{{"Stars", p.Stars, 0}, {"Sources", p.Sources, 2}, {"Skills", p.Skills, 1}, {"Benchmarks", p.Benchmarks, 2}, {"Sizes", p.Sizes, 1}, {"Runs", p.Runs, 2}} {
		if err := r.r.validate(r.name, r.min); err != nil {
			errs = append(errs, err)
		}
	}
	for _, r := range []namedRange{
		{"ChanceFloor", p.ChanceFloor}, {"OOD", p.OOD}, {"Primary", p.Primary}, {"Secondary", p.Secondary},
		{"OffAffinity", p.OffAffinity}, {"OffWeight", p.OffWeight}, {"SmallestN", p.SmallestN}, {"SizeStep", p.SizeStep},
		{"StarBoost", p.StarBoost}, {"RunsKept", p.RunsKept}, {"Shift", p.Shift}, {"ShiftDecay", p.ShiftDecay}, {"Drift", p.Drift},
		{"Interaction", p.Interaction}, {"Interacting", p.Interacting}, {"Level", p.Level}, {"Slope", p.Slope},
		{"Gain", p.Gain}, {"GainScale", p.GainScale}, {"Alpha", p.Alpha}, {"AlphaSpread", p.AlphaSpread}, {"Subset", p.Subset}, {"Noise", p.Noise},
	} {
		if err := r.r.validate(r.name); err != nil {
			errs = append(errs, err)
		}
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"Chance", p.Chance}, {"SecondSkill", p.SecondSkill}, {"Minimize", p.Minimize}} {
		if !(f.v >= 0 && f.v <= 1) {
			errs = append(errs, fmt.Errorf("field %s is %g, want a probability in [0, 1]", f.name, f.v))
		}
	}
	if p.MinRuns < 1 {
		errs = append(errs, fmt.Errorf("field MinRuns is %d, want at least 1", p.MinRuns))
	}
	if !(p.ChanceFloor.Hi < 1) {
		errs = append(errs, fmt.Errorf("field ChanceFloor is [%g, %g], want floors below 1", p.ChanceFloor.Lo, p.ChanceFloor.Hi))
	}
	if len(errs) > 0 {
		return fmt.Errorf("prior: invalid mixture prior: %w", errors.Join(errs...))
	}
	return nil
}

// Draw generates world seed: it draws a mixture.World and generates its
// table with mixture.GenerateWorld.
func (p *Mixture) Draw(seed uint64) (*tasks.Table, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return drawWorld(mixture.Task, seed, 0x7072696f722d6d78, p.World,
		func(w *mixture.World) (*tasks.Table, error) { return mixture.GenerateWorld(w, seed) },
		func(w *mixture.World) any { return w })
}

// primaries returns a row of k values with one primary (and, with
// probability SecondSkill, a second) entry, the rest uniform in [0, off).
func (p *Mixture) primaries(rng *rand.Rand, k int, off float64) []float64 {
	row := make([]float64, k)
	for j := range row {
		row[j] = off * rng.Float64()
	}
	row[rng.IntN(k)] += p.Primary.Draw(rng)
	if rng.Float64() < p.SecondSkill {
		row[rng.IntN(k)] += p.Secondary.Draw(rng)
	}
	return row
}

// World draws one mixture world from rng.
func (p *Mixture) World(rng *rand.Rand) *mixture.World {
	ns, nk, nb := p.Sources.Draw(rng), p.Skills.Draw(rng), p.Benchmarks.Draw(rng)
	w := &mixture.World{Sources: make([]string, ns)}
	for s := range w.Sources {
		w.Sources[s] = fmt.Sprintf("source_%02d", s)
	}
	nood := max(1, min(nb-1, int(math.Round(p.OOD.Draw(rng)*float64(nb)))))
	offA, offW := p.OffAffinity.Draw(rng), p.OffWeight.Draw(rng)
	gainScale := p.GainScale.Draw(rng)
	base := p.drawAffinities(rng, ns, nk, offA)
	weight := p.drawBenchmarks(rng, w, nb, nk, nood, offW, gainScale)
	p.drawSizes(rng, w, nk, base, weight)
	w.Interaction = p.drawInteraction(rng, ns)
	alpha := p.Alpha.Draw(rng)
	for range 3 {
		w.Alphas = append(w.Alphas, alpha*p.AlphaSpread.Draw(rng))
	}
	w.Subset = p.Subset.Draw(rng)
	w.Noise = p.Noise.Draw(rng)
	w.Minimize = rng.Float64() < p.Minimize
	return w
}

// drawAffinities draws the base affinities of ns sources over nk skills,
// off-primary values below off, with the star sources boosted.
func (p *Mixture) drawAffinities(rng *rand.Rand, ns, nk int, off float64) [][]float64 {
	base := make([][]float64, ns)
	for s := range base {
		base[s] = p.primaries(rng, nk, off)
	}
	for _, s := range rng.Perm(ns)[:min(ns, p.Stars.Draw(rng))] {
		boost := p.StarBoost.Draw(rng)
		for k := range base[s] {
			base[s][k] *= boost
		}
	}
	return base
}

// drawBenchmarks draws nb benchmarks into w, the last nood out of
// distribution, each with its chance floor, logit level, slope and gain
// (scaled by gainScale). It returns their base skill weights over nk
// skills, off-primary values below off.
func (p *Mixture) drawBenchmarks(rng *rand.Rand, w *mixture.World, nb, nk, nood int, off, gainScale float64) [][]float64 {
	weight := make([][]float64, nb)
	for b := range nb {
		w.Benchmarks = append(w.Benchmarks, mixture.Benchmark{Name: fmt.Sprintf("bench_%02d", b), OOD: b >= nb-nood})
		chance := 0.0
		if rng.Float64() < p.Chance {
			chance = p.ChanceFloor.Draw(rng)
		}
		w.Chance = append(w.Chance, chance)
		weight[b] = p.primaries(rng, nk, off)
		w.Level = append(w.Level, p.Level.Draw(rng))
		w.Slope = append(w.Slope, p.Slope.Draw(rng))
		w.Gain = append(w.Gain, gainScale*p.Gain.Draw(rng))
	}
	return weight
}

// drawSizes draws the model sizes into w, each with its count of nested
// mixtures, its affinities (base shifted at random, less so at larger
// sizes) and its benchmark weights over the nk skills (weight drifted with
// size, each row normalised to sum to 1).
func (p *Mixture) drawSizes(rng *rand.Rand, w *mixture.World, nk int, base, weight [][]float64) {
	sizes := p.Sizes.Draw(rng)
	n := p.SmallestN.Draw(rng)
	runs := p.Runs.Draw(rng)
	shift, decay := p.Shift.Draw(rng), p.ShiftDecay.Draw(rng)
	drift := make([]float64, nk)
	for k := range drift {
		drift[k] = p.Drift.Draw(rng)
	}
	n0 := n
	for i := range sizes {
		if i > 0 {
			n *= p.SizeStep.Draw(rng)
			runs = max(p.MinRuns, int(math.Round(float64(runs)*p.RunsKept.Draw(rng))))
		}
		n = round3(n)
		w.Models = append(w.Models, mixture.ModelName(n))
		if i > 0 {
			runs = min(runs, w.Mixtures[i-1])
		}
		w.Mixtures = append(w.Mixtures, runs)
		w.Affinity = append(w.Affinity, shifted(rng, base, shift*math.Pow(n/1e9, -decay)))
		w.Weight = append(w.Weight, drifted(weight, n/n0, drift))
	}
}

// shifted returns base with each entry multiplied by exp(sd·z), z standard
// normal.
func shifted(rng *rand.Rand, base [][]float64, sd float64) [][]float64 {
	aff := make([][]float64, len(base))
	for s := range aff {
		aff[s] = make([]float64, len(base[s]))
		for k := range aff[s] {
			aff[s][k] = base[s][k] * math.Exp(sd*rng.NormFloat64())
		}
	}
	return aff
}

// drifted returns weight with skill k's weights multiplied by
// ratio^drift[k] and each row normalised to sum to 1.
func drifted(weight [][]float64, ratio float64, drift []float64) [][]float64 {
	wt := make([][]float64, len(weight))
	for b := range wt {
		wt[b] = make([]float64, len(drift))
		var sum float64
		for k := range wt[b] {
			wt[b][k] = weight[b][k] * math.Pow(ratio, drift[k])
			sum += wt[b][k]
		}
		for k := range wt[b] {
			wt[b][k] /= sum
		}
	}
	return wt
}

// drawInteraction draws the pairwise interactions of ns sources: each pair
// s < t interacts with probability Interacting, with a normal strength
// scaled by Interaction.
func (p *Mixture) drawInteraction(rng *rand.Rand, ns int) [][]float64 {
	strength, share := p.Interaction.Draw(rng), p.Interacting.Draw(rng)
	m := make([][]float64, ns)
	for s := range m {
		m[s] = make([]float64, ns)
		for t := s + 1; t < ns; t++ {
			if rng.Float64() < share {
				m[s][t] = strength * rng.NormFloat64()
			}
		}
	}
	return m
}
