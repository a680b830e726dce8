package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/research"
)

// TestAnytimeReturn checks that an episode through the wrapper returns one
// minus the mean of its regret curve, while the bare view returns one
// minus the final regret.
func TestAnytimeReturn(t *testing.T) {
	tbl, err := research.DefaultTable("pretrain")
	require.NoError(t, err)
	const k = 4
	core, err := research.New(tbl, research.Options{Setting: research.Extrapolate, Split: research.Train, Trials: k})
	require.NoError(t, err)
	defer core.Close()
	view, err := research.NewNumeric(core)
	require.NoError(t, err)
	w := &anytime{Env: view, k: k}

	for _, seed := range []uint64{1, 2, 3} {
		_, _, err := w.Reset(env.SeedOf(seed), nil)
		require.NoError(t, err)
		ret, curve := 0.0, 0.0
		for step := 0; ; step++ {
			// A walk along the unit cube's diagonal: different configs,
			// some good and some bad.
			x := 0.15 + 0.2*float64(step)
			r, err := w.Step([]float64{x, 1 - x})
			require.NoError(t, err)
			ret += r.Reward
			regret, ok := r.Info.Num("regret")
			require.True(t, ok)
			curve += regret
			if r.Done() {
				require.Equal(t, k-1, step)
				break
			}
		}
		assert.InDelta(t, 1-curve/k, ret, 1e-12, "seed %d", seed)
	}
	assert.Same(t, view, w.UnwrapEnv())
}
