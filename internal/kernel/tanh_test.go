package kernel

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// tanhInputs returns values around tanh's interesting points, the
// range where it is not ±1, special values and random bit patterns.
func tanhInputs() []float64 {
	var xs []float64
	for _, c := range []float64{0, 0.17, 0.625, 1, 19.06, 20, 44} {
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
		xs = append(xs, (rng.Float64()*2-1)*rng.Float64()*25)
	}
	for range 20000 {
		xs = append(xs, math.Float64frombits(rng.Uint64()))
	}
	return xs
}

// TestTanhMatchesTanhOf checks the vector kernel against TanhOf, bit for
// bit (NaN for NaN).
func TestTanhMatchesTanhOf(t *testing.T) {
	if !VectorTanh() {
		t.Skip("no vector tanh on this machine: Tanh is TanhOf")
	}
	xs := tanhInputs()
	got := append([]float64(nil), xs...)
	Tanh(got)
	for i, x := range xs {
		want := TanhOf(x)
		if math.IsNaN(want) && math.IsNaN(got[i]) {
			continue
		}
		if math.Float64bits(want) != math.Float64bits(got[i]) {
			t.Fatalf("Tanh gives %v (bits %#x) for %v (bits %#x), TanhOf %v (bits %#x)", got[i], math.Float64bits(got[i]), x, math.Float64bits(x), want, math.Float64bits(want))
		}
	}
}

// TestTanhOfAccuracy checks TanhOf against math.Tanh: within 3 units in
// the last place, exact at ±0, ±1 beyond 20, NaN for NaN.
func TestTanhOfAccuracy(t *testing.T) {
	for _, x := range tanhInputs() {
		got, want := TanhOf(x), math.Tanh(x)
		switch {
		case math.IsNaN(x):
			require.True(t, math.IsNaN(got), "tanh(NaN)")
		case x == 0 || math.Abs(x) >= 20:
			require.Equal(t, math.Float64bits(want), math.Float64bits(got), "tanh(%v)", x)
		default:
			ulp := math.Nextafter(math.Abs(want), math.Inf(1)) - math.Abs(want)
			require.LessOrEqual(t, math.Abs(got-want), 3*ulp, "tanh(%v) = %v, math.Tanh %v", x, got, want)
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
