package kernel

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// useFMA selects MulAdd's AVX2 kernels, which need FMA as well.
var useFMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// panelBytes is the size of the panels of B that MulAdd's AVX-512 kernels
// take at a time: two thirds of a 48 KB level-1 data cache, so that a
// layer of 64 inputs and 64 outputs is one panel (24 KB, which split it
// in two, measured 4 % slower over a 64⁴ network's passes).
const panelBytes = 32 << 10

// mulAddVec runs MulAdd's vector kernels and reports whether it did:
// with AVX-512, blocks of rows and up to 64 columns a call; with AVX2 and
// FMA, one row and up to 32 columns a call. The caller has checked the
// slices' lengths.
func mulAddVec(c []float64, ldc int, a []float64, ai, ak int, b []float64, ldb, m, k, n int) bool {
	switch {
	case useAVX512:
		lc, sa, sk, lb := uintptr(ldc)*8, uintptr(ai)*8, uintptr(ak)*8, uintptr(ldb)*8
		for done := 0; done < n; done += 64 {
			w := min(n-done, 64)
			regs := (w + 7) / 8
			mask := uint64(1)<<(w-8*(regs-1)) - 1
			// Take kk in panels of B that stay in the level-1 cache
			// while every row of C passes over them: each element
			// still sees kk in order.
			panel := max(16, panelBytes/(8*w))
			for k0 := 0; k0 < k; k0 += panel {
				kp := min(panel, k-k0)
				pb := unsafe.Pointer(&b[k0*ldb+done])
				block, q := fmaBlocks[regs-1], fmaBlockRows[regs-1]
				i := 0
				for ; i+q <= m; i += q {
					block(unsafe.Pointer(&c[i*ldc+done]), lc, unsafe.Pointer(&a[i*ai+k0*ak]), sa, sk, pb, lb, kp, mask)
				}
				for ; i < m; i++ {
					fmaRows[regs-1](unsafe.Pointer(&c[i*ldc+done]), lc, unsafe.Pointer(&a[i*ai+k0*ak]), sa, sk, pb, lb, kp, mask)
				}
			}
		}
		return true
	case useAVX2 && useFMA:
		sk, lb := uintptr(ak)*8, uintptr(ldb)*8
		for done := 0; done < n; done += 32 {
			w := min(n-done, 32)
			regs := (w + 3) / 4
			mask := unsafe.Pointer(&ymmMasks[w-4*(regs-1)-1])
			for i := range m {
				fmaYRegs[regs-1](unsafe.Pointer(&c[i*ldc+done]), unsafe.Pointer(&a[i*ai]), sk, unsafe.Pointer(&b[done]), lb, k, mask)
			}
		}
		return true
	}
	return false
}

// VectorMulAdd reports whether MulAdd has a vector kernel here (AVX-512,
// or AVX2 with FMA).
func VectorMulAdd() bool { return useAVX512 || (useAVX2 && useFMA) }

// fmaKernel is the signature of muladd_amd64.s's AVX-512 kernels: q rows
// of C, each in R registers of 8 lanes (fmaRxQ).
type fmaKernel func(c unsafe.Pointer, ldc uintptr, a unsafe.Pointer, ai, ak uintptr, b unsafe.Pointer, ldb uintptr, k int, mask uint64)

// fmaRows[R-1] does one row of R registers; fmaBlocks[R-1] does
// fmaBlockRows[R-1] rows at once (gen_muladd.go's blockRows).
var (
	fmaRows      = [8]fmaKernel{fma1x1, fma2x1, fma3x1, fma4x1, fma5x1, fma6x1, fma7x1, fma8x1}
	fmaBlocks    = [8]fmaKernel{fma1x8, fma2x8, fma3x5, fma4x4, fma5x3, fma6x2, fma7x2, fma8x2}
	fmaBlockRows = [8]int{8, 8, 5, 4, 3, 2, 2, 2}
)

// fmaYRegs[R-1] is the AVX2 kernel of one row in R registers of 4 lanes.
var fmaYRegs = [8]func(acc, a unsafe.Pointer, sa uintptr, b unsafe.Pointer, sb uintptr, k int, mask unsafe.Pointer){
	fmaY1, fmaY2, fmaY3, fmaY4, fmaY5, fmaY6, fmaY7, fmaY8,
}

//go:noescape
func fma1x1(c unsafe.Pointer, ldc uintptr, a unsafe.Pointer, ai, ak uintptr, b unsafe.Pointer, ldb uintptr, k int, mask uint64)

//go:noescape
func fma1x8(c unsafe.Pointer, ldc uintptr, a unsafe.Pointer, ai, ak uintptr, b unsafe.Pointer, ldb uintptr, k int, mask uint64)

//go:noescape
func fma2x1(c unsafe.Pointer, ldc uintptr, a unsafe.Pointer, ai, ak uintptr, b unsafe.Pointer, ldb uintptr, k int, mask uint64)

//go:noescape
func fma2x8(c unsafe.Pointer, ldc uintptr, a unsafe.Pointer, ai, ak uintptr, b unsafe.Pointer, ldb uintptr, k int, mask uint64)

//go:noescape
func fma3x1(c unsafe.Pointer, ldc uintptr, a unsafe.Pointer, ai, ak uintptr, b unsafe.Pointer, ldb uintptr, k int, mask uint64)

//go:noescape
func fma3x5(c unsafe.Pointer, ldc uintptr, a unsafe.Pointer, ai, ak uintptr, b unsafe.Pointer, ldb uintptr, k int, mask uint64)

//go:noescape
func fma4x1(c unsafe.Pointer, ldc uintptr, a unsafe.Pointer, ai, ak uintptr, b unsafe.Pointer, ldb uintptr, k int, mask uint64)

//go:noescape
func fma4x4(c unsafe.Pointer, ldc uintptr, a unsafe.Pointer, ai, ak uintptr, b unsafe.Pointer, ldb uintptr, k int, mask uint64)

//go:noescape
func fma5x1(c unsafe.Pointer, ldc uintptr, a unsafe.Pointer, ai, ak uintptr, b unsafe.Pointer, ldb uintptr, k int, mask uint64)

//go:noescape
func fma5x3(c unsafe.Pointer, ldc uintptr, a unsafe.Pointer, ai, ak uintptr, b unsafe.Pointer, ldb uintptr, k int, mask uint64)

//go:noescape
func fma6x1(c unsafe.Pointer, ldc uintptr, a unsafe.Pointer, ai, ak uintptr, b unsafe.Pointer, ldb uintptr, k int, mask uint64)

//go:noescape
func fma6x2(c unsafe.Pointer, ldc uintptr, a unsafe.Pointer, ai, ak uintptr, b unsafe.Pointer, ldb uintptr, k int, mask uint64)

//go:noescape
func fma7x1(c unsafe.Pointer, ldc uintptr, a unsafe.Pointer, ai, ak uintptr, b unsafe.Pointer, ldb uintptr, k int, mask uint64)

//go:noescape
func fma7x2(c unsafe.Pointer, ldc uintptr, a unsafe.Pointer, ai, ak uintptr, b unsafe.Pointer, ldb uintptr, k int, mask uint64)

//go:noescape
func fma8x1(c unsafe.Pointer, ldc uintptr, a unsafe.Pointer, ai, ak uintptr, b unsafe.Pointer, ldb uintptr, k int, mask uint64)

//go:noescape
func fma8x2(c unsafe.Pointer, ldc uintptr, a unsafe.Pointer, ai, ak uintptr, b unsafe.Pointer, ldb uintptr, k int, mask uint64)

//go:noescape
func fmaY1(acc, a unsafe.Pointer, sa uintptr, b unsafe.Pointer, sb uintptr, k int, mask unsafe.Pointer)

//go:noescape
func fmaY2(acc, a unsafe.Pointer, sa uintptr, b unsafe.Pointer, sb uintptr, k int, mask unsafe.Pointer)

//go:noescape
func fmaY3(acc, a unsafe.Pointer, sa uintptr, b unsafe.Pointer, sb uintptr, k int, mask unsafe.Pointer)

//go:noescape
func fmaY4(acc, a unsafe.Pointer, sa uintptr, b unsafe.Pointer, sb uintptr, k int, mask unsafe.Pointer)

//go:noescape
func fmaY5(acc, a unsafe.Pointer, sa uintptr, b unsafe.Pointer, sb uintptr, k int, mask unsafe.Pointer)

//go:noescape
func fmaY6(acc, a unsafe.Pointer, sa uintptr, b unsafe.Pointer, sb uintptr, k int, mask unsafe.Pointer)

//go:noescape
func fmaY7(acc, a unsafe.Pointer, sa uintptr, b unsafe.Pointer, sb uintptr, k int, mask unsafe.Pointer)

//go:noescape
func fmaY8(acc, a unsafe.Pointer, sa uintptr, b unsafe.Pointer, sb uintptr, k int, mask unsafe.Pointer)
