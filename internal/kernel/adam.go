package kernel

import "math"

// AdamCoef holds the coefficients of one Adam step (see Adam).
type AdamCoef struct {
	Beta1, Beta2 float64 // moment decay rates
	C1, C2       float64 // bias corrections, 1 - Beta^t
	LR, Eps      float64
	Decay        float64 // LR times the weight decay
}

// Adam takes one Adam step over params with gradient grads and moment
// estimates m and v (all of one length), in place: for each i,
//
//	m = β1·m + (1-β1)·g
//	v = β2·v + (1-β2)·g·g
//	p -= LR·(m/C1)/(√(v/C2) + Eps) + Decay·p
//
// each operation rounded in that order (no fused multiply-adds), the
// same bits whether the vector kernel or Go runs.
func Adam(params, grads, m, v []float64, c AdamCoef) {
	n := len(params)
	grads, m, v = grads[:n], m[:n], v[:n]
	done := adamVec(params, grads, m, v, c)
	adamGo(params[done:], grads[done:], m[done:], v[done:], c)
}

// adamGo is Adam in Go; the conversions forbid fusing.
func adamGo(params, grads, m, v []float64, c AdamCoef) {
	b1, b2 := c.Beta1, c.Beta2
	omb1, omb2 := 1-b1, 1-b2
	for i, g := range grads[:len(params)] {
		m[i] = float64(b1*m[i]) + float64(omb1*g)
		v[i] = float64(b2*v[i]) + float64(float64(omb2*g)*g)
		step := float64(c.LR*(m[i]/c.C1)) / (math.Sqrt(v[i]/c.C2) + c.Eps)
		params[i] -= step + float64(c.Decay*params[i])
	}
}
