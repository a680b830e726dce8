package kernel

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// useAVX512 and useAVX2 select the AVX-512 or the AVX2 kernels of
// Accumulate.
var (
	useAVX512 = cpu.X86.HasAVX512F
	useAVX2   = cpu.X86.HasAVX2
)

// accumulateVec runs Accumulate's vector kernel over the n lanes of acc
// and returns how many lanes it did: all, or none without AVX2. With
// AVX-512 it takes 64 lanes a call, with AVX2 32, the last register of a
// call masked to the lanes left. The caller has checked the slices'
// lengths.
func accumulateVec(acc, a []float64, as int, b []float64, bs, k, n int) int {
	pa, sa, sb := unsafe.Pointer(&a[0]), uintptr(as)*8, uintptr(bs)*8
	switch {
	case useAVX512:
		for done := 0; done < n; done += 64 {
			w := min(n-done, 64)
			regs := (w + 7) / 8
			mask := uint64(1)<<(w-8*(regs-1)) - 1
			accumRegs[regs-1](unsafe.Pointer(&acc[done]), pa, sa, unsafe.Pointer(&b[done]), sb, k, mask)
		}
		return n
	case useAVX2:
		for done := 0; done < n; done += 32 {
			w := min(n-done, 32)
			regs := (w + 3) / 4
			mask := unsafe.Pointer(&ymmMasks[w-4*(regs-1)-1])
			accumYRegs[regs-1](unsafe.Pointer(&acc[done]), pa, sa, unsafe.Pointer(&b[done]), sb, k, mask)
		}
		return n
	}
	return 0
}

// ymmMasks[L-1] selects the first L lanes of a 4-lane register for
// VMASKMOVPD (the sign bit of each quadword).
var ymmMasks = [4][4]int64{{-1, 0, 0, 0}, {-1, -1, 0, 0}, {-1, -1, -1, 0}, {-1, -1, -1, -1}}

// accumYRegs[R-1] is the AVX2 kernel holding R registers of 4 lanes
// (accumulate_avx2_amd64.s).
var accumYRegs = [8]func(acc, a unsafe.Pointer, sa uintptr, b unsafe.Pointer, sb uintptr, k int, mask unsafe.Pointer){
	accumY1, accumY2, accumY3, accumY4, accumY5, accumY6, accumY7, accumY8,
}

// accumRegs[R-1] is the kernel holding R registers of 8 lanes.
var accumRegs = [8]func(acc, a unsafe.Pointer, sa uintptr, b unsafe.Pointer, sb uintptr, k int, mask uint64){
	accum1, accum2, accum3, accum4, accum5, accum6, accum7, accum8,
}

// accumR is accumulate_amd64.s's kernel for R registers (R = 1..8): it
// adds, k times, a[kk·sa bytes]·b[kk·sb bytes + lane] to acc's lanes in
// order, the last register's lanes selected by mask.

//go:noescape
func accum1(acc, a unsafe.Pointer, sa uintptr, b unsafe.Pointer, sb uintptr, k int, mask uint64)

//go:noescape
func accum2(acc, a unsafe.Pointer, sa uintptr, b unsafe.Pointer, sb uintptr, k int, mask uint64)

//go:noescape
func accum3(acc, a unsafe.Pointer, sa uintptr, b unsafe.Pointer, sb uintptr, k int, mask uint64)

//go:noescape
func accum4(acc, a unsafe.Pointer, sa uintptr, b unsafe.Pointer, sb uintptr, k int, mask uint64)

//go:noescape
func accum5(acc, a unsafe.Pointer, sa uintptr, b unsafe.Pointer, sb uintptr, k int, mask uint64)

//go:noescape
func accum6(acc, a unsafe.Pointer, sa uintptr, b unsafe.Pointer, sb uintptr, k int, mask uint64)

//go:noescape
func accum7(acc, a unsafe.Pointer, sa uintptr, b unsafe.Pointer, sb uintptr, k int, mask uint64)

//go:noescape
func accum8(acc, a unsafe.Pointer, sa uintptr, b unsafe.Pointer, sb uintptr, k int, mask uint64)

//go:noescape
func accumY1(acc, a unsafe.Pointer, sa uintptr, b unsafe.Pointer, sb uintptr, k int, mask unsafe.Pointer)

//go:noescape
func accumY2(acc, a unsafe.Pointer, sa uintptr, b unsafe.Pointer, sb uintptr, k int, mask unsafe.Pointer)

//go:noescape
func accumY3(acc, a unsafe.Pointer, sa uintptr, b unsafe.Pointer, sb uintptr, k int, mask unsafe.Pointer)

//go:noescape
func accumY4(acc, a unsafe.Pointer, sa uintptr, b unsafe.Pointer, sb uintptr, k int, mask unsafe.Pointer)

//go:noescape
func accumY5(acc, a unsafe.Pointer, sa uintptr, b unsafe.Pointer, sb uintptr, k int, mask unsafe.Pointer)

//go:noescape
func accumY6(acc, a unsafe.Pointer, sa uintptr, b unsafe.Pointer, sb uintptr, k int, mask unsafe.Pointer)

//go:noescape
func accumY7(acc, a unsafe.Pointer, sa uintptr, b unsafe.Pointer, sb uintptr, k int, mask unsafe.Pointer)

//go:noescape
func accumY8(acc, a unsafe.Pointer, sa uintptr, b unsafe.Pointer, sb uintptr, k int, mask unsafe.Pointer)

// VectorAccumulate reports whether Accumulate has a vector kernel here
// (AVX-512 or AVX2).
func VectorAccumulate() bool { return useAVX512 || useAVX2 }

// DisableVectorProducts makes Accumulate and MulAdd run in Go alone, and
// Transpose, TanhGrad and Adam with them, until the returned function
// restores them (for tests).
func DisableVectorProducts() (restore func()) {
	was512, was2 := useAVX512, useAVX2
	useAVX512, useAVX2 = false, false
	return func() { useAVX512, useAVX2 = was512, was2 }
}

// DisableAVX512 makes the kernels run as they do on a CPU with AVX2 but
// not AVX-512 until the returned function restores them (for tests).
func DisableAVX512() (restore func()) {
	restoreTanh := DisableVectorTanh()
	was512, wasExp, wasMatern := useAVX512, useExpVec, useMaternVec
	useAVX512, useExpVec, useMaternVec = false, false, false
	return func() {
		useAVX512, useExpVec, useMaternVec = was512, wasExp, wasMatern
		restoreTanh()
	}
}
