package policy

import (
	"testing"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/research"
)

// benchSettings are the episodes the benchmarks act in: the pretrain
// default's first test target, in the Extrapolate setting and in the
// MultiFidelity one with twice K runs' worth of budget.
func benchSettings(b *testing.B) map[string]*research.Env {
	return map[string]*research.Env{
		"extrapolate":    newEnv(b, pretrainTable(b), research.Options{Split: research.Test}),
		"multi-fidelity": multiFidelityEnvs(b, 5, 2)[0],
	}
}

// BenchmarkAct measures one Act of each baseline, at the first step of an
// episode (after Reset, which does the policy's planning).
func BenchmarkAct(b *testing.B) {
	envs := benchSettings(b)
	for _, setting := range []string{"extrapolate", "multi-fidelity"} {
		e := envs[setting]
		for _, f := range baselines() {
			b.Run(setting+"/"+f().Name(), func(b *testing.B) {
				obs, _, err := e.Reset(env.SeedOf(1), nil)
				if err != nil {
					b.Fatal(err)
				}
				p := f()
				if err := p.Reset(obs, policyRand(1)); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := p.Act(obs); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkReset measures each baseline's Reset, where the context-based
// ones rank or fit the lower fidelities.
func BenchmarkReset(b *testing.B) {
	envs := benchSettings(b)
	for _, setting := range []string{"extrapolate", "multi-fidelity"} {
		e := envs[setting]
		for _, f := range baselines() {
			b.Run(setting+"/"+f().Name(), func(b *testing.B) {
				obs, _, err := e.Reset(env.SeedOf(1), nil)
				if err != nil {
					b.Fatal(err)
				}
				p := f()
				rng := policyRand(1)
				b.ReportAllocs()
				for b.Loop() {
					if err := p.Reset(obs, rng); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkEpisode measures a whole episode: env Reset, policy Reset, and
// Act and Step until the end.
func BenchmarkEpisode(b *testing.B) {
	envs := benchSettings(b)
	for _, setting := range []string{"extrapolate", "multi-fidelity"} {
		e := envs[setting]
		for _, f := range baselines() {
			b.Run(setting+"/"+f().Name(), func(b *testing.B) {
				b.ReportAllocs()
				seed := uint64(0)
				for b.Loop() {
					seed++
					runEpisode(b, e, f(), seed)
				}
			})
		}
	}
}
