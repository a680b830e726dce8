package eval

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/policy"
)

func TestRunRecordsEveryEpisode(t *testing.T) {
	tbl := testTable(t)
	res, err := Run(context.Background(), Spec{
		Envs: []EnvSpec{
			envSpec("demo", tbl, research.Options{Trials: 3}),
			envSpec("demo-mf", tbl, research.Options{Setting: research.MultiFidelity, Trials: 2}),
		},
		Policies: []NamedFactory{factory(func() *shuffle { return &shuffle{} }), factory(policy.NewRandom)},
		Episodes: 4,
		Seed:     1,
		Workers:  2,
	})
	require.NoError(t, err)

	require.Len(t, res.Envs, 2)
	assert.Equal(t, EnvInfo{Name: "demo", Task: "demo", Setting: research.Extrapolate, Split: research.Test,
		K: 3, Targets: []string{"demo/L-a", "demo/L-b"}, Episodes: 4}, res.Envs[0])
	assert.Equal(t, research.MultiFidelity, res.Envs[1].Setting)
	assert.Equal(t, []string{"shuffle", "random"}, res.Policies)
	require.Len(t, res.Episodes, 2*2*2*4)

	i := 0
	for _, env := range res.Envs {
		for _, pol := range res.Policies {
			for _, target := range env.Targets {
				for ep := range 4 {
					e := res.Episodes[i]
					i++
					assert.Equal(t, [4]any{env.Name, pol, target, ep}, [4]any{e.Env, e.Policy, e.Target, e.Episode}, "episode order")
					assert.Empty(t, e.Error)
					require.Len(t, e.Regret, env.K)
					require.Len(t, e.GPUHours, env.K)
					assert.Equal(t, env.K, e.TargetTrials, "these policies use every target trial")
					assert.InDelta(t, 1-e.FinalRegret, e.Return, 1e-12, "return is 1 - final regret")
					assert.Equal(t, e.FinalRegret, e.Regret[env.K-1])
					assert.Equal(t, e.TotalGPUHours, e.GPUHours[env.K-1])
					for k := 1; k < env.K; k++ {
						assert.LessOrEqual(t, e.Regret[k], e.Regret[k-1], "best-so-far regret never rises")
						assert.Greater(t, e.GPUHours[k], e.GPUHours[k-1], "every target trial costs")
					}
					assert.Equal(t, 16.0, e.GPUHours[0], "one L run costs 16 GPU hours")
				}
			}
		}
	}

	// Every policy meets the same env seed on the same (target, episode),
	// but draws from its own stream.
	a, b := res.Episodes[0], res.Episodes[8]
	require.Equal(t, [3]any{a.Env, a.Target, a.Episode}, [3]any{b.Env, b.Target, b.Episode})
	assert.Equal(t, a.Seed, b.Seed)
	assert.NotEqual(t, a.PolicySeed, b.PolicySeed)
	assert.NotEqual(t, res.Episodes[0].Seed, res.Episodes[1].Seed)
}

func TestRunIsIndependentOfWorkers(t *testing.T) {
	tbl := testTable(t)
	spec := Spec{
		Envs: []EnvSpec{
			envSpec("demo", tbl, research.Options{Trials: 4}),
			envSpec("demo-mf", tbl, research.Options{Setting: research.MultiFidelity}),
		},
		Policies: []NamedFactory{
			factory(func() *shuffle { return &shuffle{} }),
			factory(policy.NewRandom),
			factory(policy.NewTransfer),
		},
		Episodes: 6,
		Seed:     42,
	}
	var results []*Result
	for _, workers := range []int{1, 4} {
		spec.Workers = workers
		res, err := Run(context.Background(), spec)
		require.NoError(t, err)
		results = append(results, res)
	}
	assert.Equal(t, results[0], results[1])

	spec.Seed = 43
	other, err := Run(context.Background(), spec)
	require.NoError(t, err)
	assert.NotEqual(t, results[0].Episodes, other.Episodes, "another seed gives other episodes")
}

func TestShortEpisodesCarryForward(t *testing.T) {
	tbl := testTable(t)
	res, err := Run(context.Background(), Spec{
		Envs:     []EnvSpec{envSpec("demo", tbl, research.Options{Trials: 4})},
		Policies: []NamedFactory{{Name: "stop-after-2", New: func() policy.Policy { return &ascending{stopAfter: 2} }}},
		Episodes: 1,
	})
	require.NoError(t, err)
	require.Len(t, res.Episodes, 2)
	for _, e := range res.Episodes {
		assert.Equal(t, "stop-after-2", e.Policy)
		assert.Empty(t, e.Error)
		assert.Equal(t, 2, e.TargetTrials)
		assert.Equal(t, 3, e.Steps, "two runs and a stop")
		assert.Equal(t, []float64{e.Regret[1], e.Regret[1]}, e.Regret[2:])
		assert.Equal(t, []float64{32, 32, 32}, e.GPUHours[1:])
		assert.Equal(t, e.Regret[1], e.FinalRegret)
		assert.Equal(t, 32.0, e.TotalGPUHours)
	}
}

func TestFailingPolicyIsRecorded(t *testing.T) {
	tbl := testTable(t)
	cases := []struct {
		mode    string
		act     int
		steps   int // accepted steps
		invalid int
		trials  int
		msg     string
	}{
		{mode: "error", act: 3, steps: 2, trials: 2, msg: "step 3: policy: faulty policy: no idea what to try"},
		{mode: "panic", act: 2, steps: 1, trials: 1, msg: "panic at step 2: faulty policy lost its mind"},
		{mode: "invalid", act: 2, steps: 1, invalid: DefaultMaxInvalidSteps, trials: 1, msg: "the env rejected 10 actions"},
		{mode: "reset", act: 1, msg: "policy reset: faulty policy: no idea what to try"},
	}
	for _, c := range cases {
		t.Run(c.mode, func(t *testing.T) {
			var progress bytes.Buffer
			res, err := Run(context.Background(), Spec{
				Envs: []EnvSpec{envSpec("demo", tbl, research.Options{Trials: 4})},
				Policies: []NamedFactory{
					factory(func() *faulty { return &faulty{mode: c.mode, act: c.act} }),
					factory(func() *ascending { return &ascending{} }),
				},
				Episodes: 3,
				Workers:  2,
				Progress: &progress,
			})
			require.NoError(t, err, "a failing policy is not a failed evaluation")
			require.Len(t, res.Episodes, 2*2*3)
			fails := res.Failures()
			require.Len(t, fails, 2*3, "every episode of the faulty policy fails, no other")
			for _, e := range fails {
				assert.Equal(t, "faulty-"+c.mode, e.Policy)
				assert.Contains(t, e.Error, c.msg)
				assert.Equal(t, c.steps, e.Steps)
				assert.Equal(t, c.invalid, e.InvalidSteps)
				assert.Equal(t, c.trials, e.TargetTrials)
				require.Len(t, e.Regret, 4)
				for k := c.trials; k < 4; k++ {
					assert.Equal(t, e.FinalRegret, e.Regret[k], "regret carried forward from the failure")
					assert.Equal(t, e.TotalGPUHours, e.GPUHours[k])
				}
				if c.trials == 0 {
					assert.Equal(t, 1.0, e.FinalRegret, "nothing found")
					assert.Zero(t, e.TotalGPUHours)
				}
			}
			for _, row := range res.Summary() {
				want := 0
				if row.Policy == "faulty-"+c.mode {
					want = 6
				}
				assert.Equal(t, want, row.Errors, row.Policy)
				assert.Equal(t, 6, row.N, "failed episodes count in the means")
			}
			var md strings.Builder
			require.NoError(t, res.WriteMarkdown(&md))
			assert.Contains(t, md.String(), "6 episode(s) failed")
			assert.Contains(t, md.String(), c.msg)
			assert.Contains(t, progress.String(), "6 failed")
		})
	}
}

func TestRunCancel(t *testing.T) {
	tbl := testTable(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var acts, atCancel atomic.Int64
	res, err := Run(ctx, Spec{
		Envs: []EnvSpec{envSpec("demo", tbl, research.Options{Trials: 2})},
		Policies: []NamedFactory{factory(func() *canceller {
			return &canceller{acts: &acts, at: 7, cancel: cancel, actsAtCancel: &atCancel}
		})},
		Episodes: 50,
		Workers:  2,
	})
	require.ErrorIs(t, err, context.Canceled)
	require.NotNil(t, res)
	assert.Less(t, len(res.Episodes), 100, "stopped early")
	assert.LessOrEqual(t, acts.Load(), atCancel.Load()+1, "at most one action per other worker after the cancellation")
	for _, e := range res.Episodes {
		assert.Empty(t, e.Error, "an interrupted episode is dropped, not recorded as failed")
		assert.Equal(t, 2, e.TargetTrials)
	}

	done, stop := context.WithCancel(context.Background())
	stop()
	res, err = Run(done, Spec{
		Envs:     []EnvSpec{envSpec("demo", tbl, research.Options{})},
		Policies: []NamedFactory{factory(policy.NewRandom)},
		Episodes: 3,
	})
	require.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, res.Episodes)
}

func TestRunProgress(t *testing.T) {
	tbl := testTable(t)
	var out bytes.Buffer
	_, err := Run(context.Background(), Spec{
		Envs:     []EnvSpec{envSpec("demo", tbl, research.Options{})},
		Policies: []NamedFactory{factory(policy.NewRandom)},
		Episodes: 5,
		Workers:  2,
		Progress: &out,
	})
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	last := lines[len(lines)-1]
	assert.True(t, strings.HasPrefix(last, "eval: 10/10 episodes (100%), elapsed "), last)
	assert.True(t, strings.HasSuffix(last, ", done"), last)
}

func TestProgressLine(t *testing.T) {
	assert.Equal(t, "eval: 0/8 episodes (0%), elapsed 0s", progressLine(0, 8, 0, 0))
	assert.Equal(t, "eval: 2/8 episodes (25%), 1 failed, elapsed 3s, ETA 9s", progressLine(2, 8, 1, 3e9))
	assert.Equal(t, "eval: 8/8 episodes (100%), elapsed 2m5s, done", progressLine(8, 8, 0, 125e9))
}

func TestSpecErrors(t *testing.T) {
	tbl := testTable(t)
	good := envSpec("demo", tbl, research.Options{})
	random := factory(policy.NewRandom)
	broken := errors.New("table file is gone")
	cases := []struct {
		name string
		spec Spec
		want []string
	}{
		{"empty", Spec{}, []string{"spec.Envs is empty", "spec.Policies is empty"}},
		{"episodes", Spec{Envs: []EnvSpec{good}, Policies: []NamedFactory{random}},
			[]string{`spec.Envs[0] ("demo"): no number of episodes`}},
		{"negative", Spec{Envs: []EnvSpec{good}, Policies: []NamedFactory{random}, Episodes: -1, Workers: -2, MaxSteps: -1},
			[]string{"spec.Episodes is -1", "spec.Workers is -2", "spec.MaxSteps is -1"}},
		{"names", Spec{
			Envs:     []EnvSpec{good, good, {New: good.New}, {Name: "x"}},
			Policies: []NamedFactory{random, random, {Name: "p"}, {New: func() policy.Policy { return nil }}},
			Episodes: 1,
		}, []string{
			`spec.Envs[1]: the name "demo" is already used by spec.Envs[0]`, "spec.Envs[2].Name is empty", `spec.Envs[3].New is nil (env "x")`,
			`spec.Policies[1]: the name "random" is already used by spec.Policies[0]`, "spec.Policies[2].New is nil",
			"spec.Policies[3]: the factory returned a nil policy",
		}},
		{"env fails", Spec{
			Envs:     []EnvSpec{{Name: "gone", New: func() (*research.Env, error) { return nil, broken }}},
			Policies: []NamedFactory{random}, Episodes: 1,
		}, []string{`spec.Envs[0] ("gone"): table file is gone`}},
		{"bad options", Spec{
			Envs:     []EnvSpec{envSpec("neg", tbl, research.Options{Trials: -1})},
			Policies: []NamedFactory{random}, Episodes: 1,
		}, []string{`spec.Envs[0] ("neg"): research: invalid options: `, "Trials is -1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := Run(context.Background(), c.spec)
			require.Error(t, err)
			assert.Nil(t, res)
			if c.name == "env fails" {
				assert.ErrorIs(t, err, broken, "the env's error is wrapped")
			}
			assert.True(t, strings.HasPrefix(err.Error(), "eval: invalid spec: "), err.Error())
			for _, w := range c.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestWorkerEnvFailureStopsRun(t *testing.T) {
	tbl := testTable(t)
	var calls atomic.Int64
	spec := Spec{
		Envs: []EnvSpec{{Name: "flaky", New: func() (*research.Env, error) {
			if calls.Add(1) > 1 {
				return nil, errors.New("out of file handles")
			}
			return research.New(tbl, research.Options{Split: research.Test})
		}}},
		Policies: []NamedFactory{factory(policy.NewRandom)},
		Episodes: 2,
	}
	res, err := Run(context.Background(), spec)
	require.Error(t, err)
	assert.Nil(t, res)
	assert.Equal(t, `eval: env "flaky": out of file handles`, err.Error())
}

func TestDeriveSeed(t *testing.T) {
	base := deriveSeed(1, "env", "demo", "", "demo/L-a", 0)
	assert.Equal(t, base, deriveSeed(1, "env", "demo", "", "demo/L-a", 0))
	others := []uint64{
		deriveSeed(2, "env", "demo", "", "demo/L-a", 0),
		deriveSeed(1, "policy", "demo", "", "demo/L-a", 0),
		deriveSeed(1, "env", "demo2", "", "demo/L-a", 0),
		deriveSeed(1, "env", "dem", "o", "demo/L-a", 0),
		deriveSeed(1, "env", "demo", "", "demo/L-b", 0),
		deriveSeed(1, "env", "demo", "", "demo/L-a", 1),
	}
	seen := map[uint64]bool{base: true}
	for i, s := range others {
		assert.False(t, seen[s], "seed %d collides", i)
		seen[s] = true
	}
}
