package env_test

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/toy"
)

// bothModes runs f as a subtest in sequential and in parallel mode.
func bothModes(t *testing.T, f func(t *testing.T, parallel bool)) {
	t.Helper()
	for _, parallel := range []bool{false, true} {
		name := "sequential"
		if parallel {
			name = "parallel"
		}
		t.Run(name, func(t *testing.T) { f(t, parallel) })
	}
}

func newVector(t *testing.T, envs []env.Env[[]float64, int], opts env.VectorOptions) *env.Vector[[]float64, int] {
	t.Helper()
	v, err := env.NewVector(envs, opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, v.Close()) })
	return v
}

func TestVectorNextStepAutoreset(t *testing.T) {
	bothModes(t, func(t *testing.T, parallel bool) {
		envs, _ := counterEnvs(2, false) // lengths 2 and 3
		v := newVector(t, envs, env.VectorOptions{Parallel: parallel, Autoreset: env.NextStep})
		obs, infos, err := v.Reset(env.SeedOf(1), nil)
		require.NoError(t, err)
		require.Len(t, obs, 2)
		require.Len(t, infos, 2)

		res, err := v.Step([]int{1, 1})
		require.NoError(t, err)
		assert.Equal(t, []bool{false, false}, res.Terminated)

		// Env 0 ends: its final observation and info are in Obs and Infos.
		res, err = v.Step([]int{2, 2})
		require.NoError(t, err)
		assert.Equal(t, []bool{true, false}, res.Terminated)
		assert.Equal(t, []bool{false, false}, res.Truncated)
		assert.Equal(t, 2.0, res.Obs[0][0], "final observation: 2 steps taken")
		assert.Equal(t, 2.0, res.Obs[0][2], "final observation: last action")
		step, _ := res.Infos[0].Num("step")
		assert.Equal(t, 2.0, step)
		assert.Equal(t, []bool{false, false}, res.Final, "Final is a SameStep field")
		finalReward := res.Rewards[0]
		assert.Greater(t, finalReward, 2.0)

		// Next step: env 0 is reset, its action ignored (an out-of-range
		// action would fail a Step), reward 0, not done. Env 1 ends.
		res, err = v.Step([]int{99, 3})
		require.NoError(t, err)
		assert.Equal(t, 0.0, res.Rewards[0])
		assert.False(t, res.Terminated[0])
		assert.False(t, res.Truncated[0])
		assert.Equal(t, 0.0, res.Obs[0][0], "first observation of the new episode")
		resets, _ := res.Infos[0].Num("resets")
		assert.Equal(t, 2.0, resets)
		assert.True(t, res.Terminated[1])
		assert.Equal(t, 3.0, res.Obs[1][0])

		// Env 0 steps normally again; env 1 is reset.
		res, err = v.Step([]int{1, 99})
		require.NoError(t, err)
		assert.Equal(t, 1.0, res.Obs[0][0])
		assert.Equal(t, 0.0, res.Obs[1][0])
		assert.Equal(t, 0.0, res.Rewards[1])
	})
}

func TestVectorSameStepAutoreset(t *testing.T) {
	bothModes(t, func(t *testing.T, parallel bool) {
		envs, _ := counterEnvs(2, true) // lengths 2 and 3, truncating
		v := newVector(t, envs, env.VectorOptions{Parallel: parallel, Autoreset: env.SameStep})
		_, _, err := v.Reset(env.SeedOf(1), nil)
		require.NoError(t, err)

		res, err := v.Step([]int{1, 1})
		require.NoError(t, err)
		assert.Equal(t, []bool{false, false}, res.Final)
		assert.Nil(t, res.FinalObs[0])

		res, err = v.Step([]int{3, 2})
		require.NoError(t, err)
		assert.Equal(t, []bool{true, false}, res.Truncated)
		assert.Equal(t, []bool{true, false}, res.Final)
		// Obs is the new episode's first observation ...
		assert.Equal(t, 0.0, res.Obs[0][0])
		resets, _ := res.Infos[0].Num("resets")
		assert.Equal(t, 2.0, resets)
		// ... and the final observation survives the reset by value, although
		// the env reuses one buffer for both.
		require.NotNil(t, res.FinalObs[0])
		assert.Equal(t, 2.0, res.FinalObs[0][0])
		assert.Equal(t, 3.0, res.FinalObs[0][2])
		assert.NotSame(t, &res.Obs[0][0], &res.FinalObs[0][0])
		finalStep, _ := res.FinalInfos[0].Num("step")
		assert.Equal(t, 2.0, finalStep)
		assert.Greater(t, res.Rewards[0], 3.0, "the reward is the final step's")
		kept := slices.Clone(res.FinalObs[0])

		// The next step clears the final fields of env 0 and sets env 1's.
		res, err = v.Step([]int{0, 0})
		require.NoError(t, err)
		assert.Equal(t, []bool{false, true}, res.Final)
		assert.Nil(t, res.FinalObs[0])
		assert.Equal(t, 0, res.FinalInfos[0].Len())
		assert.Equal(t, 3.0, res.FinalObs[1][0])
		assert.Equal(t, 0.0, res.Obs[1][0])
		assert.Equal(t, 1.0, res.Obs[0][0])
		assert.Equal(t, 2.0, kept[0])
	})
}

func TestVectorSeeding(t *testing.T) {
	bothModes(t, func(t *testing.T, parallel bool) {
		opts := env.VectorOptions{Parallel: parallel}
		first := func(v *env.Vector[[]float64, int], seed env.Seed) []float64 {
			obs, _, err := v.Reset(seed, nil)
			require.NoError(t, err)
			draws := make([]float64, len(obs))
			for i, o := range obs {
				draws[i] = o[1]
			}
			return draws
		}
		envsA, _ := counterEnvs(4, false)
		envsB, _ := counterEnvs(4, false)
		a, b := newVector(t, envsA, opts), newVector(t, envsB, opts)

		drawsA := first(a, env.SeedOf(7))
		assert.Equal(t, drawsA, first(b, env.SeedOf(7)), "same seed, same draws")
		for i := range drawsA {
			for j := range i {
				assert.NotEqual(t, drawsA[i], drawsA[j], "envs %d and %d got the same seed", i, j)
			}
		}
		assert.NotEqual(t, drawsA, first(b, env.SeedOf(8)), "another seed, other draws")

		// NoSeed continues each env's stream instead of restarting it.
		again := first(a, env.NoSeed)
		for i := range again {
			assert.NotEqual(t, drawsA[i], again[i], "env %d restarted its stream", i)
		}
		assert.Equal(t, drawsA, first(a, env.SeedOf(7)), "re-seeding restarts")
	})
}

// rollout steps v with random actions and records everything it returns.
func rollout(t *testing.T, v *env.Vector[[]float64, int], steps int) [][]any {
	t.Helper()
	obs, _, err := v.Reset(env.SeedOf(3), nil)
	require.NoError(t, err)
	var trace [][]any
	trace = append(trace, []any{cloneAll(obs)})
	r := rand.New(rand.NewPCG(9, 9))
	actions := make([]int, v.NumEnvs())
	for range steps {
		for i := range actions {
			actions[i] = r.IntN(counterActions)
		}
		res, err := v.Step(actions)
		require.NoError(t, err)
		infos := make([]map[string]float64, len(res.Infos))
		for i, info := range res.Infos {
			infos[i] = info.Clone().Nums()
		}
		trace = append(trace, []any{
			cloneAll(res.Obs), slices.Clone(res.Rewards), slices.Clone(res.Terminated),
			slices.Clone(res.Truncated), infos, slices.Clone(res.Final), cloneAll(res.FinalObs),
		})
	}
	return trace
}

func cloneAll(obs [][]float64) [][]float64 {
	out := make([][]float64, len(obs))
	for i, o := range obs {
		out[i] = slices.Clone(o)
	}
	return out
}

func TestVectorParallelMatchesSequential(t *testing.T) {
	for _, mode := range []env.AutoresetMode{env.NextStep, env.SameStep} {
		t.Run(mode.String(), func(t *testing.T) {
			envsS, _ := counterEnvs(9, false)
			envsP, _ := counterEnvs(9, false)
			seq := newVector(t, envsS, env.VectorOptions{Autoreset: mode})
			par := newVector(t, envsP, env.VectorOptions{Autoreset: mode, Parallel: true})
			want := rollout(t, seq, 60)
			assert.Equal(t, want, rollout(t, par, 60))
		})
	}
}

func TestVectorToyParallelMatchesSequential(t *testing.T) {
	build := func(parallel bool) *env.Vector[[]float64, int] {
		envs := make([]env.Env[[]float64, int], 6)
		for i := range envs {
			g, err := toy.NewFromOptions(env.Options{toy.OptionBudget: 3 + i})
			require.NoError(t, err)
			envs[i] = g
		}
		return newVector(t, envs, env.VectorOptions{Parallel: parallel, Autoreset: env.SameStep})
	}
	seq, par := build(false), build(true)
	r := rand.New(rand.NewPCG(1, 2))
	actions := make([]int, 6)
	_, _, err := seq.Reset(env.SeedOf(5), nil)
	require.NoError(t, err)
	_, _, err = par.Reset(env.SeedOf(5), nil)
	require.NoError(t, err)
	ended := 0
	for range 40 {
		for i := range actions {
			actions[i] = seq.ActionSpace().Sample(r)
		}
		a, err := seq.Step(actions)
		require.NoError(t, err)
		b, err := par.Step(actions)
		require.NoError(t, err)
		assert.Equal(t, a.Obs, b.Obs)
		assert.Equal(t, a.Rewards, b.Rewards)
		assert.Equal(t, a.Terminated, b.Terminated)
		assert.Equal(t, a.FinalObs, b.FinalObs)
		for i, final := range a.Final {
			if final {
				ended++
				assert.True(t, seq.ObservationSpace().Contains(a.FinalObs[i]))
				assert.Equal(t, 0.0, a.FinalObs[i][len(a.FinalObs[i])-1], "no budget left at the end")
				assert.Equal(t, 1.0, a.Obs[i][len(a.Obs[i])-1], "full budget after the reset")
			}
		}
	}
	assert.Greater(t, ended, 20)
}

func TestVectorActionCount(t *testing.T) {
	bothModes(t, func(t *testing.T, parallel bool) {
		envs, _ := counterEnvs(3, false)
		v := newVector(t, envs, env.VectorOptions{Parallel: parallel})
		_, _, err := v.Reset(env.SeedOf(1), nil)
		require.NoError(t, err)
		for _, actions := range [][]int{nil, {0, 0}, {0, 0, 0, 0}} {
			_, err := v.Step(actions)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "want one per env (3)")
		}
	})
}

func TestVectorStepBeforeReset(t *testing.T) {
	envs, _ := counterEnvs(2, false)
	v := newVector(t, envs, env.VectorOptions{})
	_, err := v.Step([]int{0, 0})
	assert.ErrorIs(t, err, env.ErrResetNeeded)
}

func TestVectorJoinsErrors(t *testing.T) {
	errBoom := errors.New("boom")
	bothModes(t, func(t *testing.T, parallel bool) {
		envs, raw := counterEnvs(4, false)
		raw[1].failStep = errBoom
		raw[3].failStep = errBoom
		v := newVector(t, envs, env.VectorOptions{Parallel: parallel})
		_, _, err := v.Reset(env.SeedOf(1), nil)
		require.NoError(t, err)

		_, err = v.Step([]int{0, 0, 0, 0})
		require.ErrorIs(t, err, errBoom)
		assert.Equal(t, "env 1: boom\nenv 3: boom", err.Error())

		// After a failed step the vector needs a Reset.
		raw[1].failStep, raw[3].failStep = nil, nil
		_, err = v.Step([]int{0, 0, 0, 0})
		require.ErrorIs(t, err, env.ErrResetNeeded)
		_, _, err = v.Reset(env.NoSeed, nil)
		require.NoError(t, err)
		_, err = v.Step([]int{0, 0, 0, 0})
		require.NoError(t, err)
	})
}

func TestVectorRecoversPanics(t *testing.T) {
	bothModes(t, func(t *testing.T, parallel bool) {
		envs, _ := counterEnvs(3, false)
		envs[2] = newFaultyEnv(panicsInStep)
		v := newVector(t, envs, env.VectorOptions{Parallel: parallel})
		_, _, err := v.Reset(env.SeedOf(1), nil)
		require.NoError(t, err)
		_, err = v.Step([]int{0, 0, 0})
		require.Error(t, err)
		assert.Equal(t, "env 2: panic: Step exploded", err.Error())
	})
}

func TestVectorResetErrors(t *testing.T) {
	envs, _ := counterEnvs(3, false)
	envs[1] = newFaultyEnv(noSeedResetFails)
	v := newVector(t, envs, env.VectorOptions{})
	_, _, err := v.Reset(env.SeedOf(1), nil)
	require.NoError(t, err)
	_, _, err = v.Reset(env.NoSeed, nil)
	require.Error(t, err)
	assert.Equal(t, "env 1: faulty: Reset needs a seed", err.Error())
	_, err = v.Step([]int{0, 0, 0})
	assert.ErrorIs(t, err, env.ErrResetNeeded, "a failed Reset leaves no live batch")
}

func TestVectorClose(t *testing.T) {
	bothModes(t, func(t *testing.T, parallel bool) {
		envs, raw := counterEnvs(3, false)
		v, err := env.NewVector(envs, env.VectorOptions{Parallel: parallel})
		require.NoError(t, err)
		_, _, err = v.Reset(env.SeedOf(1), nil)
		require.NoError(t, err)
		require.NoError(t, v.Close())
		require.NoError(t, v.Close())
		for i, e := range raw {
			assert.Equal(t, 1, e.closes, "env %d closed once", i)
		}
		_, err = v.Step([]int{0, 0, 0})
		assert.ErrorIs(t, err, env.ErrClosed)
		_, _, err = v.Reset(env.NoSeed, nil)
		assert.ErrorIs(t, err, env.ErrClosed)
	})
}

func TestVectorAccessors(t *testing.T) {
	envs, raw := counterEnvs(5, false)
	v := newVector(t, envs, env.VectorOptions{})
	assert.Equal(t, 5, v.NumEnvs())
	assert.Equal(t, raw[0].ObservationSpace(), v.ObservationSpace())
	assert.Equal(t, raw[0].ActionSpace(), v.ActionSpace())
}

func TestNewVectorErrors(t *testing.T) {
	good, _ := counterEnvs(2, false)
	tests := []struct {
		name string
		envs []env.Env[[]float64, int]
		opts env.VectorOptions
		want string
	}{
		{"none", nil, env.VectorOptions{}, "at least one env"},
		{"nil env", []env.Env[[]float64, int]{good[0], nil}, env.VectorOptions{}, "env 1 is nil"},
		{"nil spaces", []env.Env[[]float64, int]{newFaultyEnv(nilObsSpace)}, env.VectorOptions{}, "env 0 has a nil observation space"},
		{"nil action space", []env.Env[[]float64, int]{newFaultyEnv(nilActSpace)}, env.VectorOptions{}, "env 0 has a nil action space"},
		{"other action space", []env.Env[[]float64, int]{good[0], mustToy(t)}, env.VectorOptions{}, "env 1 has observation space"},
		{"bad mode", good, env.VectorOptions{Autoreset: 7}, "unknown autoreset mode AutoresetMode(7)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := env.NewVector(tt.envs, tt.opts)
			require.Error(t, err)
			assert.Nil(t, v)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func mustToy(t testing.TB) *toy.GridSearch {
	t.Helper()
	g, err := toy.NewFromOptions(nil)
	require.NoError(t, err)
	return g
}

func TestVectorStepDoesNotAllocate(t *testing.T) {
	bothModes(t, func(t *testing.T, parallel bool) {
		envs := make([]env.Env[[]float64, int], 4)
		for i := range envs {
			envs[i] = mustToy(t)
		}
		v := newVector(t, envs, env.VectorOptions{Parallel: parallel})
		_, _, err := v.Reset(env.SeedOf(1), nil)
		require.NoError(t, err)
		actions := []int{1, 2, 3, 4}
		allocs := testing.AllocsPerRun(100, func() {
			if _, err := v.Step(actions); err != nil {
				t.Fatal(err)
			}
		})
		assert.Zero(t, allocs)
	})
}
