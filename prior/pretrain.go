package prior

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/autollmresearch/gym/fidelity"
	"github.com/autollmresearch/gym/tasks"
	"github.com/autollmresearch/gym/tasks/pretrain"
)

// Pretrain is the prior over pretraining worlds: each draw is a
// pretrain.GenOptions (a loss surface, a fidelity ladder, grids and noise)
// generated into a table by pretrain.Generate. Every field is the range one
// world parameter is drawn from, independently; DefaultPretrain documents
// the ranges and their reasons. The optimum's path is drawn through its
// value at the reference cell (N = 1e9 parameters, D = 2e10 tokens) and
// its exponents, rather than through the coefficients, so that the ranges
// read in units a practitioner knows.
type Pretrain struct {
	// Sizes is how many model sizes the ladder has; SmallestN the smallest
	// N; SizeStep the ratio between consecutive sizes; TopJump an extra
	// factor between the two largest, how far the target lies beyond the
	// context.
	Sizes               IntRange
	SmallestN, SizeStep Range
	TopJump             Range
	// Ratios is how many token budgets D/N each size is trained at,
	// SmallestRatio the smallest D/N and RatioStep the factor between
	// consecutive ones. DropCells is the probability that a cell below the
	// largest size is missing.
	Ratios                   IntRange
	SmallestRatio, RatioStep Range
	DropCells                Range
	// LRs and Batches are the grid sizes, LRStep and BSStep the grid
	// ratios (√2 with probability SqrtTwoSteps, else drawn), DropConfigs
	// the probability that a grid point is missing. The grid's offset from
	// the optimum is drawn up to its largest valid Shift.
	LRs, Batches   IntRange
	LRStep, BSStep Range
	SqrtTwoSteps   float64
	DropConfigs    Range
	E, A, B        Range
	Alpha, Beta    Range
	LRAtRef        Range
	LRExpN, LRExpD Range
	// Straight is the probability that a world's optimum follows one power
	// law exactly (no bends).
	Straight        float64
	LRBendN         Range
	LRBendD         Range
	BSAtRef         Range
	BSExpN, BSExpD  Range
	BSBendD         Range
	Depth, DepthExp Range
	DepthExpN       Range
	Asymmetry       Range
	AsymmetryExpN   Range
	BatchWeight     Range
	Coupling, Power Range
	DivergeFactor   Range
	DivergeWidth    Range
	DivergeExpN     Range
	DivergedLoss    Range
	Noise           Range
	NoiseSlope      Range
	// Sparse is the probability that a world is a mixture-of-experts one,
	// with Sparsity total parameters per active one and ExpertGain.
	Sparse               float64
	Sparsity, ExpertGain Range
}

// Reference cell of the optimum's path.
const (
	refN = 1e9
	refD = 2e10
)

// DefaultPretrain returns the default pretraining prior. Its ranges are
// centred on the embedded default (the Step Law optimum, the Chinchilla
// level, the calibrated basin) and wide enough that the Step Law dense
// grids look like one more draw on every statistic of the prior-predictive
// check (PretrainStatistics):
//
//   - the optimum's exponents span the published fits and beyond: the
//     learning rate's N exponent −1 to −0.3 (Step Law −0.713), its D
//     exponent 0 to 0.5 (0.307), the batch size's D exponent 0.35 to 0.8
//     (0.571) with an N exponent of −0.45 to 0.25 (0), and, in three
//     worlds of four, bends of the log-log path of up to ±0.06 per squared
//     e-fold of N and ±0.04 of D, which no single power law captures;
//   - the basin's depth 0.008 to 0.06 per squared e-fold (0.023), its
//     flattening with D and its change with N, asymmetry 1 to 4 (2),
//     coupling 0 to 0.6 (0.3) and power 1.5 to 2.6 (2);
//   - divergence above 3 to 16 times lr* (7), moving with N;
//   - run noise 0.0005 to 0.008 (0.002), growing with the excess loss;
//   - ladders of 2 to 6 sizes from 5e7 to 5e8 parameters up, with a jump of
//     up to 6× to the largest, 2 to 5 token budgets per size, holes in the
//     ladder and the grids;
//   - one world in four a mixture-of-experts model of 4 to 32 total
//     parameters per active one.
func DefaultPretrain() *Pretrain {
	return &Pretrain{
		Sizes: IntRange{2, 6}, SmallestN: LogUniform(5e7, 5e8), SizeStep: LogUniform(1.25, 3), TopJump: LogUniform(1, 6),
		Ratios: IntRange{2, 5}, SmallestRatio: LogUniform(5, 40), RatioStep: LogUniform(1.5, 4), DropCells: Uniform(0, 0.4),
		LRs: IntRange{7, 14}, Batches: IntRange{5, 12}, LRStep: Uniform(1.2, 2), BSStep: Uniform(math.Sqrt2, 2), SqrtTwoSteps: 0.5,
		DropConfigs: Uniform(0, 0.15),
		E:           Uniform(1.4, 2.1), A: LogUniform(200, 800), B: LogUniform(200, 800),
		Alpha: Uniform(0.25, 0.45), Beta: Uniform(0.2, 0.38),
		LRAtRef: LogUniform(3e-4, 4e-3), LRExpN: Uniform(-1, -0.3), LRExpD: Uniform(0, 0.5),
		Straight: 0.25, LRBendN: Uniform(-0.06, 0.06), LRBendD: Uniform(-0.04, 0.04),
		BSAtRef: LogUniform(60, 800), BSExpN: Uniform(-0.45, 0.25), BSExpD: Uniform(0.35, 0.8), BSBendD: Uniform(-0.04, 0.04),
		Depth: LogUniform(0.008, 0.06), DepthExp: Uniform(-0.5, 0.05), DepthExpN: Uniform(-0.25, 0.25),
		Asymmetry: LogUniform(1, 4), AsymmetryExpN: Uniform(-0.2, 0.2), BatchWeight: LogUniform(0.3, 2),
		Coupling: Uniform(0, 0.6), Power: Uniform(1.5, 2.6),
		DivergeFactor: LogUniform(3, 16), DivergeWidth: Uniform(0.05, 0.5), DivergeExpN: Uniform(-0.2, 0.1),
		DivergedLoss: Uniform(5, 11),
		Noise:        LogUniform(0.0005, 0.008), NoiseSlope: Uniform(0, 0.05),
		Sparse: 0.25, Sparsity: LogUniform(4, 32), ExpertGain: Uniform(0.2, 0.6),
	}
}

// Task returns "pretrain".
func (p *Pretrain) Task() string { return pretrain.Task }

// Validate reports every range that is empty or malformed, naming it.
func (p *Pretrain) Validate() error {
	var errs []error
	ints := []struct {
		name string
		r    IntRange
		min  int
	}{{"Sizes", p.Sizes, 1}, {"Ratios", p.Ratios, 1}, {"LRs", p.LRs, 3}, {"Batches", p.Batches, 2}}
	for _, r := range ints {
		if err := r.r.validate(r.name, r.min); err != nil {
			errs = append(errs, err)
		}
	}
	for _, r := range p.ranges() {
		if err := r.r.validate(r.name); err != nil {
			errs = append(errs, err)
		}
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"SqrtTwoSteps", p.SqrtTwoSteps}, {"Sparse", p.Sparse}, {"Straight", p.Straight}} {
		if !(f.v >= 0 && f.v <= 1) {
			errs = append(errs, fmt.Errorf("field %s is %g, want a probability in [0, 1]", f.name, f.v))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("prior: invalid pretrain prior: %w", errors.Join(errs...))
	}
	return nil
}

type namedRange struct {
	name string
	r    Range
}

func (p *Pretrain) ranges() []namedRange {
	return []namedRange{
		{"SmallestN", p.SmallestN}, {"SizeStep", p.SizeStep}, {"TopJump", p.TopJump},
		{"SmallestRatio", p.SmallestRatio}, {"RatioStep", p.RatioStep}, {"DropCells", p.DropCells},
		{"LRStep", p.LRStep}, {"BSStep", p.BSStep}, {"DropConfigs", p.DropConfigs},
		{"E", p.E}, {"A", p.A}, {"B", p.B}, {"Alpha", p.Alpha}, {"Beta", p.Beta},
		{"LRAtRef", p.LRAtRef}, {"LRExpN", p.LRExpN}, {"LRExpD", p.LRExpD}, {"LRBendN", p.LRBendN}, {"LRBendD", p.LRBendD},
		{"BSAtRef", p.BSAtRef}, {"BSExpN", p.BSExpN}, {"BSExpD", p.BSExpD}, {"BSBendD", p.BSBendD},
		{"Depth", p.Depth}, {"DepthExp", p.DepthExp}, {"DepthExpN", p.DepthExpN},
		{"Asymmetry", p.Asymmetry}, {"AsymmetryExpN", p.AsymmetryExpN}, {"BatchWeight", p.BatchWeight},
		{"Coupling", p.Coupling}, {"Power", p.Power},
		{"DivergeFactor", p.DivergeFactor}, {"DivergeWidth", p.DivergeWidth}, {"DivergeExpN", p.DivergeExpN},
		{"DivergedLoss", p.DivergedLoss}, {"Noise", p.Noise}, {"NoiseSlope", p.NoiseSlope},
		{"Sparsity", p.Sparsity}, {"ExpertGain", p.ExpertGain},
	}
}

// Draw generates world seed: it draws the generator options (World) and
// generates the table. A draw that the generator rejects (a grid beyond the
// configuration space's bounds) is redrawn from the same seed's stream, so
// the result is still a function of the seed alone.
func (p *Pretrain) Draw(seed uint64) (*tasks.Table, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return drawWorld(pretrain.Task, seed, 0x7072696f722d7074, p.World,
		func(o pretrain.GenOptions) (*tasks.Table, error) { o.Seed = seed; return pretrain.Generate(o) },
		func(o pretrain.GenOptions) any { return worldParams(o) })
}

// World draws one world's generator options from rng; Seed is left 0 and
// the accelerator is the default one.
func (p *Pretrain) World(rng *rand.Rand) pretrain.GenOptions {
	o := pretrain.DefaultGenOptions()
	o.Seed = 0

	sizes := p.Sizes.Draw(rng)
	n := p.SmallestN.Draw(rng)
	o.Params = make([]float64, sizes)
	for i := range o.Params {
		if i > 0 {
			n *= p.SizeStep.Draw(rng)
			if i == sizes-1 {
				n *= p.TopJump.Draw(rng)
			}
		}
		o.Params[i] = round3(n)
	}
	ratios := p.Ratios.Draw(rng)
	r := p.SmallestRatio.Draw(rng)
	o.TokensPerParam = make([]float64, ratios)
	for i := range o.TokensPerParam {
		if i > 0 {
			r *= p.RatioStep.Draw(rng)
		}
		o.TokensPerParam[i] = round3(r)
	}
	o.Params, o.TokensPerParam = sortedUnique(o.Params), sortedUnique(o.TokensPerParam)
	o.DropCells = p.DropCells.Draw(rng)

	o.LRs, o.Batches = p.LRs.Draw(rng), p.Batches.Draw(rng)
	o.LRStep, o.BSStep = 0, 0
	if rng.Float64() >= p.SqrtTwoSteps {
		o.LRStep = p.LRStep.Draw(rng)
	}
	if rng.Float64() >= p.SqrtTwoSteps {
		o.BSStep = p.BSStep.Draw(rng)
	}
	o.Shift = rng.IntN(max(0, min(o.LRs/3, o.Batches/2)-1) + 1)
	o.DropConfigs = p.DropConfigs.Draw(rng)

	m := &o.Model
	m.E, m.A, m.B = p.E.Draw(rng), p.A.Draw(rng), p.B.Draw(rng)
	m.Alpha, m.Beta = p.Alpha.Draw(rng), p.Beta.Draw(rng)
	m.LRExpN, m.LRExpD = p.LRExpN.Draw(rng), p.LRExpD.Draw(rng)
	m.LRCoef = p.LRAtRef.Draw(rng) / (math.Pow(refN, m.LRExpN) * math.Pow(refD, m.LRExpD))
	m.LRBendN, m.LRBendD = p.LRBendN.Draw(rng), p.LRBendD.Draw(rng)
	straight := rng.Float64() < p.Straight
	m.BSExpN, m.BSExpD = p.BSExpN.Draw(rng), p.BSExpD.Draw(rng)
	m.BSCoef = p.BSAtRef.Draw(rng) * pretrain.SeqLen / (math.Pow(refN, m.BSExpN) * math.Pow(refD, m.BSExpD))
	m.BSBendD = p.BSBendD.Draw(rng)
	if straight {
		m.LRBendN, m.LRBendD, m.BSBendD = 0, 0, 0
	}
	m.Depth, m.DepthExp, m.DepthExpN = p.Depth.Draw(rng), p.DepthExp.Draw(rng), p.DepthExpN.Draw(rng)
	m.Asymmetry, m.AsymmetryExpN = p.Asymmetry.Draw(rng), p.AsymmetryExpN.Draw(rng)
	m.BatchWeight, m.Coupling, m.Power = p.BatchWeight.Draw(rng), p.Coupling.Draw(rng), p.Power.Draw(rng)
	m.DivergeFactor, m.DivergeWidth, m.DivergeExpN = p.DivergeFactor.Draw(rng), p.DivergeWidth.Draw(rng), p.DivergeExpN.Draw(rng)
	m.DivergedLoss = p.DivergedLoss.Draw(rng)
	o.Noise, o.NoiseSlope = p.Noise.Draw(rng), p.NoiseSlope.Draw(rng)
	m.Sparsity, m.ExpertGain = 0, 0
	if rng.Float64() < p.Sparse {
		m.Sparsity, m.ExpertGain = p.Sparsity.Draw(rng), p.ExpertGain.Draw(rng)
	}
	return o
}

// worldParams is what Meta.Generator records of a pretraining world: the
// generator options less the accelerator, which is the default one.
func worldParams(o pretrain.GenOptions) any {
	return struct {
		Params         []float64
		TokensPerParam []float64
		LRs, Batches   int
		Shift          int
		LRStep, BSStep float64
		DropConfigs    float64
		DropCells      float64
		Noise          float64
		NoiseSlope     float64
		Model          pretrain.Model
		CostSource     string
	}{o.Params, o.TokensPerParam, o.LRs, o.Batches, o.Shift, o.LRStep, o.BSStep, o.DropConfigs, o.DropCells,
		o.Noise, o.NoiseSlope, o.Model, fidelity.DefaultAccelerator().CostSource()}
}

// round3 rounds v to three significant digits.
func round3(v float64) float64 {
	if v == 0 {
		return 0
	}
	p := math.Pow(10, math.Floor(math.Log10(math.Abs(v)))-2)
	return math.Round(v/p) * p
}
