package kernel

import (
	"math"
	"testing"

	"github.com/autollmresearch/gym/internal/bitstest"
)

// solveScalar is SolveUpperTrans written out, the reference.
func solveScalar(u []float64, n int, b []float64) {
	for k := range n {
		b[k] *= 1 / u[k*n+k]
		bk := b[k]
		for i := k + 1; i < n; i++ {
			if va := u[k*n+i]; va != 0 {
				b[i] += -va * bk
			}
		}
	}
}

// TestSolveUpperTransMatchesScalar checks the vector solve bit for bit,
// over sizes around the vector width, with zeros in U (skipped) and in b,
// signed zeros included.
func TestSolveUpperTransMatchesScalar(t *testing.T) {
	rng := newRNG(21)
	for _, n := range []int{1, 2, 7, 8, 9, 15, 16, 17, 64, 100, 129} {
		for _, zeros := range []bool{false, true} {
			u := randVec(rng, n*n, 1)
			for k := range n {
				u[k*n+k] = 1 + rng.Float64()
				if zeros {
					for i := k + 1; i < n; i += 3 {
						u[k*n+i] = 0
					}
				}
			}
			b := randVec(rng, n, 1)
			if zeros {
				// Column n-1 of U is zero above the diagonal and b[n-1] is
				// -0, with negative b[k] elsewhere: adding the skipped
				// products (+0) would turn -0 into +0.
				for k := range n - 1 {
					u[k*n+n-1] = 0
					b[k] = -math.Abs(b[k]) - 0.5
				}
				b[n-1] = math.Copysign(0, -1)
			}
			want := append([]float64(nil), b...)
			solveScalar(u, n, want)
			got := append([]float64(nil), b...)
			SolveUpperTrans(u, n, got)
			bitstest.Equal(t, want, got, "solution")
		}
	}
}
