package rl_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/toy"
	"github.com/autollmresearch/gym/rl"
)

// Training PPO on the toy grid search with 4 envs, logging the final
// regret of every episode, and saving a checkpoint to resume from.
func ExamplePPO() {
	envs := make([]env.Env[[]float64, int], 4)
	for i := range envs {
		g, err := toy.New(toy.DefaultConfig())
		if err != nil {
			panic(err)
		}
		envs[i] = g
	}
	vec, err := env.NewVector(envs, env.VectorOptions{}) // NextStep autoreset
	if err != nil {
		panic(err)
	}
	defer vec.Close()

	dir, _ := os.MkdirTemp("", "ppo-example")
	defer os.RemoveAll(dir)
	cfg := rl.DefaultPPOConfig()
	cfg.Updates = 3
	cfg.NumSteps = 32
	cfg.Hidden = []int{32, 32}
	ppo, err := rl.NewPPO(vec, cfg, rl.Options{
		EpisodeMetrics: []rl.EpisodeMetric{rl.InfoMetric("final_regret", "regret")},
		CheckpointPath: filepath.Join(dir, "ppo.ckpt"),
	})
	if err != nil {
		panic(err)
	}
	last, err := ppo.Train(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Println("updates:", last.Update, "env steps:", last.GlobalStep, "episodes in the last rollout:", last.Episodes)
	fmt.Println("actor:", ppo.Actor().Config().Sizes)

	// A new run on the same envs continues from the checkpoint.
	resumed, err := rl.NewPPO(vec, cfg, rl.Options{})
	if err != nil {
		panic(err)
	}
	if err := resumed.Resume(filepath.Join(dir, "ppo.ckpt")); err != nil {
		panic(err)
	}
	fmt.Println("resumed at update", resumed.UpdatesDone())
	// Output:
	// updates: 3 env steps: 384 episodes in the last rollout: 12
	// actor: [7 32 32 64]
	// resumed at update 3
}
