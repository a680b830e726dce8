package kernel

import (
	"math"
	"testing"

	"github.com/autollmresearch/gym/internal/bitstest"
)

// adamScalar is the Adam step as its documentation writes it, the
// reference Adam must match (with conversions that keep a GOAMD64=v3
// build from fusing its multiply-adds, which the default build never
// does).
func adamScalar(params, grads, m, v []float64, c AdamCoef) {
	b1, b2 := c.Beta1, c.Beta2
	for i, g := range grads {
		m[i] = float64(b1*m[i]) + float64((1-b1)*g)
		v[i] = float64(b2*v[i]) + float64((1-b2)*g*g)
		step := float64(c.StepSize*m[i]) / (float64(math.Sqrt(v[i])*c.InvSqrtC2) + c.Eps)
		params[i] -= step + float64(c.Decay*params[i])
	}
}

// TestAdamMatchesScalar checks Adam, with the vector kernel and in Go
// alone, against the scalar step bit for bit over several steps, lengths
// that leave a remainder and gradients of many magnitudes.
func TestAdamMatchesScalar(t *testing.T) {
	for _, vector := range []bool{true, false} {
		if !vector {
			defer DisableVectorProducts()()
		}
		rng := newRNG(3)
		for _, n := range []int{1, 7, 8, 9, 64, 101} {
			p := randVec(rng, n, 1)
			want := append([]float64(nil), p...)
			m, v := make([]float64, n), make([]float64, n)
			wm, wv := make([]float64, n), make([]float64, n)
			for step := 1; step <= 5; step++ {
				g := randVec(rng, n, math.Pow(10, float64(rng.IntN(12)-6)))
				c := AdamCoef{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Decay: 3e-4 * 0.01,
					StepSize: 3e-4 / (1 - math.Pow(0.9, float64(step))), InvSqrtC2: 1 / math.Sqrt(1-math.Pow(0.999, float64(step)))}
				Adam(p, g, m, v, c)
				adamScalar(want, g, wm, wv, c)
				bitstest.Equal(t, want, p, "params")
				bitstest.Equal(t, wm, m, "m")
				bitstest.Equal(t, wv, v, "v")
			}
		}
	}
}
