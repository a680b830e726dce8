package kernel

import "math"

// The vector exp takes arguments in [expVecMin, expVecMax): there the
// standard library's Exp takes none of its overflow or subnormal exits.
const expVecMin, expVecMax = -708, 709

// Exp sets dst[i] to math.Exp(x[i]), bit for bit, for i < len(x); dst
// must be at least as long, and may be x.
func Exp(dst, x []float64) {
	dst = dst[:len(x)]
	n := expVec(dst, x)
	for i := n; i < len(x); i++ {
		dst[i] = math.Exp(x[i])
	}
}
