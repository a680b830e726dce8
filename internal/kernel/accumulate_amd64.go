package kernel

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// useAVX512 selects the AVX-512 kernel of Accumulate.
var useAVX512 = cpu.X86.HasAVX512F

// accumulateVec runs Accumulate's vector kernel over the n lanes of acc,
// 64 at a time and then the rest in one call whose last register is
// masked, and returns how many lanes it did: all, or none without
// AVX-512. The caller has checked the slices' lengths.
func accumulateVec(acc, a []float64, as int, b []float64, bs, k, n int) int {
	if !useAVX512 {
		return 0
	}
	pa, sa, sb := unsafe.Pointer(&a[0]), uintptr(as)*8, uintptr(bs)*8
	for done := 0; done < n; done += 64 {
		w := min(n-done, 64)
		regs := (w + 7) / 8
		mask := uint64(1)<<(w-8*(regs-1)) - 1
		accumRegs[regs-1](unsafe.Pointer(&acc[done]), pa, sa, unsafe.Pointer(&b[done]), sb, k, mask)
	}
	return n
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

// VectorAccumulate reports whether Accumulate has a vector kernel here.
func VectorAccumulate() bool { return useAVX512 }

// DisableVectorAccumulate makes Accumulate run in Go alone until the returned
// function restores it (for tests).
func DisableVectorAccumulate() (restore func()) {
	was := useAVX512
	useAVX512 = false
	return func() { useAVX512 = was }
}
