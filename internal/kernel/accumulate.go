package kernel

// Accumulate adds to acc[j], for j < n, the products a[kk·as]·b[kk·bs+j]
// for kk = 0, 1, …, k-1 in that order: acc[j] += a[kk·as]·b[kk·bs+j], each
// product rounded before it is added (no fused multiply-add). Every
// element of acc sees the same operations in the same order whichever way
// the work is split: the vector kernels handle every lane where the CPU
// has AVX-512 (accumulate_amd64.s) or AVX2 (accumulate_avx2_amd64.s), as
// [VectorAccumulate] reports, and Go elsewhere. Without them it is slower
// than gonum's level-2 routines, so callers that have those take them
// instead.
func Accumulate(acc, a []float64, as int, b []float64, bs, k, n int) {
	if k == 0 || n == 0 {
		return
	}
	_ = a[(k-1)*as]
	_ = b[(k-1)*bs+n-1]
	_ = acc[n-1]
	done := accumulateVec(acc, a, as, b, bs, k, n)
	if done < n {
		accumulateGo(acc[done:n], a, as, b[done:], bs, k)
	}
}

// accumulateGo is Accumulate for the len(acc) lanes of acc, in Go.
func accumulateGo(acc, a []float64, as int, b []float64, bs, k int) {
	n := len(acc)
	for kk := range k {
		av := a[kk*as]
		row := b[kk*bs : kk*bs+n]
		for j, v := range row {
			acc[j] += float64(av * v) // the conversion forbids fusing
		}
	}
}
