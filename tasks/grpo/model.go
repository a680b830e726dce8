package grpo

import (
	"errors"
	"fmt"
	"math"

	"github.com/autollmresearch/gym/fidelity"
)

// generationUtilisation is the model FLOPs utilisation of rollout
// generation, memory-bound decoding being far less efficient than
// training.
const generationUtilisation = 0.10

// Surface holds the synthetic model's constants (the package documentation
// states the formulas). DefaultSurface's are illustrative: chosen to give
// plausible magnitudes and the qualitative behaviour reported for GRPO, not
// fitted to any run. The world priors of package prior draw others.
type Surface struct {
	// LRAt1B and LRExponent give the optimal learning rate
	// lr*(N) = LRAt1B·(N/1e9)^LRExponent: larger models want smaller steps.
	// LRWidth is the standard deviation of the Gaussian basin in log10 lr.
	LRAt1B, LRExponent, LRWidth float64
	// KLBest is the optimal KL coefficient; KLWidthLow and KLWidthHigh are
	// the basin's widths in log10 below it (too little regularisation,
	// mildly harmful) and above it (the penalty holds the policy back).
	KLBest, KLWidthLow, KLWidthHigh float64
	// ClipBest and ClipWidth give the basin in the clip range, TempWidth
	// its width in temperature around each dataset's optimum.
	ClipBest, ClipWidth, TempWidth float64
	// ComputeScale (C0) and ComputeExponent (γ) give the realised fraction
	// of the attainable gain f = 1 − (1 + C/C0)^−γ, C the effective compute
	// in parameter-samples; GroupRedundancy (ω) discounts completions of
	// the same prompt: a group of G carries the information of G^ω
	// independent samples.
	ComputeScale, ComputeExponent, GroupRedundancy float64
	// CollapseMargin is how many decades above lr* the collapse threshold
	// sits at clip range 0.2 and KL coefficient KLBest; CollapseWidth is
	// the softness of the threshold in decades; CollapseClip and CollapseKL
	// say how the threshold moves with the clip range (per unit) and with
	// log10(kl_coef/KLBest) (clamped to ±1). CollapseFloor bounds the pass
	// rate of a collapsed run: a uniform fraction in [0, CollapseFloor) of
	// the base model's.
	CollapseMargin, CollapseWidth, CollapseClip, CollapseKL, CollapseFloor float64
	// Datasets holds each dataset's constants, in Datasets order.
	Datasets []DatasetSurface
}

// DatasetSurface holds the constants of one dataset: Alpha and Beta give
// the base model's pass rate p0(N) = sigmoid(Alpha + Beta·ln(N/1e9)); Delta
// is the logit gain RL can add at most, so the ceiling is
// sigmoid(Alpha + Delta + Beta·ln(N/1e9)); Temp is the optimal sampling
// temperature.
type DatasetSurface struct {
	Alpha, Beta, Delta, Temp float64
}

// DefaultSurface returns the constants of the default table. The base pass
// rates follow the shape of the few-shot scores the Qwen2.5 report gives
// for its base models (about 0.4 to 0.9 on GSM8K and 0.2 to 0.55 on MATH
// from 0.5B to 14B).
func DefaultSurface() Surface {
	return Surface{
		LRAt1B: 2e-6, LRExponent: -0.35, LRWidth: 0.45,
		KLBest: 5e-3, KLWidthLow: 1.5, KLWidthHigh: 0.6,
		ClipBest: 0.2, ClipWidth: 0.12, TempWidth: 0.35,
		ComputeScale: 1e14, ComputeExponent: 0.5, GroupRedundancy: 0.5,
		CollapseMargin: 1.7, CollapseWidth: 0.12, CollapseClip: -2, CollapseKL: 0.25, CollapseFloor: 0.3,
		Datasets: []DatasetSurface{
			{Alpha: 0.2, Beta: 0.75, Delta: 0.9, Temp: 0.8},
			{Alpha: -1.15, Beta: 0.57, Delta: 0.8, Temp: 1.0},
		},
	}
}

// Validate reports every constant that is not finite, a width or scale
// that is not positive, a collapse floor outside [0, 1], and a dataset list
// of the wrong length.
func (s Surface) Validate() error {
	var errs []error
	for _, f := range []struct {
		name     string
		v        float64
		positive bool
	}{
		{"LRAt1B", s.LRAt1B, true}, {"LRExponent", s.LRExponent, false}, {"LRWidth", s.LRWidth, true},
		{"KLBest", s.KLBest, true}, {"KLWidthLow", s.KLWidthLow, true}, {"KLWidthHigh", s.KLWidthHigh, true},
		{"ClipBest", s.ClipBest, false}, {"ClipWidth", s.ClipWidth, true}, {"TempWidth", s.TempWidth, true},
		{"ComputeScale", s.ComputeScale, true}, {"ComputeExponent", s.ComputeExponent, true}, {"GroupRedundancy", s.GroupRedundancy, false},
		{"CollapseMargin", s.CollapseMargin, false}, {"CollapseWidth", s.CollapseWidth, true},
		{"CollapseClip", s.CollapseClip, false}, {"CollapseKL", s.CollapseKL, false},
	} {
		switch {
		case math.IsNaN(f.v) || math.IsInf(f.v, 0):
			errs = append(errs, fmt.Errorf("field %s is %g, want a finite number", f.name, f.v))
		case f.positive && !(f.v > 0):
			errs = append(errs, fmt.Errorf("field %s is %g, want a positive number", f.name, f.v))
		}
	}
	if !(s.CollapseFloor >= 0 && s.CollapseFloor <= 1) {
		errs = append(errs, fmt.Errorf("field CollapseFloor is %g, want a fraction in [0, 1]", s.CollapseFloor))
	}
	if len(s.Datasets) != len(datasets) {
		errs = append(errs, fmt.Errorf("field Datasets has %d entries, want one per dataset (%d)", len(s.Datasets), len(datasets)))
	}
	for i, d := range s.Datasets {
		for _, v := range []float64{d.Alpha, d.Beta, d.Delta, d.Temp} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				errs = append(errs, fmt.Errorf("field Datasets[%d] holds %g, want finite numbers", i, v))
				break
			}
		}
		if !(d.Temp > 0) {
			errs = append(errs, fmt.Errorf("field Datasets[%d].Temp is %g, want a positive temperature", i, d.Temp))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("grpo: invalid Surface: %w", errors.Join(errs...))
	}
	return nil
}

// datasetModel holds the constants of one dataset under a surface.
type datasetModel struct {
	s *Surface
	// alpha, beta, delta and temp are the surface's DatasetSurface.
	alpha, beta, delta, temp float64
	// prompt and completion are the mean prompt and completion lengths in
	// tokens.
	prompt, completion float64
	// eval is the number of test problems behind pass@1.
	eval int
}

// datasetShapes are the fixed, measured facts of each dataset, in datasets
// order: prompt and completion lengths and the size of the test set.
var datasetShapes = []struct {
	prompt, completion float64
	eval               int
}{
	{prompt: 150, completion: 300, eval: 1319},
	{prompt: 200, completion: 700, eval: 500},
}

// dataset returns dataset i's model under s.
func (s *Surface) dataset(i int) datasetModel {
	d, sh := s.Datasets[i], datasetShapes[i]
	return datasetModel{s: s, alpha: d.Alpha, beta: d.Beta, delta: d.Delta, temp: d.Temp,
		prompt: sh.prompt, completion: sh.completion, eval: sh.eval}
}

// knobs is one configuration in plain fields.
type knobs struct {
	lr, kl     float64
	group      int
	clip, temp float64
	batch      int
}

// OptimalLR is lr*(N) = LRAt1B·(N/1e9)^LRExponent.
func (s *Surface) OptimalLR(params float64) float64 {
	return s.LRAt1B * math.Pow(params/1e9, s.LRExponent)
}

// basePass is the pass rate before RL.
func (d datasetModel) basePass(params float64) float64 {
	return sigmoid(d.alpha + d.beta*math.Log(params/1e9))
}

// ceilingPass is the pass rate RL converges to with unlimited compute.
func (d datasetModel) ceilingPass(params float64) float64 {
	return sigmoid(d.alpha + d.delta + d.beta*math.Log(params/1e9))
}

// quality is the knob basin q in (0, 1]: 1 at the optimum of every knob.
func (d datasetModel) quality(params float64, k knobs) float64 {
	s := d.s
	e := math.Log10(k.lr/s.OptimalLR(params)) / s.LRWidth
	q := e * e
	kl := math.Log10(k.kl / s.KLBest)
	if kl < 0 {
		kl /= s.KLWidthLow
	} else {
		kl /= s.KLWidthHigh
	}
	q += kl * kl
	c := (k.clip - s.ClipBest) / s.ClipWidth
	q += c * c
	t := (k.temp - d.temp) / s.TempWidth
	q += t * t
	return math.Exp(-q / 2)
}

// informative is the fraction of groups of g completions whose rewards are
// not all equal when each is correct with probability p: only those give a
// non-zero group-normalised advantage.
func informative(p float64, g int) float64 {
	return 1 - math.Pow(p, float64(g)) - math.Pow(1-p, float64(g))
}

// progress is f, the realised fraction of the attainable gain after steps
// optimiser steps: f = 1 − (1 + C/C0)^−γ with the effective compute
// C = N · steps · batch · G^ω · informative(p0, G).
func (d datasetModel) progress(params float64, k knobs, steps int) float64 {
	g := float64(k.group)
	samples := float64(steps) * float64(k.batch) * math.Pow(g, d.s.GroupRedundancy)
	c := params * samples * informative(d.basePass(params), k.group)
	return 1 - math.Pow(1+c/d.s.ComputeScale, -d.s.ComputeExponent)
}

// expectedPass is the noiseless pass@1 of a run that does not collapse.
func (d datasetModel) expectedPass(params float64, k knobs, steps int) float64 {
	p0 := d.basePass(params)
	return p0 + (d.ceilingPass(params)-p0)*d.progress(params, k, steps)*d.quality(params, k)
}

// collapseProb is the probability that a run collapses, a soft threshold in
// log10(lr/lr*) that wide clip ranges lower and strong KL penalties raise.
func (s *Surface) collapseProb(params float64, k knobs) float64 {
	kl := math.Max(-1, math.Min(1, math.Log10(k.kl/s.KLBest)))
	threshold := s.CollapseMargin + s.CollapseClip*(k.clip-s.ClipBest) + s.CollapseKL*kl
	return sigmoid((math.Log10(k.lr/s.OptimalLR(params)) - threshold) / s.CollapseWidth)
}

// costGPUHours is the cost of a run: rollout generation, 2·N FLOPs per
// completion token at generationUtilisation, plus training, 6·N FLOPs per
// prompt and completion token for the policy update and 2·N for the
// reference model's forward pass, at the accelerator's utilisation.
func (d datasetModel) costGPUHours(acc fidelity.Accelerator, params float64, k knobs, steps int) float64 {
	samples := float64(steps) * float64(k.batch) * float64(k.group)
	gen := acc
	gen.Utilisation = generationUtilisation
	generated := samples * d.completion
	seen := samples * (d.prompt + d.completion)
	return gen.Hours(2*params*generated) + acc.Hours(8*params*seen)
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
