package eval_test

import (
	"context"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"

	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/eval"
	"github.com/autollmresearch/gym/policy"
	"github.com/autollmresearch/gym/spaces"
	"github.com/autollmresearch/gym/tasks"
)

// lrTable builds a small outcome table: one learning-rate knob at three
// model sizes, whose best learning rate halves at each size up.
func lrTable() *tasks.Table {
	b, err := tasks.NewBuilder(tasks.Meta{
		Task:       "demo",
		Space:      spaces.MustConfigSpace(spaces.LogDim("lr", 1e-4, 1e-1)),
		Fidelity:   []tasks.FidelityColumn{{Name: "model", Levels: []string{"S", "M", "L"}}},
		Metrics:    []string{"loss"},
		Objective:  "loss",
		Direction:  tasks.Minimize,
		Provenance: tasks.Synthetic,
		CostSource: "estimated: example",
	})
	if err != nil {
		log.Fatal(err)
	}
	for size, model := range []string{"S", "M", "L"} {
		best := math.Log2(4e-3) - float64(size)
		for _, lr := range []float64{2.5e-4, 5e-4, 1e-3, 2e-3, 4e-3, 8e-3} {
			b.Add(tasks.Row{
				Experiment:   "demo/" + model,
				Fidelity:     map[string]any{"model": model},
				Config:       spaces.Config{"lr": lr},
				Metrics:      map[string]float64{"loss": 3 - 0.2*float64(size) + 0.05*math.Pow(math.Log2(lr)-best, 2)},
				CostGPUHours: math.Pow(4, float64(size)),
			})
		}
	}
	t, err := b.Build()
	if err != nil {
		log.Fatal(err)
	}
	return t
}

// shuffled is random search: it runs the target's configs in an order
// drawn from its random stream.
type shuffled struct{ order []int }

func (p *shuffled) Name() string { return "shuffled" }

func (p *shuffled) Reset(obs *research.Observation, rng *rand.Rand) error {
	p.order = rng.Perm(len(obs.TargetConfigs))
	return nil
}

func (p *shuffled) Act(obs *research.Observation) (research.Action, error) {
	i := p.order[len(obs.History)%len(p.order)]
	return research.Action{Config: obs.TargetConfigs[i]}, nil
}

// halfStep runs the best config of the nearest lower fidelity at the
// target, then halves its learning rate at every trial.
type halfStep struct{ lr float64 }

func (p *halfStep) Name() string { return "half-step" }

func (p *halfStep) Reset(obs *research.Observation, _ *rand.Rand) error {
	near := obs.Context.Len() - 1
	p.lr = obs.Context.Configs(near)[obs.Context.Best(near)]["lr"].(float64)
	return nil
}

func (p *halfStep) Act(*research.Observation) (research.Action, error) {
	a := research.Action{Config: spaces.Config{"lr": p.lr}}
	p.lr /= 2
	return a, nil
}

// Run plays every policy on every test target of the env for a number of
// seeded episodes and aggregates the regret after each target trial.
func ExampleRun() {
	table := lrTable()
	res, err := eval.Run(context.Background(), eval.Spec{
		Envs: []eval.EnvSpec{{
			Name: "demo",
			New: func() (*research.Env, error) {
				return research.New(table, research.Options{Split: research.Test, Trials: 3})
			},
		}},
		Policies: []eval.NamedFactory{
			{New: func() policy.Policy { return &shuffled{} }},
			{New: func() policy.Policy { return &halfStep{} }},
		},
		Episodes: 20,
		Seed:     1,
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, row := range res.Summary() {
		fmt.Printf("%-9s k=%d regret %.3f ± %.3f after %g GPU hours (%d episodes)\n",
			row.Policy, row.K, row.MeanRegret, row.SERegret, row.MeanGPUHours, row.N)
	}
	// Output:
	// shuffled  k=1 regret 0.250 ± 0.069 after 16 GPU hours (20 episodes)
	// shuffled  k=2 regret 0.078 ± 0.023 after 32 GPU hours (20 episodes)
	// shuffled  k=3 regret 0.078 ± 0.023 after 48 GPU hours (20 episodes)
	// half-step k=1 regret 0.111 ± 0.000 after 16 GPU hours (20 episodes)
	// half-step k=2 regret 0.000 ± 0.000 after 32 GPU hours (20 episodes)
	// half-step k=3 regret 0.000 ± 0.000 after 48 GPU hours (20 episodes)
}

// WriteMarkdown renders the regret-versus-K table, the best policy of each
// env and k in bold.
func ExampleResult_WriteMarkdown() {
	table := lrTable()
	res, err := eval.Run(context.Background(), eval.Spec{
		Envs: []eval.EnvSpec{{
			Name: "demo",
			New: func() (*research.Env, error) {
				return research.New(table, research.Options{Split: research.Test, Trials: 2})
			},
		}},
		Policies: []eval.NamedFactory{
			{Name: "random", New: func() policy.Policy { return &shuffled{} }},
			{New: func() policy.Policy { return &halfStep{} }},
		},
		Episodes: 10,
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := res.WriteMarkdown(os.Stdout); err != nil {
		log.Fatal(err)
	}
	// Output:
	// Normalised regret at the target fidelity after k target-fidelity trials (mean ± standard error over episodes; 0 is the best config, lower is better). GPU hours: mean spent per episode.
	//
	// | env | policy | k=1 | k=2 | GPU hours | episodes | failed |
	// |---|---|---:|---:|---:|---:|---:|
	// | demo | random | 0.433 ± 0.132 | 0.144 ± 0.053 | 32.0 ± 0.0 | 10 | 0 |
	// | demo | half-step | **0.111 ± 0.000** | **0.000 ± 0.000** | 32.0 ± 0.0 | 10 | 0 |
}
