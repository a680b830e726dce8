package grpo

import (
	"math"

	"github.com/autollmresearch/gym/fidelity"
)

// The synthetic model's constants. They are illustrative: chosen to give
// plausible magnitudes and the qualitative behaviour reported for GRPO, not
// fitted to any run. The package documentation states the formulas.
const (
	// lrAt1B and lrExponent give the optimal learning rate
	// lr*(N) = lrAt1B·(N/1e9)^lrExponent: larger models want smaller steps.
	lrAt1B     = 2e-6
	lrExponent = -0.35
	// lrWidth is the standard deviation of the Gaussian basin in log10 lr.
	lrWidth = 0.45
	// klBest is the optimal KL coefficient; klWidthLow and klWidthHigh are
	// the basin's widths in log10 below it (too little regularisation,
	// mildly harmful) and above it (the penalty holds the policy back).
	klBest      = 5e-3
	klWidthLow  = 1.5
	klWidthHigh = 0.6
	// clipBest and clipWidth give the basin in the clip range.
	clipBest  = 0.2
	clipWidth = 0.12
	// tempWidth is the width of the basin in temperature around the
	// dataset's optimum.
	tempWidth = 0.35
	// computeScale (C0) and computeExponent (γ) give the realised fraction
	// of the attainable gain f = 1 − (1 + C/C0)^−γ, C the effective compute
	// in parameter-samples (see progress).
	computeScale    = 1e14
	computeExponent = 0.5
	// groupRedundancy (ω) discounts completions of the same prompt: a group
	// of G carries the information of G^ω independent samples, since its
	// completions share the prompt.
	groupRedundancy = 0.5
	// collapseMargin is how many decades above lr* the collapse threshold
	// sits at clip range 0.2 and KL coefficient klBest; collapseWidth is the
	// softness of the threshold in decades; collapseClip and collapseKL say
	// how the threshold moves with the clip range (per unit) and with
	// log10(kl_coef/klBest) (clamped to ±1).
	collapseMargin = 1.7
	collapseWidth  = 0.12
	collapseClip   = -2
	collapseKL     = 0.25
	// collapseFloor bounds the pass rate of a collapsed run: a uniform
	// fraction in [0, collapseFloor) of the base model's.
	collapseFloor = 0.3
	// generationUtilisation is the model FLOPs utilisation of rollout
	// generation, memory-bound decoding being far less efficient than
	// training.
	generationUtilisation = 0.10
)

// datasetModel holds the constants of one dataset.
type datasetModel struct {
	// alpha and beta give the base model's pass rate
	// p0(N) = sigmoid(alpha + beta·ln(N/1e9)); delta is the logit gain RL
	// can add at most, so the ceiling is sigmoid(alpha + delta + beta·ln(N/1e9)).
	alpha, beta, delta float64
	// temp is the optimal sampling temperature.
	temp float64
	// prompt and completion are the mean prompt and completion lengths in
	// tokens.
	prompt, completion float64
	// eval is the number of test problems behind pass@1.
	eval int
}

// datasetModels are in datasets order. The base pass rates follow the shape
// of the few-shot scores the Qwen2.5 report gives for its base models
// (about 0.4 to 0.9 on GSM8K and 0.2 to 0.55 on MATH from 0.5B to 14B).
var datasetModels = []datasetModel{
	{alpha: 0.2, beta: 0.75, delta: 0.9, temp: 0.8, prompt: 150, completion: 300, eval: 1319},
	{alpha: -1.15, beta: 0.57, delta: 0.8, temp: 1.0, prompt: 200, completion: 700, eval: 500},
}

// knobs is one configuration in plain fields.
type knobs struct {
	lr, kl     float64
	group      int
	clip, temp float64
	batch      int
}

// optimalLR is lr*(N).
func optimalLR(params float64) float64 {
	return lrAt1B * math.Pow(params/1e9, lrExponent)
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
	e := math.Log10(k.lr/optimalLR(params)) / lrWidth
	q := e * e
	kl := math.Log10(k.kl / klBest)
	if kl < 0 {
		kl /= klWidthLow
	} else {
		kl /= klWidthHigh
	}
	q += kl * kl
	c := (k.clip - clipBest) / clipWidth
	q += c * c
	t := (k.temp - d.temp) / tempWidth
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
	samples := float64(steps) * float64(k.batch) * math.Pow(g, groupRedundancy)
	c := params * samples * informative(d.basePass(params), k.group)
	return 1 - math.Pow(1+c/computeScale, -computeExponent)
}

// expectedPass is the noiseless pass@1 of a run that does not collapse.
func (d datasetModel) expectedPass(params float64, k knobs, steps int) float64 {
	p0 := d.basePass(params)
	return p0 + (d.ceilingPass(params)-p0)*d.progress(params, k, steps)*d.quality(params, k)
}

// collapseProb is the probability that a run collapses, a soft threshold in
// log10(lr/lr*) that wide clip ranges lower and strong KL penalties raise.
func collapseProb(params float64, k knobs) float64 {
	kl := math.Max(-1, math.Min(1, math.Log10(k.kl/klBest)))
	threshold := collapseMargin + collapseClip*(k.clip-clipBest) + collapseKL*kl
	return sigmoid((math.Log10(k.lr/optimalLR(params)) - threshold) / collapseWidth)
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
