package kernel

import "math"

// MulAdd adds to the m×n matrix C the product of the m×k matrix A and the
// k×n matrix B, one fused multiply-add per term, in the order of kk:
//
//	for kk = 0, 1, …, k-1: C[i][j] = fma(A[i][kk], B[kk][j], C[i][j])
//
// each rounded once, as [math.FMA] rounds. C[i][j] is c[i·ldc+j], B[kk][j]
// is b[kk·ldb+j] and A[i][kk] is a[i·ai+kk·ak], so that A may be read
// row-major (ai = lda, ak = 1) or transposed (ai = 1, ak = lda). Every
// element sees the same operations in the same order whichever way the
// work is split, so the result is the same bits on every machine: the
// vector kernels do several rows at a time where the CPU has AVX-512, one
// row at a time with AVX2 and FMA ([VectorMulAdd] reports either), and Go
// does it elsewhere. The slices must hold every element the shapes reach.
func MulAdd(c []float64, ldc int, a []float64, ai, ak int, b []float64, ldb, m, k, n int) {
	if m == 0 || k == 0 || n == 0 {
		return
	}
	_ = c[(m-1)*ldc+n-1]
	_ = a[(m-1)*ai+(k-1)*ak]
	_ = b[(k-1)*ldb+n-1]
	if mulAddVec(c, ldc, a, ai, ak, b, ldb, m, k, n) {
		return
	}
	mulAddGo(c, ldc, a, ai, ak, b, ldb, m, k, n)
}

// mulAddGo is MulAdd in Go.
func mulAddGo(c []float64, ldc int, a []float64, ai, ak int, b []float64, ldb, m, k, n int) {
	for i := range m {
		ci := c[i*ldc : i*ldc+n]
		for kk := range k {
			av := a[i*ai+kk*ak]
			for j, bv := range b[kk*ldb : kk*ldb+n] {
				ci[j] = math.FMA(av, bv, ci[j])
			}
		}
	}
}
