package server_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym"
	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/server"
)

// stepLoop steps a toy session with action, starting a new episode
// whenever one ends.
func stepLoop(b *testing.B, c *server.Client, next func() bool) {
	ctx := context.Background()
	id, _, _, err := c.Reset(ctx, gym.ToyGridSearch, env.SeedOf(1), nil)
	require.NoError(b, err)
	action := json.RawMessage("27")
	for next() {
		r, err := c.Step(ctx, id, action)
		if err != nil {
			b.Error(err)
			return
		}
		if r.Done() {
			if _, _, err := c.ResetSession(ctx, id, env.NoSeed, nil); err != nil {
				b.Error(err)
				return
			}
		}
	}
}

// BenchmarkStepRoundTrip measures the latency of one POST /step on
// loopback (with a reset every 10 steps, when the toy episode ends).
func BenchmarkStepRoundTrip(b *testing.B) {
	_, c, _ := start(b, server.Config{})
	b.ReportAllocs()
	stepLoop(b, c, b.Loop)
}

// BenchmarkStepThroughput measures steps per second with many clients,
// each in a session of its own.
func BenchmarkStepThroughput(b *testing.B) {
	_, c, _ := start(b, server.Config{})
	b.ReportAllocs()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) { stepLoop(b, c, pb.Next) })
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkResearchStep measures one POST /step of the programmatic
// pretrain env (with a reset every 5 steps, when the episode ends), whose
// observation is the largest part of the work.
func BenchmarkResearchStep(b *testing.B) {
	_, c, _ := start(b, server.Config{})
	ctx := context.Background()
	id, obs, _, err := c.Reset(ctx, gym.Pretrain, env.SeedOf(1), nil)
	require.NoError(b, err)
	var o struct {
		TargetConfigs []json.RawMessage `json:"target_configs"`
	}
	require.NoError(b, json.Unmarshal(obs, &o))
	action := json.RawMessage(`{"config": ` + string(o.TargetConfigs[0]) + `}`)
	b.ReportAllocs()
	for b.Loop() {
		r, err := c.Step(ctx, id, action)
		if err != nil {
			b.Fatal(err)
		}
		if r.Done() {
			if _, _, err := c.ResetSession(ctx, id, env.SeedOf(1), nil); err != nil {
				b.Fatal(err)
			}
		}
	}
}
