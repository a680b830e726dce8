//go:build !amd64

package kernel

// tanhVec has no vector kernel on this architecture.
func tanhVec(y []float64) int { return 0 }

// VectorTanh reports whether Tanh has a vector kernel here.
func VectorTanh() bool { return false }

// DisableVectorTanh makes Tanh run in Go alone (it always does here)
// until the returned function restores it.
func DisableVectorTanh() (restore func()) { return func() {} }
