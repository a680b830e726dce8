package eval

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/policy"
	"github.com/autollmresearch/gym/tasks/pretrain"
)

// BenchmarkEpisode measures one evaluation job, a whole K = 5 episode of
// a baseline on the pretrain default's test target, as a worker runs it:
// a fresh policy, a seeded reset, the steps and the record.
func BenchmarkEpisode(b *testing.B) {
	tbl, err := pretrain.Default()
	require.NoError(b, err)
	policies := []NamedFactory{
		{Name: "random", New: func() policy.Policy { return policy.NewRandom() }},
		{Name: "transfer", New: func() policy.Policy { return policy.NewTransfer() }},
		{Name: "scaling-law", New: func() policy.Policy { return policy.NewScalingLaw(policy.ScalingLawOptions{}) }},
		{Name: "gp-ei", New: func() policy.Policy { return policy.NewGP(policy.GPOptions{}) }},
	}
	for _, pf := range policies {
		b.Run(pf.Name, func(b *testing.B) {
			b.ReportAllocs()
			p, err := newPlan(Spec{
				Envs:     []EnvSpec{envSpec("pretrain", tbl, research.Options{})},
				Policies: []NamedFactory{pf},
				Episodes: 1000,
			})
			require.NoError(b, err)
			w := newWorker(p)
			defer w.close()
			ctx := context.Background()
			i := 0
			for b.Loop() {
				ep, ok, err := w.run(ctx, p.jobs[i%len(p.jobs)])
				if err != nil || !ok || ep.Error != "" {
					b.Fatalf("episode %d: ok %v, err %v, episode error %q", i, ok, err, ep.Error)
				}
				i++
			}
		})
	}
}

// BenchmarkRun measures Run end to end on a small table: 2 targets × 50
// episodes of a policy that shuffles the target's configs, K = 5, on one
// worker; the time per operation is the whole evaluation of 100 episodes.
func BenchmarkRun(b *testing.B) {
	tbl := testTable(b)
	spec := Spec{
		Envs:     []EnvSpec{envSpec("demo", tbl, research.Options{})},
		Policies: []NamedFactory{factory(func() *shuffle { return &shuffle{} })},
		Episodes: 50,
		Workers:  1,
	}
	b.ReportAllocs()
	for b.Loop() {
		res, err := Run(context.Background(), spec)
		if err != nil || len(res.Episodes) != 100 {
			b.Fatalf("Run: %v", err)
		}
	}
}
