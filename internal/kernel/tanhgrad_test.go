package kernel

import (
	"math"
	"testing"

	"github.com/autollmresearch/gym/internal/bitstest"
)

// TestTanhGradMatchesGo checks the vector kernel against tanhGradGo, bit
// for bit, over lengths around its 8-value blocks, with special values.
func TestTanhGradMatchesGo(t *testing.T) {
	rng := newRNG(5)
	special := []float64{0, math.Copysign(0, -1), 1, -1, 0.5, math.Inf(1), math.NaN(), 1e-300, 1 - 0x1p-53}
	for n := range 41 {
		d, y := randVec(rng, n, 3), randVec(rng, n, 1)
		for i := range y {
			if i%5 == 0 {
				y[i] = special[(i/5)%len(special)]
			}
		}
		want := append([]float64(nil), d...)
		tanhGradGo(want, y)
		got := append([]float64(nil), d...)
		TanhGrad(got, y)
		bitstest.Equal(t, want, got, "TanhGrad")
	}
}
