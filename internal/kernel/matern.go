package kernel

import "math"

// maternVecMax bounds the squared distances the vector kernel takes:
// below it exp(-r) takes none of Exp's subnormal exits (those start near
// r = 708, r2 = 100,000).
const maternVecMax = 90000

// Matern52At is the Matérn-5/2 correlation at squared scaled distance r2:
// (1 + r + r²/3)·exp(-r) with r = √(5·r2).
func Matern52At(r2 float64) float64 {
	r := math.Sqrt(5 * r2)
	return (1 + r + r*r/3) * math.Exp(-r)
}

// Matern52 sets dst[i] to Matern52At(r2[i]), bit for bit, for i <
// len(r2); dst must be at least as long, and may be r2.
func Matern52(dst, r2 []float64) {
	dst = dst[:len(r2)]
	n := matern52Vec(dst, r2)
	for i := n; i < len(r2); i++ {
		dst[i] = Matern52At(r2[i])
	}
}
