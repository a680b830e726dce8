//go:build !amd64

package kernel

// accumulateVec has no vector kernel on this architecture: Accumulate
// does every lane in Go.
func accumulateVec(acc, a []float64, as int, b []float64, bs, k, n int) int { return 0 }

// VectorAccumulate reports whether Accumulate has a vector kernel here.
func VectorAccumulate() bool { return false }

// DisableVectorProducts makes Accumulate and MulAdd run in Go alone (they
// always do here) until the returned function restores them.
func DisableVectorProducts() (restore func()) { return func() {} }

// DisableAVX512 does nothing here: there is no AVX-512 kernel to disable.
func DisableAVX512() (restore func()) { return func() {} }
