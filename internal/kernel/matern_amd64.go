package kernel

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// useMaternVec selects the AVX-512 Matérn kernel (matern_amd64.s), whose
// exp is the standard library's amd64 Exp on its FMA path, which that Exp
// takes exactly when the CPU has AVX and FMA.
var useMaternVec = cpu.X86.HasAVX512F && cpu.X86.HasAVX && cpu.X86.HasFMA

// matern52Vec runs the vector kernel over the first lanes of r2, a
// multiple of 8, and returns how many lanes it did: none without AVX-512
// or when a value lies outside the kernel's range.
func matern52Vec(dst, r2 []float64) int {
	n := vecLanes(useMaternVec, r2, 0, maternVecMax)
	if n == 0 {
		return 0
	}
	matern8(unsafe.Pointer(&dst[0]), unsafe.Pointer(&r2[0]), n, unsafe.Pointer(&table[0]))
	return n
}

// matern8 is Matern52 for n values, n a multiple of 8: matern_amd64.s.
//
//go:noescape
func matern8(dst, r2 unsafe.Pointer, n int, table unsafe.Pointer)

// VectorMatern reports whether Matern52 has a vector kernel here.
func VectorMatern() bool { return useMaternVec }
