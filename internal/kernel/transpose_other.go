//go:build !amd64

package kernel

// transposeVec has no vector kernel on this architecture.
func transposeVec(dst, src []float64, r, c int) (r8, c8 int) { return 0, 0 }
