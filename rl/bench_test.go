package rl

import (
	"math/rand/v2"
	"testing"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/spaces"
	"github.com/autollmresearch/gym/tasks/pretrain"
)

// BenchmarkPPOToy measures whole PPO updates (rollout of 8 envs × 128
// steps, GAE and 4 epochs of 4 minibatches) on the toy env with the
// default 64×64 networks, and reports env steps per second.
func BenchmarkPPOToy(b *testing.B) {
	vec := toyVec(b, 8, env.VectorOptions{})
	cfg := DefaultPPOConfig()
	cfg.Updates = 1 << 30 // never the last update: the learning rate stays up
	p, err := NewPPO(vec, cfg, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Update(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*p.buf.Len())/b.Elapsed().Seconds(), "steps/s")
}

// BenchmarkRollout measures collecting one rollout of 8 toy envs × 128
// steps with the default networks: the policy's and critic's forward
// passes, sampling and env steps. allocs/op should be 0.
func BenchmarkRollout(b *testing.B) {
	vec := toyVec(b, 8, env.VectorOptions{})
	p, err := NewPPO(vec, DefaultPPOConfig(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	if err := p.col.reset(1); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := p.col.collect(p.buf); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*p.buf.Len())/b.Elapsed().Seconds(), "steps/s")
}

// pretrainVec builds a Vector of n Numeric views of the pretrain task's
// default table, in the extrapolation setting on the train split with 5
// target-fidelity trials per episode.
func pretrainVec(b *testing.B, n int) *env.Vector[[]float64, []float64] {
	b.Helper()
	tbl, err := pretrain.Default()
	if err != nil {
		b.Fatal(err)
	}
	opts := research.Options{Setting: research.Extrapolate, Split: research.Train, Trials: 5}
	return newVec(b, n, env.VectorOptions{}, func(int) env.Env[[]float64, []float64] {
		core, err := research.New(tbl, opts)
		if err != nil {
			b.Fatal(err)
		}
		view, err := research.NewNumeric(core)
		if err != nil {
			b.Fatal(err)
		}
		return view
	})
}

// BenchmarkPPOPretrain measures whole PPO updates (rollout of 8 envs ×
// 128 steps, GAE and 4 epochs of 4 minibatches) on the Numeric view of
// the pretrain task, with a Gaussian policy and the default 64×64
// networks, and reports env steps per second.
func BenchmarkPPOPretrain(b *testing.B) {
	vec := pretrainVec(b, 8)
	cfg := DefaultPPOConfig()
	cfg.Updates = 1 << 30 // never the last update: the learning rate stays up
	p, err := NewPPO(vec, cfg, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Update(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*p.buf.Len())/b.Elapsed().Seconds(), "steps/s")
}

// BenchmarkRolloutPretrain measures collecting one rollout of 8 Numeric
// pretrain envs × 128 steps with the default networks and a Gaussian
// policy: forward passes, sampling, and the research env's steps and
// observation encoding. allocs/op should be 0.
//
// The Numeric view caches the target-only part of its observation the
// first time it meets each target, so the first rollouts allocate: a
// warm-up of 10 rollouts (about 250 episodes per env, every train target
// many times over) fills the cache before timing.
func BenchmarkRolloutPretrain(b *testing.B) {
	vec := pretrainVec(b, 8)
	p, err := NewPPO(vec, DefaultPPOConfig(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	if err := p.col.reset(1); err != nil {
		b.Fatal(err)
	}
	for range 10 {
		if err := p.col.collect(p.buf); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := p.col.collect(p.buf); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*p.buf.Len())/b.Elapsed().Seconds(), "steps/s")
}

// BenchmarkGAE measures advantage estimation over a rollout of 8 envs ×
// 128 steps.
func BenchmarkGAE(b *testing.B) {
	buf, err := NewBuffer(128, 8, 7, 1, 0)
	if err != nil {
		b.Fatal(err)
	}
	for r := range buf.Len() {
		buf.Valid[r] = r%11 != 10
		buf.Terminated[r] = r%11 == 9
		buf.Rewards[r] = float64(r%7) / 7
		buf.Values[r] = 0.5
		buf.NextValues[r] = 0.5
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := buf.ComputeGAE(0.99, 0.95); err != nil {
			b.Fatal(err)
		}
	}
}

// wideEnv is a one-step bandit with 64 random observation coordinates
// and 32 actions, the shape of the PyTorch peer of BenchmarkPPOUpdate.
type wideEnv struct {
	rng   *rand.Rand
	obs   []float64
	obsSp *spaces.Box
	actSp *spaces.Discrete
}

func newWideEnv(seed uint64) *wideEnv {
	return &wideEnv{rng: rand.New(rand.NewPCG(seed, 1)), obs: make([]float64, 64), obsSp: spaces.NewBox(-10, 10, 64), actSp: spaces.NewDiscrete(32)}
}

func (e *wideEnv) fill() []float64 {
	for i := range e.obs {
		e.obs[i] = e.rng.NormFloat64()
	}
	return e.obs
}

func (e *wideEnv) Reset(env.Seed, env.Options) ([]float64, env.Info, error) {
	return e.fill(), env.Info{}, nil
}

func (e *wideEnv) Step(a int) (env.StepResult[[]float64], error) {
	return env.StepResult[[]float64]{Obs: e.fill(), Reward: e.obs[a%64], Terminated: true}, nil
}

func (e *wideEnv) ObservationSpace() spaces.Space[[]float64] { return e.obsSp }
func (e *wideEnv) ActionSpace() spaces.Space[int]            { return e.actSp }
func (e *wideEnv) Close() error                              { return nil }

// BenchmarkPPOUpdate measures the optimisation phase of a PPO update
// alone, as the PyTorch peer ../shared/bench/peer_ppo_torch.py 64 32 does:
// 64 observation coordinates, 32 actions, 64-64 tanh actor and critic,
// Adam, a rollout of 2,048 rows, 4 epochs of minibatches of 512. It
// reports sample-epochs per second.
func BenchmarkPPOUpdate(b *testing.B) {
	vec := newVec(b, 8, env.VectorOptions{}, func(i int) env.Env[[]float64, int] { return newWideEnv(uint64(i)) })
	cfg := DefaultPPOConfig()
	cfg.Updates = 1 << 30
	cfg.NumSteps = 256
	cfg.NumMinibatches = 4
	cfg.UpdateEpochs = 4
	p, err := NewPPO(vec, cfg, Options{})
	if err != nil {
		b.Fatal(err)
	}
	if err := p.col.reset(1); err != nil {
		b.Fatal(err)
	}
	if err := p.col.collect(p.buf); err != nil {
		b.Fatal(err)
	}
	if err := p.buf.ComputeGAE(cfg.Gamma, cfg.GAELambda); err != nil {
		b.Fatal(err)
	}
	var st PPOStats
	b.ReportAllocs()
	for b.Loop() {
		if err := p.optimise(&st); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*p.buf.Len()*cfg.UpdateEpochs)/b.Elapsed().Seconds(), "sample-epochs/s")
}
