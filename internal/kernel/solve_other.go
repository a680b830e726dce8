//go:build !amd64

package kernel

// solveVec has no vector kernel on this architecture.
func solveVec(u []float64, n int, b []float64) bool { return false }
