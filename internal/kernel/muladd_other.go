//go:build !amd64

package kernel

// mulAddVec has no vector kernel on this architecture: MulAdd runs in Go.
func mulAddVec(c []float64, ldc int, a []float64, ai, ak int, b []float64, ldb, m, k, n int) bool {
	return false
}

// VectorMulAdd reports whether MulAdd has a vector kernel here.
func VectorMulAdd() bool { return false }
