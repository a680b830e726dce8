package grpo_test

import (
	"fmt"
	"log"

	"github.com/autollmresearch/gym/tasks/grpo"
)

func ExampleDefault() {
	t, err := grpo.Default()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(t.Meta().Provenance)
	for _, e := range t.Experiments() {
		s := t.Stats(e.Index)
		fmt.Printf("%-26s %d configs, pass@1 %.3f to %.3f, %2d collapsed\n", e.ID, e.NumConfigs, s.Worst, s.Best, s.Diverged)
	}
	// Output:
	// synthetic
	// grpo/Qwen2.5-0.5B/gsm8k    200 configs, pass@1 0.342 to 0.506,  6 collapsed
	// grpo/Qwen2.5-0.5B/math     200 configs, pass@1 0.118 to 0.236,  8 collapsed
	// grpo/Qwen2.5-1.5B/gsm8k    200 configs, pass@1 0.562 to 0.713, 12 collapsed
	// grpo/Qwen2.5-1.5B/math     200 configs, pass@1 0.234 to 0.392, 15 collapsed
	// grpo/Qwen2.5-3B/gsm8k      200 configs, pass@1 0.674 to 0.835, 12 collapsed
	// grpo/Qwen2.5-3B/math       200 configs, pass@1 0.306 to 0.532, 16 collapsed
	// grpo/Qwen2.5-7B/gsm8k      200 configs, pass@1 0.787 to 0.888, 22 collapsed
	// grpo/Qwen2.5-7B/math       200 configs, pass@1 0.402 to 0.598, 25 collapsed
	// grpo/Qwen2.5-14B/gsm8k     200 configs, pass@1 0.872 to 0.939, 28 collapsed
	// grpo/Qwen2.5-14B/math      200 configs, pass@1 0.528 to 0.746, 28 collapsed
}

// Generate takes the generator's knobs; here a small noiseless table.
func ExampleGenerate() {
	opts := grpo.DefaultGenOptions()
	opts.Configs = 16
	opts.RunNoise, opts.EvalNoise = 0, false
	t, err := grpo.Generate(opts)
	if err != nil {
		log.Fatal(err)
	}
	defer t.Release()
	e, _ := t.Experiment(grpo.ExperimentID("Qwen2.5-7B", "math"))
	cfg := t.Configs(e.Index)[0]
	out := t.Outcome(e.Index, 0)
	fmt.Printf("lr %.2g, group %d, batch %d: pass@1 %.3f for %.1f GPU hours\n",
		cfg[grpo.LR], cfg[grpo.GroupSize], cfg[grpo.BatchSize], out.Objective, out.CostGPUHours)
	// Output:
	// lr 2.1e-05, group 8, batch 256: pass@1 0.502 for 28.0 GPU hours
}
