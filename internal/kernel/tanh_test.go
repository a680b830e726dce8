package kernel

import (
	"math"
	"testing"
)

// TestTanhIsMathTanh checks the vector tanh against math.Tanh, bit
// for bit, around both of its branch points, over the range where tanh
// is not ±1, at special values and at random bit patterns.
func TestTanhIsMathTanh(t *testing.T) {
	if !VectorTanh() {
		t.Log("no vector tanh on this machine: Tanh is math.Tanh")
	}
	var xs []float64
	for _, c := range []float64{0, 0.625, 0.5 * 8.8029691931113054295988e+01, 1, 20} {
		v := c
		for range 40 {
			xs = append(xs, v, -v)
			v = math.Nextafter(v, math.Inf(1))
		}
		v = c
		for range 40 {
			v = math.Nextafter(v, math.Inf(-1))
			xs = append(xs, v, -v)
		}
	}
	xs = append(xs, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(),
		math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64, math.MaxFloat64, -math.MaxFloat64, 1e-300, 1e300)
	rng := newRNG(7)
	for range 200000 {
		xs = append(xs, (rng.Float64()*2-1)*rng.Float64()*50)
	}
	for range 20000 {
		xs = append(xs, math.Float64frombits(rng.Uint64()))
	}
	got := append([]float64(nil), xs...)
	Tanh(got)
	for i, x := range xs {
		want := math.Tanh(x)
		if math.IsNaN(want) && math.IsNaN(got[i]) {
			continue
		}
		if math.Float64bits(want) != math.Float64bits(got[i]) {
			t.Fatalf("tanh(%v) (bits %#x) = %v (bits %#x), math.Tanh gives %v (bits %#x)", x, math.Float64bits(x), got[i], math.Float64bits(got[i]), want, math.Float64bits(want))
		}
	}
}

// BenchmarkTanh measures Tanh over the 16,384 activations of a 64-unit
// layer's 256-row batch.
func BenchmarkTanh(b *testing.B) {
	x := randVec(newRNG(1), 256*64, 3)
	y := make([]float64, len(x))
	b.ReportAllocs()
	for b.Loop() {
		copy(y, x)
		Tanh(y)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(x)), "ns/value")
}
