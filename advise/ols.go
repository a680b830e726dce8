package advise

import (
	"errors"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"
)

// condLimit is the largest condition number of the centred, scaled
// design a fit accepts; beyond it the predictors are collinear.
const condLimit = 1e10

// ols is an ordinary least-squares fit y = b0 + Σ b_j x_j with the
// covariance of its coefficients, s²(XᵀX)⁻¹.
type ols struct {
	coef []float64  // intercept first
	inv  *mat.Dense // (XᵀX)⁻¹
	s2   float64    // residual variance, RSS/dof (NaN when dof is 0)
	dof  int
	r2   float64
	n    int
}

// fitOLS fits y on the rows of x (each of the same length p ≥ 0).
func fitOLS(x [][]float64, y []float64) (ols, error) {
	n := len(y)
	if n == 0 || len(x) != n {
		return ols{}, errors.New("no points")
	}
	p := len(x[0])
	if n < p+1 {
		return ols{}, errors.New("fewer points than coefficients")
	}
	X := mat.NewDense(n, p+1, nil)
	for i, row := range x {
		X.Set(i, 0, 1)
		for j, v := range row {
			X.Set(i, j+1, v)
		}
	}
	var xtx mat.Dense
	xtx.Mul(X.T(), X)
	var inv mat.Dense
	if err := inv.Inverse(&xtx); err != nil {
		return ols{}, err
	}
	var xty mat.VecDense
	xty.MulVec(X.T(), mat.NewVecDense(n, y))
	var beta mat.VecDense
	beta.MulVec(&inv, &xty)
	f := ols{coef: make([]float64, p+1), inv: &inv, dof: n - p - 1, n: n}
	for j := range f.coef {
		f.coef[j] = beta.AtVec(j)
	}
	mean := 0.0
	for _, v := range y {
		mean += v / float64(n)
	}
	var rss, tss float64
	for i, row := range x {
		r := y[i] - f.value(row)
		rss += r * r
		tss += (y[i] - mean) * (y[i] - mean)
	}
	f.r2 = 1
	if tss > 0 {
		f.r2 = 1 - rss/tss
	}
	f.s2 = math.NaN()
	if f.dof > 0 {
		f.s2 = rss / float64(f.dof)
	}
	return f, nil
}

// value is the fitted mean at x.
func (f ols) value(x []float64) float64 {
	v := f.coef[0]
	for j, xj := range x {
		v += f.coef[j+1] * xj
	}
	return v
}

// se is the standard error of coefficient j (0 the intercept).
func (f ols) se(j int) float64 { return math.Sqrt(f.s2 * f.inv.At(j, j)) }

// predictVar is the variance of a new observation at x: s²(1 + x̃ᵀ(XᵀX)⁻¹x̃)
// with x̃ = (1, x).
func (f ols) predictVar(x []float64) float64 {
	xt := append([]float64{1}, x...)
	q := 0.0
	for a, va := range xt {
		for b, vb := range xt {
			q += va * f.inv.At(a, b) * vb
		}
	}
	return f.s2 * (1 + q)
}

// tQuantile is the 95th percentile of Student's t with dof degrees of
// freedom (the half-width of a two-sided 90 % interval in standard
// errors); NaN without degrees of freedom.
func tQuantile(dof int) float64 {
	if dof < 1 {
		return math.NaN()
	}
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(dof)}.Quantile(0.95)
}

// identified reports whether the columns of x (points × predictors),
// centred and scaled, are neither constant nor collinear.
func identified(x [][]float64) bool {
	n := len(x)
	if n == 0 {
		return false
	}
	p := len(x[0])
	if p == 0 {
		return true
	}
	if n < p+1 {
		return false
	}
	m := mat.NewDense(n, p, nil)
	for j := range p {
		mean := 0.0
		for i := range n {
			mean += x[i][j] / float64(n)
		}
		norm := 0.0
		for i := range n {
			d := x[i][j] - mean
			norm += d * d
		}
		norm = math.Sqrt(norm)
		if norm <= 1e-10*math.Sqrt(float64(n))*(1+math.Abs(mean)) {
			return false
		}
		for i := range n {
			m.Set(i, j, (x[i][j]-mean)/norm)
		}
	}
	c := mat.Cond(m, 2)
	return c < condLimit && !math.IsNaN(c)
}
