package fidelity

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// rankTolerance is the largest condition number of the centred, scaled
// log-design matrix that FitPowerLaw accepts; beyond it the predictors are
// collinear (or constant) and the exponents are not identified.
const rankTolerance = 1e10

// PowerLaw is y = Coef · Π_j x_j^Exponents[j], the form of scaling laws for
// losses and optimal hyperparameters.
type PowerLaw struct {
	// Coef is the multiplier, exp(c0) of the log-space fit.
	Coef float64
	// Exponents holds one exponent per predictor.
	Exponents []float64
	// R2 is the coefficient of determination of the fit in log space.
	R2 float64
}

// Predict returns Coef · Π_j x_j^Exponents[j]. It returns NaN when x has the
// wrong length or a coordinate that is not positive and finite.
func (p PowerLaw) Predict(x []float64) float64 {
	if len(x) != len(p.Exponents) {
		return math.NaN()
	}
	logY := math.Log(p.Coef)
	for j, v := range x {
		if !(v > 0) || math.IsInf(v, 0) {
			return math.NaN()
		}
		logY += p.Exponents[j] * math.Log(v)
	}
	return math.Exp(logY)
}

// String formats the law as "1.79 · x0^-0.713 · x1^0.307".
func (p PowerLaw) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%.4g", p.Coef)
	for j, e := range p.Exponents {
		fmt.Fprintf(&b, " · x%d^%.4g", j, e)
	}
	return b.String()
}

// FitPowerLaw fits y = c · Π_j x_j^e_j by least squares on
// log y = log c + Σ_j e_j log x_j, solved by a QR factorisation. x holds one
// row of predictors per point, all of the same length k ≥ 1, and y the
// responses. It needs at least k+1 points, every value positive and finite,
// and predictors whose logarithms are not constant or collinear.
func FitPowerLaw(x [][]float64, y []float64) (PowerLaw, error) {
	n := len(y)
	if len(x) != n {
		return PowerLaw{}, fmt.Errorf("fidelity: power law: %d predictor rows but %d responses", len(x), n)
	}
	if n == 0 {
		return PowerLaw{}, errors.New("fidelity: power law: no points")
	}
	k := len(x[0])
	if k == 0 {
		return PowerLaw{}, errors.New("fidelity: power law: point 0 has no predictors")
	}
	if n < k+1 {
		return PowerLaw{}, fmt.Errorf("fidelity: power law: %d points cannot determine %d exponents and a coefficient (need at least %d)", n, k, k+1)
	}
	logX, logY, err := logPoints(x, y, k)
	if err != nil {
		return PowerLaw{}, err
	}
	means, scales, err := standardise(logX, x)
	if err != nil {
		return PowerLaw{}, err
	}
	meanY := floats.Sum(logY) / float64(n)

	var qr mat.QR
	qr.Factorize(logX)
	if c := qr.Cond(); c > rankTolerance || math.IsNaN(c) {
		return PowerLaw{}, fmt.Errorf("fidelity: power law: predictors are collinear in log space (condition number %.3g); the exponents are not identified", c)
	}
	centredY := make([]float64, n)
	for i, v := range logY {
		centredY[i] = v - meanY
	}
	var beta mat.VecDense
	if err := qr.SolveVecTo(&beta, false, mat.NewVecDense(n, centredY)); err != nil {
		return PowerLaw{}, fmt.Errorf("fidelity: power law: least squares: %w", err)
	}

	p := PowerLaw{Exponents: make([]float64, k)}
	c0 := meanY
	for j := range k {
		p.Exponents[j] = beta.AtVec(j) / scales[j]
		c0 -= p.Exponents[j] * means[j]
	}
	p.Coef = math.Exp(c0)
	p.R2 = rSquared(logX, &beta, logY, centredY, meanY)
	return p, nil
}

// logPoints checks that every point has k positive finite predictors and a
// positive finite response, and returns their logarithms.
func logPoints(x [][]float64, y []float64, k int) (*mat.Dense, []float64, error) {
	n := len(y)
	logX := mat.NewDense(n, k, nil)
	logY := make([]float64, n)
	for i, row := range x {
		if len(row) != k {
			return nil, nil, fmt.Errorf("fidelity: power law: point %d has %d predictors, want %d", i, len(row), k)
		}
		for j, v := range row {
			if !(v > 0) || math.IsInf(v, 0) {
				return nil, nil, fmt.Errorf("fidelity: power law: point %d predictor %d is %g, want positive and finite", i, j, v)
			}
			logX.Set(i, j, math.Log(v))
		}
		if !(y[i] > 0) || math.IsInf(y[i], 0) {
			return nil, nil, fmt.Errorf("fidelity: power law: point %d response is %g, want positive and finite", i, y[i])
		}
		logY[i] = math.Log(y[i])
	}
	return logX, logY, nil
}

// standardise centres each log-predictor column of logX in place so that
// it is orthogonal to the intercept, and scales it to unit norm so that
// the condition number measures collinearity rather than units. It returns
// the column means and norms, or an error naming a constant predictor (x
// holds the original values, for the message).
func standardise(logX *mat.Dense, x [][]float64) (means, scales []float64, err error) {
	n, k := logX.Dims()
	means = make([]float64, k)
	scales = make([]float64, k)
	col := make([]float64, n)
	for j := range k {
		mat.Col(col, j, logX)
		means[j] = floats.Sum(col) / float64(n)
		floats.AddConst(-means[j], col)
		scales[j] = floats.Norm(col, 2)
		if scales[j] <= 1e-10*math.Sqrt(float64(n))*(1+math.Abs(means[j])) {
			return nil, nil, fmt.Errorf("fidelity: power law: predictor %d is constant (%g at every point); its exponent is not identified", j, x[0][j])
		}
		floats.Scale(1/scales[j], col)
		logX.SetCol(j, col)
	}
	return means, scales, nil
}

// rSquared returns the coefficient of determination in log space of the fit
// meanY + logX·beta to logY, whose deviations from meanY are centredY; it
// is 1 when logY is constant.
func rSquared(logX *mat.Dense, beta *mat.VecDense, logY, centredY []float64, meanY float64) float64 {
	n, k := logX.Dims()
	var ssRes, ssTot float64
	for i := range n {
		fit := meanY
		for j := range k {
			fit += beta.AtVec(j) * logX.At(i, j)
		}
		r := logY[i] - fit
		ssRes += r * r
		ssTot += centredY[i] * centredY[i]
	}
	if ssTot > 0 {
		return 1 - ssRes/ssTot
	}
	return 1
}
