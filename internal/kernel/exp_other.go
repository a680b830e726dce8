//go:build !amd64

package kernel

// expVec has no vector kernel on this architecture.
func expVec(dst, x []float64) int { return 0 }

// VectorExp reports whether Exp has a vector kernel here.
func VectorExp() bool { return false }
