package rl

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/toy"
	"github.com/autollmresearch/gym/spaces"
)

// chainEnv is a small discrete test env. The observation is
// [steps/10, last action/2]; the reward is 1 when the action equals
// steps mod 3 (the step count before the action) and 0 otherwise. The
// episode terminates after termAt steps (never when termAt is 0). Its
// ActionMask forbids action (steps+2) mod 3. With nanAt > 0, the
// observation after step nanAt is NaN.
type chainEnv struct {
	termAt, nanAt int
	steps, last   int
	episodes      int
	obs           []float64
	mask          []bool
	info          env.Info
	obsSp         *spaces.Box
	actSp         *spaces.Discrete
}

func newChainEnv(termAt int) *chainEnv {
	return &chainEnv{
		termAt: termAt,
		obs:    make([]float64, 2),
		mask:   make([]bool, 3),
		obsSp:  spaces.NewBox(0, 100, 2),
		actSp:  spaces.NewDiscrete(3),
	}
}

func (e *chainEnv) fill() {
	e.obs[0], e.obs[1] = float64(e.steps)/10, float64(e.last)/2
	for a := range e.mask {
		e.mask[a] = a != (e.steps+2)%3
	}
	e.info.Clear()
	e.info.SetNum("steps", float64(e.steps))
	e.info.SetNum("episode", float64(e.episodes))
}

func (e *chainEnv) Reset(env.Seed, env.Options) ([]float64, env.Info, error) {
	e.steps, e.last = 0, 0
	e.episodes++
	e.fill()
	return e.obs, e.info, nil
}

func (e *chainEnv) Step(a int) (env.StepResult[[]float64], error) {
	if !e.actSp.Contains(a) {
		return env.StepResult[[]float64]{}, fmt.Errorf("chainEnv: action %d", a)
	}
	reward := 0.0
	if a == e.steps%3 {
		reward = 1
	}
	e.steps++
	e.last = a
	e.fill()
	if e.nanAt > 0 && e.steps == e.nanAt {
		e.obs[0] = math.NaN()
	}
	return env.StepResult[[]float64]{
		Obs: e.obs, Reward: reward, Terminated: e.termAt > 0 && e.steps >= e.termAt, Info: e.info,
	}, nil
}

func (e *chainEnv) ActionMask() []bool                        { return e.mask }
func (e *chainEnv) ObservationSpace() spaces.Space[[]float64] { return e.obsSp }
func (e *chainEnv) ActionSpace() spaces.Space[int]            { return e.actSp }
func (e *chainEnv) Close() error                              { return nil }

// reachEnv is a one-step continuous test env: the observation is a
// target c drawn uniformly from [0, 1], the action a point of [0, 1], and
// the reward −(a − c)².
type reachEnv struct {
	src   *rand.PCG
	rng   *rand.Rand
	obs   []float64
	obsSp *spaces.Box
	actSp *spaces.Box
}

func newReachEnv() *reachEnv {
	src := rand.NewPCG(0, 0)
	return &reachEnv{src: src, rng: rand.New(src), obs: make([]float64, 1),
		obsSp: spaces.NewBox(0, 1, 1), actSp: spaces.NewBox(0, 1, 1)}
}

func (e *reachEnv) Reset(seed env.Seed, _ env.Options) ([]float64, env.Info, error) {
	if seed.Set {
		e.src.Seed(seed.Value, 0)
	}
	e.obs[0] = e.rng.Float64()
	return e.obs, env.Info{}, nil
}

func (e *reachEnv) Step(a []float64) (env.StepResult[[]float64], error) {
	if !e.actSp.Contains(a) {
		return env.StepResult[[]float64]{}, fmt.Errorf("reachEnv: action %v outside %v", a, e.actSp)
	}
	d := a[0] - e.obs[0]
	return env.StepResult[[]float64]{Obs: e.obs, Reward: -d * d, Terminated: true}, nil
}

func (e *reachEnv) ObservationSpace() spaces.Space[[]float64] { return e.obsSp }
func (e *reachEnv) ActionSpace() spaces.Space[[]float64]      { return e.actSp }
func (e *reachEnv) Close() error                              { return nil }

// newVec builds a Vector over n envs from mk.
func newVec[A any](t testing.TB, n int, opts env.VectorOptions, mk func(i int) env.Env[[]float64, A]) *env.Vector[[]float64, A] {
	t.Helper()
	envs := make([]env.Env[[]float64, A], n)
	for i := range envs {
		envs[i] = mk(i)
	}
	v, err := env.NewVector(envs, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	return v
}

// toyVec builds a Vector of n default toy envs, each limited to 50 steps
// as the registered toy/grid-search-v0 is.
func toyVec(t testing.TB, n int, opts env.VectorOptions) *env.Vector[[]float64, int] {
	return newVec(t, n, opts, func(int) env.Env[[]float64, int] {
		g, err := toy.New(toy.DefaultConfig())
		require.NoError(t, err)
		return env.NewTimeLimit[[]float64, int](g, 50)
	})
}

// smallConfig is a configuration for quick runs.
func smallConfig() PPOConfig {
	cfg := DefaultPPOConfig()
	cfg.Updates = 4
	cfg.NumSteps = 16
	cfg.Hidden = []int{16, 16}
	cfg.NumMinibatches = 2
	cfg.UpdateEpochs = 2
	cfg.LR = 3e-3
	return cfg
}
