package eval

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/policy"
	"github.com/autollmresearch/gym/spaces"
	"github.com/autollmresearch/gym/tasks"
)

// testTable builds a small outcome table: two instances ("corpus" a and
// b) at three model sizes S < M < L, eight learning rates each. The loss
// is lowest at lr = 2e-3 / 2^size; the largest lr diverges at L; a run
// costs 1, 4 or 16 GPU hours by size. The test split holds the two L
// experiments.
func testTable(tb testing.TB) *tasks.Table {
	tb.Helper()
	b, err := tasks.NewBuilder(tasks.Meta{
		Task:  "demo",
		Space: spaces.MustConfigSpace(spaces.LogDim("lr", 1e-5, 1)),
		Fidelity: []tasks.FidelityColumn{
			{Name: "model", Levels: []string{"S", "M", "L"}},
			{Name: "corpus", Levels: []string{"a", "b"}},
		},
		Metrics:    []string{"loss"},
		Objective:  "loss",
		Direction:  tasks.Minimize,
		Provenance: tasks.Synthetic,
		CostSource: "estimated: eval tests",
	})
	require.NoError(tb, err)
	lrs := []float64{1.25e-4, 2.5e-4, 5e-4, 1e-3, 2e-3, 4e-3, 8e-3, 1.6e-2}
	for size, model := range []string{"S", "M", "L"} {
		for c, corpus := range []string{"a", "b"} {
			best := math.Log2(2e-3) - float64(size)
			for i, lr := range lrs {
				b.Add(tasks.Row{
					Experiment:   fmt.Sprintf("demo/%s-%s", model, corpus),
					Fidelity:     map[string]any{"model": model, "corpus": corpus},
					Config:       spaces.Config{"lr": lr},
					Metrics:      map[string]float64{"loss": 3 - 0.2*float64(size) + 0.1*float64(c) + 0.05*math.Pow(math.Log2(lr)-best, 2)},
					CostGPUHours: math.Pow(4, float64(size)),
					Diverged:     size == 2 && i == len(lrs)-1,
				})
			}
		}
	}
	t, err := b.Build()
	require.NoError(tb, err)
	tb.Cleanup(t.Release)
	return t
}

// envSpec returns an EnvSpec over t with opts (the Test split unless set).
func envSpec(name string, t *tasks.Table, opts research.Options) EnvSpec {
	if opts.Split == 0 {
		opts.Split = research.Test
	}
	return EnvSpec{Name: name, New: func() (*research.Env, error) { return research.New(t, opts) }}
}

// shuffle runs the target's configs in an order drawn from its random
// stream, so that results depend on the policy's seed.
type shuffle struct {
	order []int
	next  int
}

func (p *shuffle) Name() string { return "shuffle" }

func (p *shuffle) Reset(obs *research.Observation, rng *rand.Rand) error {
	p.order, p.next = rng.Perm(len(obs.TargetConfigs)), 0
	return nil
}

func (p *shuffle) Act(obs *research.Observation) (research.Action, error) {
	if p.next >= len(p.order) {
		return research.Action{Stop: true}, nil
	}
	p.next++
	return research.Action{Config: obs.TargetConfigs[p.order[p.next-1]]}, nil
}

// ascending runs the target's configs in order; after stopAfter target
// trials (when positive) it stops.
type ascending struct {
	stopAfter int
	n         int
}

func (p *ascending) Name() string { return "ascending" }

func (p *ascending) Reset(*research.Observation, *rand.Rand) error {
	p.n = 0
	return nil
}

func (p *ascending) Act(obs *research.Observation) (research.Action, error) {
	if p.stopAfter > 0 && p.n >= p.stopAfter {
		return research.Action{Stop: true}, nil
	}
	p.n++
	return research.Action{Config: obs.TargetConfigs[(p.n-1)%len(obs.TargetConfigs)]}, nil
}

// faulty misbehaves at its act-th Act (1-based): it returns an error,
// panics, or proposes an experiment the env rejects, as mode says.
type faulty struct {
	mode string
	act  int
	n    int
}

var errFaulty = errors.New("faulty policy: no idea what to try")

func (p *faulty) Name() string { return "faulty-" + p.mode }

func (p *faulty) Reset(*research.Observation, *rand.Rand) error {
	p.n = 0
	if p.mode == "reset" {
		return errFaulty
	}
	return nil
}

func (p *faulty) Act(obs *research.Observation) (research.Action, error) {
	p.n++
	if p.n >= p.act {
		switch p.mode {
		case "error":
			return research.Action{}, errFaulty
		case "panic":
			panic("faulty policy lost its mind")
		case "invalid":
			return research.Action{Config: obs.TargetConfigs[0], Experiment: "demo/nowhere"}, nil
		}
	}
	return research.Action{Config: obs.TargetConfigs[p.n%len(obs.TargetConfigs)]}, nil
}

// canceller cancels a context at its act-th Act over all episodes and
// otherwise behaves like ascending.
type canceller struct {
	ascending
	acts   *atomic.Int64
	at     int64
	cancel context.CancelFunc
	// actsAtCancel is the number of Act calls made when cancel returned:
	// other workers may act between the at-th Act and the cancellation.
	actsAtCancel *atomic.Int64
}

func (p *canceller) Name() string { return "canceller" }

func (p *canceller) Act(obs *research.Observation) (research.Action, error) {
	if p.acts.Add(1) == p.at {
		p.cancel()
		p.actsAtCancel.Store(p.acts.Load())
	}
	return p.ascending.Act(obs)
}

// factory wraps a constructor as a NamedFactory with the policy's own name.
func factory[P policy.Policy](newP func() P) NamedFactory {
	return NamedFactory{New: func() policy.Policy { return newP() }}
}
