package arch

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/autollmresearch/gym/tasks"
)

// Defaults of the generator and the importer.
const (
	// DefaultMixedPerScale is the number of distinct mixed (per-layer)
	// architectures added to the 162 uniform ones of each scale.
	DefaultMixedPerScale = 300
	// DefaultNoise is the standard deviation of the Gaussian noise added
	// to the default's log perplexity (about 1% of the perplexity).
	DefaultNoise = 0.01
)

// Law holds the constants of the size-law perplexity model (see the
// package documentation): ln ppl = E_s + A_s·P^-SizeExponent +
// AspectCurvature·ln²((E/L)/AspectOptimum) + AttnCurvature·ln²(64·h̄/E) +
// NoBiasPenalty·[no bias], with E_s and A_s calibrated so that the scale's
// uniform architectures span Range[s] in perplexity. DefaultLaw's are the
// published and assumed values; the world priors of package prior draw
// others.
type Law struct {
	// SizeExponent is the parameter exponent α.
	SizeExponent float64
	// AspectOptimum is the embedding-to-depth ratio with no shape penalty
	// and AspectCurvature the penalty per squared log of the deviation
	// from it.
	AspectOptimum, AspectCurvature float64
	// AttnCurvature is the penalty per squared log of the ratio of
	// attention width (HeadSize · mean heads) to embedding dimension.
	AttnCurvature float64
	// NoBiasPenalty is added to the log perplexity of bias-free networks.
	NoBiasPenalty float64
	// Range is the perplexity range over each scale's uniform
	// architectures, indexed by Scale (entry 0 unused).
	Range [Large + 1][2]float64
}

// DefaultLaw returns the constants of the default table: Hoffmann et al.'s
// (2022) parameter exponent 0.34; GPT-2's 768/12 as the aspect optimum,
// with curvatures 0.015 and 0.02 and a bias penalty of 0.004 (small, as
// Kaplan et al. 2020 found shape to matter little at fixed size); and the
// perplexity ranges reported for HW-GPT-Bench (S about 21-43, M 21-36, L
// 18-30).
func DefaultLaw() Law {
	return Law{
		SizeExponent: 0.34, AspectOptimum: 64, AspectCurvature: 0.015, AttnCurvature: 0.02, NoBiasPenalty: 0.004,
		Range: [Large + 1][2]float64{Small: {21, 43}, Medium: {21, 36}, Large: {18, 30}},
	}
}

// Validate reports a constant that is not finite, a curvature or penalty
// that is negative, and a range that is not 1 < lo < hi.
func (l Law) Validate() error {
	var errs []error
	for _, f := range []struct {
		name string
		v    float64
	}{{"SizeExponent", l.SizeExponent}, {"AspectOptimum", l.AspectOptimum}, {"AspectCurvature", l.AspectCurvature},
		{"AttnCurvature", l.AttnCurvature}, {"NoBiasPenalty", l.NoBiasPenalty}} {
		if !(f.v >= 0) || math.IsInf(f.v, 0) {
			errs = append(errs, fmt.Errorf("field %s is %g, want a non-negative finite number", f.name, f.v))
		}
	}
	if !(l.SizeExponent > 0) || !(l.AspectOptimum > 0) {
		errs = append(errs, fmt.Errorf("fields SizeExponent and AspectOptimum are %g and %g, want positive numbers", l.SizeExponent, l.AspectOptimum))
	}
	for _, s := range Scales() {
		if r := l.Range[s]; !(r[0] > 1 && r[1] > r[0]) || math.IsInf(r[1], 0) {
			errs = append(errs, fmt.Errorf("field Range[%v] is [%g, %g], want 1 < lo < hi", s, r[0], r[1]))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("arch: invalid Law: %w", errors.Join(errs...))
	}
	return nil
}

// sizeLaw is the noise-free perplexity model of one scale:
// ln ppl = E + A·Params^-α + shape.
type sizeLaw struct {
	e, a float64
	law  *Law
}

// shapeEffect is the architecture's penalty in log perplexity for its
// depth/width ratio, attention width and bias flag.
func (l *Law) shapeEffect(a Arch) float64 {
	aspect := math.Log(float64(a.Embed) / float64(a.Layers) / l.AspectOptimum)
	attn := math.Log(HeadSize * a.MeanHeads() / float64(a.Embed))
	s := l.AspectCurvature*aspect*aspect + l.AttnCurvature*attn*attn
	if !a.Bias {
		s += l.NoBiasPenalty
	}
	return s
}

func (l *Law) sizeTerm(a Arch) float64 { return math.Pow(float64(Params(a)), -l.SizeExponent) }

// calibrate returns the scale's law whose log perplexity over the uniform
// architectures spans exactly l.Range[s]: A by bisection on the span
// (which grows with A), then E to place the minimum.
func (l *Law) calibrate(s Scale) (sizeLaw, error) {
	archs := UniformArchs(s)
	x := make([]float64, len(archs))
	sh := make([]float64, len(archs))
	for i, a := range archs {
		x[i], sh[i] = l.sizeTerm(a), l.shapeEffect(a)
	}
	bounds := func(a float64) (lo, hi float64) {
		lo, hi = math.Inf(1), math.Inf(-1)
		for i := range x {
			v := a*x[i] + sh[i]
			lo, hi = min(lo, v), max(hi, v)
		}
		return lo, hi
	}
	want := math.Log(l.Range[s][1]) - math.Log(l.Range[s][0])
	if lo, hi := bounds(0); hi-lo >= want {
		return sizeLaw{}, fmt.Errorf("arch: size law for scale %v: shape effects alone span %.3g nats, more than the target %.3g", s, hi-lo, want)
	}
	aLo, aHi := 0.0, 1.0
	for {
		lo, hi := bounds(aHi)
		if hi-lo >= want {
			break
		}
		aLo, aHi = aHi, 2*aHi
		if aHi > 1e12 {
			return sizeLaw{}, fmt.Errorf("arch: size law for scale %v: cannot reach a span of %.3g nats", s, want)
		}
	}
	for range 200 {
		mid := (aLo + aHi) / 2
		if lo, hi := bounds(mid); hi-lo < want {
			aLo = mid
		} else {
			aHi = mid
		}
	}
	lo, _ := bounds(aHi)
	return sizeLaw{e: math.Log(l.Range[s][0]) - lo, a: aHi, law: l}, nil
}

// logPerplexity is the noise-free log perplexity of a.
func (m sizeLaw) logPerplexity(a Arch) float64 {
	return m.e + m.a*m.law.sizeTerm(a) + m.law.shapeEffect(a)
}

// GenOptions are the knobs of Generate. The zero value gives Default.
type GenOptions struct {
	// Seed drives the sampling of mixed architectures and the noise.
	Seed uint64
	// Noise is the standard deviation of Gaussian noise on the log
	// perplexity; 0 selects DefaultNoise, a negative value none.
	Noise float64
	// MixedPerScale is the number of distinct mixed architectures per
	// scale; 0 selects DefaultMixedPerScale, a negative value none.
	MixedPerScale int
	// Cost is the cost model of cost_gpu_hours.
	Cost CostModel
	// Law is the perplexity model; the zero value selects DefaultLaw().
	Law Law
}

// Streams of the PCG generator, one per use and scale, so that the same
// seed gives the same candidates in Generate and Import.
const (
	candidateStream = 0x61726368_63616e64 // "archcand"
	noiseStream     = 0x61726368_6e6f6973 // "archnois"
)

func newRand(seed, stream uint64, s Scale) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream+uint64(s)))
}

func mixedCount(n int) int {
	switch {
	case n == 0:
		return DefaultMixedPerScale
	case n < 0:
		return 0
	}
	return n
}

// Generate builds the synthetic table: for each scale, every uniform
// architecture plus MixedPerScale mixed ones (see Candidates), rated by the
// size-law model with seeded noise. The same options give the same table.
func Generate(opts GenOptions) (*tasks.Table, error) {
	noise := opts.Noise
	switch {
	case math.IsNaN(noise) || math.IsInf(noise, 0):
		return nil, fmt.Errorf("arch: generate: noise %g must be finite", noise)
	case noise == 0:
		noise = DefaultNoise
	case noise < 0:
		noise = 0
	}
	cost, err := opts.Cost.resolve()
	if err != nil {
		return nil, err
	}
	law := opts.Law
	if law == (Law{}) {
		law = DefaultLaw()
	}
	if err := law.Validate(); err != nil {
		return nil, err
	}
	meta := baseMeta()
	meta.Provenance = tasks.Synthetic
	meta.CostSource = cost.Source()
	meta.Source = "generated by github.com/autollmresearch/gym/tasks/arch: size-law perplexity model over the HW-GPT-Bench GPT-2 S/M/L search spaces, calibrated to their published perplexity ranges"
	meta.Citation = "Sukthanker et al., HW-GPT-Bench: Hardware-Aware Architecture Benchmark for Language Models, NeurIPS 2024 Datasets and Benchmarks, arXiv:2405.10299; " +
		"Hoffmann et al., Training Compute-Optimal Large Language Models, arXiv:2203.15556; " +
		"Kaplan et al., Scaling Laws for Neural Language Models, arXiv:2001.08361"
	meta.Licence = "generated data, no third-party rows; licensed with this module"
	b, err := tasks.NewBuilder(meta)
	if err != nil {
		return nil, fmt.Errorf("arch: generate: %w", err)
	}
	for _, s := range Scales() {
		sl, err := law.calibrate(s)
		if err != nil {
			return nil, err
		}
		archs, err := Candidates(s, mixedCount(opts.MixedPerScale), newRand(opts.Seed, candidateStream, s))
		if err != nil {
			return nil, err
		}
		r := newRand(opts.Seed, noiseStream, s)
		for _, a := range archs {
			lp := sl.logPerplexity(a) + noise*r.NormFloat64()
			b.Add(rowOf(a, math.Exp(lp), cost))
		}
	}
	t, err := b.Build()
	if err != nil {
		return nil, fmt.Errorf("arch: generate: %w", err)
	}
	return t, nil
}

var defaultTable = sync.OnceValues(func() (*tasks.Table, error) { return Generate(GenOptions{}) })

// Default returns the embedded default table, Generate(GenOptions{}),
// built on first use and shared: it is read-only and must not be
// released.
func Default() (*tasks.Table, error) { return defaultTable() }
