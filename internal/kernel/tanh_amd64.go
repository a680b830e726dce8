//go:build amd64 && !amd64.v3

// Built with GOAMD64=v3 or later, the compiler may fuse math.Tanh's
// multiply-adds, and tanh_other.go calls math.Tanh instead.

package kernel

import (
	"math"
	"unsafe"

	"golang.org/x/sys/cpu"
)

// useTanhVec selects the AVX-512 tanh (tanh_amd64.s). It computes what
// math.Tanh computes on this machine, bit for bit: the same operations as
// math.Tanh and as the standard library's amd64 Exp on its fused
// multiply-add path, which that Exp takes exactly when the CPU has AVX
// and FMA.
var useTanhVec = cpu.X86.HasAVX512F && cpu.X86.HasAVX && cpu.X86.HasFMA

// The constants of tanh8, each repeated over a vector's 8 lanes, in the
// order of the offsets tanh_amd64.s names.
var tanhTable = func() []float64 {
	const maxLog = 8.8029691931113054295988e+01 // math.Tanh's MAXLOG
	consts := []float64{
		math.Float64frombits(1<<63 - 1),                       // absolute value mask
		math.Float64frombits(1 << 63),                         // sign mask
		1.4426950408889634073599246810018920,                  // log2(e)
		0.69314718055966295651160180568695068359375,           // ln 2, upper part
		0.28235290563031577122588448175013436025525412068e-12, // ln 2, lower part
		0.0625,                                                                       // argument reduction
		2.4801587301587301587e-5, 1.9841269841269841270e-4, 1.3888888888888888889e-3, // Taylor series of exp
		8.3333333333333333333e-3, 4.1666666666666666667e-2, 1.6666666666666666667e-1,
		0.5, 1, 2,
		math.Float64frombits(1023),                                                       // exponent bias, as an integer
		-9.64399179425052238628e-1, -9.92877231001918586564e1, -1.61468768441708447952e3, // math.Tanh's P
		1.12811678491632931402e2, 2.23548839060100448583e3, 4.84406305325125486048e3, // math.Tanh's Q
		0.625, 0.5 * maxLog, 0,
	}
	t := make([]float64, 8*len(consts))
	for i, c := range consts {
		for j := range 8 {
			t[8*i+j] = c
		}
	}
	return t
}()

// Tanh replaces every value of y by its hyperbolic tangent, as
// math.Tanh computes it.
func Tanh(y []float64) {
	n := 0
	if useTanhVec {
		if n = len(y) &^ 7; n > 0 {
			tanh8(unsafe.Pointer(&y[0]), n, unsafe.Pointer(&tanhTable[0]))
		}
	}
	for i := n; i < len(y); i++ {
		y[i] = math.Tanh(y[i])
	}
}

// tanh8 is Tanh for n values, n a multiple of 8: tanh_amd64.s.
//
//go:noescape
func tanh8(y unsafe.Pointer, n int, table unsafe.Pointer)

// VectorTanh reports whether Tanh has a vector kernel here.
func VectorTanh() bool { return useTanhVec }

// DisableVectorTanh makes Tanh call math.Tanh alone until the returned
// function restores it (for tests).
func DisableVectorTanh() (restore func()) {
	was := useTanhVec
	useTanhVec = false
	return func() { useTanhVec = was }
}
