package kernel

import (
	"math"
	"testing"

	"github.com/autollmresearch/gym/internal/bitstest"
)

// TestMatern52IsMatern52At checks the vector Matérn kernel against
// Matern52At bit for bit: zero, tiny and huge distances, the edge of the
// vector range, Inf, NaN, negative values and random distances.
func TestMatern52IsMatern52At(t *testing.T) {
	if !VectorMatern() {
		t.Log("no vector Matérn kernel on this machine: Matern52 is Matern52At")
	}
	xs := []float64{0, math.Copysign(0, -1), math.SmallestNonzeroFloat64, 1e-300, 1e-16, 0.2, 1, 3.7,
		maternVecMax, math.Nextafter(maternVecMax, 0), 1e5, 2e5, 1e300, math.MaxFloat64, math.Inf(1), math.NaN(), -1, math.Inf(-1)}
	rng := newRNG(5)
	for range 100000 {
		xs = append(xs, rng.Float64()*rng.Float64()*60)
	}
	for range 5000 {
		xs = append(xs, math.Float64frombits(rng.Uint64()))
	}
	// and a stretch of ordinary distances, which the vector kernel takes
	for range 1000 {
		xs = append(xs, rng.Float64()*40)
	}
	clean := []float64{0, math.Copysign(0, -1), math.SmallestNonzeroFloat64, 1e-300, math.Nextafter(maternVecMax, 0)}
	for range 100000 {
		clean = append(clean, rng.Float64()*rng.Float64()*60)
	}
	checkMatern52(t, clean) // all in the vector kernel's range
	checkMatern52(t, xs)
}

// checkMatern52 compares Matern52 with Matern52At on xs and its suffixes,
// into another slice and in place.
func checkMatern52(t *testing.T, xs []float64) {
	t.Helper()
	for off := range 8 { // every lane position, and lengths that leave a remainder
		in := xs[off:]
		got := make([]float64, len(in))
		Matern52(got, in)
		inPlace := append([]float64(nil), in...)
		Matern52(inPlace, inPlace)
		bitstest.Equal(t, got, inPlace, "in place")
		for i, x := range in {
			want := Matern52At(x)
			if math.IsNaN(want) && math.IsNaN(got[i]) {
				continue
			}
			if math.Float64bits(want) != math.Float64bits(got[i]) {
				t.Fatalf("Matern52(%v) (bits %#x) = %v, Matern52At gives %v", x, math.Float64bits(x), got[i], want)
			}
		}
	}
}
