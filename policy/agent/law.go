package agent

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// ridge is the penalty on the law's standardised slopes: enough to keep a
// fit over two or three collinear coordinates (compute, parameters and
// tokens) finite, small beside the data.
const ridge = 0.1

// fitLaw fits, coordinate by coordinate of the encoded config space, the
// context's optima as a linear function of the log fidelity coordinates
// (a power law in the raw ones), by ridge regression on standardised
// coordinates, and predicts the optimum at the target's coordinates. It
// also returns the root-mean-square distance between the context's optima
// and the fit. With one lower fidelity the law is that fidelity's optimum;
// with none, the centre of the cube.
func fitLaw(ctx []contextExp, target []float64, d int) (pred []float64, residual float64) {
	pred = make([]float64, d)
	switch len(ctx) {
	case 0:
		for k := range pred {
			pred[k] = 0.5
		}
		return pred, 0
	case 1:
		copy(pred, ctx[0].opt)
		return pred, 0
	}
	x, t := lawDesign(ctx, target)
	inv, err := ridgeInverse(x)
	if err != nil {
		copy(pred, ctx[len(ctx)-1].opt)
		return pred, 0
	}
	return fitOptima(ctx, x, inv, t, d)
}

// lawDesign returns the design matrix of the law's regression, one row per
// context experiment: an intercept and the standardised log fidelity
// coordinates that vary across the context; and t, the target's row.
func lawDesign(ctx []contextExp, target []float64) (x *mat.Dense, t []float64) {
	n, m := len(ctx), len(target)
	mean, sd := make([]float64, m), make([]float64, m)
	for _, c := range ctx {
		for j, v := range c.fid {
			mean[j] += v / float64(n)
		}
	}
	for _, c := range ctx {
		for j, v := range c.fid {
			sd[j] += (v - mean[j]) * (v - mean[j]) / float64(n)
		}
	}
	var cols []int
	for j := range sd {
		if sd[j] = math.Sqrt(sd[j]); sd[j] > 1e-9 {
			cols = append(cols, j)
		}
	}
	p := len(cols) + 1
	x = mat.NewDense(n, p, nil)
	for i, c := range ctx {
		x.Set(i, 0, 1)
		for k, j := range cols {
			x.Set(i, k+1, (c.fid[j]-mean[j])/sd[j])
		}
	}
	t = make([]float64, p)
	t[0] = 1
	for k, j := range cols {
		t[k+1] = (target[j] - mean[j]) / sd[j]
	}
	return x, t
}

// ridgeInverse returns (XᵀX + ridge·I)⁻¹ with the intercept unpenalised.
func ridgeInverse(x *mat.Dense) (*mat.Dense, error) {
	_, p := x.Dims()
	var xtx mat.Dense
	xtx.Mul(x.T(), x)
	for k := 1; k < p; k++ {
		xtx.Set(k, k, xtx.At(k, k)+ridge)
	}
	var inv mat.Dense
	if err := inv.Inverse(&xtx); err != nil {
		return nil, err
	}
	return &inv, nil
}

// fitOptima regresses each of the d encoded coordinates of the context's
// optima on the design x (inv the ridge inverse of its normal matrix),
// predicts them at the target row t, clamped to [0, 1], and returns the
// prediction with the root-mean-square distance between the optima and
// their fit.
func fitOptima(ctx []contextExp, x, inv *mat.Dense, t []float64, d int) (pred []float64, residual float64) {
	n, p := x.Dims()
	pred = make([]float64, d)
	y := make([]float64, n)
	fitted := make([][]float64, n)
	for i := range fitted {
		fitted[i] = make([]float64, d)
	}
	var xty, beta mat.VecDense
	for k := range d {
		for i, c := range ctx {
			y[i] = c.opt[k]
		}
		xty.MulVec(x.T(), mat.NewVecDense(n, y))
		beta.MulVec(inv, &xty)
		var v float64
		for q := range p {
			v += beta.AtVec(q) * t[q]
		}
		pred[k] = clamp(v, 0, 1)
		for i := range n {
			var f float64
			for q := range p {
				f += beta.AtVec(q) * x.At(i, q)
			}
			fitted[i][k] = f
		}
	}
	var ss float64
	for i, c := range ctx {
		dd := dist(c.opt, fitted[i])
		ss += dd * dd
	}
	return pred, math.Sqrt(ss / float64(n))
}

// extrapolation is how far the target lies from the nearest lower fidelity
// in log fidelity coordinates, in units of the context's own span (the
// largest distance between two lower fidelities); 1 when the context has a
// single point.
func extrapolation(ctx []contextExp, target []float64) float64 {
	if len(ctx) == 0 {
		return 1
	}
	near := math.Inf(1)
	span := 0.0
	for i, c := range ctx {
		near = min(near, dist(c.fid, target))
		for _, o := range ctx[i+1:] {
			span = max(span, dist(c.fid, o.fid))
		}
	}
	if span < 1e-9 {
		return 1
	}
	return math.Min(near/span, 10)
}
