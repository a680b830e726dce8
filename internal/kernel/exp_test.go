package kernel

import (
	"math"
	"testing"

	"github.com/autollmresearch/gym/internal/bitstest"
)

// TestExpIsMathExp checks the vector exp against math.Exp bit for bit:
// around its range's ends, zero, and random arguments, into another slice
// and in place; and arguments outside the range (Inf, NaN, overflow,
// subnormal results), which fall back to math.Exp.
func TestExpIsMathExp(t *testing.T) {
	if !VectorExp() {
		t.Log("no vector exp on this machine: Exp is math.Exp")
	}
	rng := newRNG(9)
	clean := []float64{0, math.Copysign(0, -1), expVecMin, math.Nextafter(expVecMax, 0), 1e-300, -1e-300}
	for range 100000 {
		clean = append(clean, (rng.Float64()*2-1)*rng.Float64()*700)
	}
	wild := append([]float64{math.Inf(1), math.Inf(-1), math.NaN(), 709.5, 710, -708.5, -745, -746, 1e300}, clean[:1000]...)
	for _, xs := range [][]float64{clean, wild} {
		for off := range 8 {
			in := xs[off:]
			got := make([]float64, len(in))
			Exp(got, in)
			inPlace := append([]float64(nil), in...)
			Exp(inPlace, inPlace)
			bitstest.Equal(t, got, inPlace, "in place")
			for i, x := range in {
				want := math.Exp(x)
				if math.IsNaN(want) && math.IsNaN(got[i]) {
					continue
				}
				if math.Float64bits(want) != math.Float64bits(got[i]) {
					t.Fatalf("Exp(%v) = %v, math.Exp gives %v", x, got[i], want)
				}
			}
		}
	}
}
