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

// Tanh replaces every value of y by its hyperbolic tangent, as
// math.Tanh computes it.
func Tanh(y []float64) {
	n := 0
	if useTanhVec {
		if n = len(y) &^ 7; n > 0 {
			tanh8(unsafe.Pointer(&y[0]), n, unsafe.Pointer(&table[0]))
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
