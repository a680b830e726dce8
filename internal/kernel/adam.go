package kernel

import "math"

// AdamCoef holds the coefficients of one Adam step (see Adam).
type AdamCoef struct {
	Beta1, Beta2 float64 // moment decay rates
	StepSize     float64 // LR/(1 - Beta1^t): the learning rate over the first moment's bias correction
	InvSqrtC2    float64 // 1/√(1 - Beta2^t): the second moment's bias correction, inverted under the root
	Eps          float64
	Decay        float64 // LR times the weight decay
}

// Adam takes one Adam step over params with gradient grads and moment
// estimates m and v (all of one length), in place: for each i,
//
//	m = β1·m + (1-β1)·g
//	v = β2·v + (1-β2)·g·g
//	p -= StepSize·m/(√v·InvSqrtC2 + Eps) + Decay·p
//
// each operation rounded in that order (no fused multiply-adds), the
// same bits whether the vector kernel or Go runs. With the bias
// corrections C1 = 1-β1^t and C2 = 1-β2^t folded into StepSize and
// InvSqrtC2, the step is LR·(m/C1)/(√(v/C2) + Eps) with one division and
// one square root.
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
		step := float64(c.StepSize*m[i]) / (float64(math.Sqrt(v[i])*c.InvSqrtC2) + c.Eps)
		params[i] -= step + float64(c.Decay*params[i])
	}
}
