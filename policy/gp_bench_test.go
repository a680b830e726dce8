package policy

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/research"
)

// BenchmarkGPFitEI measures one model-based step of the GP policy without
// a warm start: the hyperparameter search and fit on n observations in
// [0, 1]² and the expected improvement of 1,000 candidates.
func BenchmarkGPFitEI(b *testing.B) {
	const candidates = 1000
	for _, n := range []int{5, 50} {
		b.Run(fmt.Sprintf("obs=%d", n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			xs := make([]float64, 2*n)
			ys := make([]float64, n)
			for i := range n {
				xs[2*i], xs[2*i+1] = rng.Float64(), rng.Float64()
				ys[i] = smooth(xs[2*i], xs[2*i+1]) + 0.01*rng.NormFloat64()
			}
			cands := make([]float64, 2*candidates)
			for i := range cands {
				cands[i] = rng.Float64()
			}
			p := &GP{width: 2, dim: 2}
			mean, sd := make([]float64, candidates), make([]float64, candidates)
			var buf []float64
			b.ReportAllocs()
			for b.Loop() {
				data, err := newGPData(xs, 2, ys)
				if err != nil {
					b.Fatal(err)
				}
				m, err := data.search(p.searchSpec(n))
				if err != nil {
					b.Fatal(err)
				}
				if buf, err = m.predict(cands, mean, sd, buf); err != nil {
					b.Fatal(err)
				}
				best := ys[0]
				for _, y := range ys {
					best = min(best, y)
				}
				top := 0.0
				for i := range mean {
					top = max(top, expectedImprovement(mean[i], sd[i], best))
				}
				if !(top >= 0) {
					b.Fatalf("expected improvement %v", top)
				}
			}
		})
	}
}

// BenchmarkGPWarmReset measures the warm start's episode set-up on the
// pretrain default table's test target: drawing the context subset (200
// results), the hyperparameter search and the context-only fit.
func BenchmarkGPWarmReset(b *testing.B) {
	e := pretrainEnv(b, research.Options{Split: research.Test})
	obs, _, err := e.Reset(env.SeedOf(1), nil)
	require.NoError(b, err)
	p := NewGP(GPOptions{WarmStart: true})
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := p.Reset(obs, rand.New(rand.NewPCG(uint64(i), 2))); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGPEpisode measures a whole Extrapolate episode of K = 5 target
// trials on the pretrain default table's test target.
func BenchmarkGPEpisode(b *testing.B) {
	for _, opts := range []GPOptions{{}, {WarmStart: true}} {
		b.Run(NewGP(opts).Name(), func(b *testing.B) {
			e := pretrainEnv(b, research.Options{Split: research.Test})
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				gpEpisode(b, e, NewGP(opts), uint64(i))
			}
		})
	}
}

// BenchmarkTPEEpisode measures a whole Extrapolate episode of K = 10 target
// trials of TPE on the pretrain default table's test target.
func BenchmarkTPEEpisode(b *testing.B) {
	e := pretrainEnv(b, research.Options{Split: research.Test, Trials: 10})
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		gpEpisode(b, e, NewTPE(TPEOptions{}), uint64(i))
	}
}
