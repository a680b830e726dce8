package kernel

import "unsafe"

// adamVec runs the vector kernel (adam_amd64.s) over the first lanes, a
// multiple of 8, and returns how many it did: none without AVX-512.
func adamVec(params, grads, m, v []float64, c AdamCoef) int {
	n := len(params) &^ 7
	if !useAVX512 || n == 0 {
		return 0
	}
	coef := [8]float64{c.Beta1, 1 - c.Beta1, c.Beta2, 1 - c.Beta2, c.StepSize, c.InvSqrtC2, c.Eps, c.Decay}
	adam8(unsafe.Pointer(&params[0]), unsafe.Pointer(&grads[0]), unsafe.Pointer(&m[0]), unsafe.Pointer(&v[0]), n, unsafe.Pointer(&coef[0]))
	return n
}

// adam8 is Adam for n values, n a multiple of 8: adam_amd64.s.
//
//go:noescape
func adam8(params, grads, m, v unsafe.Pointer, n int, coef unsafe.Pointer)
