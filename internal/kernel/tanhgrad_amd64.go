package kernel

import "unsafe"

// tanhGradVec runs TanhGrad's AVX-512 kernel over the largest multiple of
// 8 values of d and returns how many it did (none without AVX-512).
func tanhGradVec(d, y []float64) int {
	n := len(d) &^ 7
	if !useAVX512 || n == 0 {
		return 0
	}
	tanhGrad8(unsafe.Pointer(&d[0]), unsafe.Pointer(&y[0]), n)
	return n
}

// tanhGrad8 is TanhGrad for n values, n a multiple of 8:
// tanhgrad_amd64.s.
//
//go:noescape
func tanhGrad8(d, y unsafe.Pointer, n int)
