package tasks_test

import (
	"bytes"
	"fmt"
	"log"
	"strings"

	"github.com/autollmresearch/gym/spaces"
	"github.com/autollmresearch/gym/tasks"
)

// exampleTable builds a tiny pretraining table: two learning rates at two
// model sizes, two seeds each.
func exampleTable() (*tasks.Table, error) {
	b, err := tasks.NewBuilder(tasks.Meta{
		Task:       "demo",
		Space:      spaces.MustConfigSpace(spaces.LogDim("lr", 1e-4, 1e-1)),
		Fidelity:   []tasks.FidelityColumn{{Name: "params"}},
		Metrics:    []string{"loss"},
		Objective:  "loss",
		Direction:  tasks.Minimize,
		Provenance: tasks.Synthetic,
		CostSource: "estimated: 6ND FLOPs",
	})
	if err != nil {
		return nil, err
	}
	for _, params := range []float64{1e9, 1e8} {
		for _, lr := range []float64{1e-3, 1e-2} {
			for seed := range int64(2) {
				loss := 3.0 - 0.1*float64(seed)
				if lr == 1e-2 {
					loss -= 0.5
				}
				if params == 1e9 {
					loss -= 0.4
				}
				b.Add(tasks.Row{
					Experiment:   fmt.Sprintf("demo-%g", params),
					Fidelity:     map[string]any{"params": params},
					Config:       spaces.Config{"lr": lr},
					Metrics:      map[string]float64{"loss": loss},
					CostGPUHours: params / 1e8,
					Seed:         seed,
				})
			}
		}
	}
	return b.Build()
}

func Example() {
	t, err := exampleTable()
	if err != nil {
		log.Fatal(err)
	}
	defer t.Release()

	for _, e := range t.Experiments() {
		s := t.Stats(e.Index)
		fmt.Printf("%s params=%g configs=%d best=%.2f worst=%.2f\n", e.ID, e.Fidelity["params"], e.NumConfigs, s.Best, s.Worst)
	}
	big, _ := t.ExperimentIndex("demo-1e+09")
	k, ok := t.Lookup(big, spaces.Config{"lr": 1e-3})
	o := t.Outcome(big, k)
	fmt.Printf("lr=1e-3: found=%v loss=%.2f seeds=%d cost=%g regret=%g\n", ok, o.Objective, o.Seeds, o.CostGPUHours, t.Regret(big, o.Objective, o.Diverged))
	// Output:
	// demo-1e+08 params=1e+08 configs=2 best=2.45 worst=2.95
	// demo-1e+09 params=1e+09 configs=2 best=2.05 worst=2.55
	// lr=1e-3: found=true loss=2.55 seeds=2 cost=10 regret=1
}

func ExampleValidationError() {
	b, err := tasks.NewBuilder(tasks.Meta{
		Task:       "demo",
		Space:      spaces.MustConfigSpace(spaces.LogDim("lr", 1e-4, 1e-1)),
		Metrics:    []string{"loss"},
		Objective:  "loss",
		Direction:  tasks.Minimize,
		Provenance: tasks.Measured,
	})
	if err != nil {
		log.Fatal(err)
	}
	b.Add(tasks.Row{Experiment: "e", Config: spaces.Config{"lr": 1e-3}, Metrics: map[string]float64{"loss": 2}, CostGPUHours: -1})
	b.Add(tasks.Row{Experiment: "e", Config: spaces.Config{"lr": 0.5}, Metrics: map[string]float64{"loss": 2}})
	_, err = b.Build()
	fmt.Println(err)
	// Output:
	// tasks: invalid table: 2 problems:
	// 	data row 1, column "cost_gpu_hours": cost is negative (-1), want >= 0 GPU hours
	// 	data row 2, column "cfg_lr": 0.5 is out of range [0.0001, 0.1]
}

func ExampleWriteCSV() {
	t, err := exampleTable()
	if err != nil {
		log.Fatal(err)
	}
	defer t.Release()
	// A plain CSV (what pandas.read_csv opens) and its metadata apart;
	// tasks.WriteFile("runs.csv", t) writes both files.
	var csv, sidecar bytes.Buffer
	if err := tasks.WriteCSV(&csv, t); err != nil {
		log.Fatal(err)
	}
	if err := tasks.WriteSidecar(&sidecar, t); err != nil {
		log.Fatal(err)
	}
	header, _, _ := strings.Cut(csv.String(), "\n")
	fmt.Println(header)
	back, err := tasks.ReadCSVSidecar(&csv, &sidecar)
	if err != nil {
		log.Fatal(err)
	}
	defer back.Release()
	fmt.Println(back.NumRows(), back.Meta().Task, back.Meta().CostSource)
	// Output:
	// experiment,fid_params,cfg_lr,metric_loss,cost_gpu_hours,diverged,seed
	// 8 demo estimated: 6ND FLOPs
}

// ExampleReadFile reads the repository's small canonical table,
// testdata/table.csv: a plain CSV with its metadata in the sidecar
// testdata/table.csv.meta.json. The binary formats (.arrow, .parquet) read
// the same way once package tasks/tablefile is imported.
func ExampleReadFile() {
	t, err := tasks.ReadFile("../testdata/table.csv")
	if err != nil {
		log.Fatal(err)
	}
	defer t.Release()
	m := t.Meta()
	fmt.Printf("task %s: %d rows, %d experiments, objective %s (%s), %s\n", m.Task, t.NumRows(), t.NumExperiments(), m.Objective, m.Direction, m.Provenance)
	for _, e := range t.Experiments() {
		fmt.Println(e.ID, e.Fidelity["model"], e.Fidelity["tokens"], e.NumConfigs)
	}
	// Output:
	// task toy: 40 rows, 5 experiments, objective loss (min), synthetic
	// toy-S-1e8 S 1e+08 4
	// toy-M-3e8 M 3e+08 4
	// toy-M-1e9 M 1e+09 4
	// toy-M-1e9-b M 1e+09 4
	// toy-L-2e9 L 2e+09 4
}
