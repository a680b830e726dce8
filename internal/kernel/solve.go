package kernel

// SolveUpperTrans solves Uᵀz = b in place for the upper triangle U of the
// n×n row-major u, as gonum's Dtrsm (Left, Upper, Trans, NonUnit) and
// LAPACK's Potrs do for one right-hand side: for k = 0..n-1, b[k] is
// multiplied by 1/u[k][k], and then -u[k][i]·b[k] is added to b[i] for
// every i > k whose u[k][i] is not zero.
func SolveUpperTrans(u []float64, n int, b []float64) {
	if n == 0 {
		return
	}
	_ = u[n*n-1]
	_ = b[n-1]
	if solveVec(u, n, b) {
		return
	}
	for k := range n {
		b[k] *= 1 / u[k*n+k]
		bk := b[k]
		row := u[k*n : (k+1)*n]
		for i := k + 1; i < n; i++ {
			if va := row[i]; va != 0 {
				b[i] += float64(-va * bk) // the conversion forbids fusing
			}
		}
	}
}
