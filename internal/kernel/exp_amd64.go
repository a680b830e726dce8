package kernel

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// useExpVec selects the AVX-512 exp (exp_amd64.s): the standard library's
// amd64 Exp on its FMA path, which that Exp takes exactly when the CPU has
// AVX and FMA.
var useExpVec = cpu.X86.HasAVX512F && cpu.X86.HasAVX && cpu.X86.HasFMA

// expVec runs the vector kernel over the first lanes of x, a multiple of
// 8, and returns how many lanes it did: none without AVX-512 or when a
// value lies outside the kernel's range.
func expVec(dst, x []float64) int {
	n := vecLanes(useExpVec, x, expVecMin, expVecMax)
	if n == 0 {
		return 0
	}
	exp8(unsafe.Pointer(&dst[0]), unsafe.Pointer(&x[0]), n, unsafe.Pointer(&table[0]))
	return n
}

// exp8 is Exp for n values, n a multiple of 8: exp_amd64.s.
//
//go:noescape
func exp8(dst, x unsafe.Pointer, n int, table unsafe.Pointer)

// VectorExp reports whether Exp has a vector kernel here.
func VectorExp() bool { return useExpVec }

// vecLanes returns how many leading values of x an 8-lane kernel takes:
// the largest multiple of 8, provided the kernel is in use and all of
// those values lie in [lo, hi); else 0, and Go computes them all.
func vecLanes(use bool, x []float64, lo, hi float64) int {
	n := len(x) &^ 7
	if !use {
		return 0
	}
	for _, v := range x[:n] {
		if !(v >= lo && v < hi) {
			return 0
		}
	}
	return n
}
