package env_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/toy"
)

// The registry is process-wide, so every test registers ids of its own,
// under the namespace "test-<name of the test>".

// counterSpec returns a spec of counterEnvs with episodes of the given
// length.
func counterSpec(id string, length, maxSteps int) env.Spec[[]float64, int] {
	return env.Spec[[]float64, int]{
		ID:          id,
		Description: fmt.Sprintf("counter env with episodes of %d steps", length),
		New: func(env.Options) (env.Env[[]float64, int], error) {
			return newCounterEnv(length), nil
		},
		MaxEpisodeSteps: maxSteps,
	}
}

func TestParseID(t *testing.T) {
	tests := []struct {
		id      string
		base    string
		version int
		err     string
	}{
		{id: "toy/grid-search-v0", base: "toy/grid-search", version: 0},
		{id: "pretrain/step-law.dense_v2-v12", base: "pretrain/step-law.dense_v2", version: 12},
		{id: "a/b-vx-v3", base: "a/b-vx", version: 3},
		{id: "grid-search-v0", err: "no '/' between namespace and name"},
		{id: "toy/grid-search", err: "no version suffix -vN"},
		{id: "/grid-search-v0", err: "empty namespace"},
		{id: "toy/-v0", err: "empty name"},
		{id: "toy/grid-search-v", err: "empty version after -v"},
		{id: "toy/grid-search-v01", err: `version "01" has a leading zero`},
		{id: "toy/grid-search-v0a", err: `no version suffix -vN (the last "-v" is followed by "0a")`},
		{id: "toy/grid-search-v1a", err: `no version suffix -vN (the last "-v" is followed by "1a")`},
		{id: "toy/grid-search-v-1", err: `no version suffix -vN (the last "-v" is followed by "-1")`},
		{id: "toy/grid search-v0", err: `name "grid search" has the character ' '`},
		{id: "a/b/c-v0", err: `name "b/c" has the character '/'`},
		{id: "to y/grid-v0", err: `namespace "to y" has the character ' '`},
		{id: "toy/grïd-v0", err: `name "grïd" has the character 'ï'`},
		{id: "toy/grid-v99999999999999999999", err: "is out of range"},
		{id: "", err: "no '/'"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			base, version, err := env.ParseID(tt.id)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				assert.Contains(t, err.Error(), fmt.Sprintf("invalid env id %q", tt.id))
				assert.Contains(t, err.Error(), "want namespace/name-vN")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.base, base)
			assert.Equal(t, tt.version, version)
		})
	}
}

func TestRegisterErrors(t *testing.T) {
	require.NoError(t, env.Register(counterSpec("test-register/dup-v0", 3, 0)))
	noNew := counterSpec("test-register/no-new-v0", 3, 0)
	noNew.New = nil
	tests := []struct {
		name string
		spec env.Spec[[]float64, int]
		want string
	}{
		{"bad id", counterSpec("test-register/no-version", 3, 0), `env: Register: invalid env id "test-register/no-version": no version suffix -vN (the last "-v" is followed by "ersion")`},
		{"duplicate", counterSpec("test-register/dup-v0", 3, 0), `env: Register: id "test-register/dup-v0" is already registered`},
		{"nil New", noNew, `env: Register("test-register/no-new-v0"): Spec.New is nil`},
		{"negative max steps", counterSpec("test-register/neg-v0", 3, -1), "Spec.MaxEpisodeSteps is -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := env.Register(tt.spec)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	_, ok := env.Lookup("test-register/no-new-v0")
	assert.False(t, ok, "a rejected spec is not registered")
	assert.PanicsWithError(t, `env: Register: id "test-register/dup-v0" is already registered`, func() {
		env.MustRegister(counterSpec("test-register/dup-v0", 3, 0))
	})
}

func TestMakeUnknownID(t *testing.T) {
	require.NoError(t, env.Register(counterSpec("test-unknown/a-v0", 3, 0)))
	_, err := env.Make[[]float64, int]("test-unknown/nope-v0", nil)
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), `env "test-unknown/nope-v0" not found; registered: `), err.Error())
	assert.Contains(t, err.Error(), "test-unknown/a-v0")

	_, err = env.Make[[]float64, int]("test-unknown/a", nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `invalid env id "test-unknown/a": no version suffix -vN`)
}

func TestMakeMissingVersion(t *testing.T) {
	for _, v := range []int{10, 0, 2} {
		require.NoError(t, env.Register(counterSpec(fmt.Sprintf("test-version/counter-v%d", v), 3, 0)))
	}
	_, err := env.Make[[]float64, int]("test-version/counter-v9", nil)
	require.Error(t, err)
	assert.Equal(t, `env "test-version/counter-v9" not found; versions of test-version/counter: v0, v2, v10`, err.Error())

	_, err = env.MakeVec[[]float64, int]("test-version/counter-v1", 2, nil, env.VectorOptions{})
	require.Error(t, err)
	assert.Equal(t, `env "test-version/counter-v1" not found; versions of test-version/counter: v0, v2, v10`, err.Error())

	e, err := env.Make[[]float64, int]("test-version/counter-v10", nil)
	require.NoError(t, err)
	require.NoError(t, e.Close())
}

func TestMakeTypeMismatch(t *testing.T) {
	require.NoError(t, env.Register(counterSpec("test-types/counter-v0", 3, 0)))
	want := `env: "test-types/counter-v0" has observation type []float64 and action type int; Make was called with []float32 and int`
	_, err := env.Make[[]float32, int]("test-types/counter-v0", nil)
	require.Error(t, err)
	assert.Equal(t, want, err.Error())

	_, err = env.MakeVec[[]float32, int]("test-types/counter-v0", 3, nil, env.VectorOptions{})
	require.Error(t, err)
	assert.Equal(t, want, err.Error())

	_, err = env.Make[[]float64, any]("test-types/counter-v0", nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Make was called with []float64 and interface {}")
}

func TestMakeMergesOptions(t *testing.T) {
	var got env.Options
	defaults := env.Options{"a": 1, "b": 2}
	require.NoError(t, env.Register(env.Spec[[]float64, int]{
		ID: "test-options/counter-v0",
		New: func(opts env.Options) (env.Env[[]float64, int], error) {
			got = opts
			return newCounterEnv(3), nil
		},
		DefaultOptions: defaults,
	}))
	defaults["a"] = 100 // the registry keeps its own copy

	opts := env.Options{"b": 3, "c": 4}
	e, err := env.Make[[]float64, int]("test-options/counter-v0", opts)
	require.NoError(t, err)
	assert.Equal(t, env.Options{"a": 1, "b": 3, "c": 4}, got)
	got["a"] = -1 // New may change its options without touching the spec's
	assert.Equal(t, env.Options{"b": 3, "c": 4}, opts)

	_, err = env.Make[[]float64, int]("test-options/counter-v0", nil)
	require.NoError(t, err)
	assert.Equal(t, env.Options{"a": 1, "b": 2}, got)
	require.NoError(t, e.Close())
}

func TestMakeWrapsEnv(t *testing.T) {
	require.NoError(t, env.Register(counterSpec("test-wraps/limited-v0", 100, 3)))
	require.NoError(t, env.Register(counterSpec("test-wraps/unlimited-v0", 100, 0)))

	e, err := env.Make[[]float64, int]("test-wraps/limited-v0", nil)
	require.NoError(t, err)
	limit, ok := env.As[*env.TimeLimit[[]float64, int]](e)
	require.True(t, ok, "MaxEpisodeSteps > 0 adds a TimeLimit")
	assert.Equal(t, 3, limit.MaxSteps())
	_, ok = env.As[*env.OrderEnforcing[[]float64, int]](e)
	assert.True(t, ok)
	_, ok = env.As[*counterEnv](e)
	assert.True(t, ok)

	_, err = e.Step(0)
	assert.ErrorIs(t, err, env.ErrResetNeeded)
	_, _, err = e.Reset(env.SeedOf(1), nil)
	require.NoError(t, err)
	for i := range 3 {
		res, err := e.Step(1)
		require.NoError(t, err)
		assert.Equal(t, i == 2, res.Truncated, "step %d", i)
		assert.False(t, res.Terminated)
	}
	_, err = e.Step(1)
	assert.ErrorIs(t, err, env.ErrEpisodeEnded)

	e, err = env.Make[[]float64, int]("test-wraps/unlimited-v0", nil)
	require.NoError(t, err)
	_, ok = env.As[*env.TimeLimit[[]float64, int]](e)
	assert.False(t, ok, "no MaxEpisodeSteps, no TimeLimit")
	_, ok = env.As[*env.OrderEnforcing[[]float64, int]](e)
	assert.True(t, ok)
}

func TestMakeBuildErrors(t *testing.T) {
	errBuild := errors.New("no such table")
	require.NoError(t, env.Register(env.Spec[[]float64, int]{
		ID:  "test-build/fails-v0",
		New: func(env.Options) (env.Env[[]float64, int], error) { return nil, errBuild },
	}))
	require.NoError(t, env.Register(env.Spec[[]float64, int]{
		ID:  "test-build/nil-v0",
		New: func(env.Options) (env.Env[[]float64, int], error) { return nil, nil },
	}))
	_, err := env.Make[[]float64, int]("test-build/fails-v0", nil)
	assert.ErrorIs(t, err, errBuild)
	assert.EqualError(t, err, `env: making "test-build/fails-v0": no such table`)
	_, err = env.Make[[]float64, int]("test-build/nil-v0", nil)
	assert.EqualError(t, err, `env: making "test-build/nil-v0": Spec.New returned a nil env and no error`)
}

func TestMakeVec(t *testing.T) {
	var made []*counterEnv
	var mu sync.Mutex
	require.NoError(t, env.Register(env.Spec[[]float64, int]{
		ID: "test-makevec/counter-v0",
		New: func(opts env.Options) (env.Env[[]float64, int], error) {
			mu.Lock()
			defer mu.Unlock()
			if n, ok := opts["fail-after"].(int); ok && len(made) == n {
				return nil, errors.New("out of tables")
			}
			e := newCounterEnv(2)
			made = append(made, e)
			return e, nil
		},
		MaxEpisodeSteps: 5,
	}))
	v, err := env.MakeVec[[]float64, int]("test-makevec/counter-v0", 3, nil, env.VectorOptions{Parallel: true})
	require.NoError(t, err)
	assert.Equal(t, 3, v.NumEnvs())
	obs, _, err := v.Reset(env.SeedOf(4), nil)
	require.NoError(t, err)
	assert.Len(t, obs, 3)
	res, err := v.Step([]int{1, 2, 3})
	require.NoError(t, err)
	assert.Equal(t, []float64{1, 2, 3}, []float64{res.Obs[0][2], res.Obs[1][2], res.Obs[2][2]})
	require.NoError(t, v.Close())
	for _, e := range made {
		assert.Equal(t, 1, e.closes)
	}

	made = nil
	_, err = env.MakeVec[[]float64, int]("test-makevec/counter-v0", 3, env.Options{"fail-after": 2}, env.VectorOptions{})
	assert.EqualError(t, err, `env: MakeVec: env 2: env: making "test-makevec/counter-v0": out of tables`)
	require.Len(t, made, 2)
	for _, e := range made {
		assert.Equal(t, 1, e.closes, "envs made before the failure are closed")
	}

	_, err = env.MakeVec[[]float64, int]("test-makevec/counter-v0", 0, nil, env.VectorOptions{})
	assert.EqualError(t, err, `env: MakeVec("test-makevec/counter-v0", 0): want at least one env`)
}

func TestListAndLookup(t *testing.T) {
	spec := counterSpec("test-list/counter-v1", 3, 7)
	spec.DefaultOptions = env.Options{"k": "v"}
	require.NoError(t, env.Register(spec))
	require.NoError(t, env.Register(counterSpec("test-list/counter-v0", 3, 0)))

	info, ok := env.Lookup("test-list/counter-v1")
	require.True(t, ok)
	assert.Equal(t, env.SpecInfo{
		ID:              "test-list/counter-v1",
		Description:     "counter env with episodes of 3 steps",
		MaxEpisodeSteps: 7,
		DefaultOptions:  env.Options{"k": "v"},
		ObservationType: "[]float64",
		ActionType:      "int",
	}, info)
	info.DefaultOptions["k"] = "changed"
	again, _ := env.Lookup("test-list/counter-v1")
	assert.Equal(t, env.Options{"k": "v"}, again.DefaultOptions, "Lookup returns a copy")

	_, ok = env.Lookup("test-list/counter-v2")
	assert.False(t, ok)

	list := env.List()
	var ids []string
	for _, s := range list {
		ids = append(ids, s.ID)
	}
	assert.IsIncreasing(t, ids)
	assert.Contains(t, ids, "test-list/counter-v0")
	assert.Contains(t, ids, "test-list/counter-v1")
}

func TestCheckRegistered(t *testing.T) {
	require.NoError(t, env.Register(counterSpec("test-check/counter-v0", 4, 3)))
	require.NoError(t, env.Register(env.Spec[[]float64, int]{
		ID: "test-check/faulty-v0",
		New: func(env.Options) (env.Env[[]float64, int], error) {
			return newFaultyEnv(nanReward | acceptsInvalidAction), nil
		},
	}))
	require.NoError(t, env.Register(env.Spec[[]float64, int]{
		ID: "test-check/toy-v0",
		New: func(opts env.Options) (env.Env[[]float64, int], error) {
			return toy.NewFromOptions(opts)
		},
		MaxEpisodeSteps: 6,
	}))

	assert.NoError(t, env.CheckRegistered("test-check/counter-v0", nil))
	assert.NoError(t, env.CheckRegistered("test-check/toy-v0", env.Options{toy.OptionDims: 3}))
	assert.NoError(t, env.CheckRegistered("test-check/toy-v0", nil, env.CheckSeed(3), env.CheckEpisodes(4)))

	err := env.CheckRegistered("test-check/faulty-v0", nil)
	var ce *env.CheckError
	require.ErrorAs(t, err, &ce)
	assert.ElementsMatch(t, []string{env.ProblemNonFiniteReward, env.ProblemInvalidActionAccepted}, codes(ce.Problems))

	err = env.CheckRegistered("test-check/toy-v0", env.Options{"colour": "red"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown option "colour"`)

	err = env.CheckRegistered("test-check/none-v0", nil)
	assert.ErrorContains(t, err, `env "test-check/none-v0" not found`)
}

// The registry may be used from many goroutines at once.
func TestRegistryConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			id := fmt.Sprintf("test-concurrent/counter-v%d", g)
			assert.NoError(t, env.Register(counterSpec(id, 2, 0)))
			for range 20 {
				e, err := env.Make[[]float64, int](id, nil)
				if assert.NoError(t, err) {
					assert.NoError(t, e.Close())
				}
				_ = env.List()
				_, ok := env.Lookup(id)
				assert.True(t, ok)
			}
		})
	}
	wg.Wait()
	_, err := env.Make[[]float64, int]("test-concurrent/counter-v8", nil)
	assert.ErrorContains(t, err, "versions of test-concurrent/counter: v0, v1, v2, v3, v4, v5, v6, v7")
}
