package nn

// accumulate adds to acc[j], for j < n, the products a[kk·as]·b[kk·bs+j]
// for kk = 0, 1, …, k-1 in that order: acc[j] += a[kk·as]·b[kk·bs+j], each
// product rounded before it is added (no fused multiply-add). Every
// element of acc sees the same operations in the same order whichever way
// the work is split: the vector kernel (kernel_amd64.s) handles the lanes
// in blocks of 8 where the CPU has AVX-512, and accumulateGo the rest.
// Without the vector kernel the network uses gonum's products instead,
// which are faster than Go alone and give the same bits.
//
// Each of the MLP's batched products is one or two calls of it: a
// forward layer (with the even and odd inputs summed apart, as gonum's
// Gemv does), the weight gradient (rows in order, as one Ger per row
// does) and the input gradient (outputs in order, as Gemv transposed
// does).
func accumulate(acc, a []float64, as int, b []float64, bs, k, n int) {
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

// accumulateGo is accumulate for the len(acc) lanes of acc, in Go.
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
