package gym

import (
	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/env/toy"
	"github.com/autollmresearch/gym/tasks/builtin"
)

// ToyGridSearch is the id of the toy env: find the minimum of a noisy
// quadratic over a grid within a budget of probes.
const ToyGridSearch = "toy/grid-search-v0"

// The configuration-research envs, one per task, in the programmatic view
// (env.Env[*research.Observation, research.Action]). Each also has numeric
// ("-numeric-v0", env.Env[[]float64, []float64]), discrete ("-discrete-v0",
// env.Env[[]float64, int]) and text ("-text-v0", env.Env[string, string])
// views; see research.ViewIDs. Options select the setting
// ("extrapolate" or "multi-fidelity"), the split ("train" or "test"), the
// number of target trials, the budget, and a table file to use instead of
// the embedded default.
const (
	Pretrain = builtin.PretrainID
	Arch     = builtin.ArchID
	Mixture  = builtin.MixtureID
	GRPO     = builtin.GRPOID
)

// BuiltinIDs lists every id this package registers.
func BuiltinIDs() []string {
	ids := []string{ToyGridSearch}
	ids = append(ids, research.BuiltinIDs()...)
	return append(ids, research.ViewIDs()...)
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
	// Registration fails only on a programming error (a malformed or
	// duplicate id), which the package's tests catch.
	for _, t := range builtin.Tasks() {
		if err := research.RegisterTask(research.Task(t)); err != nil {
			panic(err)
		}
	}
	if err := research.RegisterBuiltins(); err != nil {
		panic(err)
	}
	if err := research.RegisterViews(); err != nil {
		panic(err)
	}
}
