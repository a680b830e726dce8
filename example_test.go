package gym_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/autollmresearch/gym"
	"github.com/autollmresearch/gym/env"
)

// A random agent plays one episode of the toy env; the return is
// 1 − the final regret.
func Example() {
	e, err := gym.Make[[]float64, int](gym.ToyGridSearch, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer e.Close()

	rng := rand.New(rand.NewPCG(7, 0))
	if _, _, err := e.Reset(env.SeedOf(42), nil); err != nil {
		fmt.Println(err)
		return
	}
	total := 0.0
	for {
		r, err := e.Step(e.ActionSpace().Sample(rng))
		if err != nil {
			fmt.Println(err)
			return
		}
		total += r.Reward
		if r.Done() {
			regret, _ := r.Info.Num("regret")
			fmt.Printf("return %.3f, final regret %.3f\n", total, regret)
			return
		}
	}
	// Output: return 0.991, final regret 0.009
}

// Asking for a version that does not exist names the ones that do.
func ExampleMake_unknownVersion() {
	_, err := gym.Make[[]float64, int]("toy/grid-search-v7", nil)
	fmt.Println(err)
	// Output: env "toy/grid-search-v7" not found; versions of toy/grid-search: v0
}
