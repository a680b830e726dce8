package pretrain_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/tasks/pretrain"
)

func TestModelOptimum(t *testing.T) {
	m := pretrain.DefaultModel()
	require.NoError(t, m.Validate())
	cases := []struct{ n, d float64 }{{1e8, 1e9}, {2.15e8, 4e9}, {1.07e9, 2e10}, {7e9, 2e12}}
	for _, c := range cases {
		lrStar := 1.79 * math.Pow(c.n, -0.713) * math.Pow(c.d, 0.307)
		bsStar := 0.58 * math.Pow(c.d, 0.571) / 2048
		assert.InEpsilon(t, lrStar, m.OptimalLR(c.n, c.d), 1e-12)
		assert.InEpsilon(t, bsStar, m.OptimalBatch(c.n, c.d), 1e-12)
		chinchilla := 1.69 + 406.4/math.Pow(c.n, 0.34) + 410.7/math.Pow(c.d, 0.28)
		assert.InEpsilon(t, chinchilla, m.Level(c.n, c.d), 1e-12)

		// The optimum is the minimum: every step away in lr or bs costs.
		best, div := m.Loss(c.n, c.d, lrStar, bsStar)
		require.False(t, div)
		assert.InDelta(t, chinchilla, best, 1e-12)
		for _, f := range []float64{0.5, 0.8, 1.25, 2, 4} {
			lossLR, _ := m.Loss(c.n, c.d, lrStar*f, bsStar)
			lossBS, _ := m.Loss(c.n, c.d, lrStar, bsStar*f)
			assert.Greater(t, lossLR, best, "lr×%g at N=%g D=%g", f, c.n, c.d)
			assert.Greater(t, lossBS, best, "bs×%g at N=%g D=%g", f, c.n, c.d)
		}
	}
}

func TestModelBasinShape(t *testing.T) {
	m := pretrain.DefaultModel()
	n := 5e8
	excess := func(d, lrFactor, bsFactor float64) float64 {
		l, _ := m.Loss(n, d, m.OptimalLR(n, d)*lrFactor, m.OptimalBatch(n, d)*bsFactor)
		return l - m.Level(n, d)
	}
	// Too high a learning rate costs more than too low by the same factor.
	assert.Greater(t, excess(2e10, 3, 1), excess(2e10, 1.0/3, 1))
	// The basin flattens as D grows (published grids: longer runs forgive
	// more).
	assert.Greater(t, excess(5e9, 3, 1), excess(5e10, 3, 1))
	assert.Greater(t, excess(5e9, 1, 4), excess(5e10, 1, 4))
	// At a larger batch the best learning rate is larger.
	bigBatch := func(lrFactor float64) float64 { return excess(2e10, lrFactor, 4) }
	assert.Less(t, bigBatch(1.5), bigBatch(1))
}

func TestModelDivergence(t *testing.T) {
	m := pretrain.DefaultModel()
	n, d := 4e8, 2e10
	lrStar := m.OptimalLR(n, d)
	cases := []struct {
		factor   float64
		diverged bool
		pLow     float64
		pHigh    float64
	}{
		{1, false, 0, 1e-4},
		{4, false, 0, 0.05},
		{5.66, false, 0.1, 0.35},
		{8, true, 0.6, 0.85},
		{11.3, true, 0.9, 1},
		{32, true, 0.999, 1},
	}
	for _, c := range cases {
		loss, div := m.Loss(n, d, lrStar*c.factor, m.OptimalBatch(n, d))
		assert.Equal(t, c.diverged, div, "lr = %g·lr*", c.factor)
		if div {
			assert.Equal(t, m.DivergedLoss, loss)
		}
		p := m.DivergeProbability(n, d, lrStar*c.factor)
		assert.GreaterOrEqual(t, p, c.pLow, "lr = %g·lr*", c.factor)
		assert.LessOrEqual(t, p, c.pHigh, "lr = %g·lr*", c.factor)
	}
}

func TestModelInvalid(t *testing.T) {
	m := pretrain.DefaultModel()
	for _, in := range [][4]float64{{0, 1e9, 1e-3, 64}, {1e8, -1, 1e-3, 64}, {1e8, 1e9, math.NaN(), 64}, {1e8, 1e9, 1e-3, math.Inf(1)}} {
		l, div := m.Loss(in[0], in[1], in[2], in[3])
		assert.True(t, math.IsNaN(l), "%v", in)
		assert.False(t, div)
	}
	cases := []struct {
		name string
		edit func(*pretrain.Model)
		msg  string
	}{
		{"NaN level", func(m *pretrain.Model) { m.E = math.NaN() }, "field E is NaN"},
		{"zero depth", func(m *pretrain.Model) { m.Depth = 0 }, "field Depth is 0, want a positive number"},
		{"negative width", func(m *pretrain.Model) { m.DivergeWidth = -1 }, "field DivergeWidth is -1"},
		{"infinite coupling", func(m *pretrain.Model) { m.Coupling = math.Inf(1) }, "field Coupling is +Inf"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bad := pretrain.DefaultModel()
			c.edit(&bad)
			err := bad.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.msg)
		})
	}
}
