package nn

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAdamConfigValidate(t *testing.T) {
	ok := DefaultAdamConfig()
	require.NoError(t, ok.Validate())
	cases := []struct {
		name   string
		modify func(*AdamConfig)
		want   string
	}{
		{"negative lr", func(c *AdamConfig) { c.LR = -1 }, "LR is -1"},
		{"NaN lr", func(c *AdamConfig) { c.LR = math.NaN() }, "LR is NaN"},
		{"beta1 one", func(c *AdamConfig) { c.Beta1 = 1 }, "Beta1 is 1"},
		{"beta2 negative", func(c *AdamConfig) { c.Beta2 = -0.1 }, "Beta2 is -0.1"},
		{"eps zero", func(c *AdamConfig) { c.Eps = 0 }, "Eps is 0"},
		{"decay negative", func(c *AdamConfig) { c.WeightDecay = -1 }, "WeightDecay is -1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.modify(&c)
			assert.ErrorContains(t, c.Validate(), tc.want)
			_, err := NewAdam(3, c)
			assert.Error(t, err)
		})
	}
	_, err := NewAdam(0, ok)
	assert.ErrorContains(t, err, "vector length 0")
}

// TestAdamSteps checks two steps against the update rule worked by hand.
func TestAdamSteps(t *testing.T) {
	cfg := AdamConfig{LR: 0.1, Beta1: 0.9, Beta2: 0.99, Eps: 1e-8}
	a, err := NewAdam(2, cfg)
	require.NoError(t, err)
	p := []float64{1, -1}
	require.NoError(t, a.Step(p, []float64{2, -0.5}))
	// After one step the bias-corrected moments are g and g², so each
	// parameter moves by lr·sign(g) (up to eps).
	assert.InDeltaSlice(t, []float64{0.9, -0.9}, p, 1e-8)
	after1 := append([]float64(nil), p...)
	require.NoError(t, a.Step(p, []float64{1, 0}))
	m := []float64{0.9*0.2 + 0.1*1, 0.9 * -0.05}
	v := []float64{0.99*0.04 + 0.01*1, 0.99 * 0.0025}
	for i, start := range after1 {
		mh, vh := m[i]/(1-0.81), v[i]/(1-0.9801)
		want := start - 0.1*mh/(math.Sqrt(vh)+1e-8)
		assert.InDelta(t, want, p[i], 1e-12, "param %d", i)
	}
	assert.Equal(t, 2, a.Steps())
}

func TestAdamMinimisesQuadratic(t *testing.T) {
	a, err := NewAdam(3, AdamConfig{LR: 0.05, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8})
	require.NoError(t, err)
	target := []float64{3, -2, 0.5}
	p := make([]float64, 3)
	g := make([]float64, 3)
	for range 2000 {
		for i := range p {
			g[i] = 2 * (p[i] - target[i])
		}
		require.NoError(t, a.Step(p, g))
	}
	assert.InDeltaSlice(t, target, p, 1e-3)
}

func TestAdamWeightDecayAndLR(t *testing.T) {
	a, err := NewAdam(1, AdamConfig{LR: 0.1, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.5})
	require.NoError(t, err)
	p := []float64{2}
	require.NoError(t, a.Step(p, []float64{0}))
	assert.InDelta(t, 2-0.1*0.5*2, p[0], 1e-12, "zero gradient: only the decay acts")

	require.NoError(t, a.SetLR(0.01))
	assert.Equal(t, 0.01, a.LR())
	assert.ErrorContains(t, a.SetLR(math.Inf(1)), "learning rate +Inf")
	assert.ErrorContains(t, a.SetLR(-1), "learning rate -1")
	assert.Equal(t, 0.01, a.Config().LR)

	before := p[0]
	assert.ErrorContains(t, a.Step(p, []float64{math.NaN()}), "gradient 0 is NaN")
	assert.Equal(t, before, p[0], "a failed step changed the parameters")
	assert.ErrorContains(t, a.Step(p, []float64{1, 2}), "want 1 each")
}

func TestAdamState(t *testing.T) {
	cfg := DefaultAdamConfig()
	a, err := NewAdam(2, cfg)
	require.NoError(t, err)
	p := []float64{1, 2}
	require.NoError(t, a.Step(p, []float64{0.3, -0.1}))
	s := a.State()
	b, err := NewAdam(2, cfg)
	require.NoError(t, err)
	require.NoError(t, b.SetState(s))
	q := append([]float64(nil), p...)
	require.NoError(t, a.Step(p, []float64{0.2, 0.2}))
	require.NoError(t, b.Step(q, []float64{0.2, 0.2}))
	assert.Equal(t, p, q, "restored optimiser steps differently")

	s.M[0] = 99 // State returns a copy
	assert.NotEqual(t, 99.0, a.State().M[0])

	assert.ErrorContains(t, b.SetState(AdamState{M: []float64{0}, V: []float64{0}}), "moments of length 1 and 1, want 2")
	assert.ErrorContains(t, b.SetState(AdamState{Steps: -1, M: make([]float64, 2), V: make([]float64, 2)}), "step count -1")
	assert.ErrorContains(t, b.SetState(AdamState{M: make([]float64, 2), V: []float64{0, -1}}), "second moment 1 is -1")
}

func TestClipGradNorm(t *testing.T) {
	cases := []struct {
		name     string
		maxNorm  float64
		grads    [][]float64
		wantNorm float64
		want     [][]float64
	}{
		{"within", 10, [][]float64{{3}, {4}}, 5, [][]float64{{3}, {4}}},
		{"clipped across vectors", 1, [][]float64{{3}, {4}}, 5, [][]float64{{0.6 / (1 + 2e-7)}, {0.8 / (1 + 2e-7)}}},
		{"zero", 1, [][]float64{{0, 0}}, 0, [][]float64{{0, 0}}},
		{"disabled", 0, [][]float64{{30, 40}}, 50, [][]float64{{30, 40}}},
		{"huge entries", 1, [][]float64{{3e200, 4e200}}, 5e200, [][]float64{{0.6, 0.8}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			norm := ClipGradNorm(tc.maxNorm, tc.grads...)
			assert.InEpsilon(t, tc.wantNorm+1e-300, norm+1e-300, 1e-12)
			for i := range tc.grads {
				assert.InDeltaSlice(t, tc.want[i], tc.grads[i], 1e-9)
			}
		})
	}
	g := []float64{math.NaN(), 1}
	assert.True(t, math.IsNaN(ClipGradNorm(1, g)))
	assert.Equal(t, 1.0, g[1], "a NaN norm must not scale the gradient")
	assert.InDelta(t, 1e-200*math.Sqrt(2), GlobalNorm([]float64{1e-200, 1e-200}), 1e-212)
}
