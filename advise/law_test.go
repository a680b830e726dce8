package advise

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFitOLS(t *testing.T) {
	// y = 1 + 2x exactly, then with noise of known residuals.
	xs := [][]float64{{0}, {1}, {2}, {3}}
	f, err := fitOLS(xs, []float64{1, 3, 5, 7})
	require.NoError(t, err)
	assert.InDelta(t, 1, f.coef[0], 1e-12)
	assert.InDelta(t, 2, f.coef[1], 1e-12)
	assert.InDelta(t, 0, f.se(1), 1e-12)
	assert.Equal(t, 2, f.dof)

	f, err = fitOLS(xs, []float64{1, 3.5, 4.5, 7})
	require.NoError(t, err)
	// Residuals: slope 1.9, intercept 1.15 → residuals -0.15, 0.45, -0.45, 0.15.
	assert.InDelta(t, 1.9, f.coef[1], 1e-12)
	assert.InDelta(t, 0.45/2, f.s2, 1e-12)
	assert.InDelta(t, math.Sqrt(0.225/5), f.se(1), 1e-12) // s²/Σ(x−x̄)²
	_, err = fitOLS([][]float64{{1}}, []float64{1})
	assert.Error(t, err)
}

func TestIdentified(t *testing.T) {
	cases := []struct {
		name string
		x    [][]float64
		want bool
	}{
		{"two free columns", [][]float64{{0, 1}, {1, 0}, {2, 2}, {3, 1}}, true},
		{"constant column", [][]float64{{1, 0}, {1, 1}, {1, 2}}, false},
		{"collinear", [][]float64{{1, 2}, {2, 4}, {3, 6}, {4, 8}}, false},
		{"too few points", [][]float64{{1, 2}, {2, 3}}, false},
		{"no predictor", [][]float64{{}, {}}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { assert.Equal(t, c.want, identified(c.x)) })
	}
}

func TestInflation(t *testing.T) {
	xs := [][]float64{{0}, {1}, {2}, {3}, {4}, {5}, {6}}
	line := []float64{0, 1, 2, 3, 4, 5, 6}
	noisy := []float64{0.01, 0.99, 2.02, 2.98, 4.01, 4.99, 6.02}
	assert.Equal(t, 1.0, inflation(xs[:3], line[:3]), "no cell can be predicted")
	assert.Equal(t, 1.0, inflation(xs, noisy), "errors within the law's own noise do not inflate")
	bent := []float64{0.01, 0.99, 2.02, 2.98, 4.01, 6, 8.5} // the last cells leave the line
	assert.Greater(t, inflation(xs, bent), 2.0)
}

func TestLead(t *testing.T) {
	bt := func(r ...float64) []Backtest {
		var out []Backtest
		for i := 0; i+1 < len(r); i += 2 {
			out = append(out, Backtest{Regret1: Number(r[i]), RegretK: Number(r[i+1])})
		}
		return out
	}
	cases := []struct {
		name string
		in   []Backtest
		want int
	}{
		{"clear winner", bt(0.2, 0.1, 0.05, 0.0, 0.3, 0.1), 1},
		{"tie goes to order", bt(0.009, 0, 0.005, 0), 0},
		{"tie broken by best of K", bt(0.009, 0.05, 0.005, 0), 1},
		{"NaN never leads", bt(0.3, 0.3, math.NaN(), math.NaN()), 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { assert.Equal(t, c.want, lead(c.in)) })
	}
}
