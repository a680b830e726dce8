package policy

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/autollmresearch/gym/internal/kernel"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
)

// TestCholExtendMatchesPotrf checks that extending the factor of a
// leading block gives Potrf's factor of the whole matrix bit for bit, for
// leading blocks and extensions on both sides of Dpotrf's block size;
// with kernel.Accumulate's vector kernels and in Go.
func TestCholExtendMatchesPotrf(t *testing.T) {
	t.Run("vector kernels", testCholExtendMatchesPotrf)
	t.Run("Go", func(t *testing.T) {
		defer kernel.DisableVectorProducts()()
		testCholExtendMatchesPotrf(t)
	})
}

func testCholExtendMatchesPotrf(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, nc := range []int{1, 2, 5, 30, 60, 63, 64, 65, 100, 127, 128, 129, 190, 200, 201} {
		for _, extra := range []int{1, 2, 3, 5, 8, 40, 70} {
			n := nc + extra
			const d = 3
			x := make([]float64, n*d)
			for i := range x {
				x[i] = r.Float64()
			}
			k := make([]float64, n*n)
			for i := range n {
				for j := i + 1; j < n; j++ {
					r2 := 0.0
					for c := range d {
						t := x[i*d+c] - x[j*d+c]
						r2 += t * t / 0.05
					}
					k[i*n+j] = matern52(r2)
				}
				k[i*n+i] = 1 + 1e-4
			}
			want := append([]float64(nil), k...)
			_, ok := lapack64.Potrf(blas64.Symmetric{Uplo: blas.Upper, N: n, Stride: n, Data: want})
			require.True(t, ok)
			lead := make([]float64, nc*nc)
			for i := range nc {
				copy(lead[i*nc:(i+1)*nc], k[i*n:i*n+nc])
			}
			_, ok = lapack64.Potrf(blas64.Symmetric{Uplo: blas.Upper, N: nc, Stride: nc, Data: lead})
			require.True(t, ok)
			got := append([]float64(nil), k...)
			for i := range nc {
				copy(got[i*n+i:i*n+nc], lead[i*nc+i:(i+1)*nc])
			}
			require.True(t, cholExtend(got, k, n, nc))
			for i := range n {
				for j := i; j < n; j++ {
					require.Equal(t, math.Float64bits(want[i*n+j]), math.Float64bits(got[i*n+j]), "nc=%d n=%d entry (%d, %d)", nc, n, i, j)
				}
			}
		}
	}
}

// TestFitAfterMatchesFit checks that a fit extending a prefix model, and
// predictions through the prefix's cache, are bit for bit those of a fit
// and predictions from scratch.
func TestFitAfterMatchesFit(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	const d = 3
	for _, nc := range []int{20, 64, 150} {
		for _, nt := range []int{0, 1, 4} {
			n := nc + nt
			x := make([]float64, n*d)
			for i := range x {
				x[i] = r.Float64()
			}
			y := make([]float64, n)
			for i := range y {
				y[i] = smooth(x[i*d], x[i*d+1]) + 0.01*r.NormFloat64()
			}
			pre, err := newGPData(x[:nc*d], d, y[:nc])
			require.NoError(t, err)
			h := gpHyper{lengths: []float64{0.3, 0.5, 1}, noise: 1e-3}
			ctx, err := pre.fit(h)
			require.NoError(t, err)

			full, err := newGPData(x, d, y)
			require.NoError(t, err)
			want, err := full.fit(h)
			require.NoError(t, err)
			ext, err := prepareGPData(x, d, y)
			require.NoError(t, err)
			got, err := ext.fitAfter(ctx)
			require.NoError(t, err)
			require.Equal(t, math.Float64bits(want.lml), math.Float64bits(got.lml), "nc=%d nt=%d", nc, nt)
			for i := range want.alpha {
				require.Equal(t, math.Float64bits(want.alpha[i]), math.Float64bits(got.alpha[i]))
			}

			const rows = 50
			cands := make([]float64, rows*d)
			for i := range cands {
				cands[i] = r.Float64()
			}
			wm, ws := make([]float64, rows), make([]float64, rows)
			_, err = want.predict(cands, wm, ws, nil)
			require.NoError(t, err)
			model := got
			if nt == 0 {
				model = ctx
			} else {
				require.Same(t, ctx, got.prefix)
			}
			gm, gs := make([]float64, rows), make([]float64, rows)
			_, err = model.predictCached(newPredictCache(ctx, cands, rows), gm, gs, nil)
			require.NoError(t, err)
			for i := range rows {
				require.Equal(t, math.Float64bits(wm[i]), math.Float64bits(gm[i]), "mean %d", i)
				require.Equal(t, math.Float64bits(ws[i]), math.Float64bits(gs[i]), "sd %d", i)
			}
		}
	}
}
