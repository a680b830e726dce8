package research_test

import (
	"fmt"
	"log"
	"math"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/spaces"
	"github.com/autollmresearch/gym/tasks"
)

// lrTable builds a small outcome table: one learning-rate knob at three
// model sizes, whose best learning rate halves at each size up; a run
// costs 1, 4 or 16 GPU hours.
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

// An agent in the Extrapolate setting reads the free lower-fidelity context
// and spends its target trials: here it transfers the best config of the
// nearest lower fidelity, then tries half of that learning rate.
func ExampleNew() {
	e, err := research.New(lrTable(), research.Options{Split: research.Test, Trials: 2})
	if err != nil {
		log.Fatal(err)
	}
	obs, _, err := e.Reset(env.SeedOf(1), nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("target:", obs.Target.Experiment, "context:", obs.Context.Len(), "experiments")

	near := obs.Context.Len() - 1
	transfer := obs.Context.Configs(near)[obs.Context.Best(near)]
	total := 0.0
	for _, lr := range []float64{transfer["lr"].(float64), transfer["lr"].(float64) / 2} {
		r, err := e.Step(research.Action{Config: spaces.Config{"lr": lr}})
		if err != nil {
			log.Fatal(err)
		}
		total += r.Reward
		regret, _ := r.Info.Num("regret")
		fmt.Printf("lr %g: regret %.2f, reward %.2f, done %v\n", lr, regret, r.Reward, r.Done())
	}
	fmt.Printf("return %.2f\n", total)
	// Output:
	// target: demo/L context: 2 experiments
	// lr 0.002: regret 0.11, reward 0.89, done false
	// lr 0.001: regret 0.00, reward 0.11, done true
	// return 1.00
}

// In the MultiFidelity setting the agent picks the experiment of every run
// and pays for it from a GPU-hour budget; off-grid configs are matched to
// the nearest config that was run.
func ExampleEnv_Step() {
	e, err := research.New(lrTable(), research.Options{Setting: research.MultiFidelity, Split: research.Test})
	if err != nil {
		log.Fatal(err)
	}
	obs, _, err := e.Reset(env.SeedOf(1), nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range obs.Fidelities {
		fmt.Printf("%s costs %g GPU hours a run\n", f.Experiment, f.CostPerRun)
	}
	fmt.Printf("budget %g GPU hours, %d target trials\n", obs.BudgetLeft, obs.TrialsLeft)

	r, err := e.Step(research.Action{Config: spaces.Config{"lr": 0.0017}, Experiment: "demo/M"})
	if err != nil {
		log.Fatal(err)
	}
	run, _ := r.Info.Get("run")
	fmt.Printf("asked lr 0.0017 at demo/M, ran %v; %g GPU hours left\n", run, r.Obs.BudgetLeft)
	// Output:
	// demo/S costs 1 GPU hours a run
	// demo/M costs 4 GPU hours a run
	// demo/L costs 16 GPU hours a run
	// budget 80 GPU hours, 5 target trials
	// asked lr 0.0017 at demo/M, ran map[lr:0.002]; 76 GPU hours left
}

// NewFromOptions builds a task's env from the options the registry passes;
// RegisterBuiltins registers one id per task.
func ExampleNewFromOptions() {
	e, err := research.NewFromOptions("pretrain", env.Options{"setting": "multi-fidelity", "trials": 3})
	if err != nil {
		log.Fatal(err)
	}
	defer e.Close()
	o := e.Options()
	fmt.Println(o.Setting, o.Split, o.Trials, o.HistorySlots)

	_, err = research.NewFromOptions("pretrain", env.Options{"setting": "fast"})
	fmt.Println(err)
	// Output:
	// multi-fidelity train 3 16
	// research: option "setting": is "fast", want "extrapolate" or "multi-fidelity"
}
