package grpo

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/autollmresearch/gym/fidelity"
	"github.com/autollmresearch/gym/spaces"
	"github.com/autollmresearch/gym/tasks"
)

// GenOptions are the knobs of the synthetic generator. Start from
// DefaultGenOptions and change what you need; Generate uses every field as
// given.
type GenOptions struct {
	// Seed drives every random choice: the Latin hypercube of each
	// experiment, collapses and noise. Default 1.
	Seed uint64
	// Configs is the number of configurations per experiment, a Latin
	// hypercube sample of the space with group_size and batch_size rounded
	// to powers of two. Default 200; must be in [2, 100000].
	Configs int
	// Steps is the number of optimiser steps of every run; it sets the
	// number of sampled completions (steps × batch_size × group_size) and
	// so the progress and cost. Default 200; must be in [1, 1000000].
	Steps int
	// RunNoise is the standard deviation of run-to-run noise on the logit
	// of the pass rate. Default 0.1; must be in [0, 5].
	RunNoise float64
	// EvalNoise draws pass@1 as a binomial proportion over the dataset's
	// test problems (1,319 for GSM8K, 500 for MATH-500) instead of
	// reporting the expected rate. Default true.
	EvalNoise bool
	// Surface is the synthetic model's constants. Default DefaultSurface().
	Surface Surface
}

// DefaultGenOptions returns the options of Default.
func DefaultGenOptions() GenOptions {
	return GenOptions{Seed: 1, Configs: 200, Steps: 200, RunNoise: 0.1, EvalNoise: true, Surface: DefaultSurface()}
}

// genStream is the second word of the PCG state; the seed is the first.
const genStream = 0x6772706f2d2d2d2d // "grpo----"

var defaultTable = sync.OnceValues(func() (*tasks.Table, error) {
	return Generate(DefaultGenOptions())
})

// Default returns the embedded synthetic table, generated on first use with
// DefaultGenOptions: 5 model sizes × 2 datasets × 200 configurations. The
// table is shared and read-only: callers must not Release it.
func Default() (*tasks.Table, error) { return defaultTable() }

func (o GenOptions) validate() error {
	var errs []error
	if o.Configs < 2 || o.Configs > 100_000 {
		errs = append(errs, fmt.Errorf("option Configs = %d: want a count in [2, 100000]", o.Configs))
	}
	if o.Steps < 1 || o.Steps > 1_000_000 {
		errs = append(errs, fmt.Errorf("option Steps = %d: want a count in [1, 1000000]", o.Steps))
	}
	if !(o.RunNoise >= 0 && o.RunNoise <= 5) {
		errs = append(errs, fmt.Errorf("option RunNoise = %g: want a number in [0, 5]", o.RunNoise))
	}
	if err := o.Surface.Validate(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("grpo: invalid GenOptions: %w", errors.Join(errs...))
	}
	return nil
}

// latinHypercube returns n points of [0,1)^d, one in each of the n strata
// of every coordinate.
func latinHypercube(rng *rand.Rand, n, d int) [][]float64 {
	pts := make([][]float64, n)
	for i := range pts {
		pts[i] = make([]float64, d)
	}
	for j := range d {
		for i, stratum := range rng.Perm(n) {
			pts[i][j] = (float64(stratum) + rng.Float64()) / float64(n)
		}
	}
	return pts
}

// powerOfTwo maps u in [0,1) to 2^k, k uniform over the integers in
// [lo, hi].
func powerOfTwo(u float64, lo, hi int) int {
	k := lo + int(u*float64(hi-lo+1))
	return 1 << min(k, hi)
}

// logScale maps u in [0,1) to [lo, hi] on a log scale.
func logScale(u, lo, hi float64) float64 {
	return math.Exp(math.Log(lo) + u*(math.Log(hi)-math.Log(lo)))
}

// knobsAt maps a point of the unit cube to a configuration.
func knobsAt(u []float64) knobs {
	return knobs{
		lr:    logScale(u[0], 1e-7, 1e-4),
		kl:    logScale(u[1], 1e-4, 1),
		group: powerOfTwo(u[2], 1, 6),
		clip:  0.05 + u[3]*0.35,
		temp:  0.3 + u[4]*1.2,
		batch: powerOfTwo(u[5], 4, 10),
	}
}

func (k knobs) config() spaces.Config {
	return spaces.Config{
		LR: k.lr, KLCoef: k.kl, GroupSize: k.group,
		ClipRange: k.clip, Temperature: k.temp, BatchSize: k.batch,
	}
}

// costSource describes the cost model for the metadata.
func costSource(acc fidelity.Accelerator) string {
	return fmt.Sprintf("estimated: rollouts 2·N FLOPs per generated token at %g%% utilisation plus training 8·N FLOPs "+
		"per prompt and completion token (6·N policy update, 2·N reference forward) at %g%%, on %s at %g TFLOP/s peak",
		generationUtilisation*100, acc.Utilisation*100, acc.Name, acc.PeakFLOPS/1e12)
}

// Generate builds a synthetic GRPO table from opts: every model size ×
// dataset is an experiment with its own Latin hypercube of configurations.
// See the package documentation for the model.
func Generate(opts GenOptions) (*tasks.Table, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	rng := newRand(opts.Seed)
	surface := &opts.Surface
	acc := fidelity.DefaultAccelerator()
	md := meta()
	md.CostSource = costSource(acc)
	b, err := tasks.NewBuilder(md)
	if err != nil {
		return nil, fmt.Errorf("grpo: %w", err)
	}
	binom := distuv.Binomial{Src: rng}
	for _, m := range models {
		for di, name := range datasets {
			d := surface.dataset(di)
			id := ExperimentID(m.Name, name)
			fid := map[string]any{FidParams: m.Params, FidDataset: name}
			p0 := d.basePass(m.Params)
			for _, u := range latinHypercube(rng, opts.Configs, Space().Len()) {
				k := knobsAt(u)
				diverged := rng.Float64() < surface.collapseProb(m.Params, k)
				var p float64
				if diverged {
					p = p0 * surface.CollapseFloor * rng.Float64()
				} else {
					p = d.expectedPass(m.Params, k, opts.Steps)
					p = sigmoid(logit(p) + opts.RunNoise*rng.NormFloat64())
				}
				if opts.EvalNoise {
					binom.N, binom.P = float64(d.eval), p
					p = binom.Rand() / float64(d.eval)
				}
				b.Add(tasks.Row{
					Experiment:   id,
					Fidelity:     fid,
					Config:       k.config(),
					Metrics:      map[string]float64{Objective: p},
					CostGPUHours: d.costGPUHours(acc, m.Params, k, opts.Steps),
					Diverged:     diverged,
				})
			}
		}
	}
	t, err := b.Build()
	if err != nil {
		return nil, fmt.Errorf("grpo: %w", err)
	}
	return t, nil
}

func logit(p float64) float64 { return math.Log(p / (1 - p)) }

// newRand returns the generator's random source for a seed.
func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, genStream)) }
