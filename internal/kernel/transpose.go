package kernel

// Transpose writes to dst (c×r, row-major) the transpose of src (r×c,
// row-major): dst[j·r+i] = src[i·c+j]. With AVX-512 it moves 8×8 tiles
// through registers; the rows and columns past the last whole tile, and
// every element elsewhere, are moved in Go.
func Transpose(dst, src []float64, r, c int) {
	if r == 0 || c == 0 {
		return
	}
	_ = src[r*c-1]
	_ = dst[r*c-1]
	r8, c8 := transposeVec(dst, src, r, c)
	for i := range r {
		j0 := 0
		if i < r8 {
			j0 = c8
		}
		for j := j0; j < c; j++ {
			dst[j*r+i] = src[i*c+j]
		}
	}
}
