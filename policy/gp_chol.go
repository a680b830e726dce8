package policy

import (
	lapackgonum "gonum.org/v1/gonum/lapack/gonum"
)

// This file extends a Cholesky factorisation by new rows and columns so
// that the result is bit for bit what LAPACK's Potrf (gonum's Dpotrf,
// upper triangle) computes for the whole matrix: the same blocked
// algorithm, the same BLAS operations in the same order (through
// gp_potrf.go's versions of them), restricted to the entries the new
// columns change. Dpotrf computes every column from the
// columns before it only, so the factor of a leading block is the leading
// block of the factor (TestCholExtendMatchesPotrf checks this and the
// extension over block boundaries).

// cholExtend factorises the n×n matrix whose upper triangle a holds
// (row-major, stride n) when its leading nc×nc block already holds the
// factor Potrf made of that block and the rest of the upper triangle holds
// the matrix's own entries. orig holds the whole matrix's upper triangle
// (stride n); the rows of a block that straddles nc are restored from it
// and factorised again. It reports false, as Potrf, when the matrix is
// not positive definite.
func cholExtend(a, orig []float64, n, nc int) bool {
	var impl lapackgonum.Implementation
	lda := n
	nb := impl.Ilaenv(1, "DPOTRF", "U", n, -1, -1, -1)
	if nb <= 1 || n <= nb {
		return potf2(a, n, lda, nc)
	}
	for j := 0; j < n; j += nb {
		jb := min(nb, n-j)
		if j+jb <= nc {
			// The block's rows are final up to column nc; bring the new
			// columns up to date as Dpotrf updates every column right of
			// the block.
			gemmTransNot(jb, n-nc, j, a[j:], lda, a[nc:], lda, a[j*lda+nc:], lda)
			trsmLeftUpperTrans(jb, n-nc, a[j*lda+j:], lda, a[j*lda+nc:], lda)
			continue
		}
		if j < nc {
			for i := j; i < j+jb; i++ {
				copy(a[i*lda+i:(i+1)*lda], orig[i*lda+i:(i+1)*lda])
			}
		}
		syrkUpperTrans(jb, j, a[j:], lda, a[j*lda+j:], lda)
		if !potf2(a[j*lda+j:], jb, lda, 0) {
			return false
		}
		if j+jb < n {
			gemmTransNot(jb, n-j-jb, j, a[j:], lda, a[j+jb:], lda, a[j*lda+j+jb:], lda)
			trsmLeftUpperTrans(jb, n-j-jb, a[j*lda+j:], lda, a[j*lda+j+jb:], lda)
		}
	}
	return true
}
