package env_test

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/toy"
)

// A random agent plays three episodes of the toy grid search, cut off after
// 8 of its 10 probes, while the statistics wrapper keeps score.
func ExampleRecordEpisodeStatistics() {
	g, err := toy.New(toy.DefaultConfig())
	if err != nil {
		fmt.Println(err)
		return
	}
	e := env.NewRecordEpisodeStatistics[[]float64, int](env.NewTimeLimit[[]float64, int](g, 8))
	defer e.Close()

	agent := rand.New(rand.NewPCG(1, 2))
	for ep := range 3 {
		seed := env.NoSeed
		if ep == 0 {
			seed = env.SeedOf(42)
		}
		if _, _, err := e.Reset(seed, nil); err != nil {
			fmt.Println(err)
			return
		}
		for {
			res, err := e.Step(e.ActionSpace().Sample(agent))
			if err != nil {
				fmt.Println(err)
				return
			}
			if res.Done() {
				ret, _ := res.Info.Num(env.InfoEpisodeReturn)
				steps, _ := res.Info.Num(env.InfoEpisodeLength)
				regret, _ := res.Info.Num("regret")
				fmt.Printf("episode %d: return %.3f over %v steps (truncated %v), final regret %.3f\n",
					ep, ret, steps, res.Truncated, regret)
				break
			}
		}
	}
	fmt.Printf("mean return %.3f over %d episodes\n", e.MeanReturn(), e.Episodes())
	// Output:
	// episode 0: return 0.919 over 8 steps (truncated true), final regret 0.081
	// episode 1: return 0.940 over 8 steps (truncated true), final regret 0.060
	// episode 2: return 0.993 over 8 steps (truncated true), final regret 0.007
	// mean return 0.950 over 3 episodes
}

// As finds a layer of a wrapped env by its type.
func ExampleAs() {
	g, err := toy.New(toy.Config{Dims: 3, Points: 4, Budget: 5, Noise: 0})
	if err != nil {
		fmt.Println(err)
		return
	}
	var e env.Env[[]float64, int] = env.NewTimeLimit[[]float64, int](g, 3)
	e = env.NewOrderEnforcing(e)

	inner, ok := env.As[*toy.GridSearch](e)
	fmt.Println(ok, inner.Config().Dims, inner.ActionSpace())
	limit, ok := env.As[*env.TimeLimit[[]float64, int]](e)
	fmt.Println(ok, limit.MaxSteps())
	_, ok = env.As[*env.NormalizeObservation[int]](e)
	fmt.Println(ok)
	// Output:
	// true 3 Discrete(64)
	// true 3
	// false
}

// OrderEnforcing turns calls out of order into errors that can be tested
// with errors.Is.
func ExampleOrderEnforcing() {
	g, err := toy.New(toy.Config{Dims: 1, Points: 4, Budget: 1, Noise: 0})
	if err != nil {
		fmt.Println(err)
		return
	}
	e := env.NewOrderEnforcing[[]float64, int](g)

	_, err = e.Step(0)
	fmt.Println(errors.Is(err, env.ErrResetNeeded))

	if _, _, err := e.Reset(env.SeedOf(1), nil); err != nil {
		fmt.Println(err)
		return
	}
	res, _ := e.Step(2)
	fmt.Println(res.Terminated)
	_, err = e.Step(2)
	fmt.Println(errors.Is(err, env.ErrEpisodeEnded))
	// Output:
	// true
	// true
	// true
}

// NormalizeObservation standardises observations with running statistics;
// freezing them fixes the transformation, as for evaluation.
func ExampleNormalizeObservation() {
	g, err := toy.New(toy.Config{Dims: 1, Points: 5, Budget: 4, Noise: 0})
	if err != nil {
		fmt.Println(err)
		return
	}
	e := env.NewNormalizeObservation[int](g, 1e-8)
	if _, _, err := e.Reset(env.SeedOf(3), nil); err != nil {
		fmt.Println(err)
		return
	}
	for a := range 4 {
		if _, err := e.Step(a); err != nil {
			fmt.Println(err)
			return
		}
	}
	e.SetUpdate(false)
	s := e.Stats()
	fmt.Printf("%d observations; budget slot mean %.2f, variance %.3f\n", s.Count, s.Mean[4], s.Var[4])
	// Output:
	// 5 observations; budget slot mean 0.50, variance 0.125
}
