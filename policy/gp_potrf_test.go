package policy

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/autollmresearch/gym/internal/bitstest"

	"github.com/autollmresearch/gym/internal/kernel"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
)

// maternMatrix returns the upper triangle (and diagonal 1+noise) of the
// Matérn correlation matrix of n random points in d dimensions under
// lengthscale ell; with blocks, points in different blocks of 40 are
// uncorrelated, so the factor has exact zeros.
func maternMatrix(r *rand.Rand, n, d int, ell, noise float64, blocks bool) []float64 {
	x := make([]float64, n*d)
	for i := range x {
		x[i] = r.Float64()
	}
	k := make([]float64, n*n)
	for i := range n {
		k[i*n+i] = 1 + noise
		for j := i + 1; j < n; j++ {
			if blocks && i/40 != j/40 {
				continue
			}
			r2 := 0.0
			for c := range d {
				t := x[i*d+c] - x[j*d+c]
				r2 += t * t / (ell * ell)
			}
			k[i*n+j] = matern52(r2)
		}
	}
	return k
}

// TestPotrfMatchesGonum checks potrf against lapack64.Potrf bit for bit:
// sizes on both sides of Dpotrf's block size, well and badly conditioned
// matrices (some not positive definite, where both must fail), exact
// zeros in the factor, with the AVX-512 kernels, the AVX2 one and gonum's
// routines.
func TestPotrfMatchesGonum(t *testing.T) {
	for _, mode := range []string{"best", "AVX2", "gonum"} {
		t.Run(mode, func(t *testing.T) {
			switch mode {
			case "AVX2":
				defer kernel.DisableAVX512()()
			case "gonum":
				defer kernel.DisableVectorProducts()()
			}
			r := rand.New(rand.NewPCG(11, 12))
			failed := 0
			for _, n := range []int{1, 2, 7, 63, 64, 65, 100, 128, 129, 200, 257} {
				for _, c := range []struct {
					ell, noise float64
					blocks     bool
				}{{0.3, 1e-2, false}, {3.2, 1e-6, false}, {1.6, 0, false}, {0.5, 1e-3, true}, {0.8, -0.6, false}} {
					k := maternMatrix(r, n, 3, c.ell, c.noise, c.blocks)
					want := append([]float64(nil), k...)
					_, wantOK := lapack64.Potrf(blas64.Symmetric{Uplo: blas.Upper, N: n, Stride: n, Data: want})
					got := append([]float64(nil), k...)
					gotOK := potrf(got, n)
					require.Equal(t, wantOK, gotOK, "n=%d %+v", n, c)
					if !wantOK {
						failed++
						continue
					}
					for i := range n {
						for j := i; j < n; j++ {
							if math.Float64bits(want[i*n+j]) != math.Float64bits(got[i*n+j]) {
								t.Fatalf("n=%d %+v: U[%d][%d] = %v, Potrf gives %v", n, c, i, j, got[i*n+j], want[i*n+j])
							}
						}
					}
				}
			}
			require.Positive(t, failed, "some matrices should not be positive definite")
		})
	}
}

// TestTrsmRightUpperMatchesGonum checks trsmRightUpper against gonum's
// Dtrsm bit for bit, for factors of both block sizes, row counts on both
// sides of the vector threshold and a right-hand side with exact zeros
// (which gonum treats apart).
func TestTrsmRightUpperMatchesGonum(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, n := range []int{1, 5, 64, 100, 129} {
		u := maternMatrix(r, n, 3, 0.4, 1e-3, false)
		require.True(t, potrf(u, n))
		for _, rows := range []int{1, 7, 8, 30, 121} {
			for _, zeros := range []bool{false, true} {
				b := make([]float64, rows*n)
				for i := range b {
					b[i] = r.Float64()
					if zeros && i%17 == 3 {
						b[i] = 0
					}
				}
				want := append([]float64(nil), b...)
				blas64.Implementation().Dtrsm(blas.Right, blas.Upper, blas.NoTrans, blas.NonUnit, rows, n, 1, u, n, want, n)
				got := append([]float64(nil), b...)
				trsmRightUpper(u, n, got, rows, &gpBuffers{})
				bitstest.Equal(t, want, got, fmt.Sprintf("n=%d rows=%d zeros=%t, against Dtrsm", n, rows, zeros))
			}
		}
	}
}
