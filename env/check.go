package env

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"

	"github.com/autollmresearch/gym/spaces"
)

// Codes of the problems [Check] reports, one per kind of fault.
const (
	// ProblemPanic: a method of the env or of one of its spaces panicked.
	ProblemPanic = "panic"
	// ProblemNilObservationSpace: ObservationSpace returned nil.
	ProblemNilObservationSpace = "nil-observation-space"
	// ProblemNilActionSpace: ActionSpace returned nil.
	ProblemNilActionSpace = "nil-action-space"
	// ProblemActionSampleOutside: the action space sampled a value it does
	// not contain.
	ProblemActionSampleOutside = "action-sample-outside-space"
	// ProblemObservationSampleOutside: the observation space sampled a value
	// it does not contain.
	ProblemObservationSampleOutside = "observation-sample-outside-space"
	// ProblemResetError: Reset returned an error.
	ProblemResetError = "reset-error"
	// ProblemNoSeedResetError: Reset with NoSeed after a seeded Reset
	// returned an error.
	ProblemNoSeedResetError = "noseed-reset-error"
	// ProblemStepError: Step returned an error for an action from the action
	// space during an episode.
	ProblemStepError = "step-error"
	// ProblemResetObsOutside: Reset returned an observation outside the
	// observation space.
	ProblemResetObsOutside = "reset-obs-outside-space"
	// ProblemStepObsOutside: Step returned an observation outside the
	// observation space.
	ProblemStepObsOutside = "step-obs-outside-space"
	// ProblemNonDeterministicReset: two Resets with the same seed returned
	// different observations.
	ProblemNonDeterministicReset = "nondeterministic-reset"
	// ProblemNonDeterministicStep: after two Resets with the same seed, the
	// same actions gave different observations, rewards or end flags.
	ProblemNonDeterministicStep = "nondeterministic-step"
	// ProblemNonFiniteReward: Step returned a NaN or infinite reward.
	ProblemNonFiniteReward = "nonfinite-reward"
	// ProblemNonFiniteInfo: an Info held a NaN or infinite number.
	ProblemNonFiniteInfo = "nonfinite-info"
	// ProblemStepBeforeResetAccepted: Step before any Reset returned no
	// error.
	ProblemStepBeforeResetAccepted = "step-before-reset-accepted"
	// ProblemStepAfterEndAccepted: Step after a terminated or truncated step
	// returned no error.
	ProblemStepAfterEndAccepted = "step-after-end-accepted"
	// ProblemInvalidActionAccepted: Step with an action outside the action
	// space returned no error.
	ProblemInvalidActionAccepted = "invalid-action-accepted"
	// ProblemInvalidActionOption: the action given with CheckInvalidAction
	// is inside the action space or is not of the env's action type.
	ProblemInvalidActionOption = "invalid-action-option"
)

// Problem is one fault found by [Check].
type Problem struct {
	// Code names the kind of fault; it is one of the Problem... constants.
	Code string
	// Detail says what was seen, where.
	Detail string
}

// String renders the problem as "code: detail".
func (p Problem) String() string { return p.Code + ": " + p.Detail }

// CheckError is the error [Check] returns when it finds problems. It lists
// every kind of problem found, each once, in the order found.
type CheckError struct {
	// Problems holds one entry per kind of fault; a fault seen more than
	// once is described where first seen, with its count appended.
	Problems []Problem
}

// Error lists the problems, one per line.
func (e *CheckError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "env: check found %d problem(s):", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// Has reports whether a problem with the given code was found.
func (e *CheckError) Has(code string) bool {
	for _, p := range e.Problems {
		if p.Code == code {
			return true
		}
	}
	return false
}

// CheckOption tunes [Check].
type CheckOption func(*checkConfig)

type checkConfig struct {
	episodes, maxSteps, samples int
	seed                        uint64
	invalidAction               any
	hasInvalidAction            bool
	errs                        []error
}

// CheckEpisodes sets how many episodes Check runs (default 3, at least 1).
// The first starts with a seeded Reset and the others with NoSeed.
func CheckEpisodes(n int) CheckOption {
	return func(c *checkConfig) {
		if n < 1 {
			c.errs = append(c.errs, fmt.Errorf("CheckEpisodes(%d): want at least 1", n))
		}
		c.episodes = n
	}
}

// CheckMaxSteps caps the steps of each episode Check runs (default 200, at
// least 1); an episode that has not ended by then is left unfinished.
func CheckMaxSteps(n int) CheckOption {
	return func(c *checkConfig) {
		if n < 1 {
			c.errs = append(c.errs, fmt.Errorf("CheckMaxSteps(%d): want at least 1", n))
		}
		c.maxSteps = n
	}
}

// CheckSamples sets how many values Check samples from each space to test
// that the space contains its own samples (default 200, at least 1).
func CheckSamples(n int) CheckOption {
	return func(c *checkConfig) {
		if n < 1 {
			c.errs = append(c.errs, fmt.Errorf("CheckSamples(%d): want at least 1", n))
		}
		c.samples = n
	}
}

// CheckSeed sets the seed of Check's seeded Resets and of its random
// actions (default 0).
func CheckSeed(seed uint64) CheckOption {
	return func(c *checkConfig) { c.seed = seed }
}

// CheckInvalidAction gives Check an action outside the env's action space,
// which Step must reject with an error. Without it, Check builds one itself
// when the action space is a discrete space of ints (one past its last
// value), a multi-discrete space of []int (first entry one past its range)
// or a box of []float64 (first entry beyond its bounds, or NaN when it has
// none), and otherwise skips the test.
func CheckInvalidAction[A any](a A) CheckOption {
	return func(c *checkConfig) {
		c.invalidAction, c.hasInvalidAction = a, true
	}
}

// checkStream is the PCG stream of Check's random actions and samples.
const checkStream = 0x636865636b656e76

// Check runs an env through its contract and reports every fault it finds:
// spaces that are nil or do not contain their own samples, observations
// outside the observation space, Reset not reproducible under the same
// seed, NaN or infinite rewards and info numbers, and Steps accepted when
// they should fail (before Reset, after the episode ended, with an action
// outside the action space). It recovers panics from the env and its spaces
// and reports them as problems.
//
// e should be freshly made: Check's first call is a Step before any Reset,
// which must return an error. Check leaves e in an unspecified state and
// does not close it. Observations that share memory with the env's buffers,
// as the Env contract allows, are not faults.
//
// Check returns nil when it finds nothing, a *CheckError listing every kind
// of problem found, or another error if the options are invalid.
func Check[O, A any](e Env[O, A], opts ...CheckOption) error {
	cfg := checkConfig{episodes: 3, maxSteps: 200, samples: 200}
	for _, o := range opts {
		o(&cfg)
	}
	if err := errors.Join(cfg.errs...); err != nil {
		return fmt.Errorf("env: Check: %w", err)
	}
	if e == nil {
		return &CheckError{Problems: []Problem{{Code: ProblemPanic, Detail: "env is nil"}}}
	}
	c := &checker[O, A]{
		env:    e,
		cfg:    cfg,
		rng:    rand.New(rand.NewPCG(cfg.seed, checkStream)),
		counts: make(map[string]int),
	}
	c.run()
	return c.result()
}

// checker holds the state of one Check run.
type checker[O, A any] struct {
	env      Env[O, A]
	cfg      checkConfig
	rng      *rand.Rand
	obsSpace spaces.Space[O]
	actSpace spaces.Space[A]
	problems []Problem
	counts   map[string]int
}

// trace is what one episode did, for the determinism comparison.
type trace[O, A any] struct {
	resetObs O
	actions  []A
	steps    []StepResult[O]
}

func (c *checker[O, A]) report(code, format string, args ...any) {
	c.counts[code]++
	if c.counts[code] == 1 {
		c.problems = append(c.problems, Problem{Code: code, Detail: fmt.Sprintf(format, args...)})
	}
}

func (c *checker[O, A]) result() error {
	if len(c.problems) == 0 {
		return nil
	}
	for i, p := range c.problems {
		if n := c.counts[p.Code]; n > 1 {
			c.problems[i].Detail += fmt.Sprintf(" (%d occurrences)", n)
		}
	}
	return &CheckError{Problems: c.problems}
}

// protect calls f, reporting a panic in it as a problem; it returns false
// if f panicked.
func (c *checker[O, A]) protect(what string, f func()) (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			c.report(ProblemPanic, "%s panicked: %v", what, p)
			ok = false
		}
	}()
	f()
	return true
}

func (c *checker[O, A]) run() {
	c.checkSpaces()
	if c.actSpace != nil {
		c.checkStepBeforeReset()
	}
	first, ok := c.runEpisodes()
	if ok && c.actSpace != nil {
		c.checkDeterminism(first)
	}
	if c.actSpace != nil {
		c.checkInvalidAction()
	}
}

// checkSpaces fetches both spaces and tests that they contain their samples.
func (c *checker[O, A]) checkSpaces() {
	c.protect("ObservationSpace", func() { c.obsSpace = c.env.ObservationSpace() })
	c.protect("ActionSpace", func() { c.actSpace = c.env.ActionSpace() })
	if c.obsSpace == nil {
		c.report(ProblemNilObservationSpace, "ObservationSpace() returned nil")
	} else {
		checkSamples(c, c.obsSpace, "observation", ProblemObservationSampleOutside)
	}
	if c.actSpace == nil {
		c.report(ProblemNilActionSpace, "ActionSpace() returned nil")
	} else {
		checkSamples(c, c.actSpace, "action", ProblemActionSampleOutside)
	}
}

// checkSamples draws cfg.samples values from s and reports those it does
// not contain.
func checkSamples[T, O, A any](c *checker[O, A], s spaces.Space[T], kind, code string) {
	var name string
	if !c.protect(kind+" space String", func() { name = s.String() }) {
		name = "?"
	}
	for i := range c.cfg.samples {
		var x T
		if !c.protect(fmt.Sprintf("%s space %s Sample", kind, name), func() { x = s.Sample(c.rng) }) {
			return
		}
		var in bool
		if !c.protect(fmt.Sprintf("%s space %s Contains", kind, name), func() { in = s.Contains(x) }) {
			return
		}
		if !in {
			c.report(code, "%s space %s does not contain its own sample %d: %v", kind, name, i, x)
		}
	}
}

// sampleAction draws a random action. It returns false if the space
// panicked or sampled an action it does not contain (checkSamples has
// reported both), as stepping with that action would test nothing.
func (c *checker[O, A]) sampleAction() (a A, ok bool) {
	var in bool
	ok = c.protect("ActionSpace().Sample", func() { a = c.actSpace.Sample(c.rng) }) &&
		c.protect("ActionSpace().Contains", func() { in = c.actSpace.Contains(a) })
	return a, ok && in
}

func (c *checker[O, A]) checkStepBeforeReset() {
	a, ok := c.sampleAction()
	if !ok {
		return
	}
	var err error
	if !c.protect("Step before Reset", func() { _, err = c.env.Step(a) }) {
		return
	}
	if err == nil {
		c.report(ProblemStepBeforeResetAccepted, "Step(%v) before any Reset returned no error (want one such as ErrResetNeeded)", a)
	}
}

// reset calls Reset, reporting errors and panics under errCode; it returns
// false if no episode started.
func (c *checker[O, A]) reset(seed Seed, errCode string) (obs O, info Info, ok bool) {
	var err error
	if !c.protect(fmt.Sprintf("Reset(%s)", seedString(seed)), func() { obs, info, err = c.env.Reset(seed, nil) }) {
		return obs, info, false
	}
	if err != nil {
		c.report(errCode, "Reset(%s) returned an error: %v", seedString(seed), err)
		return obs, info, false
	}
	return obs, info, true
}

func seedString(s Seed) string {
	if !s.Set {
		return "NoSeed"
	}
	return fmt.Sprintf("SeedOf(%d)", s.Value)
}

// runEpisodes runs cfg.episodes episodes with random actions, checking each
// observation, reward and info, and returns a trace of the first (seeded)
// one. ok is false if the first episode could not start.
func (c *checker[O, A]) runEpisodes() (first trace[O, A], ok bool) {
	for ep := range c.cfg.episodes {
		seed, code := NoSeed, ProblemNoSeedResetError
		if ep == 0 {
			seed, code = SeedOf(c.cfg.seed), ProblemResetError
		}
		obs, info, started := c.reset(seed, code)
		if !started {
			if ep == 0 {
				return first, false
			}
			continue
		}
		where := fmt.Sprintf("episode %d, Reset", ep)
		c.checkObs(obs, where, ProblemResetObsOutside)
		c.checkInfo(info, where)
		if ep == 0 {
			first.resetObs = c.keep(obs)
		}
		if c.actSpace == nil {
			continue
		}
		c.runEpisode(ep, &first)
	}
	return first, true
}

// runEpisode steps one episode; on the first episode it records the actions
// and results into tr.
func (c *checker[O, A]) runEpisode(ep int, tr *trace[O, A]) {
	for step := range c.cfg.maxSteps {
		a, ok := c.sampleAction()
		if !ok {
			return
		}
		where := fmt.Sprintf("episode %d, step %d", ep, step)
		var res StepResult[O]
		var err error
		if !c.protect(fmt.Sprintf("Step (%s)", where), func() { res, err = c.env.Step(a) }) {
			return
		}
		if err != nil {
			c.report(ProblemStepError, "%s: Step(%v) returned an error for an action in the action space: %v", where, a, err)
			return
		}
		c.checkObs(res.Obs, where, ProblemStepObsOutside)
		if math.IsNaN(res.Reward) || math.IsInf(res.Reward, 0) {
			c.report(ProblemNonFiniteReward, "%s: reward is %v", where, res.Reward)
		}
		c.checkInfo(res.Info, where)
		if ep == 0 {
			tr.actions = append(tr.actions, c.keepAction(a))
			kept := res
			kept.Obs, kept.Info = c.keep(res.Obs), Info{}
			tr.steps = append(tr.steps, kept)
		}
		if res.Done() {
			c.checkStepAfterEnd(res, where)
			return
		}
	}
}

func (c *checker[O, A]) checkStepAfterEnd(last StepResult[O], where string) {
	a, ok := c.sampleAction()
	if !ok {
		return
	}
	var err error
	if !c.protect(fmt.Sprintf("Step after the end (%s)", where), func() { _, err = c.env.Step(a) }) {
		return
	}
	if err == nil {
		c.report(ProblemStepAfterEndAccepted,
			"%s ended the episode (terminated=%v, truncated=%v) but the next Step(%v) returned no error (want one such as ErrEpisodeEnded)",
			where, last.Terminated, last.Truncated, a)
	}
}

func (c *checker[O, A]) checkObs(obs O, where, code string) {
	if c.obsSpace == nil {
		return
	}
	var in bool
	if !c.protect("ObservationSpace().Contains", func() { in = c.obsSpace.Contains(obs) }) {
		return
	}
	if !in {
		c.report(code, "%s: observation %v is outside the observation space %v", where, obs, c.obsSpace)
	}
}

func (c *checker[O, A]) checkInfo(info Info, where string) {
	for _, k := range info.Keys() {
		v, _ := info.Get(k)
		var f float64
		switch x := v.(type) {
		case float64:
			f = x
		case float32:
			f = float64(x)
		default:
			continue
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			c.report(ProblemNonFiniteInfo, "%s: info %q is %v", where, k, f)
		}
	}
}

// keep returns a copy of obs that outlives the env's next call: a clone
// through the observation space when it can clone, else obs itself.
func (c *checker[O, A]) keep(obs O) O {
	if cl, ok := c.obsSpace.(spaces.Cloner[O]); ok {
		var kept O
		if c.protect("ObservationSpace().Clone", func() { kept = cl.Clone(obs) }) {
			return kept
		}
	}
	return obs
}

// keepAction copies an action that may share memory with a later sample.
func (c *checker[O, A]) keepAction(a A) A {
	if cl, ok := c.actSpace.(spaces.Cloner[A]); ok {
		var kept A
		if c.protect("ActionSpace().Clone", func() { kept = cl.Clone(a) }) {
			return kept
		}
	}
	return a
}

// checkDeterminism replays the first episode after a Reset with the same
// seed and compares what the env returns.
func (c *checker[O, A]) checkDeterminism(first trace[O, A]) {
	seed := SeedOf(c.cfg.seed)
	obs, _, ok := c.reset(seed, ProblemResetError)
	if !ok {
		return
	}
	if !sameValue(c.keep(obs), first.resetObs) {
		c.report(ProblemNonDeterministicReset, "two Resets with %s returned different observations: %v, then %v",
			seedString(seed), first.resetObs, obs)
		return
	}
	for i, a := range first.actions {
		var res StepResult[O]
		var err error
		where := fmt.Sprintf("replay of episode 0, step %d", i)
		if !c.protect(fmt.Sprintf("Step (%s)", where), func() { res, err = c.env.Step(a) }) {
			return
		}
		want := first.steps[i]
		switch {
		case err != nil:
			c.report(ProblemNonDeterministicStep, "%s after Reset(%s): Step(%v) returned an error the first time did not: %v",
				where, seedString(seed), a, err)
		case !sameValue(c.keep(res.Obs), want.Obs):
			c.report(ProblemNonDeterministicStep, "%s after Reset(%s): Step(%v) gave observation %v, the first time %v",
				where, seedString(seed), a, res.Obs, want.Obs)
		case !sameFloat(res.Reward, want.Reward):
			c.report(ProblemNonDeterministicStep, "%s after Reset(%s): Step(%v) gave reward %v, the first time %v",
				where, seedString(seed), a, res.Reward, want.Reward)
		case res.Terminated != want.Terminated || res.Truncated != want.Truncated:
			c.report(ProblemNonDeterministicStep,
				"%s after Reset(%s): Step(%v) gave terminated=%v truncated=%v, the first time terminated=%v truncated=%v",
				where, seedString(seed), a, res.Terminated, res.Truncated, want.Terminated, want.Truncated)
		default:
			continue
		}
		return
	}
}

// sameValue compares two observations deeply; NaNs in the same place count
// as equal.
func sameValue[T any](a, b T) bool {
	if reflect.DeepEqual(a, b) {
		return true
	}
	// DeepEqual treats NaN as unequal to itself; retry with NaNs masked.
	return reflect.DeepEqual(maskNaN(reflect.ValueOf(&a).Elem()), maskNaN(reflect.ValueOf(&b).Elem()))
}

// maskNaN returns a copy of float64 slices and scalars with NaN replaced by
// a fixed sentinel, and other values as they are.
func maskNaN(v reflect.Value) any {
	switch {
	case v.Kind() == reflect.Float64:
		return sentinelNaN(v.Float())
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Float64:
		out := make([]float64, v.Len())
		for i := range out {
			out[i] = sentinelNaN(v.Index(i).Float())
		}
		return out
	}
	return v.Interface()
}

func sentinelNaN(f float64) float64 {
	if math.IsNaN(f) {
		return math.MaxFloat64
	}
	return f
}

func sameFloat(a, b float64) bool {
	return a == b || (math.IsNaN(a) && math.IsNaN(b))
}

// checkInvalidAction steps a fresh episode with an action outside the action
// space, which must be rejected.
func (c *checker[O, A]) checkInvalidAction() {
	a, ok := c.invalidAction()
	if !ok {
		return
	}
	if _, _, started := c.reset(SeedOf(c.cfg.seed), ProblemResetError); !started {
		return
	}
	var err error
	if !c.protect(fmt.Sprintf("Step(%v) with an action outside the action space", a), func() { _, err = c.env.Step(a) }) {
		return
	}
	if err == nil {
		c.report(ProblemInvalidActionAccepted, "Step(%v) with an action outside the action space %v returned no error", a, c.actSpace)
	}
}

// invalidAction returns the action of CheckInvalidAction, or one built from
// the action space, after testing that the space does not contain it.
func (c *checker[O, A]) invalidAction() (a A, ok bool) {
	if c.cfg.hasInvalidAction {
		a, ok = c.cfg.invalidAction.(A)
		if !ok {
			c.report(ProblemInvalidActionOption, "CheckInvalidAction got a %T, the env's actions are %v",
				c.cfg.invalidAction, reflect.TypeFor[A]())
			return a, false
		}
	} else if a, ok = buildInvalidAction[A](c.actSpace); !ok {
		return a, false
	}
	var in bool
	if !c.protect("ActionSpace().Contains", func() { in = c.actSpace.Contains(a) }) {
		return a, false
	}
	if in {
		if c.cfg.hasInvalidAction {
			c.report(ProblemInvalidActionOption, "CheckInvalidAction(%v): the action space %v contains it", a, c.actSpace)
		}
		return a, false
	}
	return a, true
}

// buildInvalidAction builds an action just outside a discrete,
// multi-discrete or box action space, where it can.
func buildInvalidAction[A any](s spaces.Space[A]) (a A, ok bool) {
	switch sp := any(s).(type) {
	case interface {
		N() int
		Start() int
	}:
		a, ok = any(sp.Start() + sp.N()).(A)
	case interface{ Nvec() []int }:
		nvec := sp.Nvec()
		if len(nvec) == 0 {
			return a, false
		}
		x := make([]int, len(nvec))
		x[0] = nvec[0]
		a, ok = any(x).(A)
	case interface {
		Low() []float64
		High() []float64
	}:
		low, high := sp.Low(), sp.High()
		if len(low) == 0 || len(low) != len(high) {
			return a, false
		}
		x := make([]float64, len(low))
		for i := range x {
			x[i] = midpoint(low[i], high[i])
		}
		switch {
		case !math.IsInf(high[0], 0):
			x[0] = high[0] + max(1, math.Abs(high[0]))
		case !math.IsInf(low[0], 0):
			x[0] = low[0] - max(1, math.Abs(low[0]))
		default:
			x[0] = math.NaN()
		}
		a, ok = any(x).(A)
	}
	return a, ok
}

// midpoint returns a finite point of [low, high], bounds possibly infinite.
func midpoint(low, high float64) float64 {
	switch {
	case math.IsInf(low, -1) && math.IsInf(high, 1):
		return 0
	case math.IsInf(low, -1):
		return high
	case math.IsInf(high, 1):
		return low
	}
	return low + (high-low)/2
}
