package kernel

import "unsafe"

// solveVec runs SolveUpperTrans's vector kernel (solve_amd64.s) and
// reports whether it did: not without AVX-512.
func solveVec(u []float64, n int, b []float64) bool {
	if !useAVX512 {
		return false
	}
	solveUT(unsafe.Pointer(&u[0]), unsafe.Pointer(&b[0]), n)
	return true
}

// solveUT is SolveUpperTrans: solve_amd64.s.
//
//go:noescape
func solveUT(u, b unsafe.Pointer, n int)
