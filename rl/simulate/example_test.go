package simulate_test

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/nn"
	"github.com/autollmresearch/gym/policy"
	"github.com/autollmresearch/gym/rl"
	"github.com/autollmresearch/gym/rl/simulate"
)

// The research pipeline in small: record an oracle's trajectories on the
// train split of the pretrain env, distil them into a policy network by
// behaviour cloning, and fine-tune that policy with GRPO on the discrete
// view, keeping the distilled policy as the reference.
func ExampleRun() {
	ctx := context.Background()
	newEnv := func() (*research.Env, error) { return research.NewFromOptions("pretrain", nil) }
	tr, err := simulate.Run(ctx, simulate.Options{
		Env: newEnv, Teacher: policy.NewOracle, Episodes: 40, Seed: 1, Workers: 2,
	})
	if err != nil {
		panic(err)
	}
	right := 0
	for _, s := range tr.Steps {
		if s.Step == 1 && s.Regret == 0 {
			right++
		}
	}
	fmt.Printf("%d steps of %d episodes; the oracle was right the first time in %d\n", len(tr.Steps), tr.Episodes(), right)

	data, err := tr.ToDataset(rl.DiscreteActions)
	if err != nil {
		panic(err)
	}
	actor, err := nn.NewMLP(nn.MLPConfig{Sizes: []int{tr.ObsDim, 64, 64, tr.MaskDim}, OutputGain: 0.01}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		panic(err)
	}
	bcCfg := rl.DefaultBCConfig()
	bcCfg.Epochs = 10
	st, err := rl.TrainBC(actor, rl.DiscreteActions, data, bcCfg)
	if err != nil {
		panic(err)
	}
	fmt.Println("cloning loss fell:", st.TrainLoss[len(st.TrainLoss)-1] < st.TrainLoss[0])

	envs := make([]env.Env[[]float64, int], 2)
	for i := range envs {
		core, err := newEnv()
		if err != nil {
			panic(err)
		}
		defer core.Close()
		if envs[i], err = research.NewDiscrete(core); err != nil {
			panic(err)
		}
	}
	masks, err := rl.EnvMasks(envs)
	if err != nil {
		panic(err)
	}
	cfg := rl.DefaultGRPOConfig()
	cfg.Updates = 2
	g, err := rl.NewGRPO(envs, cfg, rl.Options{Actor: actor, ActionMask: masks})
	if err != nil {
		panic(err)
	}
	last, err := g.Train(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println("GRPO updates:", last.Update, "episodes:", last.Episodes, "steps:", last.GlobalStep)
	// Output:
	// 200 steps of 40 episodes; the oracle was right the first time in 40
	// cloning loss fell: true
	// GRPO updates: 2 episodes: 64 steps: 640
}
