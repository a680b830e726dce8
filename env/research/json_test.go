package research

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/spaces"
)

// decodeObs marshals obs and decodes it back as generic JSON.
func decodeObs(t *testing.T, obs *Observation) map[string]any {
	t.Helper()
	b, err := json.Marshal(obs)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

func TestObservationJSONExtrapolate(t *testing.T) {
	tbl := fixtureTable(t)
	e := newEnv(t, tbl, Options{Target: "toy/M-gsm", Trials: 3})
	_, _, err := e.Reset(env.SeedOf(1), nil)
	require.NoError(t, err)
	// An off-grid proposal given with a json.Number, as the JSON action
	// decoder gives it.
	r, err := e.Step(Action{Config: spaces.Config{"lr": json.Number("0.0011")}})
	require.NoError(t, err)
	obs := r.Obs
	m := decodeObs(t, obs)

	assert.Equal(t, "toy", m["task"])
	assert.Equal(t, "extrapolate", m["setting"])
	assert.Equal(t, "loss", m["objective"])
	assert.Equal(t, "min", m["direction"])
	assert.Nil(t, m["budget_left"], "+Inf budget is null")
	assert.Contains(t, m, "budget_left")
	assert.EqualValues(t, 2, m["trials_left"])
	assert.EqualValues(t, 1, m["step"])
	assert.Equal(t, obs.Spent, m["spent"])

	space := m["space"].(map[string]any)
	assert.Equal(t, spaces.TypeConfig, space["type"])

	target := m["target"].(map[string]any)
	assert.Equal(t, "toy/M-gsm", target["experiment"])
	assert.Equal(t, map[string]any{"model": "M", "dataset": "gsm"}, target["coords"])
	assert.EqualValues(t, obs.Target.Rank, target["rank"])
	assert.Equal(t, obs.Target.CostPerRun, target["cost_per_run"])

	configs := m["target_configs"].([]any)
	require.Len(t, configs, len(obs.TargetConfigs))
	assert.Equal(t, map[string]any{"lr": 0.0001}, configs[0])

	fids := m["fidelities"].([]any)
	require.Len(t, fids, 1, "extrapolate runs only the target")
	assert.Equal(t, "toy/M-gsm", fids[0].(map[string]any)["experiment"])

	ctx := m["context"].([]any)
	require.Len(t, ctx, obs.Context.Len())
	require.NotEmpty(t, ctx)
	c0 := ctx[0].(map[string]any)
	assert.Equal(t, "toy/S-gsm", c0["experiment"])
	assert.EqualValues(t, 6, c0["configs"])
	assert.EqualValues(t, 1, c0["diverged"])
	best := c0["best"].([]any)
	require.Len(t, best, JSONContextTop, "the five non-diverged of six, bounded by JSONContextTop")
	prev := -1.0
	for i, b := range best {
		y := b.(map[string]any)["objective"].(float64)
		if i > 0 {
			assert.GreaterOrEqual(t, y, prev, "best first (minimised)")
		}
		prev = y
	}
	assert.Equal(t, c0["best_objective"], best[0].(map[string]any)["objective"])
	assert.Equal(t, map[string]any{"lr": 0.001}, best[0].(map[string]any)["config"],
		"the S optimum is at lr = 1e-3")

	hist := m["history"].([]any)
	require.Len(t, hist, 1)
	h := hist[0].(map[string]any)
	assert.Equal(t, map[string]any{"lr": 0.0011}, h["asked"], "asked config in canonical form")
	assert.Equal(t, map[string]any{"lr": 0.001}, h["run"])
	assert.Equal(t, true, h["target"])
	assert.EqualValues(t, 1, h["step"])
	assert.Equal(t, obs.History[0].Objective, h["objective"])
}

func TestObservationJSONMultiFidelity(t *testing.T) {
	tbl := fixtureTable(t)
	e := newEnv(t, tbl, Options{Setting: MultiFidelity, Target: "toy/M-gsm"})
	obs, _, err := e.Reset(env.SeedOf(1), nil)
	require.NoError(t, err)
	m := decodeObs(t, obs)
	assert.Equal(t, "multi-fidelity", m["setting"])
	assert.Equal(t, obs.BudgetLeft, m["budget_left"])
	assert.Empty(t, m["context"], "lower fidelities are not free")
	assert.Len(t, m["fidelities"], len(obs.Fidelities))
	assert.Empty(t, m["history"])
	assert.NotNil(t, m["history"], "an empty history is [], not null")
}

func TestObservationJSONNil(t *testing.T) {
	var obs *Observation
	b, err := json.Marshal(obs)
	require.NoError(t, err)
	assert.Equal(t, "null", string(b))
}

func TestObservationJSONIsDeterministic(t *testing.T) {
	tbl := pretrainTable(t)
	run := func() []byte {
		e := newEnv(t, tbl, Options{})
		obs, _, err := e.Reset(env.SeedOf(7), nil)
		require.NoError(t, err)
		r, err := e.Step(Action{Config: obs.TargetConfigs[0]})
		require.NoError(t, err)
		b, err := json.Marshal(r.Obs)
		require.NoError(t, err)
		return b
	}
	a, b := run(), run()
	assert.Equal(t, string(a), string(b))
	assert.Less(t, len(a), 1<<20, "an observation of the default pretrain table stays small")
}

func TestActionJSON(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Action
		err  string
	}{
		{"config", `{"config": {"lr": 0.001, "bs": 256}}`,
			Action{Config: spaces.Config{"lr": json.Number("0.001"), "bs": json.Number("256")}}, ""},
		{"all keys", `{"config": {"lr": 1e-3}, "experiment": "toy/S-gsm", "stop": false}`,
			Action{Config: spaces.Config{"lr": json.Number("1e-3")}, Experiment: "toy/S-gsm"}, ""},
		{"stop", `{"stop": true}`, Action{Stop: true}, ""},
		{"simplex object", `{"config": {"mix": {"web": 0.5, "code": 0.5}}}`,
			Action{Config: spaces.Config{"mix": map[string]any{"web": json.Number("0.5"), "code": json.Number("0.5")}}}, ""},
		{"unknown key", `{"config": {}, "fidelity": "S"}`, Action{}, `unknown field "fidelity"`},
		{"wrong type", `{"stop": "yes"}`, Action{}, "cannot unmarshal string"},
		{"not an object", `[1, 2]`, Action{}, "research: action"},
		{"trailing data", `{"stop": true} {}`, Action{}, "unexpected data after the action"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var a Action
			err := a.UnmarshalJSON([]byte(tc.in))
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, a)
		})
	}
}

func TestActionJSONRoundTrip(t *testing.T) {
	in := Action{Config: spaces.Config{"lr": 0.002, "bs": 128}, Experiment: "x/y"}
	b, err := json.Marshal(in)
	require.NoError(t, err)
	assert.JSONEq(t, `{"config": {"lr": 0.002, "bs": 128}, "experiment": "x/y", "stop": false}`, string(b))
	var out Action
	require.NoError(t, json.Unmarshal(b, &out))
	assert.Equal(t, in.Experiment, out.Experiment)
	space := spaces.MustConfigSpace(spaces.LogDim("lr", 1e-4, 1e-1), spaces.IntDim("bs", 1, 1024))
	got, err := space.Normalize(out.Config)
	require.NoError(t, err)
	assert.Equal(t, spaces.Config{"lr": 0.002, "bs": 128}, got)
}

func TestDecodedActionSteps(t *testing.T) {
	tbl := fixtureTable(t)
	e := newEnv(t, tbl, Options{Target: "toy/M-gsm"})
	_, _, err := e.Reset(env.SeedOf(1), nil)
	require.NoError(t, err)
	var a Action
	require.NoError(t, json.Unmarshal([]byte(`{"config": {"lr": 0.0029}}`), &a))
	require.True(t, e.ActionSpace().Contains(a))
	r, err := e.Step(a)
	require.NoError(t, err)
	assert.Equal(t, spaces.Config{"lr": 0.003}, r.Obs.History[0].Run)
}

func BenchmarkObservationJSON(b *testing.B) {
	tbl := pretrainTable(b)
	e := newEnv(b, tbl, Options{})
	obs, _, err := e.Reset(env.SeedOf(1), nil)
	require.NoError(b, err)
	r, err := e.Step(Action{Config: obs.TargetConfigs[0]})
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(r.Obs); err != nil {
			b.Fatal(err)
		}
	}
}
