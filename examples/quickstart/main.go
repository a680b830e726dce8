// Command quickstart runs a few episodes of the toy grid-search env with a
// random agent and prints what happened at every step.
//
//	go run ./examples/quickstart
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"

	"github.com/autollmresearch/gym"
	"github.com/autollmresearch/gym/env"
)

func main() {
	episodes := flag.Int("episodes", 3, "number of episodes to run")
	seed := flag.Uint64("seed", 1, "seed for the env and the agent")
	flag.Parse()
	if err := run(*episodes, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(episodes int, seed uint64) error {
	e, err := gym.Make[[]float64, int](gym.ToyGridSearch, nil)
	if err != nil {
		return err
	}
	defer e.Close()
	fmt.Printf("env %s\n  observation space: %s\n  action space:      %s\n",
		gym.ToyGridSearch, e.ObservationSpace(), e.ActionSpace())

	agent := rand.New(rand.NewPCG(seed, 0))
	for ep := range episodes {
		_, _, err := e.Reset(env.SeedOf(seed+uint64(ep)), nil)
		if err != nil {
			return err
		}
		fmt.Printf("\nepisode %d (seed %d)\n", ep, seed+uint64(ep))
		total := 0.0
		for step := 1; ; step++ {
			a := e.ActionSpace().Sample(agent)
			r, err := e.Step(a)
			if err != nil {
				return err
			}
			total += r.Reward
			regret, _ := r.Info.Num("regret")
			fmt.Printf("  step %2d  action %2d  reward %.3f  best-so-far regret %.3f\n", step, a, r.Reward, regret)
			if r.Done() {
				fmt.Printf("  ended (terminated=%v truncated=%v) after %d steps: return %.3f = 1 - final regret\n",
					r.Terminated, r.Truncated, step, total)
				break
			}
		}
	}
	return nil
}
