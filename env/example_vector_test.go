package env_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/toy"
)

// Register an env under a versioned id, then build it by id.
func ExampleMake() {
	err := env.Register(env.Spec[[]float64, int]{
		ID:          "example/grid-search-v0",
		Description: "noisy quadratic over a grid",
		New: func(opts env.Options) (env.Env[[]float64, int], error) {
			return toy.NewFromOptions(opts)
		},
		DefaultOptions:  env.Options{toy.OptionBudget: 20},
		MaxEpisodeSteps: 5,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	info, _ := env.Lookup("example/grid-search-v0")
	fmt.Printf("%s: Env[%s, %s]\n", info.ID, info.ObservationType, info.ActionType)

	// Options passed to Make override the spec's defaults.
	e, err := env.Make[[]float64, int]("example/grid-search-v0", env.Options{toy.OptionDims: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer e.Close()
	obs, _, err := e.Reset(env.SeedOf(1), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("observation length:", len(obs), "actions:", e.ActionSpace())
	for step := 1; ; step++ {
		res, err := e.Step(step % 8)
		if err != nil {
			fmt.Println(err)
			return
		}
		if res.Done() {
			// The budget is 20 probes, but MaxEpisodeSteps cuts in first.
			fmt.Printf("episode over after %d steps: terminated=%v truncated=%v\n", step, res.Terminated, res.Truncated)
			break
		}
	}

	_, err = env.Make[[]float64, int]("example/grid-search-v1", nil)
	fmt.Println(err)
	// Output:
	// example/grid-search-v0: Env[[]float64, int]
	// observation length: 5 actions: Discrete(8)
	// episode over after 5 steps: terminated=false truncated=true
	// env "example/grid-search-v1" not found; versions of example/grid-search: v0
}

// Step four envs together; SameStep autoreset hands over each finished
// episode's final observation and info while the env starts the next one.
func ExampleVector() {
	envs := make([]env.Env[[]float64, int], 4)
	for i := range envs {
		g, err := toy.NewFromOptions(env.Options{toy.OptionBudget: 5})
		if err != nil {
			fmt.Println(err)
			return
		}
		envs[i] = g
	}
	v, err := env.NewVector(envs, env.VectorOptions{Parallel: true, Autoreset: env.SameStep})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer v.Close()

	if _, _, err := v.Reset(env.SeedOf(42), nil); err != nil {
		fmt.Println(err)
		return
	}
	r := rand.New(rand.NewPCG(42, 0))
	actions := make([]int, v.NumEnvs())
	returns := make([]float64, v.NumEnvs())
	episodes, regretSum := 0, 0.0
	for range 20 {
		for i := range actions {
			actions[i] = v.ActionSpace().Sample(r)
		}
		res, err := v.Step(actions)
		if err != nil {
			fmt.Println(err)
			return
		}
		for i, final := range res.Final {
			returns[i] += res.Rewards[i]
			if final {
				regret, _ := res.FinalInfos[i].Num("regret")
				regretSum += regret
				// The toy env's return is 1 minus its final regret.
				if math.Abs(returns[i]-(1-regret)) > 1e-12 {
					fmt.Println("return and regret disagree")
				}
				episodes++
				returns[i] = 0
			}
		}
	}
	fmt.Printf("%d episodes, mean final regret %.3f\n", episodes, regretSum/float64(episodes))
	// Output:
	// 16 episodes, mean final regret 0.112
}

// nanInfoEnv is a toy env with a bug: its info reports a NaN loss.
type nanInfoEnv struct{ *toy.GridSearch }

func (e nanInfoEnv) Step(action int) (env.StepResult[[]float64], error) {
	res, err := e.GridSearch.Step(action)
	res.Info.SetNum("loss", math.NaN())
	return res, err
}

// Check reports every fault it finds in an env.
func ExampleCheck() {
	g, err := toy.NewFromOptions(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(env.Check[[]float64, int](g))

	// Check wants a fresh env: its first call is a Step before any Reset.
	g, err = toy.NewFromOptions(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(env.Check[[]float64, int](nanInfoEnv{g}))
	// Output:
	// <nil>
	// env: check found 1 problem(s):
	//   nonfinite-info: episode 0, step 0: info "loss" is NaN (30 occurrences)
}
