package env_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/toy"
	"github.com/autollmresearch/gym/spaces"
)

// scriptedEnv is a test env of generic observation type whose behaviour is
// fixed in advance: step t (from 1) observes obs(t), has reward
// rewards[t-1] (or t when rewards is short) and terminates at step length.
// It does not enforce the call order, so wrappers that do can be tested.
// Action -1 is an error.
type scriptedEnv[O any] struct {
	space   spaces.Space[O]
	obs     func(t int) O
	length  int
	rewards []float64
	// bareInfo makes Step return the zero Info instead of one with "t".
	bareInfo bool
	// failReset makes Reset fail.
	failReset bool

	t       int
	info    env.Info
	resets  int
	closes  int
	actions []int
}

var errScriptedAction = errors.New("scripted: action -1 is not allowed")

func (e *scriptedEnv[O]) Reset(env.Seed, env.Options) (O, env.Info, error) {
	if e.failReset {
		var zero O
		return zero, env.Info{}, errors.New("scripted: Reset failed")
	}
	e.t = 0
	e.resets++
	return e.obs(0), env.Info{}, nil
}

func (e *scriptedEnv[O]) Step(a int) (env.StepResult[O], error) {
	if a == -1 {
		return env.StepResult[O]{}, errScriptedAction
	}
	e.actions = append(e.actions, a)
	e.t++
	r := env.StepResult[O]{Obs: e.obs(e.t), Reward: float64(e.t), Terminated: e.t >= e.length}
	if e.t <= len(e.rewards) {
		r.Reward = e.rewards[e.t-1]
	}
	if !e.bareInfo {
		e.info.Clear()
		e.info.SetNum("t", float64(e.t))
		r.Info = e.info
	}
	return r, nil
}

func (e *scriptedEnv[O]) ObservationSpace() spaces.Space[O] { return e.space }
func (e *scriptedEnv[O]) ActionSpace() spaces.Space[int]    { return spaces.NewDiscrete(3) }
func (e *scriptedEnv[O]) Close() error {
	e.closes++
	return nil
}

// vectorScript returns a scripted env with 2-slot observations [t, 10t].
func vectorScript(length int) *scriptedEnv[[]float64] {
	buf := make([]float64, 2)
	return &scriptedEnv[[]float64]{
		space:  spaces.NewBox(0, 1000, 2),
		length: length,
		obs: func(t int) []float64 {
			buf[0], buf[1] = float64(t), 10*float64(t)
			return buf
		},
	}
}

func newToy(t testing.TB, cfg toy.Config) *toy.GridSearch {
	t.Helper()
	g, err := toy.New(cfg)
	require.NoError(t, err)
	return g
}

func TestTimeLimit(t *testing.T) {
	tests := []struct {
		name           string
		limit, length  int
		wantSteps      int
		wantTerminated bool
	}{
		{"cut off before the end", 3, 10, 3, false},
		{"ends on the limit itself", 3, 3, 3, true},
		{"ends before the limit", 5, 2, 2, true},
		{"limit of one", 1, 10, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inner := vectorScript(tt.length)
			w := env.NewTimeLimit[[]float64, int](inner, tt.limit)
			assert.Equal(t, tt.limit, w.MaxSteps())
			for ep := range 2 { // the count restarts with Reset
				_, _, err := w.Reset(env.NoSeed, nil)
				require.NoError(t, err)
				assert.Zero(t, w.Steps())
				var last env.StepResult[[]float64]
				for i := 1; i <= tt.wantSteps; i++ {
					last, err = w.Step(0)
					require.NoError(t, err)
					assert.Equal(t, i, w.Steps())
					if i < tt.wantSteps {
						require.False(t, last.Done(), "episode %d ended early at step %d", ep, i)
					}
				}
				assert.Equal(t, tt.wantTerminated, last.Terminated, "terminated")
				assert.Equal(t, !tt.wantTerminated, last.Truncated, "truncated")
				assert.Equal(t, float64(tt.wantSteps), last.Obs[0])

				_, err = w.Step(0)
				assert.ErrorIs(t, err, env.ErrEpisodeEnded)
			}
		})
	}
}

func TestTimeLimitErrors(t *testing.T) {
	inner := vectorScript(10)
	w := env.NewTimeLimit[[]float64, int](inner, 0)
	_, _, err := w.Reset(env.NoSeed, nil)
	assert.ErrorContains(t, err, "max steps is 0")
	assert.Zero(t, inner.resets)

	w = env.NewTimeLimit[[]float64, int](inner, 2)
	_, _, err = w.Reset(env.NoSeed, nil)
	require.NoError(t, err)
	_, err = w.Step(-1)
	require.ErrorIs(t, err, errScriptedAction)
	assert.Zero(t, w.Steps(), "a failed step does not count")
}

func TestRecordEpisodeStatistics(t *testing.T) {
	for _, bare := range []bool{false, true} {
		inner := vectorScript(4)
		inner.rewards = []float64{0.5, -1, 2, 0.25}
		inner.bareInfo = bare
		w := env.NewRecordEpisodeStatistics[[]float64, int](inner)
		assert.Equal(t, env.DefaultStatsWindow, w.Window())
		assert.Empty(t, w.Recent())
		assert.Zero(t, w.MeanReturn())

		for ep := 1; ep <= 3; ep++ {
			_, _, err := w.Reset(env.NoSeed, nil)
			require.NoError(t, err)
			for i := 1; i <= 4; i++ {
				r, err := w.Step(1)
				require.NoError(t, err)
				if i < 4 {
					assert.False(t, r.Info.Has(env.InfoEpisodeReturn), "stats only at the end")
					continue
				}
				ret, ok := r.Info.Num(env.InfoEpisodeReturn)
				require.True(t, ok, "bare %v", bare)
				assert.Equal(t, 1.75, ret)
				length, _ := r.Info.Num(env.InfoEpisodeLength)
				assert.Equal(t, 4.0, length)
				secs, ok := r.Info.Num(env.InfoEpisodeSeconds)
				require.True(t, ok)
				assert.GreaterOrEqual(t, secs, 0.0)
				assert.False(t, math.IsInf(secs, 0) || math.IsNaN(secs))
				if !bare {
					tv, _ := r.Info.Num("t")
					assert.Equal(t, 4.0, tv, "the inner info is kept")
				}
			}
			assert.Equal(t, ep, w.Episodes())
		}
		recent := w.Recent()
		require.Len(t, recent, 3)
		for _, s := range recent {
			assert.Equal(t, 1.75, s.Return)
			assert.Equal(t, 4, s.Length)
		}
		assert.Equal(t, 1.75, w.MeanReturn())
	}
}

func TestRecordEpisodeStatisticsWindow(t *testing.T) {
	inner := vectorScript(1)
	w := env.NewRecordEpisodeStatistics[[]float64, int](env.NewTimeLimit[[]float64, int](inner, 5))
	require.NoError(t, w.SetWindow(3))
	// Episode k has the single reward k.
	for k := 1; k <= 5; k++ {
		inner.rewards = []float64{float64(k)}
		_, _, err := w.Reset(env.NoSeed, nil)
		require.NoError(t, err)
		_, err = w.Step(0)
		require.NoError(t, err)
	}
	returns := func() []float64 {
		var out []float64
		for _, s := range w.Recent() {
			out = append(out, s.Return)
		}
		return out
	}
	assert.Equal(t, []float64{3, 4, 5}, returns(), "the ring keeps the last 3, oldest first")
	assert.Equal(t, 4.0, w.MeanReturn())
	assert.Equal(t, 5, w.Episodes())

	require.NoError(t, w.SetWindow(2))
	assert.Equal(t, []float64{4, 5}, returns())
	require.NoError(t, w.SetWindow(4))
	assert.Equal(t, []float64{4, 5}, returns())
	assert.Equal(t, 4.5, w.MeanReturn())
	for k := 6; k <= 8; k++ {
		inner.rewards = []float64{float64(k)}
		_, _, err := w.Reset(env.NoSeed, nil)
		require.NoError(t, err)
		_, err = w.Step(0)
		require.NoError(t, err)
	}
	assert.Equal(t, []float64{5, 6, 7, 8}, returns())

	assert.ErrorContains(t, w.SetWindow(0), "window is 0")
	assert.Equal(t, 4, w.Window())
}

func TestRecordEpisodeStatisticsTruncated(t *testing.T) {
	inner := vectorScript(100)
	w := env.NewRecordEpisodeStatistics[[]float64, int](env.NewTimeLimit[[]float64, int](inner, 3))
	_, _, err := w.Reset(env.NoSeed, nil)
	require.NoError(t, err)
	var r env.StepResult[[]float64]
	for range 3 {
		r, err = w.Step(0)
		require.NoError(t, err)
	}
	require.True(t, r.Truncated)
	ret, _ := r.Info.Num(env.InfoEpisodeReturn)
	assert.Equal(t, 1.0+2+3, ret)

	_, err = w.Step(-1)
	require.Error(t, err)
	assert.Equal(t, 1, w.Episodes(), "a failed step records nothing")
}

// discreteScript returns a scripted env whose observation at step t is
// t mod 5, from Discrete(5).
func discreteScript(length int) *scriptedEnv[int] {
	return &scriptedEnv[int]{space: spaces.NewDiscrete(5), length: length, obs: func(t int) int { return t % 5 }}
}

func TestFlattenObservation(t *testing.T) {
	t.Run("discrete", func(t *testing.T) {
		inner := discreteScript(7)
		w, err := env.NewFlattenObservation[int, int](inner)
		require.NoError(t, err)
		assert.Equal(t, "Box(0, 1, (5,))", w.ObservationSpace().String())
		assert.Equal(t, inner.ActionSpace().String(), w.ActionSpace().String())
		obs, _, err := w.Reset(env.NoSeed, nil)
		require.NoError(t, err)
		assert.Equal(t, []float64{1, 0, 0, 0, 0}, obs)
		for step := 1; step <= 7; step++ {
			r, err := w.Step(2)
			require.NoError(t, err)
			want, err := spaces.Flatten(inner.space, step%5)
			require.NoError(t, err)
			assert.Equal(t, want, r.Obs)
			assert.True(t, w.ObservationSpace().Contains(r.Obs))
			assert.Equal(t, float64(step), r.Reward)
			assert.Equal(t, step == 7, r.Terminated)
			tv, _ := r.Info.Num("t")
			assert.Equal(t, float64(step), tv)
		}
		assert.Equal(t, []int{2, 2, 2, 2, 2, 2, 2}, inner.actions)
	})
	t.Run("toy box keeps bounds", func(t *testing.T) {
		g := newToy(t, toy.Config{Dims: 2, Points: 4, Budget: 3, Noise: 0})
		w, err := env.NewFlattenObservation[[]float64, int](g)
		require.NoError(t, err)
		inner := g.ObservationSpace().(*spaces.Box)
		outer := w.ObservationSpace().(*spaces.Box)
		assert.Equal(t, inner.Low(), outer.Low())
		assert.Equal(t, inner.High(), outer.High())

		ref := newToy(t, toy.Config{Dims: 2, Points: 4, Budget: 3, Noise: 0})
		obs, _, err := w.Reset(env.SeedOf(4), nil)
		require.NoError(t, err)
		want, _, err := ref.Reset(env.SeedOf(4), nil)
		require.NoError(t, err)
		assert.Equal(t, want, obs)
		for a := range 3 {
			got, err := w.Step(a * 5)
			require.NoError(t, err)
			exp, err := ref.Step(a * 5)
			require.NoError(t, err)
			assert.Equal(t, exp.Obs, got.Obs)
			assert.Equal(t, exp.Reward, got.Reward)
		}
	})
	t.Run("errors", func(t *testing.T) {
		text := &scriptedEnv[string]{space: spaces.NewText(0, 5), length: 1, obs: func(int) string { return "" }}
		_, err := env.NewFlattenObservation[string, int](text)
		assert.ErrorContains(t, err, "does not implement spaces.Flattener")

		_, err = env.NewFlattenObservation[int, int](&scriptedEnv[int]{length: 1})
		assert.ErrorContains(t, err, "observation space is nil")

		// An observation the space cannot flatten is a Step error.
		bad := discreteScript(3)
		bad.obs = func(t int) int { return t * 10 }
		w, err := env.NewFlattenObservation[int, int](bad)
		require.NoError(t, err)
		_, _, err = w.Reset(env.NoSeed, nil)
		require.NoError(t, err)
		_, err = w.Step(0)
		assert.ErrorContains(t, err, "flattening the Step observation")

		_, err = w.Step(-1)
		assert.ErrorIs(t, err, errScriptedAction)
	})
}

// streamScript returns a scripted env whose 2-slot observations follow
// xs: slot 0 is xs[t] and slot 1 is 5 - 2*xs[t].
func streamScript(xs []float64) *scriptedEnv[[]float64] {
	buf := make([]float64, 2)
	return &scriptedEnv[[]float64]{
		space:  spaces.NewBox(math.Inf(-1), math.Inf(1), 2),
		length: len(xs) - 1,
		obs: func(t int) []float64 {
			buf[0], buf[1] = xs[t], 5-2*xs[t]
			return buf
		},
	}
}

func TestNormalizeObservationExactStats(t *testing.T) {
	inner := streamScript([]float64{1, 2, 3, 4, 5})
	w := env.NewNormalizeObservation[int](inner, 1e-8)
	assert.Equal(t, "Box(-inf, inf, (2,))", w.ObservationSpace().String())
	_, _, err := w.Reset(env.NoSeed, nil)
	require.NoError(t, err)
	var last []float64
	for range 4 {
		r, err := w.Step(0)
		require.NoError(t, err)
		last = r.Obs
	}
	s := w.Stats()
	assert.Equal(t, 5, s.Count)
	assert.InDeltaSlice(t, []float64{3, -1}, s.Mean, 1e-12)
	assert.InDeltaSlice(t, []float64{2, 8}, s.Var, 1e-12, "population variance")
	assert.InDeltaSlice(t, []float64{2 / math.Sqrt(2+1e-8), -4 / math.Sqrt(8+1e-8)}, last, 1e-12)
}

func TestNormalizeObservationConverges(t *testing.T) {
	// x = 3 + 2z with z standard normal: mean 3, variance 4.
	r := rand.New(rand.NewPCG(11, 12))
	xs := make([]float64, 20001)
	for i := range xs {
		xs[i] = 3 + 2*r.NormFloat64()
	}
	inner := streamScript(xs)
	w := env.NewNormalizeObservation[int](inner, 1e-8)
	_, _, err := w.Reset(env.NoSeed, nil)
	require.NoError(t, err)
	var sum, sumSq [2]float64
	n := 0
	for step := 1; step < len(xs); step++ {
		res, err := w.Step(0)
		require.NoError(t, err)
		if step > len(xs)/2 {
			for i, v := range res.Obs {
				sum[i] += v
				sumSq[i] += v * v
			}
			n++
		}
	}
	s := w.Stats()
	assert.InDelta(t, 3, s.Mean[0], 0.05)
	assert.InDelta(t, 4, s.Var[0], 0.15)
	assert.InDelta(t, -1, s.Mean[1], 0.1)
	assert.InDelta(t, 16, s.Var[1], 0.6)
	for i := range 2 {
		mean := sum[i] / float64(n)
		assert.InDelta(t, 0, mean, 0.05, "slot %d mean", i)
		assert.InDelta(t, 1, sumSq[i]/float64(n)-mean*mean, 0.05, "slot %d variance", i)
	}
}

func TestNormalizeObservationFreeze(t *testing.T) {
	inner := streamScript([]float64{1, 2, 3, 4, 5, 6})
	w := env.NewNormalizeObservation[int](inner, 1e-8)
	assert.True(t, w.Updating())
	_, _, err := w.Reset(env.NoSeed, nil)
	require.NoError(t, err)
	_, err = w.Step(0)
	require.NoError(t, err)
	frozen := w.Stats()

	w.SetUpdate(false)
	assert.False(t, w.Updating())
	for t0 := 2; t0 <= 4; t0++ {
		r, err := w.Step(0)
		require.NoError(t, err)
		x := float64(t0 + 1)
		assert.InDelta(t, (x-frozen.Mean[0])/math.Sqrt(frozen.Var[0]+1e-8), r.Obs[0], 1e-12)
	}
	assert.Equal(t, frozen, w.Stats(), "frozen statistics do not move")

	// Stats from elsewhere, e.g. a training env, can be installed.
	require.NoError(t, w.SetStats(env.RunningStats{Count: 10, Mean: []float64{5, 0}, Var: []float64{4, 1}}))
	r, err := w.Step(0)
	require.NoError(t, err)
	assert.InDeltaSlice(t, []float64{(6 - 5) / math.Sqrt(4+1e-8), (5 - 12) / math.Sqrt(1+1e-8)}, r.Obs, 1e-12)

	w.SetUpdate(true)
	_, _, err = w.Reset(env.NoSeed, nil)
	require.NoError(t, err)
	s := w.Stats()
	assert.Equal(t, 11, s.Count)
	assert.InDelta(t, 5-4.0/11, s.Mean[0], 1e-12)
}

func TestNormalizeObservationErrors(t *testing.T) {
	w := env.NewNormalizeObservation[int](streamScript([]float64{1, 2}), 1e-8)
	tests := []struct {
		name  string
		stats env.RunningStats
		want  string
	}{
		{"lengths differ", env.RunningStats{Mean: []float64{0, 0}, Var: []float64{1}}, "2 means and 1 variances"},
		{"wrong length", env.RunningStats{Mean: []float64{0}, Var: []float64{1}}, "length 1, want 2"},
		{"negative count", env.RunningStats{Count: -1, Mean: []float64{0, 0}, Var: []float64{1, 1}}, "count is -1"},
		{"NaN mean", env.RunningStats{Mean: []float64{0, math.NaN()}, Var: []float64{1, 1}}, "mean 1 is NaN"},
		{"negative variance", env.RunningStats{Mean: []float64{0, 0}, Var: []float64{-1, 1}}, "variance 0 is -1"},
		{"infinite variance", env.RunningStats{Mean: []float64{0, 0}, Var: []float64{1, math.Inf(1)}}, "variance 1 is +Inf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.ErrorContains(t, w.SetStats(tt.stats), tt.want)
		})
	}

	for _, eps := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		bad := env.NewNormalizeObservation[int](streamScript([]float64{1, 2}), eps)
		_, _, err := bad.Reset(env.NoSeed, nil)
		assert.ErrorContains(t, err, "epsilon", "epsilon %g", eps)
	}

	nan := env.NewNormalizeObservation[int](streamScript([]float64{1, math.NaN()}), 1e-8)
	_, _, err := nan.Reset(env.NoSeed, nil)
	require.NoError(t, err)
	before := nan.Stats()
	_, err = nan.Step(0)
	assert.ErrorContains(t, err, "slot 0 is NaN")
	assert.Equal(t, before, nan.Stats(), "a bad observation leaves the statistics alone")
}

func TestTransformReward(t *testing.T) {
	inner := vectorScript(3)
	w := env.NewTransformReward[[]float64, int](inner, func(r float64) float64 { return 2*r + 1 })
	_, _, err := w.Reset(env.NoSeed, nil)
	require.NoError(t, err)
	for step := 1; step <= 3; step++ {
		r, err := w.Step(0)
		require.NoError(t, err)
		assert.Equal(t, 2*float64(step)+1, r.Reward)
		assert.Equal(t, float64(step), r.Obs[0])
	}

	nilFunc := env.NewTransformReward[[]float64, int](vectorScript(3), nil)
	_, _, err = nilFunc.Reset(env.NoSeed, nil)
	assert.ErrorContains(t, err, "reward function is nil")
	_, err = nilFunc.Step(0)
	assert.ErrorContains(t, err, "reward function is nil")

	toNaN := env.NewTransformReward[[]float64, int](vectorScript(3), func(r float64) float64 { return math.Log(-r) })
	_, _, err = toNaN.Reset(env.NoSeed, nil)
	require.NoError(t, err)
	_, err = toNaN.Step(0)
	assert.ErrorContains(t, err, "turned 1 into NaN")

	_, err = w.Step(-1)
	assert.ErrorIs(t, err, errScriptedAction)
}

func TestOrderEnforcing(t *testing.T) {
	inner := vectorScript(2)
	w := env.NewOrderEnforcing[[]float64, int](inner)
	assert.False(t, w.Started())

	_, err := w.Step(0)
	require.ErrorIs(t, err, env.ErrResetNeeded)
	assert.ErrorContains(t, err, "before Reset")
	assert.Empty(t, inner.actions, "the inner env was not stepped")

	_, _, err = w.Reset(env.NoSeed, nil)
	require.NoError(t, err)
	assert.True(t, w.Started())
	_, err = w.Step(-1)
	require.ErrorIs(t, err, errScriptedAction)
	assert.True(t, w.Started(), "a failed step keeps the episode")
	_, err = w.Step(0)
	require.NoError(t, err)
	r, err := w.Step(1)
	require.NoError(t, err)
	require.True(t, r.Terminated)
	assert.False(t, w.Started())

	_, err = w.Step(0)
	require.ErrorIs(t, err, env.ErrEpisodeEnded)
	assert.NotErrorIs(t, err, env.ErrResetNeeded)
	assert.ErrorContains(t, err, "after the episode ended")
	assert.Equal(t, []int{0, 1}, inner.actions)

	// Truncation by an inner TimeLimit ends the episode too.
	w = env.NewOrderEnforcing[[]float64, int](env.NewTimeLimit[[]float64, int](vectorScript(10), 1))
	_, _, err = w.Reset(env.NoSeed, nil)
	require.NoError(t, err)
	r, err = w.Step(0)
	require.NoError(t, err)
	require.True(t, r.Truncated)
	_, err = w.Step(0)
	assert.ErrorIs(t, err, env.ErrEpisodeEnded)

	// A failed Reset leaves no episode.
	failing := vectorScript(2)
	w = env.NewOrderEnforcing[[]float64, int](failing)
	_, _, err = w.Reset(env.NoSeed, nil)
	require.NoError(t, err)
	failing.failReset = true
	_, _, err = w.Reset(env.NoSeed, nil)
	require.Error(t, err)
	_, err = w.Step(0)
	assert.ErrorIs(t, err, env.ErrResetNeeded)
}

// wrapperStacks builds each wrapper (and a deep stack) around a fresh toy
// env and returns it as an Env[[]float64, int] with its toy env.
func wrapperStacks(t testing.TB) map[string]func() (env.Env[[]float64, int], *toy.GridSearch) {
	cfg := toy.Config{Dims: 2, Points: 5, Budget: 6, Noise: 0.1}
	return map[string]func() (env.Env[[]float64, int], *toy.GridSearch){
		"TimeLimit": func() (env.Env[[]float64, int], *toy.GridSearch) {
			g := newToy(t, cfg)
			return env.NewTimeLimit[[]float64, int](g, 4), g
		},
		"RecordEpisodeStatistics": func() (env.Env[[]float64, int], *toy.GridSearch) {
			g := newToy(t, cfg)
			return env.NewRecordEpisodeStatistics[[]float64, int](g), g
		},
		"FlattenObservation": func() (env.Env[[]float64, int], *toy.GridSearch) {
			g := newToy(t, cfg)
			w, err := env.NewFlattenObservation[[]float64, int](g)
			require.NoError(t, err)
			return w, g
		},
		"NormalizeObservation": func() (env.Env[[]float64, int], *toy.GridSearch) {
			g := newToy(t, cfg)
			return env.NewNormalizeObservation[int](g, 1e-8), g
		},
		"TransformReward": func() (env.Env[[]float64, int], *toy.GridSearch) {
			g := newToy(t, cfg)
			return env.NewTransformReward[[]float64, int](g, func(r float64) float64 { return 10 * r }), g
		},
		"OrderEnforcing": func() (env.Env[[]float64, int], *toy.GridSearch) {
			g := newToy(t, cfg)
			return env.NewOrderEnforcing[[]float64, int](g), g
		},
		"all": func() (env.Env[[]float64, int], *toy.GridSearch) {
			g := newToy(t, cfg)
			f, err := env.NewFlattenObservation[[]float64, int](g)
			require.NoError(t, err)
			var e env.Env[[]float64, int] = env.NewNormalizeObservation[int](f, 1e-8)
			e = env.NewTransformReward[[]float64, int](e, func(r float64) float64 { return -r })
			e = env.NewTimeLimit[[]float64, int](e, 4)
			e = env.NewRecordEpisodeStatistics[[]float64, int](e)
			return env.NewOrderEnforcing[[]float64, int](e), g
		},
	}
}

func TestWrapperStacksPassCheck(t *testing.T) {
	for name, build := range wrapperStacks(t) {
		t.Run(name, func(t *testing.T) {
			e, _ := build()
			// Running normalisation carries statistics from one episode to
			// the next, so the same seed replays an episode only with the
			// statistics frozen.
			if n, ok := env.As[*env.NormalizeObservation[int]](e); ok {
				n.SetUpdate(false)
			}
			assert.NoError(t, env.Check[[]float64, int](e, env.CheckInvalidAction(-1)))
		})
	}
}

func TestWrappersForward(t *testing.T) {
	for name, build := range wrapperStacks(t) {
		t.Run(name, func(t *testing.T) {
			e, g := build()
			assert.Same(t, g, env.Unwrap(e))
			found, ok := env.As[*toy.GridSearch](e)
			require.True(t, ok)
			assert.Same(t, g, found)
			assert.Equal(t, g.ActionSpace().String(), e.ActionSpace().String())

			_, _, err := e.Reset(env.SeedOf(1), nil)
			require.NoError(t, err)
			_, err = e.Step(25)
			assert.ErrorContains(t, err, "action 25", "the inner env's action error comes through")

			require.NoError(t, e.Close())
			_, _, err = g.Reset(env.SeedOf(1), nil)
			assert.ErrorIs(t, err, env.ErrClosed, "Close reaches the inner env")
		})
	}
}

func TestUnwrapAndAs(t *testing.T) {
	g := newToy(t, toy.DefaultConfig())
	limit := env.NewTimeLimit[[]float64, int](g, 5)
	stats := env.NewRecordEpisodeStatistics[[]float64, int](limit)
	outer := env.NewOrderEnforcing[[]float64, int](stats)

	assert.Same(t, g, env.Unwrap(outer))
	assert.Same(t, g, env.Unwrap(g), "a bare env unwraps to itself")
	assert.Same(t, stats, outer.UnwrapEnv())

	gotLimit, ok := env.As[*env.TimeLimit[[]float64, int]](outer)
	require.True(t, ok)
	assert.Same(t, limit, gotLimit)

	gotOuter, ok := env.As[*env.OrderEnforcing[[]float64, int]](outer)
	require.True(t, ok)
	assert.Same(t, outer, gotOuter, "the search starts with e itself")

	u, ok := env.As[env.Unwrapper](outer)
	require.True(t, ok, "interface types match the first implementing layer")
	assert.Same(t, outer, u)

	_, ok = env.As[*env.NormalizeObservation[int]](outer)
	assert.False(t, ok)
	_, ok = env.As[*toy.GridSearch](nil)
	assert.False(t, ok)
	assert.Nil(t, env.Unwrap(nil))
}

func TestWrappedStepDoesNotAllocate(t *testing.T) {
	g := newToy(t, toy.DefaultConfig())
	var e env.Env[[]float64, int] = env.NewOrderEnforcing[[]float64, int](g)
	e = env.NewTimeLimit[[]float64, int](e, 7)
	e = env.NewRecordEpisodeStatistics[[]float64, int](e)
	f, err := env.NewFlattenObservation[[]float64, int](e)
	require.NoError(t, err)
	e = env.NewNormalizeObservation[int](f, 1e-8)
	e = env.NewTransformReward[[]float64, int](e, math.Abs)

	_, _, err = e.Reset(env.SeedOf(1), nil)
	require.NoError(t, err)
	a := 0
	episodes := 0
	allocs := testing.AllocsPerRun(500, func() {
		a = (a + 17) % 64
		r, err := e.Step(a)
		if err != nil {
			t.Fatal(err)
		}
		if r.Done() {
			episodes++
			if _, _, err := e.Reset(env.NoSeed, nil); err != nil {
				t.Fatal(err)
			}
		}
	})
	assert.Zero(t, allocs)
	assert.Greater(t, episodes, 50, "episodes ended and were reset inside the measurement")
}
