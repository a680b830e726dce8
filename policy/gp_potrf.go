package policy

import (
	"math"

	"github.com/autollmresearch/gym/internal/kernel"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	lapackgonum "gonum.org/v1/gonum/lapack/gonum"
)

// This file computes LAPACK's Potrf of an upper triangle bit for bit as
// gonum's Dpotrf does, faster where kernel.Accumulate has a vector
// kernel: the blocked algorithm is cholExtend's (gp_chol.go), and
// gonum's Dpotf2 and Dgemm, and its Dsyrk and Dtrsm, are written here as
// row updates in the order gonum's implementations add them
// (TestPotrfMatchesGonum checks the bits).

// potrf factorises the n×n matrix whose upper triangle a holds (row-major,
// stride n) in place, as lapack64.Potrf, and reports false, as Potrf, when
// the matrix is not positive definite: cholExtend with nothing factorised
// yet.
func potrf(a []float64, n int) bool { return cholExtend(a, nil, n, 0) }

// potf2 is gonum's Dpotf2(Upper, n, a, lda), the unblocked Cholesky
// factorisation, bit for bit: for each column j, the diagonal less the
// column's squared norm (summed as gonum's strided Ddot sums), then row j
// right of it updated by -a[o][j] times row o for o = 0..j-1 in order
// (gonum's transposed Gemv) and multiplied by 1/a[j][j]. The rows above
// nc already hold the factor left of column nc (cholExtend's leading
// block): they only bring their columns from nc on up to date.
func potf2(a []float64, n, lda, nc int) bool {
	if nc == 0 && !kernel.VectorAccumulate() {
		var impl lapackgonum.Implementation
		return impl.Dpotf2(blas.Upper, n, a, lda)
	}
	mult := make([]float64, n)
	for j := range n {
		negColumn(mult[:j], a, lda, j)
		first := j + 1 // the first column row j updates
		if j < nc {
			first = nc
		} else {
			ajj := a[j*lda+j]
			if j != 0 {
				ajj -= dotInc(mult[:j])
			}
			if ajj <= 0 || math.IsNaN(ajj) {
				a[j*lda+j] = ajj
				return false
			}
			a[j*lda+j] = math.Sqrt(ajj)
		}
		if first < n {
			row := a[j*lda+first : j*lda+n]
			kernel.Accumulate(row, mult, 1, a[first:], lda, j, n-first)
			s := 1 / a[j*lda+j]
			for c := range row {
				row[c] *= s
			}
		}
	}
	return true
}

// dotInc is x·x summed as gonum's amd64 DotInc sums a strided dot
// product: the even-indexed products in one sum and the odd-indexed ones
// in another, a last product of an odd count added to the odd sum, and
// the two sums added. (potf2 passes a column's entries negated, which
// leaves their squares unchanged.)
func dotInc(x []float64) float64 {
	var even, odd float64
	i := 0
	for ; i+1 < len(x); i += 2 {
		even += float64(x[i] * x[i])
		odd += float64(x[i+1] * x[i+1])
	}
	if i < len(x) {
		odd += float64(x[i] * x[i])
	}
	return even + odd
}

// syrkUpperTrans is gonum's Dsyrk(Upper, Trans, n, k, -1, a, lda, 1, c,
// ldc): C -= AᵀA on C's upper triangle, A being k×n. Row i of C gets,
// for l = 0..k-1 in order, -a[l][i] times row l of A, skipping zero
// multipliers.
func syrkUpperTrans(n, k int, a []float64, lda int, c []float64, ldc int) {
	if !kernel.VectorAccumulate() {
		blas64.Implementation().Dsyrk(blas.Upper, blas.Trans, n, k, -1, a, lda, 1, c, ldc)
		return
	}
	if n == 0 || k == 0 {
		return
	}
	mult := make([]float64, k)
	for i := range n {
		zero := negColumn(mult, a, lda, i)
		updateRow(c[i*ldc+i:i*ldc+n], mult, a[i:], lda, zero)
	}
}

// gemmTransNot is gonum's Dgemm(Trans, NoTrans, m, n, k, -1, a, lda, b,
// ldb, 1, c, ldc): C -= AᵀB, A being k×m and B k×n. Row i of C gets, for
// l = 0..k-1 in order, -a[l][i] times row l of B, skipping zero
// multipliers (gonum's serial and parallel paths both add in this order).
func gemmTransNot(m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	if !kernel.VectorAccumulate() {
		blas64.Implementation().Dgemm(blas.Trans, blas.NoTrans, m, n, k, -1, a, lda, b, ldb, 1, c, ldc)
		return
	}
	if m == 0 || n == 0 || k == 0 {
		return
	}
	mult := make([]float64, k)
	for i := range m {
		zero := negColumn(mult, a, lda, i)
		updateRow(c[i*ldc:i*ldc+n], mult, b, ldb, zero)
	}
}

// trsmLeftUpperTrans is gonum's Dtrsm(Left, Upper, Trans, NonUnit, m, n,
// 1, a, lda, b, ldb): it solves UᵀX = B in place, U the m×m upper
// triangle of a. Row i of B gets, for k = 0..i-1 in order, -u[k][i] times
// the solved row k, skipping zero multipliers, and is then multiplied by
// 1/u[i][i].
func trsmLeftUpperTrans(m, n int, a []float64, lda int, b []float64, ldb int) {
	if !kernel.VectorAccumulate() {
		blas64.Implementation().Dtrsm(blas.Left, blas.Upper, blas.Trans, blas.NonUnit, m, n, 1, a, lda, b, ldb)
		return
	}
	if m == 0 || n == 0 {
		return
	}
	mult := make([]float64, m)
	for i := range m {
		zero := negColumn(mult[:i], a, lda, i)
		row := b[i*ldb : i*ldb+n]
		updateRow(row, mult[:i], b, ldb, zero)
		s := 1 / a[i*lda+i]
		for j := range row {
			row[j] *= s
		}
	}
}

// negColumn sets mult[l] to -a[l·lda+col] for every l < len(mult), the
// multipliers gonum's level-3 routines take from a column of A, and
// reports whether one of them is zero.
func negColumn(mult, a []float64, lda, col int) (zero bool) {
	for l := range mult {
		mult[l] = -a[l*lda+col]
		zero = zero || mult[l] == 0
	}
	return zero
}

// updateRow adds mult[l] times row l of rows (stride ld) to row, in order
// of l, skipping zero multipliers as gonum does: through kernel.Accumulate
// when there is none (hasZero false), else addRows.
func updateRow(row, mult, rows []float64, ld int, hasZero bool) {
	if hasZero {
		addRows(row, mult, rows, ld)
		return
	}
	kernel.Accumulate(row, mult, 1, rows, ld, len(mult), len(row))
}

// addRows adds mult[l] times row l of rows (stride ld) to row, in order of
// l, skipping zero multipliers, each product rounded before the add.
func addRows(row, mult, rows []float64, ld int) {
	for l, s := range mult {
		if s == 0 {
			continue
		}
		src := rows[l*ld : l*ld+len(row)]
		for j, v := range src {
			row[j] += float64(s * v)
		}
	}
}

// trsmRightUpper is gonum's Dtrsm(Right, Upper, NoTrans, NonUnit, rows,
// n, 1, u, n, b, n), bit for bit: it solves X·U = B in place, U the n×n
// upper triangle of u and B rows×n. Column j of X gets, for k = 0..j-1 in
// order, -x[k]·u[k][j] and is then divided by u[j][j]; the vector kernel
// runs down the columns, all rows at once. gonum skips a row's update
// when its value in column k is zero, which only a signed zero would
// tell apart: such a B is left to gonum.
func trsmRightUpper(u []float64, n int, b []float64, rows int, bufs *gpBuffers) {
	if !kernel.VectorAccumulate() || rows < 8 || n == 0 {
		blas64.Implementation().Dtrsm(blas.Right, blas.Upper, blas.NoTrans, blas.NonUnit, rows, n, 1, u, n, b, n)
		return
	}
	cols, neg := bufs.get(n*rows), bufs.get(n*rows) // Bᵀ becoming Xᵀ, and -Xᵀ
	defer bufs.put(cols, neg)
	kernel.Transpose(cols, b[:rows*n], rows, n)
	for j := range n {
		col := cols[j*rows : (j+1)*rows]
		kernel.Accumulate(col, u[j:], n, neg, rows, j, rows)
		d := u[j*n+j]
		for i, v := range col {
			if v == 0 {
				blas64.Implementation().Dtrsm(blas.Right, blas.Upper, blas.NoTrans, blas.NonUnit, rows, n, 1, u, n, b, n)
				return
			}
			x := v / d
			col[i] = x
			neg[j*rows+i] = -x
		}
	}
	kernel.Transpose(b[:rows*n], cols, n, rows)
}
