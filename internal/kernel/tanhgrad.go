package kernel

// TanhGrad multiplies each d[i] by the derivative of tanh at the point
// whose tanh is y[i]: d[i] = d[i]·(1 − y[i]·y[i]), each operation rounded
// (no fused multiply-add). With AVX-512 it runs 8 values at a time as
// assembly, for the same bits. y must be at least as long as d.
func TanhGrad(d, y []float64) {
	if len(d) == 0 {
		return
	}
	_ = y[len(d)-1]
	n := tanhGradVec(d, y)
	tanhGradGo(d[n:], y[n:len(d)])
}

// tanhGradGo is TanhGrad in Go.
func tanhGradGo(d, y []float64) {
	for i, v := range y {
		d[i] *= 1 - float64(v*v) // the conversion forbids fusing
	}
}
