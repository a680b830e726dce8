package rl

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/toy"
	"github.com/autollmresearch/gym/internal/bitstest"
	"github.com/autollmresearch/gym/nn"
	"github.com/autollmresearch/gym/spaces"
)

// toyEnvs returns n default toy envs.
func toyEnvs(t testing.TB, n int) []env.Env[[]float64, int] {
	t.Helper()
	envs := make([]env.Env[[]float64, int], n)
	for i := range envs {
		g, err := toy.New(toy.DefaultConfig())
		require.NoError(t, err)
		envs[i] = g
	}
	return envs
}

// smallGRPOConfig is a configuration for quick runs.
func smallGRPOConfig() GRPOConfig {
	cfg := DefaultGRPOConfig()
	cfg.Updates = 3
	cfg.Prompts = 3
	cfg.GroupSize = 4
	cfg.Hidden = []int{16, 16}
	cfg.NumMinibatches = 2
	cfg.UpdateEpochs = 2
	cfg.LR = 3e-3
	return cfg
}

func TestGRPOConfigValidate(t *testing.T) {
	require.NoError(t, DefaultGRPOConfig().Validate())
	cases := []struct {
		name   string
		modify func(*GRPOConfig)
		want   string
	}{
		{"updates", func(c *GRPOConfig) { c.Updates = 0 }, "Updates is 0, want at least 1"},
		{"prompts", func(c *GRPOConfig) { c.Prompts = -1 }, "Prompts is -1, want at least 1"},
		{"group", func(c *GRPOConfig) { c.GroupSize = 1 }, "GroupSize is 1, want at least 2"},
		{"max steps", func(c *GRPOConfig) { c.MaxEpisodeSteps = 0 }, "MaxEpisodeSteps is 0"},
		{"epochs", func(c *GRPOConfig) { c.UpdateEpochs = 0 }, "UpdateEpochs is 0"},
		{"minibatches", func(c *GRPOConfig) { c.NumMinibatches = 0 }, "NumMinibatches is 0"},
		{"lr", func(c *GRPOConfig) { c.LR = math.NaN() }, "LR is NaN, want a finite number > 0"},
		{"adam eps", func(c *GRPOConfig) { c.AdamEps = 0 }, "AdamEps is 0"},
		{"clip", func(c *GRPOConfig) { c.ClipCoef = -0.1 }, "ClipCoef is -0.1"},
		{"adv eps", func(c *GRPOConfig) { c.AdvEps = math.Inf(1) }, "AdvEps is +Inf"},
		{"kl", func(c *GRPOConfig) { c.KLCoef = -1 }, "KLCoef is -1, want a finite number >= 0"},
		{"ent", func(c *GRPOConfig) { c.EntCoef = math.NaN() }, "EntCoef is NaN"},
		{"grad norm", func(c *GRPOConfig) { c.MaxGradNorm = -0.5 }, "MaxGradNorm is -0.5"},
		{"no hidden", func(c *GRPOConfig) { c.Hidden = nil }, "at least one hidden layer"},
		{"hidden width", func(c *GRPOConfig) { c.Hidden = []int{4, 0} }, "Hidden[1] is 0"},
		{"activation", func(c *GRPOConfig) { c.Activation = 9 }, "Activation is Activation(9)"},
		{"log std", func(c *GRPOConfig) { c.InitLogStd = math.Inf(-1) }, "InitLogStd is -Inf"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultGRPOConfig()
			tc.modify(&c)
			assert.ErrorContains(t, c.Validate(), tc.want)
			_, err := NewGRPO(toyEnvs(t, 1), c, Options{})
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

func TestNewGRPOErrors(t *testing.T) {
	cfg := smallGRPOConfig()
	_, err := NewGRPO[int](nil, cfg, Options{})
	assert.ErrorContains(t, err, "no envs")
	_, err = NewGRPO([]env.Env[[]float64, int]{nil}, cfg, Options{})
	assert.ErrorContains(t, err, "env 0 is nil")

	_, err = NewGRPO([]env.Env[[]float64, string]{&textEnv{obs: []float64{0}}}, cfg, Options{})
	assert.ErrorContains(t, err, "is not supported; want *spaces.Discrete or *spaces.Box")

	big, err := toy.New(toy.Config{Dims: 2, Points: 4, Budget: 3})
	require.NoError(t, err)
	_, err = NewGRPO([]env.Env[[]float64, int]{toyEnvs(t, 1)[0], big}, cfg, Options{})
	assert.ErrorContains(t, err, "env 1 has action space Discrete(16), env 0 has Discrete(64)")

	reach := []env.Env[[]float64, []float64]{newReachEnv()}
	_, err = NewGRPO(reach, cfg, Options{ActionMask: func(int, []bool) error { return nil }})
	assert.ErrorContains(t, err, "ActionMask needs a Discrete action space")
	_, err = NewGRPO(reach, cfg, Options{LogStd: []float64{0, 0}})
	assert.ErrorContains(t, err, "LogStd has 2 entries, want 1")
	_, err = NewGRPO(reach, cfg, Options{LogStd: []float64{math.NaN()}})
	assert.ErrorContains(t, err, "LogStd[0] is NaN")
	_, err = NewGRPO(toyEnvs(t, 1), cfg, Options{LogStd: []float64{0}})
	assert.ErrorContains(t, err, "LogStd is set but the policy is categorical")

	wrong, err := nn.NewMLP(nn.MLPConfig{Sizes: []int{7, 8, 3}}, rand.New(rand.NewPCG(1, 1)))
	require.NoError(t, err)
	_, err = NewGRPO(toyEnvs(t, 1), cfg, Options{Actor: wrong})
	assert.ErrorContains(t, err, "Actor maps 7 inputs to 3 outputs, want 7 to 64")

	_, err = NewGRPO(toyEnvs(t, 1), cfg, Options{EpisodeMetrics: []EpisodeMetric{{Name: "x"}}})
	assert.ErrorContains(t, err, "EpisodeMetrics[0] needs a Name and a Value function")
}

// runGRPO trains a fresh run on n toy envs and returns it.
func runGRPO(t *testing.T, cfg GRPOConfig, n int, opts Options) *GRPO[int] {
	t.Helper()
	g, err := NewGRPO(toyEnvs(t, n), cfg, opts)
	require.NoError(t, err)
	_, err = g.Train(context.Background())
	require.NoError(t, err)
	return g
}

func TestGRPODeterministic(t *testing.T) {
	cfg := smallGRPOConfig()
	a := runGRPO(t, cfg, 1, Options{})
	b := runGRPO(t, cfg, 1, Options{})
	bitstest.Equal(t, a.Actor().Params(), b.Actor().Params(), "actor parameters")
	bitstest.Equal(t, a.actorOpt.State().V, b.actorOpt.State().V, "actor optimiser's second moments")
	// Running the episodes on three envs in parallel changes nothing.
	c := runGRPO(t, cfg, 3, Options{})
	bitstest.Equal(t, a.Actor().Params(), c.Actor().Params(), "actor parameters")
	assert.Equal(t, a.GlobalStep(), c.GlobalStep())
	assert.Equal(t, 3*3*4*10, a.GlobalStep())

	// Training moved the policy away from the frozen reference, and
	// another seed trains other weights.
	assert.NotEqual(t, a.Actor().Params(), a.Reference().Params())
	cfg.Seed = 2
	d := runGRPO(t, cfg, 1, Options{})
	assert.NotEqual(t, a.Actor().Params(), d.Actor().Params())
}

// TestGRPOGroupsShareTheirStart checks that the episodes of a group start
// from the same reset (same hidden centre) while their actions differ, and
// that groups differ from one another.
func TestGRPOGroupsShareTheirStart(t *testing.T) {
	cfg := smallGRPOConfig()
	cfg.Updates = 1
	g, err := NewGRPO(toyEnvs(t, 2), cfg, Options{})
	require.NoError(t, err)
	_, err = g.Update()
	require.NoError(t, err)
	centreOf := func(seed uint64) []float64 {
		e, err := toy.New(toy.DefaultConfig())
		require.NoError(t, err)
		_, _, err = e.Reset(env.SeedOf(seed), nil)
		require.NoError(t, err)
		return e.Centre()
	}
	assert.NotEqual(t, centreOf(g.promptSeed(0, 0)), centreOf(g.promptSeed(0, 1)), "prompts differ")
	for b := range cfg.Prompts {
		group := g.episodes[b*cfg.GroupSize : (b+1)*cfg.GroupSize]
		for i := 1; i < len(group); i++ {
			// The first observation (before any probe) is the same; the
			// actions taken differ.
			assert.Equal(t, group[0].obs[:7], group[i].obs[:7])
			assert.NotEqual(t, group[0].act, group[i].act, "prompt %d, episode %d", b, i)
		}
	}
}

// banditEnv is a one-step test env with 4 actions. While *rewarding is
// true, action 0 earns 1 and the others 0; otherwise every action earns
// 0, so that every group's returns are equal.
type banditEnv struct {
	rewarding *bool
	obs       []float64
}

func (e *banditEnv) Reset(env.Seed, env.Options) ([]float64, env.Info, error) {
	return e.obs, env.Info{}, nil
}

func (e *banditEnv) Step(a int) (env.StepResult[[]float64], error) {
	r := 0.0
	if *e.rewarding && a == 0 {
		r = 1
	}
	return env.StepResult[[]float64]{Obs: e.obs, Reward: r, Terminated: true}, nil
}

func (e *banditEnv) ObservationSpace() spaces.Space[[]float64] { return spaces.NewBox(0, 1, 2) }
func (e *banditEnv) ActionSpace() spaces.Space[int]            { return spaces.NewDiscrete(4) }
func (e *banditEnv) Close() error                              { return nil }

// TestGRPOZeroStdGroups checks what groups whose returns are all equal
// do: their advantages are all 0, so they contribute only the KL term.
func TestGRPOZeroStdGroups(t *testing.T) {
	newRun := func(beta float64, rewarding *bool) *GRPO[int] {
		cfg := smallGRPOConfig()
		cfg.Updates = 40
		cfg.KLCoef = beta
		cfg.LR = 1e-2
		g, err := NewGRPO([]env.Env[[]float64, int]{&banditEnv{rewarding: rewarding, obs: []float64{1, 0}}}, cfg, Options{})
		require.NoError(t, err)
		return g
	}

	// With no signal and no KL penalty, nothing moves: every gradient is
	// exactly 0.
	off := false
	g := newRun(0, &off)
	before := append([]float64(nil), g.Actor().Params()...)
	for range 3 {
		st, err := g.Update()
		require.NoError(t, err)
		assert.Equal(t, 1.0, st.ZeroStdFrac)
		assert.Equal(t, 0.0, st.GroupStd)
		assert.Zero(t, st.PolicyLoss)
		assert.Zero(t, st.GradNorm)
	}
	bitstest.Equal(t, before, g.Actor().Params(), "actor parameters")

	// Learn to prefer action 0, then take the signal away: the zero-std
	// groups then only pull the policy back towards the reference.
	on := true
	g = newRun(0.5, &on)
	var st GRPOStats
	var err error
	for range 10 {
		st, err = g.Update()
		require.NoError(t, err)
	}
	assert.Less(t, st.ZeroStdFrac, 1.0)
	drift := st.KLRef
	require.Greater(t, drift, 0.01, "the policy left the reference")
	on = false
	for range 30 {
		st, err = g.Update()
		require.NoError(t, err)
		assert.Equal(t, 1.0, st.ZeroStdFrac)
		assert.Zero(t, st.PolicyLoss)
	}
	assert.Less(t, st.KLRef, drift/2, "the KL term alone pulled the policy back")
}

// maskedChain is a chainEnv that fails on an action its mask forbids.
type maskedChain struct{ *chainEnv }

func (e maskedChain) Step(a int) (env.StepResult[[]float64], error) {
	if a >= 0 && a < len(e.mask) && !e.mask[a] {
		return env.StepResult[[]float64]{}, fmt.Errorf("maskedChain: action %d is masked out", a)
	}
	return e.chainEnv.Step(a)
}

func TestGRPOMasks(t *testing.T) {
	envs := []env.Env[[]float64, int]{maskedChain{newChainEnv(6)}, maskedChain{newChainEnv(6)}}
	masks, err := EnvMasks(envs)
	require.NoError(t, err)
	cfg := smallGRPOConfig()
	cfg.Updates = 30
	cfg.LR = 1e-2
	g, err := NewGRPO(envs, cfg, Options{ActionMask: masks})
	require.NoError(t, err)
	first, err := g.Update()
	require.NoError(t, err)
	last, err := g.Train(context.Background())
	require.NoError(t, err)
	t.Logf("first %v\nlast  %v", first, last)
	// Two of three actions are allowed, one of which earns 1: a random
	// masked policy earns 3 of 6.
	assert.Greater(t, last.EpisodeReturn, first.EpisodeReturn+1)

	// Without the mask, the env refuses the untrained policy's choices.
	g, err = NewGRPO([]env.Env[[]float64, int]{maskedChain{newChainEnv(6)}}, cfg, Options{})
	require.NoError(t, err)
	_, err = g.Update()
	assert.ErrorContains(t, err, "is masked out")
}

func TestGRPOMaxEpisodeSteps(t *testing.T) {
	cfg := smallGRPOConfig()
	cfg.MaxEpisodeSteps = 4
	g, err := NewGRPO([]env.Env[[]float64, int]{newChainEnv(0)}, cfg, Options{}) // never ends
	require.NoError(t, err)
	st, err := g.Update()
	require.NoError(t, err)
	assert.Equal(t, 4.0, st.EpisodeLength)
	assert.Equal(t, cfg.Prompts*cfg.GroupSize*4, st.GlobalStep)
}

func TestGRPOEnvErrors(t *testing.T) {
	cfg := smallGRPOConfig()
	nan := newChainEnv(0)
	nan.nanAt = 2
	g, err := NewGRPO([]env.Env[[]float64, int]{nan}, cfg, Options{})
	require.NoError(t, err)
	_, err = g.Update()
	assert.ErrorContains(t, err, "slot 0 = NaN; observations must be finite")
	assert.ErrorContains(t, err, "prompt 0, episode 0 of its group")

	cfg.Updates = 1
	g, err = NewGRPO(toyEnvs(t, 1), cfg, Options{})
	require.NoError(t, err)
	_, err = g.Train(context.Background())
	require.NoError(t, err)
	_, err = g.Update()
	assert.ErrorContains(t, err, "the run has done all 1 updates")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	g, err = NewGRPO(toyEnvs(t, 1), cfg, Options{})
	require.NoError(t, err)
	_, err = g.Train(ctx)
	assert.ErrorIs(t, err, context.Canceled)
}

// TestGRPOSolvesToy trains GRPO on the toy grid search (8×8 grid, 10 noisy
// probes, return = 1 − final regret) and checks that it clearly beats
// random search.
//
// Random search scores about 0.963 (final regret 0.037). With the budget
// below (100 updates of 8 prompts × 8 episodes × 10 steps, 64,000 env
// steps), the learnt policy, sampled, scores about 0.970-0.975 over 2,000
// held-out episodes at seeds 1 to 4; the test asks for at least 0.968,
// about a seventh less regret than random search.
func TestGRPOSolvesToy(t *testing.T) {
	const (
		threshold = 0.968
		episodes  = 2000
	)
	cfg := DefaultGRPOConfig()
	cfg.Updates = 100
	cfg.Hidden = []int{32, 32}
	cfg.LR = 1e-2
	cfg.KLCoef = 0.01
	g, err := NewGRPO(toyEnvs(t, 2), cfg, Options{EpisodeMetrics: []EpisodeMetric{InfoMetric("regret", "regret")}})
	require.NoError(t, err)
	first, err := g.Update()
	require.NoError(t, err)
	last, err := g.Train(context.Background())
	require.NoError(t, err)
	t.Logf("first update: %v", first)
	t.Logf("last update:  %v", last)

	rng := rand.New(rand.NewPCG(7, 7))
	random := meanReturn(t, episodes, func([]float64) int { return rng.IntN(64) })
	learnt := meanReturn(t, episodes, func(obs []float64) int {
		a, err := g.Act(obs, nil, rng)
		require.NoError(t, err)
		return a
	})
	t.Logf("mean return over %d held-out episodes: random %.4f, GRPO %.4f", episodes, random, learnt)
	require.InDelta(t, 0.963, random, 0.004, "random search's baseline moved; revisit the threshold")
	assert.GreaterOrEqual(t, learnt, threshold)
	assert.Less(t, last.Entropy, first.Entropy-0.2, "the policy became more decisive")
	assert.InDelta(t, 1-last.EpisodeReturn, last.EpisodeMetrics[0].Value, 1e-9, "return = 1 − final regret")
	assert.Greater(t, last.KLRef, 0.0)
}

// TestGRPOBox trains the Gaussian policy on the one-step reach task
// (reward −(a − c)² for a target c in [0, 1]). A policy that ignores the
// target scores at best −1/12; the untrained one about −0.25. With these
// settings the greedy actions of seeds 1 to 10 all land within 0.09 of
// their targets. At twice the learning rate and 60 updates, whether a seed
// narrows onto a wrong action depends on the last bits of the arithmetic:
// 2 of the 10 did before the network's products were fused.
func TestGRPOBox(t *testing.T) {
	cfg := DefaultGRPOConfig()
	cfg.Updates = 100
	cfg.Prompts = 16
	cfg.Hidden = []int{16, 16}
	cfg.LR = 5e-3
	cfg.KLCoef = 0
	g, err := NewGRPO([]env.Env[[]float64, []float64]{newReachEnv()}, cfg, Options{})
	require.NoError(t, err)
	first, err := g.Update()
	require.NoError(t, err)
	last, err := g.Train(context.Background())
	require.NoError(t, err)
	t.Logf("first: %v\nlast:  %v\nlog std %v", first, last, g.LogStd())
	assert.Less(t, first.EpisodeReturn, -0.2)
	assert.Greater(t, last.EpisodeReturn, -1.0/12, "the policy uses the target")
	assert.Less(t, g.LogStd()[0], -0.5, "the policy narrowed")
	for _, c := range []float64{0.2, 0.8} {
		a, err := g.Act([]float64{c}, nil, nil)
		require.NoError(t, err)
		assert.InDelta(t, c, a[0], 0.1, "greedy action for target %g", c)
	}
}

// TestGRPOStartsFromActor checks that a given actor is the starting point
// and the reference, and that it is copied, not trained in place.
func TestGRPOStartsFromActor(t *testing.T) {
	actor, err := nn.NewMLP(nn.MLPConfig{Sizes: []int{7, 8, 64}}, rand.New(rand.NewPCG(3, 3)))
	require.NoError(t, err)
	orig := append([]float64(nil), actor.Params()...)
	cfg := smallGRPOConfig()
	cfg.Hidden = []int{8}
	g, err := NewGRPO(toyEnvs(t, 1), cfg, Options{Actor: actor})
	require.NoError(t, err)
	bitstest.Equal(t, orig, g.Reference().Params(), "reference parameters")
	bitstest.Equal(t, orig, g.Actor().Params(), "actor parameters")
	_, err = g.Train(context.Background())
	require.NoError(t, err)
	bitstest.Equal(t, orig, actor.Params(), "actor parameters")
	bitstest.Equal(t, orig, g.Reference().Params(), "reference parameters")
	assert.NotEqual(t, orig, g.Actor().Params())
}

func TestGRPOResume(t *testing.T) {
	dir := t.TempDir()
	cfg := smallGRPOConfig()
	cfg.Updates = 4
	full := runGRPO(t, cfg, 1, Options{})

	path := filepath.Join(dir, "grpo.ckpt")
	half := cfg
	half.Updates = 2
	runGRPO(t, half, 2, Options{CheckpointPath: path})

	resumed, err := NewGRPO(toyEnvs(t, 1), cfg, Options{})
	require.NoError(t, err)
	require.NoError(t, resumed.Resume(path))
	assert.Equal(t, 2, resumed.UpdatesDone())
	_, err = resumed.Train(context.Background())
	require.NoError(t, err)
	bitstest.Equal(t, full.Actor().Params(), resumed.Actor().Params(), "actor parameters")
	bitstest.Equal(t, full.Reference().Params(), resumed.Reference().Params(), "reference parameters")
	assert.Equal(t, full.GlobalStep(), resumed.GlobalStep())

	// The saved policy loads on its own.
	c, err := nn.ReadFile(path)
	require.NoError(t, err)
	actor, err := c.NewMLPFrom("actor")
	require.NoError(t, err)
	assert.Equal(t, []int{7, 16, 16, 64}, actor.Config().Sizes)

	// Mismatches are refused, leaving the run as it was.
	other := smallGRPOConfig()
	other.Hidden = []int{8}
	g, err := NewGRPO(toyEnvs(t, 1), other, Options{})
	require.NoError(t, err)
	before := append([]float64(nil), g.Actor().Params()...)
	assert.ErrorIs(t, g.Resume(path), nn.ErrShape)
	bitstest.Equal(t, before, g.Actor().Params(), "actor parameters")
	assert.Zero(t, g.UpdatesDone())

	reach, err := NewGRPO([]env.Env[[]float64, []float64]{newReachEnv()}, cfg, Options{})
	require.NoError(t, err)
	assert.ErrorContains(t, reach.Resume(path), "observations have 7 values in the checkpoint, 1 in this run")

	ppoPath := filepath.Join(dir, "ppo.ckpt")
	p, err := NewPPO(toyVec(t, 1, env.VectorOptions{}), smallConfig(), Options{})
	require.NoError(t, err)
	require.NoError(t, p.Save(ppoPath))
	assert.ErrorContains(t, g.Resume(ppoPath), `holds "rl.ppo/1", want a GRPO run`)
	assert.Error(t, g.Resume(filepath.Join(dir, "missing.ckpt")))
}

func TestGRPOLogs(t *testing.T) {
	var csvBuf, jsonBuf, progress bytes.Buffer
	logger := NewLogger(&csvBuf, &jsonBuf)
	cfg := smallGRPOConfig()
	runGRPO(t, cfg, 1, Options{Logger: logger, Progress: &progress,
		EpisodeMetrics: []EpisodeMetric{InfoMetric("final_regret", "regret")}})
	rows := strings.Split(strings.TrimSpace(csvBuf.String()), "\n")
	require.Len(t, rows, 4)
	assert.Equal(t, "update,global_step,steps_per_second,episodes,episode_return,min_return,max_return,episode_length,"+
		"group_std,zero_std_frac,final_regret,policy_loss,entropy,kl_ref,approx_kl,clip_frac,grad_norm", rows[0])
	assert.True(t, strings.HasPrefix(rows[3], "3,360,"), rows[3])
	lines := strings.Split(strings.TrimSpace(jsonBuf.String()), "\n")
	require.Len(t, lines, 3)
	assert.True(t, strings.HasPrefix(lines[0], `{"update":1,"global_step":120,`), lines[0])
	out := strings.Split(strings.TrimSpace(progress.String()), "\n")
	require.Len(t, out, 3)
	assert.True(t, strings.HasPrefix(out[2], "3/3 update 3  step 360"), out[2])
	assert.Contains(t, out[2], "final_regret")
}

func TestGRPOSaveUnwritable(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(blocker, nil, 0o644))
	cfg := smallGRPOConfig()
	cfg.Updates = 1
	g, err := NewGRPO(toyEnvs(t, 1), cfg, Options{CheckpointPath: filepath.Join(blocker, "x.ckpt")})
	require.NoError(t, err)
	_, err = g.Train(context.Background())
	assert.Error(t, err)
}

// BenchmarkGRPOToy measures whole GRPO updates (8 prompts × 8 episodes of
// 10 steps on one toy env, then 4 epochs of 4 minibatches) with the
// default 64×64 network, and reports env steps per second.
func BenchmarkGRPOToy(b *testing.B) {
	cfg := DefaultGRPOConfig()
	cfg.Updates = 1 << 30
	g, err := NewGRPO(toyEnvs(b, 1), cfg, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := g.Update(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(g.GlobalStep())/b.Elapsed().Seconds(), "steps/s")
}

// Training GRPO on the toy grid search, with two envs running the
// episodes of each update in parallel.
func ExampleGRPO() {
	envs := make([]env.Env[[]float64, int], 2)
	for i := range envs {
		g, err := toy.New(toy.DefaultConfig())
		if err != nil {
			panic(err)
		}
		envs[i] = g
	}
	cfg := DefaultGRPOConfig()
	cfg.Updates = 3
	cfg.Prompts = 4
	cfg.GroupSize = 6
	g, err := NewGRPO(envs, cfg, Options{
		EpisodeMetrics: []EpisodeMetric{InfoMetric("final_regret", "regret")},
	})
	if err != nil {
		panic(err)
	}
	last, err := g.Train(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Println("updates:", last.Update, "episodes per update:", last.Episodes, "env steps:", last.GlobalStep)
	fmt.Println("policy:", g.Actor().Config().Sizes)
	// Output:
	// updates: 3 episodes per update: 24 env steps: 720
	// policy: [7 64 64 64]
}
