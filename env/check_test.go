package env_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/spaces"
)

// checkProblems runs Check and returns its problems, failing the test if
// Check returned another kind of error.
func checkProblems(t *testing.T, e env.Env[[]float64, int], opts ...env.CheckOption) []env.Problem {
	t.Helper()
	err := env.Check(e, opts...)
	if err == nil {
		return nil
	}
	var ce *env.CheckError
	require.True(t, errors.As(err, &ce), "Check returned %T: %v", err, err)
	return ce.Problems
}

func codes(problems []env.Problem) []string {
	out := make([]string, len(problems))
	for i, p := range problems {
		out[i] = p.Code
	}
	return out
}

func TestCheckPassesOnCorrectEnv(t *testing.T) {
	for _, truncate := range []bool{false, true} {
		e := newCounterEnv(4)
		e.truncate = truncate
		assert.NoError(t, env.Check[[]float64, int](e))
	}
	// Episodes longer than the step cap are left unfinished: not a fault.
	assert.NoError(t, env.Check[[]float64, int](newCounterEnv(1000), env.CheckMaxSteps(10), env.CheckEpisodes(2)))
}

func TestCheckFindsEachFault(t *testing.T) {
	tests := []struct {
		name   string
		faults fault
		code   string
		detail string // a substring of the problem's detail
	}{
		{"nil observation space", nilObsSpace, env.ProblemNilObservationSpace, "ObservationSpace() returned nil"},
		{"nil action space", nilActSpace, env.ProblemNilActionSpace, "ActionSpace() returned nil"},
		{"action space sampler", badActSampler, env.ProblemActionSampleOutside, "action space intRange(0, 4) does not contain its own sample 0: 4"},
		{"observation space sampler", badObsSampler, env.ProblemObservationSampleOutside, "observation space vecBox(4, [0, 1e+09]) does not contain its own sample 0"},
		{"reset observation", resetObsOutside, env.ProblemResetObsOutside, "episode 0, Reset: observation [-1 "},
		{"step observation", stepObsOutside, env.ProblemStepObsOutside, "episode 0, step 0: observation [-5 "},
		{"seed ignored", ignoresSeed, env.ProblemNonDeterministicReset, "two Resets with SeedOf(0) returned different observations"},
		{"step not reproducible", stepNotReproducible, env.ProblemNonDeterministicStep, "replay of episode 0, step 0 after Reset(SeedOf(0)): Step("},
		{"NoSeed reset fails", noSeedResetFails, env.ProblemNoSeedResetError, "Reset(NoSeed) returned an error: faulty: Reset needs a seed"},
		{"NaN reward", nanReward, env.ProblemNonFiniteReward, "episode 0, step 0: reward is NaN"},
		{"infinite reward", infReward, env.ProblemNonFiniteReward, "reward is -Inf"},
		{"NaN info", nanInfo, env.ProblemNonFiniteInfo, `episode 0, step 0: info "loss" is NaN`},
		{"step after end", acceptsStepAfterEnd, env.ProblemStepAfterEndAccepted, "episode 0, step 4 ended the episode (terminated=true, truncated=false) but the next Step("},
		{"step before reset", acceptsStepBeforeReset, env.ProblemStepBeforeResetAccepted, "before any Reset returned no error"},
		{"invalid action", acceptsInvalidAction, env.ProblemInvalidActionAccepted, "Step(4) with an action outside the action space intRange(0, 4) returned no error"},
		{"panic in Step", panicsInStep, env.ProblemPanic, "Step before Reset panicked: Step exploded"},
		{"panic in Reset", panicsInReset, env.ProblemPanic, "Reset(SeedOf(0)) panicked: Reset exploded"},
		{"panic in Contains", panicsInContains, env.ProblemPanic, "Contains panicked: vecBox.Contains exploded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problems := checkProblems(t, newFaultyEnv(tt.faults))
			require.NotEmpty(t, problems, "fault not caught")
			assert.Equal(t, tt.code, problems[0].Code, "problems: %v", problems)
			assert.Contains(t, problems[0].Detail, tt.detail)
			assert.Len(t, problems, 1, "one fault, one problem: %v", problems)
		})
	}
}

func TestCheckReportsEveryFault(t *testing.T) {
	faults := stepObsOutside | nanReward | nanInfo | acceptsStepAfterEnd | acceptsStepBeforeReset | acceptsInvalidAction | badObsSampler
	err := env.Check[[]float64, int](newFaultyEnv(faults))
	var ce *env.CheckError
	require.ErrorAs(t, err, &ce)
	assert.ElementsMatch(t, []string{
		env.ProblemObservationSampleOutside,
		env.ProblemStepBeforeResetAccepted,
		env.ProblemStepObsOutside,
		env.ProblemNonFiniteReward,
		env.ProblemNonFiniteInfo,
		env.ProblemStepAfterEndAccepted,
		env.ProblemInvalidActionAccepted,
	}, codes(ce.Problems))
	lines := strings.Split(err.Error(), "\n")
	require.Len(t, lines, 1+len(ce.Problems))
	assert.Equal(t, "env: check found 7 problem(s):", lines[0])
	for i, p := range ce.Problems {
		assert.Equal(t, "  "+p.String(), lines[i+1])
		assert.True(t, ce.Has(p.Code))
	}
	assert.False(t, ce.Has(env.ProblemPanic))
	// Repeated faults are reported once, with their count.
	assert.Contains(t, err.Error(), "observation space vecBox(4, [0, 1e+09]) does not contain its own sample 0: [1.000000001e+09 ")
	assert.Contains(t, err.Error(), "(200 occurrences)")
}

func TestCheckOptions(t *testing.T) {
	t.Run("invalid action given", func(t *testing.T) {
		assert.NoError(t, env.Check[[]float64, int](newCounterEnv(3), env.CheckInvalidAction(-1)))
		problems := checkProblems(t, newFaultyEnv(acceptsInvalidAction), env.CheckInvalidAction(-3))
		require.Len(t, problems, 1)
		assert.Equal(t, env.ProblemInvalidActionAccepted, problems[0].Code)
		assert.Contains(t, problems[0].Detail, "Step(-3)")
	})
	t.Run("invalid action inside the space", func(t *testing.T) {
		problems := checkProblems(t, newCounterEnv(3), env.CheckInvalidAction(2))
		require.Len(t, problems, 1)
		assert.Equal(t, env.ProblemInvalidActionOption, problems[0].Code)
		assert.Equal(t, "CheckInvalidAction(2): the action space intRange(0, 4) contains it", problems[0].Detail)
	})
	t.Run("invalid action of the wrong type", func(t *testing.T) {
		problems := checkProblems(t, newCounterEnv(3), env.CheckInvalidAction("left"))
		require.Len(t, problems, 1)
		assert.Equal(t, env.ProblemInvalidActionOption, problems[0].Code)
		assert.Equal(t, "CheckInvalidAction got a string, the env's actions are int", problems[0].Detail)
	})
	t.Run("seed", func(t *testing.T) {
		problems := checkProblems(t, newFaultyEnv(ignoresSeed), env.CheckSeed(42))
		require.Len(t, problems, 1)
		assert.Contains(t, problems[0].Detail, "SeedOf(42)")
	})
	t.Run("episodes and steps", func(t *testing.T) {
		// With one step per episode, the length-5 episodes never end, so
		// accepting a step after the end goes unseen.
		assert.NoError(t, env.Check[[]float64, int](newFaultyEnv(acceptsStepAfterEnd), env.CheckMaxSteps(1)))
		// With one episode, NoSeed Resets are never made.
		assert.NoError(t, env.Check[[]float64, int](newFaultyEnv(noSeedResetFails), env.CheckEpisodes(1)))
		problems := checkProblems(t, newFaultyEnv(badActSampler), env.CheckSamples(3))
		require.Len(t, problems, 1)
		assert.Contains(t, problems[0].Detail, "(3 occurrences)")
	})
	for _, opt := range []struct {
		opt  env.CheckOption
		want string
	}{
		{env.CheckEpisodes(0), "CheckEpisodes(0): want at least 1"},
		{env.CheckMaxSteps(-1), "CheckMaxSteps(-1): want at least 1"},
		{env.CheckSamples(0), "CheckSamples(0): want at least 1"},
	} {
		err := env.Check[[]float64, int](newCounterEnv(3), opt.opt)
		require.Error(t, err)
		var ce *env.CheckError
		assert.False(t, errors.As(err, &ce), "a bad option is not a problem of the env")
		assert.Equal(t, "env: Check: "+opt.want, err.Error())
	}
}

func TestCheckNilEnv(t *testing.T) {
	problems := checkProblems(t, nil)
	require.Len(t, problems, 1)
	assert.Equal(t, "env is nil", problems[0].Detail)
}

func TestCheckToyEnv(t *testing.T) {
	assert.NoError(t, env.Check[[]float64, int](mustToy(t)))
	assert.NoError(t, env.Check[[]float64, int](mustToy(t), env.CheckSeed(11), env.CheckEpisodes(5)))
}

func TestCheckToyUnderWrappers(t *testing.T) {
	tests := []struct {
		name string
		wrap func(env.Env[[]float64, int]) env.Env[[]float64, int]
	}{
		{"TimeLimit", func(e env.Env[[]float64, int]) env.Env[[]float64, int] { return env.NewTimeLimit(e, 4) }},
		{"RecordEpisodeStatistics", func(e env.Env[[]float64, int]) env.Env[[]float64, int] {
			return env.NewRecordEpisodeStatistics(e)
		}},
		{"TransformReward", func(e env.Env[[]float64, int]) env.Env[[]float64, int] {
			return env.NewTransformReward(e, func(r float64) float64 { return 10 * r })
		}},
		{"OrderEnforcing", func(e env.Env[[]float64, int]) env.Env[[]float64, int] { return env.NewOrderEnforcing(e) }},
		{"FlattenObservation", func(e env.Env[[]float64, int]) env.Env[[]float64, int] {
			f, err := env.NewFlattenObservation(e)
			require.NoError(t, err)
			return f
		}},
		{"NormalizeObservation frozen", func(e env.Env[[]float64, int]) env.Env[[]float64, int] {
			n := env.NewNormalizeObservation(e, 1e-8)
			n.SetUpdate(false)
			return n
		}},
		{"all", func(e env.Env[[]float64, int]) env.Env[[]float64, int] {
			e = env.NewTimeLimit(e, 7)
			e = env.NewRecordEpisodeStatistics(e)
			e = env.NewTransformReward(e, func(r float64) float64 { return r - 1 })
			f, err := env.NewFlattenObservation(e)
			require.NoError(t, err)
			n := env.NewNormalizeObservation[int](f, 1e-8)
			n.SetUpdate(false)
			return env.NewOrderEnforcing[[]float64, int](n)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.NoError(t, env.Check(tt.wrap(mustToy(t))))
		})
	}
}

// A normaliser that keeps learning its statistics returns different
// observations after two Resets with the same seed: Check says so.
func TestCheckLearningNormalizer(t *testing.T) {
	problems := checkProblems(t, env.NewNormalizeObservation[int](mustToy(t), 1e-8))
	require.Len(t, problems, 1)
	assert.Equal(t, env.ProblemNonDeterministicReset, problems[0].Code)
}

func TestCheckBuildsInvalidActions(t *testing.T) {
	t.Run("discrete", func(t *testing.T) {
		// The toy env rejects the action one past its last grid point.
		assert.NoError(t, env.Check[[]float64, int](mustToy(t)))
		problems := checkProblems(t, newFaultyEnv(acceptsInvalidAction))
		require.Len(t, problems, 1)
		assert.Contains(t, problems[0].Detail, "Step(4)")
	})
	t.Run("box", func(t *testing.T) {
		tests := []struct {
			low, high float64
			want      string
		}{
			{0, 1, "Step([2 0.5])"},
			{-5, 3, "Step([6 -1])"},
			{math.Inf(-1), 3, "Step([6 3])"},
			{-2, math.Inf(1), "Step([-4 -2])"},
			{math.Inf(-1), math.Inf(1), "Step([NaN 0])"},
		}
		for _, tt := range tests {
			problems := checkProblems2(t, &boxActionEnv{space: spaces.NewBox(tt.low, tt.high, 2)})
			require.Len(t, problems, 1)
			assert.Equal(t, env.ProblemInvalidActionAccepted, problems[0].Code)
			assert.Contains(t, problems[0].Detail, tt.want)
		}
		assert.NoError(t, env.Check[int, []float64](&boxActionEnv{space: spaces.NewBox(0, 1, 2), strict: true}))
	})
}

func checkProblems2(t *testing.T, e env.Env[int, []float64]) []env.Problem {
	t.Helper()
	var ce *env.CheckError
	require.ErrorAs(t, env.Check(e), &ce)
	return ce.Problems
}

// boxActionEnv has a Box action space; unless strict, it accepts any action.
type boxActionEnv struct {
	space   *spaces.Box
	strict  bool
	started bool
	ended   bool
	steps   int
}

func (e *boxActionEnv) ObservationSpace() spaces.Space[int]  { return spaces.NewDiscrete(10) }
func (e *boxActionEnv) ActionSpace() spaces.Space[[]float64] { return e.space }
func (e *boxActionEnv) Close() error                         { return nil }
func (e *boxActionEnv) Reset(env.Seed, env.Options) (int, env.Info, error) {
	e.started, e.ended, e.steps = true, false, 0
	return 0, env.Info{}, nil
}
func (e *boxActionEnv) Step(a []float64) (env.StepResult[int], error) {
	switch {
	case !e.started:
		return env.StepResult[int]{}, env.ErrResetNeeded
	case e.ended:
		return env.StepResult[int]{}, env.ErrEpisodeEnded
	case e.strict && !e.space.Contains(a):
		return env.StepResult[int]{}, errors.New("action outside the box")
	}
	e.steps++
	e.ended = e.steps == 9
	return env.StepResult[int]{Obs: e.steps, Terminated: e.ended}, nil
}
