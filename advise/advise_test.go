package advise

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/spaces"
	"github.com/autollmresearch/gym/tasks"
	"github.com/autollmresearch/gym/tasks/arch"
	"github.com/autollmresearch/gym/tasks/mixture"
	"github.com/autollmresearch/gym/tasks/pretrain"
)

func pretrainTable(t testing.TB) *tasks.Table {
	t.Helper()
	tb, err := pretrain.Default() // shared: never released
	require.NoError(t, err)
	return tb
}

func mustParse(t testing.TB, s string) TargetSpec {
	t.Helper()
	spec, err := ParseTarget(s)
	require.NoError(t, err)
	return spec
}

func TestParseTarget(t *testing.T) {
	cases := []struct {
		in   string
		want TargetSpec
		err  string
	}{
		{in: "largest", want: TargetSpec{Largest: true}},
		{in: " Qwen2.5-7B ", want: TargetSpec{Level: "Qwen2.5-7B"}},
		{in: "params=7e9, tokens = 2e12", want: TargetSpec{Coords: []Coord{{"params", "7e9"}, {"tokens", "2e12"}}}},
		{in: "", err: "target is empty"},
		{in: "params=7e9,params=1e9", err: `"params" is given twice`},
		{in: "params=", err: `"params" has no value`},
		{in: "=7e9", err: "no name before '='"},
		{in: "params=7e9,tokens", err: `"tokens" is not name=value`},
		{in: "params=7e9=3", err: "two '='"},
		{in: "Qwen 7B", err: "may not contain blanks"},
		{in: strings.Repeat("x", MaxTargetLen+1), err: "at most"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := ParseTarget(c.in)
			if c.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), c.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
			again, err := ParseTarget(got.String())
			require.NoError(t, err)
			assert.Equal(t, got, again)
		})
	}
}

func TestResolve(t *testing.T) {
	tb := pretrainTable(t)
	mix, err := mixture.Default()
	require.NoError(t, err)
	cases := []struct {
		name, target string
		table        *tasks.Table
		err          string
		exp          string
		check        func(t *testing.T, tg Target)
	}{
		{name: "extrapolation fills compute", target: "params=3e10,tokens=6e11", table: tb, check: func(t *testing.T, tg Target) {
			assert.InEpsilon(t, 6*3e10*6e11, tg.Coords["compute"], 1e-12)
			assert.Empty(t, tg.Experiment)
		}},
		{name: "largest", target: "largest", table: tb, check: func(t *testing.T, tg Target) { assert.NotEmpty(t, tg.Experiment) }},
		{name: "unknown coordinate", target: "width=3", table: tb, err: `"width" is not a fidelity coordinate`},
		{name: "not a number", target: "params=big,tokens=1e12", table: tb, err: `params="big" is not a positive finite number`},
		{name: "negative", target: "params=-1,tokens=1e12", table: tb, err: "not a positive finite number"},
		{name: "missing", target: "params=3e10", table: tb, err: "does not give the fidelity coordinate(s) compute, tokens"},
		{name: "level", target: "Qwen2.5-7B", table: mix, check: func(t *testing.T, tg Target) { assert.Equal(t, "Qwen2.5-7B", tg.Coords["model"]) }},
		{name: "unknown level", target: "Qwen9-1T", table: mix, err: "not a level of any fidelity coordinate"},
		{name: "bad level value", target: "model=Llama", table: mix, err: "is not one of its levels"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tg, err := mustParse(t, c.target).Resolve(c.table)
			if c.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), c.err)
				return
			}
			require.NoError(t, err)
			c.check(t, tg)
		})
	}
}

// TestAdvisePretrain advises on the default pretrain table with its
// largest model size held out.
func TestAdvisePretrain(t *testing.T) {
	tb := pretrainTable(t)
	req := Request{Table: tb, Target: mustParse(t, "largest"), Holdout: []string{"params"}, K: 4, Seed: 3}
	a, err := Advise(context.Background(), req)
	require.NoError(t, err)
	require.Len(t, a.Recommendations, 4)
	for i, r := range a.Recommendations {
		assert.Equal(t, i+1, r.Rank)
		assert.True(t, tb.Meta().Space.Contains(r.Config))
		if !r.Predicted.Diverges {
			assert.LessOrEqual(t, float64(r.Predicted.Lo), float64(r.Predicted.Objective))
			assert.LessOrEqual(t, float64(r.Predicted.Objective), float64(r.Predicted.Hi))
		}
		assert.Contains(t, r.ProposedBy, a.Follows)
	}
	assert.Equal(t, []string{"params", "tokens"}, a.Law.Predictors)
	require.Len(t, a.Law.Paths, 2)
	for _, p := range a.Law.Paths {
		for _, term := range p.Terms {
			assert.Greater(t, float64(term.SE), 0.0, p.Quantity)
		}
	}
	assert.Len(t, a.Estimators, 4)
	for _, left := range a.Context.LeftOut {
		assert.Contains(t, left, "held out")
	}
	assert.NotEmpty(t, a.Context.LeftOut)
	for _, r := range a.Extrapolation {
		if r.Coordinate == "params" {
			assert.Greater(t, float64(r.Decades), 0.0)
		}
	}
	var text bytes.Buffer
	require.NoError(t, a.WriteText(&text))
	for _, want := range []string{"Recommended target runs (K = 4)", "Why " + a.Follows, "optimal lr = 10^(", "decades from the context's largest"} {
		assert.Contains(t, text.String(), want)
	}
}

func TestAdviseDeterministic(t *testing.T) {
	tb := pretrainTable(t)
	req := Request{Table: tb, Target: mustParse(t, "params=2e10,tokens=4e11"), Seed: 9}
	var outs [2]bytes.Buffer
	for i := range outs {
		a, err := Advise(context.Background(), req)
		require.NoError(t, err)
		require.NoError(t, a.WriteJSON(&outs[i]))
	}
	assert.Equal(t, outs[0].String(), outs[1].String())
	var back map[string]any
	require.NoError(t, json.Unmarshal(outs[0].Bytes(), &back))
	for _, key := range []string{"recommendations", "follows", "why", "estimators", "law", "extrapolation", "warnings", "target", "context"} {
		assert.Contains(t, back, key)
	}
}

func TestFarTargetWarns(t *testing.T) {
	tb := pretrainTable(t)
	a, err := Advise(context.Background(), Request{Table: tb, Target: mustParse(t, "params=1e12,tokens=2e13")})
	require.NoError(t, err)
	assert.True(t, strings.Contains(strings.Join(a.Warnings, "\n"), "decades beyond"), a.Warnings)
	assert.Equal(t, 0, len(a.Context.LeftOut))
}

func TestStudyAskTell(t *testing.T) {
	tb := pretrainTable(t)
	s, err := NewStudy(Request{Table: tb, Target: mustParse(t, "largest"), Holdout: []string{"params"}, K: 3, Seed: 1})
	require.NoError(t, err)
	first, err := s.Ask(context.Background())
	require.NoError(t, err)
	top := first.Recommendations[0]
	require.NoError(t, s.Tell(Observation{Config: top.Config, Objective: float64(top.Predicted.Objective) + 0.5}))
	next, err := s.Ask(context.Background())
	require.NoError(t, err)
	require.Len(t, next.Observed, 1)
	for _, r := range next.Recommendations {
		assert.False(t, tb.Meta().Space.Equal(r.Config, top.Config), "an observed config is recommended again")
	}
	bad := []struct {
		obs Observation
		err string
	}{
		{Observation{Config: top.Config, Objective: math.NaN()}, "want a finite number"},
		{Observation{Config: spaces.Config{"lr": 1e-3, "bs": 64.0, "width": 3.0}, Objective: 2}, "not in the table's space"},
		{Observation{Config: spaces.Config{"lr": 50.0, "bs": 64.0}, Objective: 2}, "not in the table's space"},
		{Observation{Config: top.Config, Objective: 2}, "repeats the config"},
	}
	for _, b := range bad {
		err := s.Tell(b.obs)
		require.Error(t, err)
		assert.Contains(t, err.Error(), b.err)
	}
	assert.Len(t, s.Observed(), 1, "a rejected Tell adds nothing")
}

func TestRequestErrors(t *testing.T) {
	tb := pretrainTable(t)
	_, err := Advise(context.Background(), Request{})
	require.ErrorContains(t, err, "Request.Table is nil")
	_, err = Advise(context.Background(), Request{Table: tb, Target: mustParse(t, "largest"), K: -1, Holdout: []string{"depth"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Request.K is -1")
	assert.Contains(t, err.Error(), `Request.Holdout names "depth"`)
	// A target below every cell, with params held out, leaves nothing.
	spec := TargetSpec{Coords: []Coord{{"params", "1"}, {"tokens", "1"}}}
	_, err = Advise(context.Background(), Request{Table: tb, Target: spec, Holdout: []string{"params"}})
	require.ErrorContains(t, err, "nothing is left to learn from")
}

func TestReadObserved(t *testing.T) {
	meta := pretrainTable(t).Meta()
	cases := []struct {
		name, csv string
		want      []Observation
		err       string
	}{
		{name: "plain", csv: "lr,bs,loss\n0.001,256,2.5\n", want: []Observation{{Config: spaces.Config{"lr": 0.001, "bs": 256.0}, Objective: 2.5}}},
		{name: "prefixed, diverged", csv: "cfg_lr,cfg_bs,metric_loss,diverged\n0.01,64,,true\n", want: []Observation{{Config: spaces.Config{"lr": 0.01, "bs": 64.0}, Objective: math.NaN(), Diverged: true}}},
		{name: "unknown column", csv: "lr,bs,width,loss\n0.001,256,3,2.5\n", err: `unknown column "width"`},
		{name: "missing knob", csv: "lr,loss\n0.001,2.5\n", err: `no column for knob "bs"`},
		{name: "no objective", csv: "lr,bs\n0.001,256\n", err: "no objective column"},
		{name: "NaN objective", csv: "lr,bs,loss\n0.001,256,NaN\n", err: "row 2: column \"loss\": objective is NaN"},
		{name: "not a number", csv: "lr,bs,loss\nfast,256,2\n", err: `row 2: column "lr": "fast" is not a number`},
		{name: "empty", csv: "", err: "empty file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ReadObserved(strings.NewReader(c.csv), "made.csv", meta)
			if c.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), c.err)
				assert.Contains(t, err.Error(), "made.csv")
				return
			}
			require.NoError(t, err)
			require.Len(t, got, len(c.want))
			for i := range got {
				assert.Equal(t, c.want[i].Config, got[i].Config)
				assert.Equal(t, c.want[i].Diverged, got[i].Diverged)
				if !c.want[i].Diverged {
					assert.Equal(t, c.want[i].Objective, got[i].Objective)
				}
			}
		})
	}
}

func TestPlotWritesFiles(t *testing.T) {
	tb := pretrainTable(t)
	mix, err := mixture.Default()
	require.NoError(t, err)
	arc, err := arch.Default()
	require.NoError(t, err)
	for _, c := range []struct {
		table  *tasks.Table
		target string
	}{{tb, "largest"}, {mix, "largest"}, {arc, "largest"}} {
		a, err := Advise(context.Background(), Request{Table: c.table, Target: mustParse(t, c.target)})
		require.NoError(t, err)
		dir := t.TempDir()
		paths, err := a.Plot(dir, "advice")
		require.NoError(t, err)
		require.Len(t, paths, 2)
		for _, p := range paths {
			assert.FileExists(t, p)
		}
	}
}
