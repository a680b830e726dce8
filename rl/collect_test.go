package rl

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/env"
)

// endingVec returns a Vector of two chain envs: env 0 terminates after 3
// steps, env 1 runs until a TimeLimit truncates it after 4.
func endingVec(t *testing.T, mode env.AutoresetMode) (*env.Vector[[]float64, int], []env.Env[[]float64, int]) {
	envs := []env.Env[[]float64, int]{
		newChainEnv(3),
		env.NewTimeLimit[[]float64, int](newChainEnv(0), 4),
	}
	v, err := env.NewVector(envs, env.VectorOptions{Autoreset: mode})
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	return v, envs
}

// collectOnce builds a PPO on vec and collects one rollout of steps steps.
func collectOnce(t *testing.T, vec *env.Vector[[]float64, int], steps int, opts Options) *PPO[int] {
	t.Helper()
	cfg := smallConfig()
	cfg.NumSteps = steps
	p, err := NewPPO(vec, cfg, opts)
	require.NoError(t, err)
	require.NoError(t, p.col.reset(1))
	require.NoError(t, p.col.collect(p.buf))
	return p
}

// value returns the critic's value of one observation.
func value(t *testing.T, p *PPO[int], obs []float64) float64 {
	t.Helper()
	out, err := p.critic.Forward(p.critic.NewWorkspace(1), obs)
	require.NoError(t, err)
	return out[0]
}

// TestCollectNextStep checks the rows of a rollout over a NextStep
// Vector: episodes that end are followed by a row that is not valid,
// whose observation is the final one, and a truncated episode
// bootstraps from its value.
func TestCollectNextStep(t *testing.T) {
	vec, _ := endingVec(t, env.NextStep)
	const steps = 12
	p := collectOnce(t, vec, steps, Options{})
	b := p.buf
	row := func(s, i int) int { return s*2 + i }
	wantValid := [2][]bool{
		{true, true, true, false, true, true, true, false, true, true, true, false},
		{true, true, true, true, false, true, true, true, true, false, true, true},
	}
	for i := range 2 {
		for s := range steps {
			r := row(s, i)
			assert.Equal(t, wantValid[i][s], b.Valid[r], "valid, step %d env %d", s, i)
		}
	}
	for _, s := range []int{2, 6, 10} {
		assert.True(t, b.Terminated[row(s, 0)], "env 0 terminates at step %d", s)
		assert.False(t, b.Truncated[row(s, 0)])
	}
	for _, s := range []int{3, 8} {
		assert.True(t, b.Truncated[row(s, 1)], "env 1 is truncated at step %d", s)
		assert.False(t, b.Terminated[row(s, 1)])
		// The restart row holds the final observation, [0.4, last/2],
		// and the truncated step bootstraps from its value.
		final := b.ObsRow(row(s+1, 1))
		assert.Equal(t, 0.4, final[0])
		assert.Equal(t, b.ActionRow(row(s, 1))[0]/2, final[1])
		assert.InDelta(t, value(t, p, final), b.NextValues[row(s, 1)], 1e-12)
	}
	// Within an episode, NextValues are the next row's values; at the end
	// of the rollout, the value of the current observation.
	for i := range 2 {
		for s := range steps - 1 {
			r := row(s, i)
			if b.Valid[r] && !b.Terminated[r] && !b.Truncated[r] {
				assert.Equal(t, b.Values[row(s+1, i)], b.NextValues[r], "step %d env %d", s, i)
			}
		}
		assert.InDelta(t, value(t, p, p.col.obs[i*2:i*2+2]), b.NextValues[row(steps-1, i)], 1e-12)
	}
	// Stored log-probabilities are those of the stored actions.
	ws := p.actor.NewWorkspace(1)
	dist := newCategoricalHead(3)
	for r := range b.Len() {
		if !b.Valid[r] {
			assert.Zero(t, b.LogProbs[r])
			continue
		}
		out, err := p.actor.Forward(ws, b.ObsRow(r))
		require.NoError(t, err)
		lp, _, err := dist.eval(out, nil, b.ActionRow(r))
		require.NoError(t, err)
		assert.InDelta(t, lp, b.LogProbs[r], 1e-12)
	}
	assert.Equal(t, 5, p.tracker.total, "episodes finished")
	assert.Equal(t, []float64{3, 4, 3, 4, 3}, p.tracker.lengths.ordered())
	assert.Equal(t, steps*2, p.GlobalStep())
}

// TestCollectSameStep checks the same rollout over a SameStep Vector:
// every row is valid, and a truncated episode bootstraps from the value of
// the final observation the Vector reports aside.
func TestCollectSameStep(t *testing.T) {
	vec, _ := endingVec(t, env.SameStep)
	const steps = 12
	p := collectOnce(t, vec, steps, Options{})
	b := p.buf
	row := func(s, i int) int { return s*2 + i }
	for r := range b.Len() {
		assert.True(t, b.Valid[r], "row %d", r)
	}
	for s := range steps {
		assert.Equal(t, s%3 == 2, b.Terminated[row(s, 0)], "env 0 step %d", s)
		assert.Equal(t, s%4 == 3, b.Truncated[row(s, 1)], "env 1 step %d", s)
	}
	for _, s := range []int{3, 7} {
		r := row(s, 1)
		final := []float64{0.4, b.ActionRow(r)[0] / 2}
		assert.Equal(t, value(t, p, final), b.NextValues[r], "truncated at step %d", s)
		// The next row is the next episode's start.
		assert.Equal(t, []float64{0, 0}, b.ObsRow(row(s+1, 1)))
	}
	assert.Equal(t, []float64{3, 4, 3, 4, 3, 3, 4}, p.tracker.lengths.ordered())
}

// TestCollectMasks checks that masked actions are never chosen and that
// the masks are stored with the rows.
func TestCollectMasks(t *testing.T) {
	vec, envs := endingVec(t, env.NextStep)
	masks, err := EnvMasks(envs)
	require.NoError(t, err)
	p := collectOnce(t, vec, 40, Options{ActionMask: masks})
	b := p.buf
	for r := range b.Len() {
		if !b.Valid[r] {
			continue
		}
		steps := int(math.Round(b.ObsRow(r)[0] * 10))
		forbidden := (steps + 2) % 3
		assert.NotEqual(t, float64(forbidden), b.ActionRow(r)[0], "row %d", r)
		want := []bool{true, true, true}
		want[forbidden] = false
		assert.Equal(t, want, b.MaskRow(r), "row %d", r)
	}
}

func TestCollectErrors(t *testing.T) {
	t.Run("non-finite observation", func(t *testing.T) {
		bad := newChainEnv(0)
		bad.nanAt = 2
		vec := newVec(t, 2, env.VectorOptions{}, func(i int) env.Env[[]float64, int] {
			if i == 1 {
				return bad
			}
			return newChainEnv(0)
		})
		p, err := NewPPO(vec, smallConfig(), Options{})
		require.NoError(t, err)
		_, err = p.Update()
		assert.ErrorContains(t, err, "env 1 returned an observation with slot 0 = NaN")
	})
	t.Run("mask error", func(t *testing.T) {
		vec := newVec(t, 1, env.VectorOptions{}, func(int) env.Env[[]float64, int] { return newChainEnv(0) })
		p, err := NewPPO(vec, smallConfig(), Options{ActionMask: func(i int, mask []bool) error {
			return fmt.Errorf("no mask for you")
		}})
		require.NoError(t, err)
		_, err = p.Update()
		assert.ErrorContains(t, err, "action mask of env 0: no mask for you")
	})
	t.Run("empty mask", func(t *testing.T) {
		vec := newVec(t, 1, env.VectorOptions{}, func(int) env.Env[[]float64, int] { return newChainEnv(0) })
		p, err := NewPPO(vec, smallConfig(), Options{ActionMask: func(int, []bool) error { return nil }})
		require.NoError(t, err)
		_, err = p.Update()
		assert.ErrorContains(t, err, "choosing the action of env 0")
		assert.ErrorContains(t, err, "allows no action")
	})
	t.Run("EnvMasks without masker", func(t *testing.T) {
		_, err := EnvMasks([]env.Env[[]float64, []float64]{newReachEnv()})
		assert.ErrorContains(t, err, "env 0 (*rl.reachEnv) has no ActionMask method")
	})
}

// TestCollectAllocs checks that collecting a rollout allocates nothing,
// whatever the length of the episodes, in sequential and parallel mode.
func TestCollectAllocs(t *testing.T) {
	for _, parallel := range []bool{false, true} {
		t.Run(fmt.Sprintf("parallel=%v", parallel), func(t *testing.T) {
			vec := toyVec(t, 4, env.VectorOptions{Parallel: parallel})
			cfg := smallConfig()
			cfg.NumSteps = 64
			p, err := NewPPO(vec, cfg, Options{EpisodeMetrics: []EpisodeMetric{InfoMetric("regret", "regret")}})
			require.NoError(t, err)
			require.NoError(t, p.col.reset(1))
			require.NoError(t, p.col.collect(p.buf)) // warm up the envs' buffers
			allocs := testing.AllocsPerRun(5, func() {
				if err := p.col.collect(p.buf); err != nil {
					t.Fatal(err)
				}
			})
			assert.Zero(t, allocs, "allocations per rollout of %d steps", cfg.NumSteps*4)
			assert.Greater(t, p.tracker.total, 40, "episodes of 10 steps ended during the rollouts")
		})
	}
}
