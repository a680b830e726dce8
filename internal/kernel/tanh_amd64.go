package kernel

import (
	"math"
	"unsafe"
)

// useTanhVec selects the AVX-512 tanh (tanh_amd64.s).
var useTanhVec = useAVX512

// tanhVec runs Tanh's vector kernel over the largest multiple of 8 values
// of y and returns how many it did (none without AVX-512).
func tanhVec(y []float64) int {
	n := len(y) &^ 7
	if !useTanhVec || n == 0 {
		return 0
	}
	tanh8(unsafe.Pointer(&y[0]), n, unsafe.Pointer(&tanhTable[0]))
	return n
}

// tanh8 is Tanh for n values, n a multiple of 8: tanh_amd64.s.
//
//go:noescape
func tanh8(y unsafe.Pointer, n int, table unsafe.Pointer)

// tanhTable holds tanh8's constants, each repeated over 8 lanes, in the
// order of the offsets tanh_amd64.s names.
var tanhTable = func() []float64 {
	consts := []float64{
		math.Float64frombits(1 << 63), // sign mask
		tanhFloorW, tanhLog2E, tanhMagic, tanhLn2Hi, tanhLn2Lo, 1, 2,
		math.Float64frombits(uint64(1023 - int64(math.Float64bits(tanhMagic)))), // 2ᵏ's exponent from y's bits
	}
	for i := 13; i >= 1; i-- {
		consts = append(consts, tanhCoef[i])
	}
	t := make([]float64, 8*len(consts))
	for i, c := range consts {
		for j := range 8 {
			t[8*i+j] = c
		}
	}
	return t
}()

// VectorTanh reports whether Tanh has a vector kernel here.
func VectorTanh() bool { return useTanhVec }

// DisableVectorTanh makes Tanh run in Go alone until the returned
// function restores it (for tests).
func DisableVectorTanh() (restore func()) {
	was := useTanhVec
	useTanhVec = false
	return func() { useTanhVec = was }
}
