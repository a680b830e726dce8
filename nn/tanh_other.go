//go:build !amd64 || amd64.v3

package nn

import "math"

// tanhInPlace replaces every value of y by its hyperbolic tangent.
func tanhInPlace(y []float64) {
	for i, v := range y {
		y[i] = math.Tanh(v)
	}
}

// vectorTanh reports whether tanhInPlace has a vector kernel here.
func vectorTanh() bool { return false }

// disableVectorTanh makes tanhInPlace call math.Tanh alone (it always
// does here) until the returned function restores it.
func disableVectorTanh() (restore func()) { return func() {} }
