package nn

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCategoricalSet(t *testing.T) {
	c := NewCategorical(4)
	require.NoError(t, c.Set([]float64{1, 2, 3, 4}, nil))
	sum := 0.0
	for i, p := range c.Probs() {
		assert.InDelta(t, math.Exp(c.LogProbs()[i]), p, 1e-15)
		sum += p
	}
	assert.InDelta(t, 1, sum, 1e-12)
	e := math.Exp(1.0)
	z := 1 + e + e*e + e*e*e
	lp, err := c.LogProb(3)
	require.NoError(t, err)
	assert.InDelta(t, 3-math.Log(z), lp, 1e-12)

	// Uniform logits give entropy log K whatever their level, even huge.
	require.NoError(t, c.Set([]float64{1000, 1000, 1000, 1000}, nil))
	assert.InDelta(t, math.Log(4), c.Entropy(), 1e-12)
	// Large, different logits do not overflow.
	require.NoError(t, c.Set([]float64{1000, 1001, -1000, 0}, nil))
	assert.InDelta(t, 1/(1+math.E), c.Probs()[0], 1e-12)
	assert.False(t, math.IsNaN(c.Entropy()))

	// A mask removes actions: they get probability 0 and log-prob −Inf.
	mask := []bool{true, false, true, false}
	require.NoError(t, c.Set([]float64{0, 50, 0, math.NaN()}, mask))
	assert.Equal(t, []float64{0.5, 0, 0.5, 0}, c.Probs())
	lp, err = c.LogProb(1)
	require.NoError(t, err)
	assert.True(t, math.IsInf(lp, -1))
	assert.InDelta(t, math.Log(2), c.Entropy(), 1e-12)
	mode, err := c.Mode()
	require.NoError(t, err)
	assert.Equal(t, 0, mode)
}

func TestCategoricalErrors(t *testing.T) {
	c := NewCategorical(3)
	_, err := c.Sample(newRNG(1))
	assert.ErrorIs(t, err, errNotSet)
	_, err = c.LogProb(0)
	assert.ErrorIs(t, err, errNotSet)
	cases := []struct {
		name   string
		logits []float64
		mask   []bool
		want   string
	}{
		{"short logits", []float64{1, 2}, nil, "2 logits, want 3"},
		{"short mask", []float64{1, 2, 3}, []bool{true}, "mask has 1 entries, want 3"},
		{"all masked", []float64{1, 2, 3}, []bool{false, false, false}, "allows no action"},
		{"NaN logit", []float64{1, math.NaN(), 3}, nil, "logit 1 is NaN"},
		{"Inf logit", []float64{math.Inf(1), 0, 3}, nil, "logit 0 is +Inf"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.ErrorContains(t, c.Set(tc.logits, tc.mask), tc.want)
			_, err := c.Mode()
			assert.ErrorIs(t, err, errNotSet, "a failed Set leaves the distribution unset")
		})
	}
	require.NoError(t, c.Set([]float64{0, 0, 0}, []bool{true, false, true}))
	_, err = c.LogProb(3)
	assert.ErrorContains(t, err, "action 3 is not in [0, 3)")
	assert.ErrorContains(t, c.Backward(make([]float64, 3), 1, 1, 0), "action 1 is masked")
	assert.ErrorContains(t, c.Backward(make([]float64, 2), 0, 1, 0), "gradient has 2 entries, want 3")
	assert.NoError(t, c.Backward(make([]float64, 3), 1, 0, 1), "entropy gradient needs no allowed action")
}

func TestCategoricalSample(t *testing.T) {
	c := NewCategorical(4)
	logits := []float64{0, math.Log(2), math.Log(3), 5}
	mask := []bool{true, true, true, false}
	require.NoError(t, c.Set(logits, mask))
	rng := newRNG(9)
	const n = 60000
	counts := make([]int, 4)
	for range n {
		a, err := c.Sample(rng)
		require.NoError(t, err)
		counts[a]++
	}
	assert.Zero(t, counts[3], "a masked action was drawn")
	for i, want := range []float64{1.0 / 6, 2.0 / 6, 3.0 / 6} {
		got := float64(counts[i]) / n
		// Five standard errors of a binomial proportion.
		se := math.Sqrt(want * (1 - want) / n)
		assert.InDelta(t, want, got, 5*se, "action %d", i)
	}
	// The same seed draws the same actions.
	a, b := newRNG(3), newRNG(3)
	for range 100 {
		x, _ := c.Sample(a)
		y, _ := c.Sample(b)
		require.Equal(t, x, y)
	}
}

func TestDiagGaussian(t *testing.T) {
	mean := []float64{1, -2}
	logStd := []float64{math.Log(0.5), 0}
	g, err := NewDiagGaussian(mean, logStd)
	require.NoError(t, err)
	assert.Equal(t, 2, g.Dim())
	x := []float64{1.5, 0}
	lp, err := g.LogProb(x)
	require.NoError(t, err)
	// N(1.5; 1, 0.5²) · N(0; −2, 1)
	want := math.Log(1/(0.5*math.Sqrt(2*math.Pi))*math.Exp(-0.5)) + math.Log(1/math.Sqrt(2*math.Pi)*math.Exp(-2))
	assert.InDelta(t, want, lp, 1e-12)
	assert.InDelta(t, math.Log(0.5)+math.Log(2*math.Pi*math.E), g.Entropy(), 1e-12)

	mode := make([]float64, 2)
	require.NoError(t, g.Mode(mode))
	assert.Equal(t, mean, mode)

	rng := newRNG(4)
	const n = 40000
	var sum, sq [2]float64
	dst := make([]float64, 2)
	for range n {
		require.NoError(t, g.Sample(rng, dst))
		for i, v := range dst {
			sum[i] += v
			sq[i] += v * v
		}
	}
	for i, sd := range []float64{0.5, 1} {
		m := sum[i] / n
		assert.InDelta(t, mean[i], m, 5*sd/math.Sqrt(n))
		assert.InDelta(t, sd*sd, sq[i]/n-m*m, 0.03*sd*sd)
	}
}

func TestDiagGaussianErrors(t *testing.T) {
	_, err := NewDiagGaussian([]float64{1}, []float64{1, 2})
	assert.ErrorContains(t, err, "mean has 1 entries and log std 2")
	_, err = NewDiagGaussian(nil, nil)
	assert.Error(t, err)
	_, err = NewDiagGaussian([]float64{math.NaN()}, []float64{0})
	assert.ErrorContains(t, err, "mean[0] is NaN")
	_, err = NewDiagGaussian([]float64{0}, []float64{math.Inf(1)})
	assert.ErrorContains(t, err, "logStd[0] is +Inf")
	g, err := NewDiagGaussian([]float64{0, 0}, []float64{0, 0})
	require.NoError(t, err)
	_, err = g.LogProb([]float64{1})
	assert.ErrorContains(t, err, "x has 1 entries, want 2")
	assert.ErrorContains(t, g.Sample(newRNG(1), nil), "dst has 0 entries")
	assert.ErrorContains(t, g.Backward([]float64{0, 0}, []float64{0, 0}, []float64{0}, 1, 0), "dLogStd has 1 entries")
}
