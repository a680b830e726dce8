package kernel

import "unsafe"

// transposeVec moves the whole 8×8 tiles of Transpose with AVX-512 and
// returns the rows and columns they cover (0, 0 without AVX-512).
func transposeVec(dst, src []float64, r, c int) (r8, c8 int) {
	r8, c8 = r&^7, c&^7
	if !useAVX512 || r8 == 0 || c8 == 0 {
		return 0, 0
	}
	transpose8(unsafe.Pointer(&dst[0]), unsafe.Pointer(&src[0]), r8/8, c8/8, uintptr(r)*8, uintptr(c)*8)
	return r8, c8
}

// transpose8 transposes tr×tc tiles of 8×8 from src (rows of ls bytes)
// to dst (rows of ld bytes): transpose_amd64.s.
//
//go:noescape
func transpose8(dst, src unsafe.Pointer, tr, tc int, ld, ls uintptr)
