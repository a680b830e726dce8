package pretrain

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"

	"github.com/autollmresearch/gym/fidelity"
	"github.com/autollmresearch/gym/tasks"
)

// GenOptions are the knobs of the default generator. Start from
// DefaultGenOptions and change what you need.
type GenOptions struct {
	// Seed drives the divergence draws and the noise.
	Seed uint64
	// Noise is the standard deviation of the Gaussian noise added to the
	// smoothed loss of a converged run; the unsmoothed final loss gets twice
	// as much on top. Default 0.002, about the scatter of the published
	// smoothed losses around a smooth basin.
	Noise float64
	// Params is the ladder of model sizes N (non-embedding parameters).
	// Default 1e8, 2.34e8, 5.48e8, 1.28e9, 2.99e9, 7e9 (a geometric ladder).
	Params []float64
	// TokensPerParam lists the ratios D/N trained at each model size, so
	// there are len(Params)·len(TokensPerParam) cells. D is rounded to three
	// significant digits. Default 10, 30, 100, 300, spanning the published
	// Step Law grid's 18 to 466 and the compute-optimal ratio of about 20.
	TokensPerParam []float64
	// LRs is the number of learning rates per cell: consecutive powers of
	// √2, from four steps below the power nearest lr* upwards (before
	// Shift), so that the top of the grid reaches past the divergence
	// threshold. Default 12.
	LRs int
	// Batches is the number of batch sizes per cell: consecutive powers of
	// √2 (rounded to whole sequences, and to multiples of 8 from 64 up),
	// centred on the one nearest bs* (before Shift). Default 10.
	Batches int
	// Shift moves each cell's learning-rate window and its batch-size
	// window by a seeded whole number of √2 steps drawn uniformly from
	// [−Shift, Shift], independently per cell and per axis, as real sweeps
	// are seldom centred on the optimum. Without it the optimum would sit
	// at the same grid index in every cell, and an agent could find it
	// from the grid's shape alone. It must leave the optimum inside the
	// grid: at most LRs/3 − 1 and Batches/2 − 1. Default 1.
	Shift int
	// Model is the loss surface. Default DefaultModel().
	Model Model
	// NoiseSlope makes the run noise heteroscedastic: a converged run's
	// noise has standard deviation Noise + NoiseSlope·(L − level), growing
	// with the run's excess loss over its cell's optimum, as runs far from
	// the optimum are less stable. Default 0.
	NoiseSlope float64
	// LRStep and BSStep are the ratios between consecutive learning rates
	// and batch sizes of a grid: 0 means √2, as in the Step Law sweeps.
	// LRStep must be in [1.1, 4] and BSStep in [√2, 4].
	LRStep, BSStep float64
	// DropConfigs is the probability that a grid point was never run, drawn
	// independently per point: real sweeps have holes. Default 0; at most
	// 0.5.
	DropConfigs float64
	// DropCells is the probability that a cell below the largest model
	// size was never run, so the ladder need not be a full product of
	// Params and TokensPerParam. Default 0; at most 0.5.
	DropCells float64
	// Accelerator prices each run. Default fidelity.DefaultAccelerator().
	Accelerator fidelity.Accelerator
}

// DefaultGenOptions returns the options Default uses.
func DefaultGenOptions() GenOptions {
	return GenOptions{
		Seed:           1,
		Noise:          0.002,
		Params:         []float64{1e8, 2.34e8, 5.48e8, 1.28e9, 2.99e9, 7e9},
		TokensPerParam: []float64{10, 30, 100, 300},
		LRs:            12,
		Batches:        10,
		Shift:          1,
		Model:          DefaultModel(),
		Accelerator:    fidelity.DefaultAccelerator(),
	}
}

var defaultTable = sync.OnceValues(func() (*tasks.Table, error) {
	return Generate(DefaultGenOptions())
})

// Default returns the embedded default table, generated on first use by
// Generate(DefaultGenOptions()) and shared afterwards: 24 (N, D) cells of
// 12 learning rates × 10 batch sizes, 2,880 runs. The table is read-only;
// callers must not Release it.
func Default() (*tasks.Table, error) { return defaultTable() }

// Generate builds a synthetic table from opts. For every cell (N, D) it
// lays a grid of learning rates and batch sizes around the Step Law
// optimum, evaluates the model's noise-free loss, draws divergence from
// Model.DivergeProbability and adds Gaussian noise, all from a generator
// seeded with opts.Seed, so equal options give equal tables.
func Generate(opts GenOptions) (*tasks.Table, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	m := opts.Model
	rng := rand.New(rand.NewPCG(opts.Seed, 0x70726574726169))
	shifts := rand.New(rand.NewPCG(opts.Seed, 0x7368696674))
	shift := func() int { return shifts.IntN(2*opts.Shift+1) - opts.Shift }
	// holes decides which cells and grid points were never run; it is a
	// stream of its own so that the other draws do not depend on it.
	holes := rand.New(rand.NewPCG(opts.Seed, 0x686f6c6573))
	largest := slices.Max(opts.Params)
	runs := make([]run, 0, len(opts.Params)*len(opts.TokensPerParam)*opts.LRs*opts.Batches)
	for _, n := range opts.Params {
		for _, ratio := range opts.TokensPerParam {
			d := round3(n * ratio)
			lrs := lrGrid(m.OptimalLR(n, d), opts.LRs, shift(), opts.LRStep)
			bss := batchGrid(m.OptimalBatch(n, d), opts.Batches, shift(), opts.BSStep)
			if opts.DropCells > 0 && n < largest && holes.Float64() < opts.DropCells {
				continue
			}
			if lrs[0] < MinLR || lrs[len(lrs)-1] > MaxLR {
				return nil, fmt.Errorf("pretrain: generate: cell N=%g, D=%g: learning rates [%g, %g] leave the space's [%g, %g]", n, d, lrs[0], lrs[len(lrs)-1], MinLR, MaxLR)
			}
			if bss[len(bss)-1] > MaxBS {
				return nil, fmt.Errorf("pretrain: generate: cell N=%g, D=%g: batch sizes up to %g exceed the space's maximum %g", n, d, bss[len(bss)-1], MaxBS)
			}
			for _, lr := range lrs {
				p := m.DivergeProbability(n, d, lr)
				for _, bs := range bss {
					u, e1, e2 := rng.Float64(), rng.NormFloat64(), rng.NormFloat64()
					if opts.DropConfigs > 0 && holes.Float64() < opts.DropConfigs {
						continue
					}
					r := run{n: n, d: d, lr: lr, bs: bs}
					if u < p {
						r.diverged = true
						r.loss = m.DivergedLoss * math.Exp(0.1*e1)
						r.final = r.loss * math.Exp(0.15*e2)
					} else {
						sd := opts.Noise
						excess := m.excess(n, d, lr, bs)
						if opts.NoiseSlope != 0 {
							sd += opts.NoiseSlope * excess
						}
						r.loss = m.Level(n, d) + excess + sd*e1
						r.final = r.loss + 2*sd*e2
					}
					runs = append(runs, r)
				}
			}
		}
	}
	md := meta(tasks.Synthetic, opts.Accelerator, m.Sparsity > 1)
	md.Source = "generated by github.com/autollmresearch/gym/tasks/pretrain from the Step Law optimum and the Chinchilla loss fit; no run produced these rows"
	md.Citation = stepLawCitation + "; " + chinchillaCitation
	md.Licence = "generated by this project; same licence as the project"
	return build(md, runs, opts.Accelerator, m.Sparsity)
}

func (o GenOptions) validate() error {
	var errs []error
	if !(o.Noise >= 0) || math.IsInf(o.Noise, 0) {
		errs = append(errs, fmt.Errorf("field Noise is %g, want non-negative and finite", o.Noise))
	}
	if len(o.Params) == 0 {
		errs = append(errs, errors.New("field Params is empty"))
	}
	for i, n := range o.Params {
		if !(n > 0) || math.IsInf(n, 0) {
			errs = append(errs, fmt.Errorf("field Params[%d] is %g, want positive and finite", i, n))
		}
	}
	if len(o.TokensPerParam) == 0 {
		errs = append(errs, errors.New("field TokensPerParam is empty"))
	}
	for i, r := range o.TokensPerParam {
		if !(r > 0) || math.IsInf(r, 0) {
			errs = append(errs, fmt.Errorf("field TokensPerParam[%d] is %g, want positive and finite", i, r))
		}
	}
	if o.LRs < 2 {
		errs = append(errs, fmt.Errorf("field LRs is %d, want at least 2", o.LRs))
	}
	if o.Batches < 2 {
		errs = append(errs, fmt.Errorf("field Batches is %d, want at least 2", o.Batches))
	}
	if o.NoiseSlope < 0 || o.NoiseSlope > 10 || math.IsNaN(o.NoiseSlope) {
		errs = append(errs, fmt.Errorf("field NoiseSlope is %g, want a number in [0, 10]", o.NoiseSlope))
	}
	if o.LRStep != 0 && !(o.LRStep >= 1.1 && o.LRStep <= 4) {
		errs = append(errs, fmt.Errorf("field LRStep is %g, want a ratio in [1.1, 4] (or 0 for √2)", o.LRStep))
	}
	if o.BSStep != 0 && !(o.BSStep >= math.Sqrt2 && o.BSStep <= 4) {
		errs = append(errs, fmt.Errorf("field BSStep is %g, want a ratio in [√2, 4] (or 0 for √2)", o.BSStep))
	}
	if !(o.DropConfigs >= 0 && o.DropConfigs <= 0.5) {
		errs = append(errs, fmt.Errorf("field DropConfigs is %g, want a probability in [0, 0.5]", o.DropConfigs))
	}
	if !(o.DropCells >= 0 && o.DropCells <= 0.5) {
		errs = append(errs, fmt.Errorf("field DropCells is %g, want a probability in [0, 0.5]", o.DropCells))
	}
	if o.Shift < 0 || (o.LRs >= 2 && o.Shift > o.LRs/3-1) || (o.Batches >= 2 && o.Shift > o.Batches/2-1) {
		errs = append(errs, fmt.Errorf("field Shift is %d, want between 0 and min(LRs/3, Batches/2) − 1 = %d so the optimum stays inside the grid", o.Shift, max(0, min(o.LRs/3, o.Batches/2)-1)))
	}
	if err := o.Model.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := o.Accelerator.Validate(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("pretrain: invalid generator options: %w", errors.Join(errs...))
	}
	return nil
}

// ladder returns step^j, with the √2 ladder (step 0 or √2) computed as
// 2^(j/2) exactly.
func ladder(step float64, j int) float64 {
	if step == 0 || step == math.Sqrt2 {
		return math.Exp2(float64(j) / 2)
	}
	return math.Pow(step, float64(j))
}

// rung returns the j whose ladder(step, j) is nearest v in log scale.
func rung(step, v float64) int {
	if step == 0 || step == math.Sqrt2 {
		return int(math.Round(2 * math.Log2(v)))
	}
	return int(math.Round(math.Log(v) / math.Log(step)))
}

// lrGrid returns n consecutive rungs of the ladder of ratio step (0 for √2)
// starting n/3 − shift rungs below the one nearest opt.
func lrGrid(opt float64, n, shift int, step float64) []float64 {
	j0 := rung(step, opt) - n/3 + shift
	out := make([]float64, n)
	for k := range out {
		out[k] = ladder(step, j0+k)
	}
	return out
}

// batchGrid returns n consecutive batch sizes on the ladder round(step^j)
// (step 0 for √2; multiples of 8 from 64 up), starting n/2 − shift rungs
// below the one nearest opt but no lower than 2 sequences.
func batchGrid(opt float64, n, shift int, step float64) []float64 {
	j0 := rung(step, opt) - n/2 + shift
	for ladder(step, j0) < 1.9 {
		j0++
	}
	out := make([]float64, n)
	for k := range out {
		v := ladder(step, j0+k)
		if v >= 64 {
			v = 8 * math.Round(v/8)
		} else {
			v = math.Round(v)
		}
		out[k] = v
	}
	return out
}

// round3 rounds v to three significant digits, to the float64 nearest the
// decimal value.
func round3(v float64) float64 {
	r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'e', 2, 64), 64)
	if err != nil {
		return v
	}
	return r
}
