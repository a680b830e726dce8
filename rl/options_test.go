package rl

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/internal/bitstest"
	"github.com/autollmresearch/gym/nn"
)

// TestOptionsRefuseAConfigThatDescribesAnotherNetwork checks that PPO and
// GRPO alike refuse a starting actor or log standard deviations that the
// config contradicts, naming both sides, instead of ignoring one of them.
func TestOptionsRefuseAConfigThatDescribesAnotherNetwork(t *testing.T) {
	actor := func(act nn.Activation, hidden ...int) *nn.MLP {
		sizes := append(append([]int{7}, hidden...), 64)
		m, err := nn.NewMLP(nn.MLPConfig{Sizes: sizes, Activation: act}, rand.New(rand.NewPCG(1, 1)))
		require.NoError(t, err)
		return m
	}
	for _, tc := range []struct {
		name string
		opts Options
		want string
	}{
		{"hidden widths", Options{Actor: actor(nn.Tanh, 8)}, "Options.Actor has hidden layers [8] but the config's Hidden is [16 16]"},
		{"activation", Options{Actor: actor(nn.ReLU, 16, 16)}, "Options.Actor's activation is"},
		{"shape", Options{Actor: func() *nn.MLP {
			m, err := nn.NewMLP(nn.MLPConfig{Sizes: []int{3, 16, 16, 64}}, rand.New(rand.NewPCG(1, 1)))
			require.NoError(t, err)
			return m
		}()}, "Options.Actor maps 3 inputs to 64 outputs, want 7 to 64"},
		{"log std of a categorical policy", Options{LogStd: []float64{0}}, "Options.LogStd is set but the policy is categorical"},
		{"metric", Options{EpisodeMetrics: []EpisodeMetric{{Name: "x"}}}, "Options.EpisodeMetrics[0] needs a Name and a Value function"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewPPO(toyVec(t, 1, env.VectorOptions{}), smallConfig(), tc.opts)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "rl: NewPPO: "+tc.want)
			_, err = NewGRPO(toyEnvs(t, 1), smallGRPOConfig(), tc.opts)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "rl: NewGRPO: "+tc.want)
		})
	}
}

// TestOptionsLogStdAndInitLogStdExclude checks that a Box policy takes its
// starting log standard deviations from Options.LogStd or from the
// config's InitLogStd, and that setting both is refused.
func TestOptionsLogStdAndInitLogStdExclude(t *testing.T) {
	envs := func() []env.Env[[]float64, []float64] {
		return []env.Env[[]float64, []float64]{newReachEnv()}
	}
	cfg := smallGRPOConfig()
	g, err := NewGRPO(envs(), cfg, Options{LogStd: []float64{-1}})
	require.NoError(t, err)
	assert.Equal(t, []float64{-1}, g.LogStd())

	cfg.InitLogStd = -0.5
	g, err = NewGRPO(envs(), cfg, Options{})
	require.NoError(t, err)
	assert.Equal(t, []float64{-0.5}, g.LogStd())

	_, err = NewGRPO(envs(), cfg, Options{LogStd: []float64{-1}})
	assert.ErrorContains(t, err, "rl: NewGRPO: both Options.LogStd and the config's InitLogStd (-0.5) are set; set one")
	_, err = NewGRPO(envs(), smallGRPOConfig(), Options{LogStd: []float64{math.NaN()}})
	assert.ErrorContains(t, err, "Options.LogStd[0] is NaN, want a finite number")
	_, err = NewGRPO(envs(), smallGRPOConfig(), Options{LogStd: []float64{0, 0}})
	assert.ErrorContains(t, err, "Options.LogStd has 2 entries, want 1 (the action dimension)")

	pcfg := smallConfig()
	pcfg.InitLogStd = -0.5
	vec, err := env.NewVector(envs(), env.VectorOptions{})
	require.NoError(t, err)
	defer vec.Close()
	_, err = NewPPO(vec, pcfg, Options{LogStd: []float64{-1}})
	assert.ErrorContains(t, err, "rl: NewPPO: both Options.LogStd and the config's InitLogStd (-0.5) are set; set one")
	p, err := NewPPO(vec, smallConfig(), Options{LogStd: []float64{-1}})
	require.NoError(t, err)
	assert.Equal(t, []float64{-1}, p.LogStd())
}

// TestPPOStartsFromActor checks that PPO, like GRPO, starts from a given
// actor, trains a copy and leaves the original alone.
func TestPPOStartsFromActor(t *testing.T) {
	actor, err := nn.NewMLP(nn.MLPConfig{Sizes: []int{7, 16, 16, 64}}, rand.New(rand.NewPCG(3, 3)))
	require.NoError(t, err)
	orig := append([]float64(nil), actor.Params()...)
	p, err := NewPPO(toyVec(t, 2, env.VectorOptions{}), smallConfig(), Options{Actor: actor})
	require.NoError(t, err)
	bitstest.Equal(t, orig, p.Actor().Params(), "actor parameters")
	_, err = p.Train(context.Background())
	require.NoError(t, err)
	bitstest.Equal(t, orig, actor.Params(), "actor parameters")
	assert.NotEqual(t, orig, p.Actor().Params())
}

// TestGRPOCheckpointEvery checks that GRPO, like PPO, saves a checkpoint
// every CheckpointEvery updates, and that a run resumed from a periodic
// checkpoint ends exactly where the uninterrupted run ends.
func TestGRPOCheckpointEvery(t *testing.T) {
	cfg := smallGRPOConfig()
	cfg.Updates = 4
	full := runGRPO(t, cfg, 1, Options{})

	path := filepath.Join(t.TempDir(), "grpo.ckpt")
	every := cfg
	every.CheckpointEvery = 2
	g, err := NewGRPO(toyEnvs(t, 1), every, Options{CheckpointPath: path})
	require.NoError(t, err)
	for range 3 { // stop after the third update: the file holds the second
		_, err = g.Update()
		require.NoError(t, err)
	}
	resumed, err := NewGRPO(toyEnvs(t, 1), every, Options{})
	require.NoError(t, err)
	require.NoError(t, resumed.Resume(path))
	assert.Equal(t, 2, resumed.UpdatesDone())
	_, err = resumed.Train(context.Background())
	require.NoError(t, err)
	bitstest.Equal(t, full.Actor().Params(), resumed.Actor().Params(), "actor parameters")
	assert.Equal(t, full.GlobalStep(), resumed.GlobalStep())

	bad := smallGRPOConfig()
	bad.CheckpointEvery = -1
	assert.ErrorContains(t, bad.Validate(), "GRPOConfig.CheckpointEvery is -1, want 0 (off) or more")
}
