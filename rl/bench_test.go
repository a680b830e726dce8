package rl

import (
	"testing"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/research"
	"github.com/autollmresearch/gym/tasks/pretrain"
)

// BenchmarkPPOToy measures whole PPO updates (rollout of 8 envs × 128
// steps, GAE and 4 epochs of 4 minibatches) on the toy env with the
// default 64×64 networks, and reports env steps per second.
func BenchmarkPPOToy(b *testing.B) {
	vec := toyVec(b, 8, env.VectorOptions{})
	cfg := DefaultPPOConfig()
	cfg.Updates = 1 << 30 // never the last update: the learning rate stays up
	p, err := NewPPO(vec, cfg, RunOptions{})
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
	p, err := NewPPO(vec, DefaultPPOConfig(), RunOptions{})
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
	p, err := NewPPO(vec, cfg, RunOptions{})
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
	p, err := NewPPO(vec, DefaultPPOConfig(), RunOptions{})
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
