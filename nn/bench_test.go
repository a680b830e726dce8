package nn

import (
	"fmt"
	"testing"
)

// BenchmarkMLPForwardBackward measures one forward and backward pass of a
// policy-sized network, for one sample and for a minibatch; ns/op is per
// pass, ns/sample per sample.
func BenchmarkMLPForwardBackward(b *testing.B) {
	for _, rows := range []int{1, 64, 256} {
		b.Run(fmt.Sprintf("64x64x64x64/rows=%d", rows), func(b *testing.B) {
			benchmarkMLPPasses(b, rows, (*MLP).Backward)
		})
	}
	// The work of a framework's backward pass from a loss, which computes
	// no gradient for inputs that need none: BackwardParams.
	b.Run("64x64x64x64/rows=256/params-only", func(b *testing.B) {
		benchmarkMLPPasses(b, 256, (*MLP).BackwardParams)
	})
}

// benchmarkMLPPasses measures a forward pass of rows samples through a
// 64×64×64×64 tanh network and the backward pass given.
func benchmarkMLPPasses(b *testing.B, rows int, backward func(*MLP, *Workspace, []float64) error) {
	m, err := NewMLP(MLPConfig{Sizes: []int{64, 64, 64, 64}}, newRNG(1))
	if err != nil {
		b.Fatal(err)
	}
	ws := m.NewWorkspace(rows)
	x := randVec(newRNG(2), rows*64, 1)
	dy := randVec(newRNG(3), rows*64, 1)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := m.ForwardBatch(ws, x); err != nil {
			b.Fatal(err)
		}
		if err := backward(m, ws, dy); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/sample")
}

// BenchmarkCategorical measures setting a 64-way masked distribution,
// sampling from it and backpropagating its log-probability and entropy.
func BenchmarkCategorical(b *testing.B) {
	c := NewCategorical(64)
	logits := randVec(newRNG(1), 64, 1)
	mask := make([]bool, 64)
	for i := range mask {
		mask[i] = i%4 != 0
	}
	d := make([]float64, 64)
	rng := newRNG(2)
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Set(logits, mask); err != nil {
			b.Fatal(err)
		}
		a, err := c.Sample(rng)
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Backward(d, a, 1, 0.01); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAdamStep measures one Adam step over 10,000 parameters.
func BenchmarkAdamStep(b *testing.B) {
	const n = 10000
	a, err := NewAdam(n, DefaultAdamConfig())
	if err != nil {
		b.Fatal(err)
	}
	p := randVec(newRNG(1), n, 1)
	g := randVec(newRNG(2), n, 1)
	b.ReportAllocs()
	for b.Loop() {
		if err := a.Step(p, g); err != nil {
			b.Fatal(err)
		}
	}
}
