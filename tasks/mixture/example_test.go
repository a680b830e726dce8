package mixture_test

import (
	"fmt"
	"log"

	"github.com/autollmresearch/gym/tasks/mixture"
)

func ExampleDefault() {
	t, err := mixture.Default()
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range t.Experiments() {
		s := t.Stats(e.Index)
		fmt.Printf("%-22s %3d mixtures, %s %.3f to %.3f, %.1f GPU hours per run\n",
			e.ID, e.NumConfigs, mixture.Objective, s.Worst, s.Best, t.Outcome(e.Index, 0).CostGPUHours)
	}
	// Output:
	// mixture/Qwen2.5-0.5B   240 mixtures, avg_id+ood 0.345 to 0.390, 1.1 GPU hours per run
	// mixture/Qwen2.5-3B     120 mixtures, avg_id+ood 0.527 to 0.563, 6.3 GPU hours per run
	// mixture/Qwen2.5-7B      60 mixtures, avg_id+ood 0.618 to 0.643, 14.7 GPU hours per run
}

// ImportFile reads the ADMIRE IFT runs as published; the file is not part
// of this module, so this example has no fixed output.
func ExampleImportFile() {
	t, err := mixture.ImportFile("admire_ift_runs.csv")
	if err != nil {
		log.Fatal(err)
	}
	defer t.Release()
	for _, e := range t.Experiments() {
		s := t.Stats(e.Index)
		fmt.Printf("%s: %d runs, best %s %.4f\n", e.ID, e.NumRows, mixture.Objective, s.Best)
	}
}
