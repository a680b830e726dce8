package env_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/spaces"
)

func init() {
	env.MustRegister(env.Spec[[]float64, int]{
		ID:          "test-json/counter-v0",
		Description: "counter env for the JSON view tests",
		New: func(env.Options) (env.Env[[]float64, int], error) {
			return newCounterEnv(5), nil
		},
		MaxEpisodeSteps: 3,
	})
	env.MustRegister(env.Spec[point, move]{
		ID:  "test-json/point-v0",
		New: func(env.Options) (env.Env[point, move], error) { return &pointEnv{}, nil },
	})
}

// move is a struct action: a step on the integer grid.
type move struct {
	DX int `json:"dx"`
	DY int `json:"dy"`
}

// moveSpace holds the moves with both coordinates in [-1, 1].
type moveSpace struct{}

func (moveSpace) Sample(r *rand.Rand) move { return move{r.IntN(3) - 1, r.IntN(3) - 1} }
func (moveSpace) Contains(m move) bool {
	return m.DX >= -1 && m.DX <= 1 && m.DY >= -1 && m.DY <= 1
}
func (moveSpace) String() string { return "moveSpace" }
func (moveSpace) Describe() spaces.Description {
	return spaces.Description{Type: spaces.TypeMultiDiscrete, Nvec: []int{3, 3}}
}

// point is a struct observation with a float that may not be finite.
type point struct {
	X, Y  int
	Slope float64 `json:"slope"`
}

type pointSpace struct{}

func (pointSpace) Sample(*rand.Rand) point      { return point{} }
func (pointSpace) Contains(point) bool          { return true }
func (pointSpace) String() string               { return "pointSpace" }
func (pointSpace) Describe() spaces.Description { return spaces.Description{Type: spaces.TypeDict} }

// pointEnv walks a point; the observation's slope is Y/X, +Inf on the Y
// axis and NaN at the origin. Episodes end after 2 steps; Info holds the
// slope too.
type pointEnv struct {
	p      point
	steps  int
	info   env.Info
	closed bool
}

func (e *pointEnv) Reset(env.Seed, env.Options) (point, env.Info, error) {
	e.p, e.steps = point{Slope: math.NaN()}, 0
	e.info.Clear()
	e.info.SetNum("slope", e.p.Slope)
	return e.p, e.info, nil
}

func (e *pointEnv) Step(m move) (env.StepResult[point], error) {
	e.steps++
	e.p.X += m.DX
	e.p.Y += m.DY
	e.p.Slope = float64(e.p.Y) / float64(e.p.X)
	e.info.Clear()
	e.info.SetNum("slope", e.p.Slope)
	return env.StepResult[point]{Obs: e.p, Reward: float64(m.DX), Terminated: e.steps >= 2, Info: e.info}, nil
}

func (e *pointEnv) ObservationSpace() spaces.Space[point] { return pointSpace{} }
func (e *pointEnv) ActionSpace() spaces.Space[move]       { return moveSpace{} }
func (e *pointEnv) Close() error                          { e.closed = true; return nil }

func TestMakeJSONMatchesTypedEnv(t *testing.T) {
	const id = "test-json/counter-v0"
	typed, err := env.Make[[]float64, int](id, nil)
	require.NoError(t, err)
	erased, err := env.MakeJSON(id, nil)
	require.NoError(t, err)
	for _, seed := range []uint64{1, 2} {
		obs, info, err := typed.Reset(env.SeedOf(seed), nil)
		require.NoError(t, err)
		raw, jinfo, err := erased.Reset(env.SeedOf(seed), nil)
		require.NoError(t, err)
		want, err := json.Marshal(obs)
		require.NoError(t, err)
		assert.JSONEq(t, string(want), string(raw))
		assert.Equal(t, info.Nums(), jinfo.Nums())
		for step, a := range []int{3, 0, 2} {
			r, err := typed.Step(a)
			require.NoError(t, err)
			jr, err := erased.Step(json.RawMessage(fmt.Sprint(a)))
			require.NoError(t, err)
			want, err := json.Marshal(r.Obs)
			require.NoError(t, err)
			assert.JSONEq(t, string(want), string(jr.Obs), "seed %d step %d", seed, step)
			assert.Equal(t, r.Reward, jr.Reward)
			assert.Equal(t, r.Terminated, jr.Terminated)
			assert.Equal(t, r.Truncated, jr.Truncated)
			assert.Equal(t, r.Done(), jr.Done())
		}
		_, err = erased.Step(json.RawMessage("0"))
		assert.ErrorIs(t, err, env.ErrEpisodeEnded, "the time limit of 3 steps applies")
	}
	assert.Equal(t, typed.ObservationSpace().Describe(), erased.ObservationSpace())
	assert.Equal(t, typed.ActionSpace().Describe(), erased.ActionSpace())
	require.NoError(t, erased.Close())
}

func TestMakeJSONUnknownID(t *testing.T) {
	tests := []struct {
		id   string
		want string
	}{
		{"test-json/nothing-v0", "test-json/counter-v0"},
		{"test-json/counter-v9", "versions of test-json/counter: v0"},
		{"not an id", "invalid env id"},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			_, err := env.MakeJSON(tc.id, nil)
			require.Error(t, err)
			assert.ErrorIs(t, err, env.ErrUnknownEnv)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestJSONActionErrors(t *testing.T) {
	tests := []struct {
		name   string
		id     string
		action string
		want   []string
	}{
		{"empty", "test-json/counter-v0", "", []string{"(empty)", "the action is missing"}},
		{"null", "test-json/counter-v0", " null ", []string{"the action is null"}},
		{"string for int", "test-json/counter-v0", `"two"`, []string{`action "two" cannot be decoded as int`, "intRange(0, 4)"}},
		{"fraction", "test-json/counter-v0", `1.5`, []string{"cannot be decoded as int", "1.5"}},
		{"outside space", "test-json/counter-v0", `7`, []string{"action 7 is not in the action space intRange(0, 4)"}},
		{"trailing data", "test-json/counter-v0", `1 2`, []string{"unexpected data after the action"}},
		{"malformed", "test-json/counter-v0", `{`, []string{"cannot be decoded as int"}},
		{"unknown field", "test-json/point-v0", `{"dx": 1, "dz": 0}`, []string{`unknown field "dz"`, "env_test.move"}},
		{"struct outside space", "test-json/point-v0", `{"dx": 2}`, []string{"is not in the action space moveSpace"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := env.MakeJSON(tc.id, nil)
			require.NoError(t, err)
			defer e.Close()
			_, _, err = e.Reset(env.SeedOf(1), nil)
			require.NoError(t, err)
			_, err = e.Step(json.RawMessage(tc.action))
			require.Error(t, err)
			var ae *env.ActionError
			require.ErrorAs(t, err, &ae)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
			// The refused action left the episode as it was.
			r, err := e.Step(json.RawMessage(`1`))
			if tc.id == "test-json/point-v0" {
				r, err = e.Step(json.RawMessage(`{"dx": 1}`))
			}
			require.NoError(t, err)
			assert.False(t, r.Done())
		})
	}
}

func TestJSONActionErrorShortensLongActions(t *testing.T) {
	e, err := env.MakeJSON("test-json/counter-v0", nil)
	require.NoError(t, err)
	_, _, err = e.Reset(env.NoSeed, nil)
	require.NoError(t, err)
	long := `"` + fmt.Sprintf("%0500d", 0) + `"`
	_, err = e.Step(json.RawMessage(long))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "... (502 bytes)")
	assert.Less(t, len(err.Error()), 400)
}

func TestJSONStepOrder(t *testing.T) {
	e, err := env.MakeJSON("test-json/point-v0", nil)
	require.NoError(t, err)
	_, err = e.Step(json.RawMessage(`{"dx": 1}`))
	assert.ErrorIs(t, err, env.ErrResetNeeded)
	_, _, err = e.Reset(env.NoSeed, nil)
	require.NoError(t, err)
	for range 2 {
		_, err = e.Step(json.RawMessage(`{"dx": 1}`))
		require.NoError(t, err)
	}
	_, err = e.Step(json.RawMessage(`not even JSON`))
	assert.ErrorIs(t, err, env.ErrEpisodeEnded, "order is checked before the action")
}

func TestJSONNonFiniteObservationAndInfo(t *testing.T) {
	inner := &pointEnv{}
	e := env.NewJSON[point, move](inner)
	obs, info, err := e.Reset(env.NoSeed, nil)
	require.NoError(t, err)
	assert.JSONEq(t, `{"X": 0, "Y": 0, "slope": "nan"}`, string(obs))
	assert.JSONEq(t, `{"slope": "nan"}`, string(env.InfoJSON(info)))

	r, err := e.Step(json.RawMessage(`{"dy": 1}`))
	require.NoError(t, err)
	b, err := json.Marshal(r)
	require.NoError(t, err)
	assert.JSONEq(t, `{"observation": {"X": 0, "Y": 1, "slope": "inf"}, "reward": 0,
		"terminated": false, "truncated": false, "info": {"slope": "inf"}}`, string(b))

	require.NoError(t, e.Close())
	assert.True(t, inner.closed)
}

func TestInfoJSON(t *testing.T) {
	type tagged struct {
		A      float64 `json:"a"`
		B      float64 `json:"-"`
		C      []float32
		hidden float64
	}
	tests := []struct {
		name string
		fill func(*env.Info)
		want string
	}{
		{"empty", func(*env.Info) {}, `{}`},
		{"finite", func(i *env.Info) { i.SetNum("x", 1.5); i.Set("s", "v") }, `{"s": "v", "x": 1.5}`},
		{"non-finite numbers", func(i *env.Info) {
			i.SetNum("nan", math.NaN())
			i.SetNum("inf", math.Inf(1))
			i.SetNum("ninf", math.Inf(-1))
			i.SetNum("ok", 2)
		}, `{"inf": "inf", "nan": "nan", "ninf": "-inf", "ok": 2}`},
		{"nested", func(i *env.Info) {
			i.Set("slice", []float64{1, math.NaN()})
			i.Set("map", map[string]any{"a": math.Inf(1), "b": []any{"x", float32(math.Inf(-1))}})
			i.Set("ptr", &tagged{A: math.NaN(), B: 3, C: []float32{1}, hidden: 4})
		}, `{"map": {"a": "inf", "b": ["x", "-inf"]}, "ptr": {"a": "nan", "C": [1]}, "slice": [1, "nan"]}`},
		{"unsupported", func(i *env.Info) {
			i.Set("c", complex(1, 2))
			i.Set("nil", nil)
			i.SetNum("bad", math.NaN())
		}, `{"bad": "nan", "c": "(1+2i)", "nil": null}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var i env.Info
			tc.fill(&i)
			got := env.InfoJSON(i)
			require.True(t, json.Valid(got), "%s", got)
			assert.JSONEq(t, tc.want, string(got))
		})
	}
}

func TestInfoJSONDeepNesting(t *testing.T) {
	var v any = math.NaN()
	for range 40 {
		v = []any{v}
	}
	var i env.Info
	i.Set("deep", v)
	got := env.InfoJSON(i)
	require.True(t, json.Valid(got), "%s", got)
	assert.Contains(t, string(got), `"..."`)
}

func TestJSONStepMarshalNonFiniteReward(t *testing.T) {
	s := env.JSONStep{Obs: json.RawMessage(`[1]`), Reward: math.Inf(-1), Terminated: true}
	b, err := json.Marshal(s)
	require.NoError(t, err)
	assert.JSONEq(t, `{"observation": [1], "reward": "-inf", "terminated": true, "truncated": false, "info": {}}`, string(b))
	b, err = json.Marshal(env.JSONStep{})
	require.NoError(t, err)
	assert.JSONEq(t, `{"observation": null, "reward": 0, "terminated": false, "truncated": false, "info": {}}`, string(b))
}

func TestActionErrorUnwrap(t *testing.T) {
	inner := errors.New("boom")
	err := error(&env.ActionError{Action: "1", Type: "int", Space: "S", Err: inner})
	assert.ErrorIs(t, err, inner)
	assert.Equal(t, "env: action 1 cannot be decoded as int (action space S): boom", err.Error())
}

func BenchmarkJSONStep(b *testing.B) {
	e, err := env.MakeJSON("test-json/point-v0", nil)
	require.NoError(b, err)
	action := json.RawMessage(`{"dx": 1, "dy": 0}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := e.Reset(env.NoSeed, nil); err != nil {
			b.Fatal(err)
		}
		if _, err := e.Step(action); err != nil {
			b.Fatal(err)
		}
	}
}

func TestInfoMarshalJSONNonFiniteNumbers(t *testing.T) {
	var i env.Info
	i.SetNum("budget_left", math.Inf(1))
	i.SetNum("regret", 0.25)
	b, err := json.Marshal(i)
	require.NoError(t, err)
	assert.JSONEq(t, `{"budget_left": "inf", "regret": 0.25}`, string(b))
}

func TestJSONStepAfterCloseSaysClosed(t *testing.T) {
	for _, id := range []string{"test-json/point-v0", "test-json/counter-v0"} {
		e, err := env.MakeJSON(id, nil)
		require.NoError(t, err)
		_, _, err = e.Reset(env.NoSeed, nil)
		require.NoError(t, err)
		require.NoError(t, e.Close())
		_, err = e.Step(json.RawMessage(`{"not": "an action of any env"}`))
		assert.ErrorIs(t, err, env.ErrClosed, id)
		assert.EqualError(t, err, "env: env is closed")
		_, _, err = e.Reset(env.NoSeed, nil)
		assert.ErrorIs(t, err, env.ErrClosed, id)
		assert.NoError(t, e.Close(), "closing again does nothing")
	}
}
