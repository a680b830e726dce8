package env_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/spaces"
)

// intRange is a test space of the ints {start, ..., start+n-1}. With
// badSample set, Sample returns one past the end.
type intRange struct {
	start, n  int
	badSample bool
}

func (s intRange) Sample(r *rand.Rand) int {
	if s.badSample {
		return s.start + s.n
	}
	return s.start + r.IntN(s.n)
}
func (s intRange) Contains(x int) bool { return x >= s.start && x < s.start+s.n }
func (s intRange) String() string      { return fmt.Sprintf("intRange(%d, %d)", s.start, s.n) }
func (s intRange) Describe() spaces.Description {
	return spaces.Description{Type: "discrete", N: s.n, Start: s.start}
}
func (s intRange) N() int     { return s.n }
func (s intRange) Start() int { return s.start }

// vecBox is a test space of []float64 of a fixed length with every entry in
// [lo, hi]. It clones its values. With badSample set, Sample returns values
// above hi; with panicky set, Contains panics.
type vecBox struct {
	dim       int
	lo, hi    float64
	badSample bool
	panicky   bool
}

func (s vecBox) Sample(r *rand.Rand) []float64 {
	x := make([]float64, s.dim)
	for i := range x {
		x[i] = s.lo + r.Float64()*(s.hi-s.lo)
		if s.badSample {
			x[i] = s.hi + 1
		}
	}
	return x
}

func (s vecBox) Contains(x []float64) bool {
	if s.panicky {
		panic("vecBox.Contains exploded")
	}
	if len(x) != s.dim {
		return false
	}
	for _, v := range x {
		if !(v >= s.lo && v <= s.hi) {
			return false
		}
	}
	return true
}
func (s vecBox) Clone(x []float64) []float64 { return slices.Clone(x) }
func (s vecBox) String() string              { return fmt.Sprintf("vecBox(%d, [%g, %g])", s.dim, s.lo, s.hi) }
func (s vecBox) Describe() spaces.Description {
	return spaces.Description{Type: "box", Shape: []int{s.dim}}
}

// counterEnv is a well-behaved test env. Its observation is a buffer it
// reuses:
//
//	[0] steps taken in this episode
//	[1] a random draw in [0, 1) from the env's seeded stream
//	[2] the last action
//	[3] the episode length, which tells envs apart
//
// Info holds "step" and "resets", the number of Resets so far.
//
// The reward of action a is a + obs[1]. Episodes terminate after length
// steps (or are truncated, with truncate set). Actions are {0, ..., 3}.
type counterEnv struct {
	length   int
	truncate bool
	failStep error // returned by every Step when set

	rng           *rand.Rand
	obs           []float64
	info          env.Info
	steps, resets int
	started       bool
	ended         bool
	closes        int
}

const counterActions = 4

func newCounterEnv(length int) *counterEnv {
	return &counterEnv{length: length, obs: make([]float64, 4), rng: rand.New(rand.NewPCG(0, 1))}
}

func (e *counterEnv) ObservationSpace() spaces.Space[[]float64] {
	return vecBox{dim: 4, lo: 0, hi: 1e9}
}

func (e *counterEnv) ActionSpace() spaces.Space[int] { return intRange{n: counterActions} }

func (e *counterEnv) Reset(seed env.Seed, _ env.Options) ([]float64, env.Info, error) {
	if e.closes > 0 {
		return nil, env.Info{}, env.ErrClosed
	}
	if seed.Set {
		e.rng = rand.New(rand.NewPCG(seed.Value, 1))
	}
	e.steps = 0
	e.resets++
	e.started, e.ended = true, false
	e.obs[0], e.obs[1], e.obs[2], e.obs[3] = 0, e.rng.Float64(), 0, float64(e.length)
	e.info.Clear()
	e.info.SetNum("step", 0)
	e.info.SetNum("resets", float64(e.resets))
	return e.obs, e.info, nil
}

func (e *counterEnv) Step(a int) (env.StepResult[[]float64], error) {
	switch {
	case e.closes > 0:
		return env.StepResult[[]float64]{}, env.ErrClosed
	case !e.started:
		return env.StepResult[[]float64]{}, env.ErrResetNeeded
	case e.ended:
		return env.StepResult[[]float64]{}, env.ErrEpisodeEnded
	case a < 0 || a >= counterActions:
		return env.StepResult[[]float64]{}, fmt.Errorf("counter: action %d outside [0, %d)", a, counterActions)
	case e.failStep != nil:
		return env.StepResult[[]float64]{}, e.failStep
	}
	e.steps++
	e.obs[0], e.obs[1], e.obs[2] = float64(e.steps), e.rng.Float64(), float64(a)
	e.ended = e.steps >= e.length
	e.info.Clear()
	e.info.SetNum("step", float64(e.steps))
	e.info.SetNum("resets", float64(e.resets))
	return env.StepResult[[]float64]{
		Obs:        e.obs,
		Reward:     float64(a) + e.obs[1],
		Terminated: e.ended && !e.truncate,
		Truncated:  e.ended && e.truncate,
		Info:       e.info,
	}, nil
}

func (e *counterEnv) Close() error {
	e.closes++
	return nil
}

// fault is a set of deliberate bugs of a faultyEnv.
type fault uint32

const (
	nilObsSpace fault = 1 << iota
	nilActSpace
	badActSampler
	badObsSampler
	resetObsOutside
	stepObsOutside
	ignoresSeed
	stepNotReproducible
	noSeedResetFails
	nanReward
	infReward
	nanInfo
	acceptsStepAfterEnd
	acceptsStepBeforeReset
	acceptsInvalidAction
	panicsInStep
	panicsInReset
	panicsInContains
)

// faultyEnv is a counterEnv with the bugs in faults.
type faultyEnv struct {
	faults fault
	inner  *counterEnv
	extra  int // steps ever taken, never reset: makes replays differ
}

func newFaultyEnv(f fault) *faultyEnv { return &faultyEnv{faults: f, inner: newCounterEnv(5)} }

func (e *faultyEnv) has(f fault) bool { return e.faults&f != 0 }

func (e *faultyEnv) ObservationSpace() spaces.Space[[]float64] {
	if e.has(nilObsSpace) {
		return nil
	}
	return vecBox{dim: 4, lo: 0, hi: 1e9, badSample: e.has(badObsSampler), panicky: e.has(panicsInContains)}
}

func (e *faultyEnv) ActionSpace() spaces.Space[int] {
	if e.has(nilActSpace) {
		return nil
	}
	return intRange{n: counterActions, badSample: e.has(badActSampler)}
}

func (e *faultyEnv) Reset(seed env.Seed, opts env.Options) ([]float64, env.Info, error) {
	if e.has(panicsInReset) {
		panic("Reset exploded")
	}
	if e.has(noSeedResetFails) && !seed.Set {
		return nil, env.Info{}, errors.New("faulty: Reset needs a seed")
	}
	if e.has(ignoresSeed) {
		seed = env.NoSeed
	}
	obs, info, err := e.inner.Reset(seed, opts)
	if e.has(resetObsOutside) {
		obs[0] = -1
	}
	return obs, info, err
}

func (e *faultyEnv) Step(a int) (env.StepResult[[]float64], error) {
	if e.has(panicsInStep) {
		panic("Step exploded")
	}
	in := e.inner
	if e.has(acceptsStepBeforeReset) && !in.started {
		in.started = true
	}
	if e.has(acceptsStepAfterEnd) {
		in.ended = false
	}
	if e.has(acceptsInvalidAction) {
		a = min(max(a, 0), counterActions-1)
	}
	r, err := in.Step(a)
	if err != nil {
		return r, err
	}
	e.extra++
	if e.has(stepNotReproducible) {
		r.Obs[1] += float64(e.extra)
	}
	if e.has(stepObsOutside) {
		r.Obs[0] = -5
	}
	if e.has(nanReward) {
		r.Reward = math.NaN()
	}
	if e.has(infReward) {
		r.Reward = math.Inf(-1)
	}
	if e.has(nanInfo) {
		r.Info.SetNum("loss", math.NaN())
	}
	return r, nil
}

func (e *faultyEnv) Close() error { return e.inner.Close() }

// counterEnvs returns n counterEnvs with episode lengths 2, 3, 4, ... so
// that they end at different steps.
func counterEnvs(n int, truncate bool) ([]env.Env[[]float64, int], []*counterEnv) {
	envs := make([]env.Env[[]float64, int], n)
	raw := make([]*counterEnv, n)
	for i := range envs {
		raw[i] = newCounterEnv(2 + i)
		raw[i].truncate = truncate
		envs[i] = raw[i]
	}
	return envs, raw
}
