package env_test

import (
	"testing"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/toy"
)

// benchEpisodes steps e with a fixed cycle of actions, resetting whenever
// an episode ends.
func benchEpisodes(b *testing.B, e env.Env[[]float64, int]) {
	n := e.ActionSpace().(interface{ N() int }).N()
	if _, _, err := e.Reset(env.SeedOf(1), nil); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	a := 0
	for b.Loop() {
		a = (a + 17) % n
		r, err := e.Step(a)
		if err != nil {
			b.Fatal(err)
		}
		if r.Done() {
			if _, _, err := e.Reset(env.NoSeed, nil); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkToyStep(b *testing.B) {
	benchEpisodes(b, newToy(b, toy.DefaultConfig()))
}

func BenchmarkWrappedToyStep(b *testing.B) {
	var e env.Env[[]float64, int] = env.NewOrderEnforcing[[]float64, int](newToy(b, toy.DefaultConfig()))
	e = env.NewTimeLimit(e, 8)
	e = env.NewRecordEpisodeStatistics(e)
	benchEpisodes(b, e)
}

func BenchmarkFullyWrappedToyStep(b *testing.B) {
	var e env.Env[[]float64, int] = env.NewOrderEnforcing[[]float64, int](newToy(b, toy.DefaultConfig()))
	e = env.NewTimeLimit(e, 8)
	e = env.NewRecordEpisodeStatistics(e)
	f, err := env.NewFlattenObservation(e)
	if err != nil {
		b.Fatal(err)
	}
	e = env.NewNormalizeObservation(f, 1e-8)
	e = env.NewTransformReward(e, func(r float64) float64 { return 10 * r })
	benchEpisodes(b, e)
}
