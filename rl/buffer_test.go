package rl

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewBufferErrors(t *testing.T) {
	for _, c := range []struct{ steps, envs, obs, act, mask int }{
		{0, 1, 1, 1, 0}, {1, 0, 1, 1, 0}, {1, 1, 0, 1, 0}, {1, 1, 1, 0, 0}, {1, 1, 1, 1, -1},
	} {
		_, err := NewBuffer(c.steps, c.envs, c.obs, c.act, c.mask)
		assert.ErrorContains(t, err, "want positive sizes")
	}
	b, err := NewBuffer(3, 2, 4, 1, 5)
	require.NoError(t, err)
	assert.Equal(t, 6, b.Len())
	assert.Len(t, b.Obs, 24)
	assert.Len(t, b.Masks, 30)
	assert.Len(t, b.MaskRow(5), 5)
	b, err = NewBuffer(3, 2, 4, 1, 0)
	require.NoError(t, err)
	assert.Nil(t, b.MaskRow(0))
}

// TestComputeGAE checks advantages and returns worked by hand for one env
// over five steps: an episode that terminates at step 1, one truncated at
// step 3 after which a NextStep autoreset row follows (step 4 is not
// valid), each with γ = 0.9 and λ = 0.5.
func TestComputeGAE(t *testing.T) {
	const g, l = 0.9, 0.5
	b, err := NewBuffer(5, 1, 1, 1, 0)
	require.NoError(t, err)
	copy(b.Rewards, []float64{1, 2, 0, 3, 99})
	copy(b.Values, []float64{0.5, 1, 2, 1.5, 7})
	copy(b.NextValues, []float64{1, 42, 1.5, 4, 0}) // 42: unused (terminated)
	copy(b.Terminated, []bool{false, true, false, false, false})
	copy(b.Truncated, []bool{false, false, false, true, false})
	copy(b.Valid, []bool{true, true, true, true, false})
	require.NoError(t, b.ComputeGAE(g, l))

	d3 := 3 + g*4 - 1.5 // truncated: bootstraps from the final observation
	a3 := d3
	d2 := 0 + g*1.5 - 2
	a2 := d2 + g*l*a3
	d1 := 2 - 1.0 // terminated: no bootstrap
	a1 := d1
	d0 := 1 + g*1 - 0.5
	a0 := d0 + g*l*a1
	want := []float64{a0, a1, a2, a3, 0}
	assert.InDeltaSlice(t, want, b.Advantages, 1e-12)
	for r := range 4 {
		assert.InDelta(t, want[r]+b.Values[r], b.Returns[r], 1e-12)
	}
	assert.Zero(t, b.Returns[4])
}

// TestComputeGAEMatchesDiscountedReturns checks that with λ = 1 and a
// critic of zeros, the advantage is the discounted return to the end of
// the episode, per env, with rows interleaved across envs.
func TestComputeGAEMatchesDiscountedReturns(t *testing.T) {
	b, err := NewBuffer(4, 2, 1, 1, 0)
	require.NoError(t, err)
	for r := range b.Len() {
		b.Rewards[r] = float64(r + 1)
		b.Valid[r] = true
	}
	b.Terminated[3*2+0] = true // env 0 ends at the last step
	b.Terminated[1*2+1] = true // env 1 ends at step 1, then goes on
	b.NextValues[3*2+1] = 10   // env 1's rollout is cut: bootstrap from 10
	require.NoError(t, b.ComputeGAE(0.5, 1))
	rew := func(t, i int) float64 { return float64(t*2 + i + 1) }
	env0 := rew(0, 0) + 0.5*(rew(1, 0)+0.5*(rew(2, 0)+0.5*rew(3, 0)))
	assert.InDelta(t, env0, b.Advantages[0], 1e-12)
	assert.InDelta(t, rew(0, 1)+0.5*rew(1, 1), b.Advantages[1], 1e-12)
	assert.InDelta(t, rew(2, 1)+0.5*(rew(3, 1)+0.5*10), b.Advantages[2*2+1], 1e-12)
}

func TestComputeGAEErrors(t *testing.T) {
	b, err := NewBuffer(2, 2, 1, 1, 0)
	require.NoError(t, err)
	assert.ErrorContains(t, b.ComputeGAE(1.5, 0.9), "gamma 1.5")
	assert.ErrorContains(t, b.ComputeGAE(0.9, math.NaN()), "lambda NaN")
	b.Valid[3] = true
	b.Rewards[3] = math.Inf(1)
	assert.ErrorContains(t, b.ComputeGAE(0.9, 0.9), "reward of step 1, env 1 is +Inf")
	b.Valid[3] = false
	assert.NoError(t, b.ComputeGAE(0.9, 0.9), "rows that are not valid are not read")
}

func TestExplainedVariance(t *testing.T) {
	b, err := NewBuffer(4, 1, 1, 1, 0)
	require.NoError(t, err)
	copy(b.Returns, []float64{1, 2, 3, 100})
	copy(b.Valid, []bool{true, true, true, false})
	copy(b.Values, b.Returns)
	assert.InDelta(t, 1, b.ExplainedVariance(), 1e-12)
	for r := range 3 {
		b.Values[r] = 2 // the mean
	}
	assert.InDelta(t, 0, b.ExplainedVariance(), 1e-12)
	copy(b.Values, []float64{3, 2, 1})
	assert.InDelta(t, -3, b.ExplainedVariance(), 1e-12)
	copy(b.Returns, []float64{5, 5, 5})
	assert.True(t, math.IsNaN(b.ExplainedVariance()), "constant returns")
	copy(b.Valid, []bool{true, false, false, false})
	assert.True(t, math.IsNaN(b.ExplainedVariance()), "one row")
}
