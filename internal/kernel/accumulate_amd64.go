package kernel

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// useAVX512 selects the AVX-512 kernel of Accumulate.
var useAVX512 = cpu.X86.HasAVX512F

// accumulateVec runs Accumulate's vector kernel over the first lanes of
// acc, in blocks of 64, 32, 16 and 8, and returns how many lanes it did:
// none without AVX-512. The caller has checked the slices' lengths.
func accumulateVec(acc, a []float64, as int, b []float64, bs, k, n int) int {
	if !useAVX512 {
		return 0
	}
	pa, sa, sb := unsafe.Pointer(&a[0]), uintptr(as)*8, uintptr(bs)*8
	done := 0
	for _, w := range [...]int{64, 32, 16, 8} {
		for n-done >= w {
			pacc, pb := unsafe.Pointer(&acc[done]), unsafe.Pointer(&b[done])
			switch w {
			case 64:
				accum64(pacc, pa, sa, pb, sb, k)
			case 32:
				accum32(pacc, pa, sa, pb, sb, k)
			case 16:
				accum16(pacc, pa, sa, pb, sb, k)
			default:
				accum8(pacc, pa, sa, pb, sb, k)
			}
			done += w
		}
	}
	return done
}

// accumW adds, k times, a[kk·sa bytes]·b[kk·sb bytes + lane] to acc's W
// lanes (W = 64, 32, 16 or 8), in order: accumulate_amd64.s.

//go:noescape
func accum64(acc, a unsafe.Pointer, sa uintptr, b unsafe.Pointer, sb uintptr, k int)

//go:noescape
func accum32(acc, a unsafe.Pointer, sa uintptr, b unsafe.Pointer, sb uintptr, k int)

//go:noescape
func accum16(acc, a unsafe.Pointer, sa uintptr, b unsafe.Pointer, sb uintptr, k int)

//go:noescape
func accum8(acc, a unsafe.Pointer, sa uintptr, b unsafe.Pointer, sb uintptr, k int)

// VectorAccumulate reports whether Accumulate has a vector kernel here.
func VectorAccumulate() bool { return useAVX512 }

// DisableVectorAccumulate makes Accumulate run in Go alone until the returned
// function restores it (for tests).
func DisableVectorAccumulate() (restore func()) {
	was := useAVX512
	useAVX512 = false
	return func() { useAVX512 = was }
}
