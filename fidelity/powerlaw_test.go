package fidelity_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/fidelity"
)

// stepLawPoints samples the Step Law optimal learning rate
// lr* = 1.79·N^-0.713·D^0.307 on a grid of model sizes N and token counts
// D, multiplying each value by exp(noise·ε) with ε standard normal.
func stepLawPoints(noise float64, seed uint64) ([][]float64, []float64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	var x [][]float64
	var y []float64
	for _, n := range []float64{1e8, 2.1e8, 4.3e8, 1.1e9, 2.7e9, 7e9} {
		for _, d := range []float64{2e9, 1e10, 5e10, 2e11, 1e12} {
			x = append(x, []float64{n, d})
			y = append(y, 1.79*math.Pow(n, -0.713)*math.Pow(d, 0.307)*math.Exp(noise*rng.NormFloat64()))
		}
	}
	return x, y
}

func TestFitPowerLawStepLaw(t *testing.T) {
	cases := []struct {
		name            string
		noise           float64
		expTol, coefRel float64
		minR2           float64
	}{
		{"noiseless", 0, 1e-9, 1e-8, 1 - 1e-12},
		{"two percent noise", 0.02, 0.02, 0.5, 0.99},
		{"five percent noise", 0.05, 0.04, 1.0, 0.97},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x, y := stepLawPoints(c.noise, 3)
			p, err := fidelity.FitPowerLaw(x, y)
			require.NoError(t, err)
			require.Len(t, p.Exponents, 2)
			assert.InDelta(t, -0.713, p.Exponents[0], c.expTol)
			assert.InDelta(t, 0.307, p.Exponents[1], c.expTol)
			assert.InEpsilon(t, 1.79, p.Coef, c.coefRel)
			assert.GreaterOrEqual(t, p.R2, c.minR2)
			assert.LessOrEqual(t, p.R2, 1.0+1e-12)
			// Extrapolation to an unseen scale stays close.
			want := 1.79 * math.Pow(3e10, -0.713) * math.Pow(3e12, 0.307)
			assert.InEpsilon(t, want, p.Predict([]float64{3e10, 3e12}), 10*c.expTol+1e-8)
		})
	}
}

func TestFitPowerLawOneDimension(t *testing.T) {
	x := [][]float64{{1}, {2}, {4}, {8}}
	y := []float64{3, 3 * math.Sqrt(2), 6, 6 * math.Sqrt(2)}
	p, err := fidelity.FitPowerLaw(x, y)
	require.NoError(t, err)
	assert.InDelta(t, 0.5, p.Exponents[0], 1e-12)
	assert.InDelta(t, 3, p.Coef, 1e-12)
	assert.Equal(t, "3 · x0^0.5", p.String())
}

func TestFitPowerLawErrors(t *testing.T) {
	cases := []struct {
		name string
		x    [][]float64
		y    []float64
		msg  string
	}{
		{"length mismatch", [][]float64{{1}, {2}}, []float64{1}, "2 predictor rows but 1 responses"},
		{"no points", nil, nil, "no points"},
		{"no predictors", [][]float64{{}, {}}, []float64{1, 2}, "point 0 has no predictors"},
		{"too few points", [][]float64{{1, 2}, {2, 3}}, []float64{1, 2}, "2 points cannot determine 2 exponents"},
		{"ragged", [][]float64{{1}, {2, 3}, {4}}, []float64{1, 2, 3}, "point 1 has 2 predictors, want 1"},
		{"zero predictor", [][]float64{{1}, {0}, {4}}, []float64{1, 2, 3}, "point 1 predictor 0 is 0"},
		{"NaN predictor", [][]float64{{1}, {math.NaN()}, {4}}, []float64{1, 2, 3}, "point 1 predictor 0 is NaN"},
		{"negative response", [][]float64{{1}, {2}, {4}}, []float64{1, -2, 3}, "point 1 response is -2"},
		{"infinite response", [][]float64{{1}, {2}, {4}}, []float64{1, math.Inf(1), 3}, "point 1 response is +Inf"},
		{"constant predictor", [][]float64{{1, 5}, {2, 5}, {4, 5}}, []float64{1, 2, 3}, "predictor 1 is constant"},
		{"collinear predictors", [][]float64{{1, 1}, {2, 4}, {4, 16}, {8, 64}}, []float64{1, 2, 3, 4}, "collinear"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := fidelity.FitPowerLaw(c.x, c.y)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.msg)
		})
	}
}

func TestPowerLawPredictInvalid(t *testing.T) {
	p := fidelity.PowerLaw{Coef: 2, Exponents: []float64{1, 1}}
	assert.InDelta(t, 12.0, p.Predict([]float64{2, 3}), 1e-12)
	assert.True(t, math.IsNaN(p.Predict([]float64{2})))
	assert.True(t, math.IsNaN(p.Predict([]float64{2, -3})))
}

func TestSpearman(t *testing.T) {
	cases := []struct {
		name string
		x, y []float64
		want float64
	}{
		{"identical order", []float64{1, 2, 3, 4}, []float64{10, 20, 30, 40}, 1},
		{"monotone but nonlinear", []float64{1, 2, 3, 4}, []float64{1, 8, 27, 1000}, 1},
		{"reversed", []float64{1, 2, 3, 4}, []float64{4, 3, 2, 1}, -1},
		// Ranks x = 1,2,3,4,5 and y = 2,1,4,3,5: 1 - 6·4/(5·24) = 0.8.
		{"two swaps", []float64{1, 2, 3, 4, 5}, []float64{2, 1, 4, 3, 5}, 0.8},
		// Ties take average ranks: y ranks 1.5,1.5,3,4.
		{"ties", []float64{1, 2, 3, 4}, []float64{5, 5, 6, 7}, 0.9486832980505138},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := fidelity.Spearman(c.x, c.y)
			require.NoError(t, err)
			assert.InDelta(t, c.want, got, 1e-12)
		})
	}
	for _, c := range []struct {
		name string
		x, y []float64
		msg  string
	}{
		{"mismatch", []float64{1, 2}, []float64{1}, "2 x values but 1 y values"},
		{"one point", []float64{1}, []float64{1}, "1 points"},
		{"NaN", []float64{1, math.NaN()}, []float64{1, 2}, "x[1] is NaN"},
		{"constant", []float64{1, 2, 3}, []float64{4, 4, 4}, "constant"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := fidelity.Spearman(c.x, c.y)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.msg)
		})
	}
}

func BenchmarkFitPowerLaw(b *testing.B) {
	x, y := stepLawPoints(0.02, 1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := fidelity.FitPowerLaw(x, y); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSpearman(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float64, 120)
	y := make([]float64, 120)
	for i := range x {
		x[i] = rng.Float64()
		y[i] = x[i] + 0.3*rng.NormFloat64()
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := fidelity.Spearman(x, y); err != nil {
			b.Fatal(err)
		}
	}
}
