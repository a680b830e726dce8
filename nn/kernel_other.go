//go:build !amd64

package nn

// accumulateVec has no vector kernel on this architecture: accumulate
// does every lane in Go.
func accumulateVec(acc, a []float64, as int, b []float64, bs, k, n int) int { return 0 }

// vectorKernel reports whether accumulate has a vector kernel here.
func vectorKernel() bool { return false }

// disableVectorKernel makes accumulate run in Go alone (it always does
// here) until the returned function restores it.
func disableVectorKernel() (restore func()) { return func() {} }
