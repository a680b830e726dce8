package research

import (
	"testing"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/spaces"
)

// benchEnv returns an env over the pretrain default after one episode, so
// that its buffers have grown.
func benchEnv(b *testing.B, opts Options) *Env {
	b.Helper()
	e, err := New(pretrainTable(b), opts)
	if err != nil {
		b.Fatal(err)
	}
	obs, _, err := e.Reset(env.SeedOf(1), nil)
	if err != nil {
		b.Fatal(err)
	}
	for {
		r, err := e.Step(Action{Config: obs.TargetConfigs[0]})
		if err != nil {
			b.Fatal(err)
		}
		if r.Done() {
			return e
		}
	}
}

// BenchmarkStep is one programmatic step with a config that was run, with
// a Reset whenever an episode ends (amortised over its K = 5 steps).
func BenchmarkStep(b *testing.B) {
	e := benchEnv(b, Options{})
	obs, _, _ := e.Reset(env.NoSeed, nil)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r, err := e.Step(Action{Config: obs.TargetConfigs[i%len(obs.TargetConfigs)]})
		if err != nil {
			b.Fatal(err)
		}
		i += 7
		if r.Done() {
			obs, _, err = e.Reset(env.NoSeed, nil)
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkStepOffGrid is one step with a config that was not run, matched
// to the nearest candidate (encoding and a scan of the 120 candidates).
func BenchmarkStepOffGrid(b *testing.B) {
	e := benchEnv(b, Options{})
	_, _, _ = e.Reset(env.NoSeed, nil)
	cfgs := []spaces.Config{{"lr": 0.0013, "bs": 300.0}, {"lr": 0.0002, "bs": 70.0}, {"lr": 0.011, "bs": 1500.0}}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r, err := e.Step(Action{Config: cfgs[i%len(cfgs)]})
		if err != nil {
			b.Fatal(err)
		}
		i++
		if r.Done() {
			if _, _, err := e.Reset(env.NoSeed, nil); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkStepMultiFidelity is one multi-fidelity step, cycling through
// the allowed experiments that the budget left pays for, with Resets
// amortised.
func BenchmarkStepMultiFidelity(b *testing.B) {
	e := benchEnv(b, Options{Setting: MultiFidelity})
	obs, _, _ := e.Reset(env.NoSeed, nil)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		f := obs.Fidelities[i%len(obs.Fidelities)]
		if f.MaxCost > obs.BudgetLeft {
			f = obs.Fidelities[0] // the cheapest, affordable until the episode ends
		}
		exp, _ := e.table.ExperimentIndex(f.Experiment)
		cfgs := e.table.Configs(exp)
		r, err := e.Step(Action{Config: cfgs[i%len(cfgs)], Experiment: f.Experiment})
		if err != nil {
			b.Fatal(err)
		}
		i += 3
		if r.Done() {
			obs, _, err = e.Reset(env.NoSeed, nil)
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkEpisode is one full Extrapolate episode: Reset and K = 5 steps.
func BenchmarkEpisode(b *testing.B) {
	e := benchEnv(b, Options{})
	b.ReportAllocs()
	for b.Loop() {
		obs, _, err := e.Reset(env.NoSeed, nil)
		if err != nil {
			b.Fatal(err)
		}
		for k := 0; ; k++ {
			r, err := e.Step(Action{Config: obs.TargetConfigs[k]})
			if err != nil {
				b.Fatal(err)
			}
			if r.Done() {
				break
			}
		}
	}
}

// BenchmarkNew builds an env over the pretrain default: curation,
// descriptors and the episode plans of its 22 targets.
func BenchmarkNew(b *testing.B) {
	tbl := pretrainTable(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(tbl, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
