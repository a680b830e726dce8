//go:build !amd64 || amd64.v3

package kernel

import "math"

// Tanh replaces every value of y by its hyperbolic tangent, math.Tanh.
func Tanh(y []float64) {
	for i, v := range y {
		y[i] = math.Tanh(v)
	}
}

// VectorTanh reports whether Tanh has a vector kernel here.
func VectorTanh() bool { return false }

// DisableVectorTanh makes Tanh call math.Tanh alone (it always
// does here) until the returned function restores it.
func DisableVectorTanh() (restore func()) { return func() {} }
