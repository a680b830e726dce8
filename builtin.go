package gym

import (
	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/toy"
)

// ToyGridSearch is the id of the toy env: find the minimum of a noisy
// quadratic over a grid within a budget of probes.
const ToyGridSearch = "toy/grid-search-v0"

// BuiltinIDs lists the ids this package registers.
func BuiltinIDs() []string {
	return []string{ToyGridSearch}
}

func init() {
	env.MustRegister(env.Spec[[]float64, int]{
		ID:          ToyGridSearch,
		Description: "find the minimum of a noisy quadratic over an 8x8 grid within 10 probes; return = 1 - final regret",
		New: func(opts env.Options) (env.Env[[]float64, int], error) {
			return toy.NewFromOptions(opts)
		},
		MaxEpisodeSteps: 50,
	})
}
