package prior

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/autollmresearch/gym/tasks"
	"github.com/autollmresearch/gym/tasks/arch"
)

// Arch is the prior over architecture worlds: each draw is an arch.Law
// (the size law's exponent, the shape penalties and each scale's
// perplexity range) with a noise level and a number of mixed architectures,
// generated into a table by arch.Generate over the HW-GPT-Bench spaces.
type Arch struct {
	// SizeExponent, AspectOptimum, AspectCurvature, AttnCurvature and
	// NoBiasPenalty are the law's constants (see arch.Law).
	SizeExponent, AspectOptimum, AspectCurvature, AttnCurvature, NoBiasPenalty Range
	// SmallLow is the lowest perplexity at the small scale; Span the ratio
	// of a scale's highest perplexity to its lowest; Step the ratio of a
	// scale's lowest perplexity to the previous scale's.
	SmallLow, Span, Step Range
	// Noise is the standard deviation of the noise on the log perplexity;
	// Mixed how many mixed architectures each scale has beside the
	// uniform ones.
	Noise Range
	Mixed IntRange
}

// DefaultArch returns the default architecture prior, whose ranges contain
// arch.DefaultLaw (exponent 0.34, aspect optimum 64, curvatures 0.015 and
// 0.02, bias penalty 0.004, ranges S 21–43, M 21–36, L 18–30) and the
// default noise 0.01.
func DefaultArch() *Arch {
	return &Arch{
		SizeExponent: LogUniform(0.01, 0.6), AspectOptimum: LogUniform(24, 160),
		AspectCurvature: LogUniform(0.003, 0.06), AttnCurvature: LogUniform(0.004, 0.08), NoBiasPenalty: Uniform(0, 0.02),
		SmallLow: LogUniform(14, 32), Span: LogUniform(1.3, 2.5), Step: LogUniform(0.75, 1.05),
		Noise: LogUniform(0.002, 0.06), Mixed: IntRange{40, 300},
	}
}

// Task returns "arch".
func (p *Arch) Task() string { return arch.Task }

// Validate reports every range that is empty or malformed, naming it.
func (p *Arch) Validate() error {
	var errs []error
	for _, r := range []namedRange{
		{"SizeExponent", p.SizeExponent}, {"AspectOptimum", p.AspectOptimum}, {"AspectCurvature", p.AspectCurvature},
		{"AttnCurvature", p.AttnCurvature}, {"NoBiasPenalty", p.NoBiasPenalty}, {"SmallLow", p.SmallLow},
		{"Span", p.Span}, {"Step", p.Step}, {"Noise", p.Noise},
	} {
		if err := r.r.validate(r.name); err != nil {
			errs = append(errs, err)
		}
	}
	if err := p.Mixed.validate("Mixed", 1); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("prior: invalid arch prior: %w", errors.Join(errs...))
	}
	return nil
}

// World draws one architecture world's generator options from rng.
func (p *Arch) World(rng *rand.Rand) arch.GenOptions {
	l := arch.Law{
		SizeExponent: p.SizeExponent.Draw(rng), AspectOptimum: p.AspectOptimum.Draw(rng),
		AspectCurvature: p.AspectCurvature.Draw(rng), AttnCurvature: p.AttnCurvature.Draw(rng),
		NoBiasPenalty: p.NoBiasPenalty.Draw(rng),
	}
	lo := p.SmallLow.Draw(rng)
	for i, s := range arch.Scales() {
		if i > 0 {
			lo *= p.Step.Draw(rng)
		}
		l.Range[s] = [2]float64{lo, lo * p.Span.Draw(rng)}
	}
	return arch.GenOptions{Noise: p.Noise.Draw(rng), MixedPerScale: p.Mixed.Draw(rng), Law: l}
}

// Draw generates world seed with arch.Generate.
func (p *Arch) Draw(seed uint64) (*tasks.Table, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return drawWorld(arch.Task, seed, 0x7072696f722d6172, p.World,
		func(o arch.GenOptions) (*tasks.Table, error) { o.Seed = seed; return arch.Generate(o) },
		func(o arch.GenOptions) any {
			return struct {
				Noise float64
				Mixed int
				Law   arch.Law
			}{o.Noise, o.MixedPerScale, o.Law}
		})
}
