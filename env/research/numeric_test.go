package research

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/spaces"
	"github.com/autollmresearch/gym/tasks"
)

// viewToySpace is the config space of viewToyTable: a log-scale learning
// rate and a categorical optimiser, so the encoding has 3 coordinates.
func viewToySpace() *spaces.ConfigSpace {
	return spaces.MustConfigSpace(spaces.LogDim("lr", 1e-4, 1e-1), spaces.CategoricalDim("opt", "adam", "sgd"))
}

// viewToyTable builds four experiments toy/p6 < toy/p7 < toy/p8 < toy/p9
// (params 1e6 to 1e9) over the grid lr ∈ {1e-4, 1e-3, 1e-2, 1e-1} × opt ∈
// {adam, sgd}; toy/p9 lacks (1e-4, sgd), so it has 7 configs. The loss
// falls with size and is smallest near lr = 10^(-2.5+0.2·e); (1e-1, sgd)
// diverges. A run costs params/1e6 GPU hours. With flip, the outcomes of
// toy/p9 alone are changed: reversed in order, and (1e-3, adam) diverges
// instead.
func viewToyTable(t testing.TB, flip bool) *tasks.Table {
	t.Helper()
	meta := tasks.Meta{
		Task:       "toy",
		Space:      viewToySpace(),
		Fidelity:   []tasks.FidelityColumn{{Name: "params"}},
		Metrics:    []string{"loss"},
		Objective:  "loss",
		Direction:  tasks.Minimize,
		Provenance: tasks.Synthetic,
		CostSource: "estimated: view tests",
		Source:     "research view tests",
	}
	b, err := tasks.NewBuilder(meta)
	require.NoError(t, err)
	for e := range 4 {
		params := math.Pow(10, float64(6+e))
		for _, lr := range []float64{1e-4, 1e-3, 1e-2, 1e-1} {
			for _, opt := range []string{"adam", "sgd"} {
				if e == 3 && lr == 1e-4 && opt == "sgd" {
					continue
				}
				d := math.Log10(lr) + 2.5 - 0.2*float64(e)
				loss := 4 - 0.3*float64(e) + 0.2*d*d
				if opt == "sgd" {
					loss += 0.1
				}
				diverged := lr == 1e-1 && opt == "sgd"
				if flip && e == 3 {
					loss = 10 - loss
					diverged = lr == 1e-3 && opt == "adam"
				}
				b.Add(tasks.Row{
					Experiment:   fmt.Sprintf("toy/p%d", 6+e),
					Fidelity:     map[string]any{"params": params},
					Config:       spaces.Config{"lr": lr, "opt": opt},
					Metrics:      map[string]float64{"loss": loss},
					CostGPUHours: params / 1e6,
					Diverged:     diverged,
				})
			}
		}
	}
	tbl, err := b.Build()
	require.NoError(t, err)
	t.Cleanup(tbl.Release)
	return tbl
}

// viewEnv builds a core env over tbl, closed at the end of the test.
func viewEnv(t testing.TB, tbl *tasks.Table, opts Options) *Env {
	t.Helper()
	e, err := New(tbl, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = e.Close() })
	return e
}

// segment returns the layout segment with the given name.
func segment(t testing.TB, layout []Segment, name string) Segment {
	t.Helper()
	for _, s := range layout {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no segment %q in the layout", name)
	return Segment{}
}

// slots returns the part of obs that segment name covers.
func slots(t testing.TB, layout []Segment, obs []float64, name string) []float64 {
	t.Helper()
	s := segment(t, layout, name)
	return obs[s.Offset : s.Offset+s.Len]
}

// encode returns the encoding of cfg.
func encode(t testing.TB, s *spaces.ConfigSpace, cfg spaces.Config) []float64 {
	t.Helper()
	p := make([]float64, s.EncodedDim())
	require.NoError(t, s.Encode(cfg, p))
	return p
}

func TestNumericLayoutAndContent(t *testing.T) {
	tbl := viewToyTable(t, false)
	core := viewEnv(t, tbl, Options{Split: Test, Trials: 3, HistorySlots: 2})
	n, err := NewNumeric(core)
	require.NoError(t, err)
	layout := n.Layout()

	// F = 1, D = 3: 5 header slots, 4 context slots of 1+1+3+3, 2 history
	// slots of 1+3+1+3.
	dim := 5 + 4*8 + 2*8
	box := n.ObservationSpace().(*spaces.Box)
	require.Equal(t, dim, box.Dim())
	off := 0
	for _, s := range layout {
		require.Equal(t, off, s.Offset, s.Name)
		off += s.Len
	}
	require.Equal(t, dim, off, "segments cover the vector")
	assert.Equal(t, []string{"target_fidelity", "trials_left", "budget_left", "best_target_outcome", "has_target_trial",
		"context[0].present"}, []string{layout[0].Name, layout[1].Name, layout[2].Name, layout[3].Name, layout[4].Name, layout[5].Name})
	assert.Equal(t, "Box(0, 1, (3,))", n.ActionSpace().String())

	obs, _, err := n.Reset(env.SeedOf(1), nil)
	require.NoError(t, err)
	require.True(t, box.Contains(obs))
	assert.Equal(t, []float64{1}, slots(t, layout, obs, "target_fidelity"))
	assert.Equal(t, []float64{1, 1, outcomeNone, 0}, obs[1:5])

	// context[0] is toy/p8, the nearest lower fidelity and the reference.
	p8, _ := tbl.ExperimentIndex("toy/p8")
	st := tbl.Stats(p8)
	assert.Equal(t, []float64{1}, slots(t, layout, obs, "context[0].present"))
	assert.InDelta(t, 2.0/3, slots(t, layout, obs, "context[0].fidelity")[0], 1e-12)
	best := bestConfigOf(tbl, p8)
	assert.InDeltaSlice(t, encode(t, tbl.Meta().Space, tbl.Config(p8, best)), slots(t, layout, obs, "context[0].best_config"), 1e-12)
	assert.InDelta(t, 1.0/8, slots(t, layout, obs, "context[0].diverged_rate")[0], 1e-12)
	assert.InDelta(t, (st.Median-st.Best)/(st.Worst-st.Best), slots(t, layout, obs, "context[0].median_regret")[0], 1e-12)
	assert.Zero(t, slots(t, layout, obs, "context[0].best_outcome")[0], "the reference's own best")
	assert.InDelta(t, 0, slots(t, layout, obs, "context[2].fidelity")[0], 1e-12, "toy/p6")
	for _, name := range []string{"context[3].present", "context[3].best_config", "history[0].present", "history[1].config"} {
		for _, v := range slots(t, layout, obs, name) {
			assert.Zero(t, v, name)
		}
	}

	// A target run: history[0] describes it, normalised by toy/p8's stats.
	space := tbl.Meta().Space
	cfg := spaces.Config{"lr": 1e-2, "opt": "adam"}
	res, err := n.Step(encode(t, space, cfg))
	require.NoError(t, err)
	p9, _ := tbl.ExperimentIndex("toy/p9")
	j, ok := tbl.Lookup(p9, cfg)
	require.True(t, ok)
	y := tbl.Outcome(p9, j).Objective
	want := min(max((y-st.Best)/(st.Worst-st.Best), OutcomeLow), OutcomeHigh)
	obs = res.Obs
	require.True(t, box.Contains(obs))
	assert.Equal(t, []float64{1}, slots(t, layout, obs, "history[0].present"))
	assert.InDeltaSlice(t, encode(t, space, cfg), slots(t, layout, obs, "history[0].config"), 1e-12)
	assert.Equal(t, []float64{1}, slots(t, layout, obs, "history[0].fidelity"))
	assert.Equal(t, []float64{1, want, 0}, obs[segment(t, layout, "history[0].target").Offset:][:3])
	assert.InDelta(t, 2.0/3, obs[1], 1e-12, "trials_left")
	assert.Equal(t, []float64{want, 1}, obs[3:5], "best so far and its flag")

	// A diverged run moves the first one to history[1].
	res, err = n.Step(encode(t, space, spaces.Config{"lr": 1e-1, "opt": "sgd"}))
	require.NoError(t, err)
	obs = res.Obs
	assert.Equal(t, []float64{1, OutcomeDiverged, 1}, obs[segment(t, layout, "history[0].target").Offset:][:3])
	assert.Equal(t, []float64{1, want, 0}, obs[segment(t, layout, "history[1].target").Offset:][:3])
	assert.Equal(t, []float64{want, 1}, obs[3:5], "the diverged run does not change the best")
}

// bestConfigOf returns the index of the best non-diverged config of exp.
func bestConfigOf(tbl *tasks.Table, exp int) int {
	best, bestY := -1, 0.0
	for j := range tbl.NumConfigs(exp) {
		o := tbl.Outcome(exp, j)
		if !o.Diverged && (best < 0 || tbl.Meta().Direction.Better(o.Objective, bestY)) {
			best, bestY = j, o.Objective
		}
	}
	return best
}

func TestNumericDoesNotLeakTargetOutcomes(t *testing.T) {
	actions := [][]float64{{0.2, 0.7, 0}, {0.9, 0, 0.7}, {0.5, 0.7, 0}}
	run := func(flip bool) [][]float64 {
		core := viewEnv(t, viewToyTable(t, flip), Options{Split: Test, Trials: 3})
		n, err := NewNumeric(core)
		require.NoError(t, err)
		obs, _, err := n.Reset(env.SeedOf(3), nil)
		require.NoError(t, err)
		out := [][]float64{append([]float64(nil), obs...)}
		for _, a := range actions {
			res, err := n.Step(a)
			require.NoError(t, err)
			out = append(out, append([]float64(nil), res.Obs...))
		}
		return out
	}
	plain, flipped := run(false), run(true)
	core := viewEnv(t, viewToyTable(t, false), Options{Split: Test, Trials: 3})
	n, err := NewNumeric(core)
	require.NoError(t, err)
	// Only the agent's own target outcomes may differ.
	own := func(name string) bool {
		return name == "best_target_outcome" || strings.HasSuffix(name, ".outcome") || strings.HasSuffix(name, ".diverged")
	}
	assert.Equal(t, plain[0], flipped[0], "the reset observation ignores the target's outcomes")
	differs := false
	for k := 1; k < len(plain); k++ {
		for _, s := range n.Layout() {
			a, b := plain[k][s.Offset:s.Offset+s.Len], flipped[k][s.Offset:s.Offset+s.Len]
			if own(s.Name) {
				differs = differs || fmt.Sprint(a) != fmt.Sprint(b)
				continue
			}
			assert.Equal(t, a, b, "step %d, %s", k, s.Name)
		}
	}
	assert.True(t, differs, "the agent's own outcomes do show")
}

func TestNumericMultiFidelity(t *testing.T) {
	tbl := viewToyTable(t, false)
	core := viewEnv(t, tbl, Options{Setting: MultiFidelity, Split: Test, BudgetGPUHours: 3000})
	rec := NewRecorder(core)
	n, err := NewNumeric(rec)
	require.NoError(t, err)
	layout := n.Layout()
	assert.Equal(t, "Box(0, 1, (5,))", n.ActionSpace().String())
	obs, _, err := n.Reset(env.SeedOf(1), nil)
	require.NoError(t, err)
	assert.Equal(t, []float64{1, 1}, obs[1:3], "trials and budget left")
	assert.Zero(t, slots(t, layout, obs, "context[0].present")[0], "no free context")

	space := tbl.Meta().Space
	step := func(cfg spaces.Config, fid, stop float64) env.StepResult[[]float64] {
		t.Helper()
		res, err := n.Step(append(encode(t, space, cfg), fid, stop))
		require.NoError(t, err)
		return res
	}
	cases := []struct {
		fid  float64
		want string
	}{{0, "toy/p6"}, {0.24, "toy/p6"}, {0.25, "toy/p7"}, {0.6, "toy/p8"}, {0.99, "toy/p9"}, {1, "toy/p9"}}
	var ys []float64
	for i, c := range cases {
		cfg := spaces.Config{"lr": 1e-3, "opt": "adam"}
		res := step(cfg, c.fid, 0.5)
		ran, _ := res.Info.Get("experiment")
		assert.Equal(t, c.want, ran, "fidelity coordinate %g", c.fid)
		exp := mustIndex(t, tbl, c.want)
		j, ok := tbl.Lookup(exp, cfg)
		require.True(t, ok)
		ys = append(ys, tbl.Outcome(exp, j).Objective)
		// Outcomes are normalised over the episode's runs so far.
		lo, hi := ys[0], ys[0]
		for _, y := range ys {
			lo, hi = min(lo, y), max(hi, y)
		}
		got := slots(t, layout, res.Obs, "history[0].outcome")[0]
		if hi == lo {
			assert.Zero(t, got, "all runs so far alike")
		} else {
			assert.InDelta(t, (ys[i]-lo)/(hi-lo), got, 1e-12, "run %d", i)
		}
	}
	left := slots(t, layout, n.enc.buf, "budget_left")[0]
	assert.InDelta(t, (3000-1-1-10-100-1000-1000)/3000.0, left, 1e-9)

	res := step(spaces.Config{"lr": 1e-3, "opt": "adam"}, 0, 0.51)
	assert.True(t, res.Terminated, "stop coordinate above 0.5")
	assert.Len(t, rec.Last().History, len(cases), "a stop runs nothing")
}

func mustIndex(t testing.TB, tbl *tasks.Table, id string) int {
	t.Helper()
	i, ok := tbl.ExperimentIndex(id)
	require.True(t, ok, id)
	return i
}

func TestNumericOverBudgetStops(t *testing.T) {
	tbl := viewToyTable(t, false)
	core := viewEnv(t, tbl, Options{Setting: MultiFidelity, Split: Test, BudgetGPUHours: 50})
	rec := NewRecorder(core)
	n, err := NewNumeric(rec)
	require.NoError(t, err)
	_, _, err = n.Reset(env.SeedOf(1), nil)
	require.NoError(t, err)
	point := encode(t, tbl.Meta().Space, spaces.Config{"lr": 1e-2, "opt": "adam"})
	res, err := n.Step(append(point, 0, 0)) // toy/p6 costs 1
	require.NoError(t, err)
	assert.False(t, res.Terminated)
	assert.False(t, res.Info.Has("over_budget"))
	res, err = n.Step(append(point, 1, 0)) // the target costs 1000
	require.NoError(t, err)
	assert.True(t, res.Terminated)
	v, _ := res.Info.Num("over_budget")
	assert.Equal(t, 1.0, v)
	assert.Len(t, rec.Last().History, 1)
	_, err = n.Step(append(point, 0, 0))
	assert.ErrorIs(t, err, env.ErrEpisodeEnded)
}

func TestNumericActionDecodingHitsNearestCandidate(t *testing.T) {
	tbl := viewToyTable(t, false)
	core := viewEnv(t, tbl, Options{Split: Test, Trials: 50})
	n, err := NewNumeric(core)
	require.NoError(t, err)
	obs, _, err := n.Reset(env.SeedOf(1), nil)
	require.NoError(t, err)
	_ = obs
	p9 := mustIndex(t, tbl, "toy/p9")
	cands := tbl.Candidates(p9)
	space := tbl.Meta().Space
	rng := rand.New(rand.NewPCG(1, 2))
	for j := range cands.Len() {
		t.Run(space.Format(cands.Config(j)), func(t *testing.T) {
			// The candidate's own point, then jittered points.
			points := [][]float64{append([]float64(nil), cands.Point(j)...)}
			for range 5 {
				p := append([]float64(nil), cands.Point(j)...)
				for i := range p {
					p[i] = min(max(p[i]+0.2*(rng.Float64()-0.5), 0), 1)
				}
				points = append(points, p)
			}
			for _, p := range points {
				want := bruteNearest(cands, p)
				res, err := n.Step(p)
				require.NoError(t, err)
				ran, _ := res.Info.Get("run")
				assert.True(t, space.Equal(cands.Config(want), ran.(spaces.Config)), "point %v ran %v", p, ran)
				d, _ := res.Info.Num("distance")
				assert.Zero(t, d, "the view passes the canonical candidate")
			}
		})
	}
}

// bruteNearest is the index of the candidate nearest to p, by scanning.
func bruteNearest(cs *spaces.Candidates, p []float64) int {
	best, bestD := -1, math.Inf(1)
	for i := range cs.Len() {
		d := 0.0
		for k, x := range cs.Point(i) {
			d += (x - p[k]) * (x - p[k])
		}
		if d < bestD {
			best, bestD = i, d
		}
	}
	return best
}

func TestNumericActionErrors(t *testing.T) {
	core := viewEnv(t, viewToyTable(t, false), Options{Split: Test})
	n, err := NewNumeric(core)
	require.NoError(t, err)
	_, err = n.Step([]float64{0, 0, 0})
	assert.ErrorIs(t, err, env.ErrResetNeeded)
	_, _, err = n.Reset(env.SeedOf(1), nil)
	require.NoError(t, err)
	cases := []struct {
		name   string
		action []float64
		want   string
	}{
		{"short", []float64{0.5, 0.5}, "numeric action has length 2, want 3"},
		{"long", []float64{0.5, 0.5, 0.5, 0.5}, "numeric action has length 4, want 3"},
		{"nil", nil, "numeric action has length 0, want 3"},
		{"NaN", []float64{0.5, math.NaN(), 0}, "coordinate 1 is NaN, want a number in [0, 1]"},
		{"above", []float64{0.5, 0, 1.5}, "coordinate 2 is 1.5, want a number in [0, 1]"},
		{"below", []float64{-0.1, 0, 0}, "coordinate 0 is -0.1, want a number in [0, 1]"},
		{"inf", []float64{math.Inf(1), 0, 0}, "coordinate 0 is +Inf, want a number in [0, 1]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := n.Step(c.action)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
	_, err = NewNumeric(nil)
	assert.ErrorContains(t, err, "the env is nil")
	_, err = NewNumeric(fakeResearchEnv{})
	assert.ErrorContains(t, err, "is not a *research.Env and wraps none")
}

// fakeResearchEnv has the right type but no *Env inside.
type fakeResearchEnv struct{ env.Env[*Observation, Action] }

func TestNumericWorksOverWrappers(t *testing.T) {
	core := viewEnv(t, viewToyTable(t, false), Options{Split: Test})
	wrapped := env.NewTimeLimit[*Observation, Action](core, 2)
	n, err := NewNumeric(wrapped)
	require.NoError(t, err)
	assert.Same(t, wrapped, n.UnwrapEnv())
	got, ok := env.As[*Env](n)
	require.True(t, ok)
	assert.Same(t, core, got)
	_, _, err = n.Reset(env.SeedOf(1), nil)
	require.NoError(t, err)
	_, err = n.Step([]float64{0.5, 0.7, 0})
	require.NoError(t, err)
	res, err := n.Step([]float64{0.5, 0.7, 0})
	require.NoError(t, err)
	assert.True(t, res.Truncated, "the time limit inside the view")
}

// viewTasks lists the tasks whose default tables the view tests run on.
func viewTasks() []string { return Tasks() }

func TestNumericObservationAlwaysInSpace(t *testing.T) {
	for _, task := range viewTasks() {
		for _, setting := range []string{"extrapolate", "multi-fidelity"} {
			for _, split := range []string{"train", "test"} {
				t.Run(task+"/"+setting+"/"+split, func(t *testing.T) {
					core, err := NewFromOptions(task, env.Options{OptionSetting: setting, OptionSplit: split})
					require.NoError(t, err)
					defer core.Close()
					n, err := NewNumeric(core)
					require.NoError(t, err)
					space := n.ObservationSpace()
					dim := n.ObservationSpace().(*spaces.Box).Dim()
					rng := rand.New(rand.NewPCG(7, 7))
					for ep := range 4 {
						obs, _, err := n.Reset(env.SeedOf(uint64(ep)), nil)
						require.NoError(t, err)
						require.Len(t, obs, dim)
						require.True(t, space.Contains(obs), "reset of episode %d: %v", ep, obs)
						for step := 0; step < 300; step++ {
							a := n.ActionSpace().Sample(rng)
							if setting == "multi-fidelity" {
								a[len(a)-1] *= 0.6 // stop one step in six
							}
							res, err := n.Step(a)
							require.NoError(t, err)
							require.Len(t, res.Obs, dim)
							require.True(t, space.Contains(res.Obs), "episode %d step %d: %v", ep, step, res.Obs)
							if res.Done() {
								break
							}
						}
					}
				})
			}
		}
	}
}

func TestDiscrete(t *testing.T) {
	tbl := viewToyTable(t, false)
	// Both toy/p8 (8 configs) and toy/p9 (7) are test targets.
	core := viewEnv(t, tbl, Options{Split: Test, TestFraction: 0.5, Trials: 4})
	d, err := NewDiscrete(core)
	require.NoError(t, err)
	assert.Equal(t, "Discrete(8)", d.ActionSpace().String())
	n, err := NewNumeric(core)
	require.NoError(t, err)
	assert.Equal(t, n.Layout(), d.Layout(), "the numeric observation")
	assert.Equal(t, n.ObservationSpace(), d.ObservationSpace())

	_, err = d.Step(0)
	assert.ErrorIs(t, err, env.ErrResetNeeded)
	_, _, err = d.Reset(env.SeedOf(1), env.Options{"target": "toy/p9"})
	require.NoError(t, err)
	assert.Equal(t, []bool{true, true, true, true, true, true, true, false}, d.ActionMask())

	cases := []struct {
		action int
		want   string
	}{
		{-1, "discrete action -1 is outside Discrete(8)"},
		{8, "discrete action 8 is outside Discrete(8)"},
		{7, `discrete action 7: target "toy/p9" has only configs 0 to 6`},
	}
	for _, c := range cases {
		_, err := d.Step(c.action)
		assert.ErrorContains(t, err, c.want)
	}

	configs := tbl.Configs(mustIndex(t, tbl, "toy/p9"))
	for k, a := range []int{3, 0, 3} {
		res, err := d.Step(a)
		require.NoError(t, err)
		ran, _ := res.Info.Get("run")
		assert.True(t, tbl.Meta().Space.Equal(configs[a], ran.(spaces.Config)))
		left, _ := res.Info.Num("trials_left")
		assert.Equal(t, float64(3-k), left)
	}
	assert.Equal(t, []bool{false, true, true, false, true, true, true, false}, d.ActionMask())

	_, _, err = d.Reset(env.SeedOf(1), env.Options{"target": "toy/p8"})
	require.NoError(t, err)
	assert.Equal(t, []bool{true, true, true, true, true, true, true, true}, d.ActionMask(), "a new episode clears the mask")

	mf := viewEnv(t, tbl, Options{Setting: MultiFidelity, Split: Test})
	_, err = NewDiscrete(mf)
	assert.ErrorContains(t, err, "the discrete view needs extrapolate")
}

func TestRegisterViewsAndCheck(t *testing.T) {
	require.NoError(t, RegisterBuiltins())
	require.NoError(t, RegisterViews())
	require.NoError(t, RegisterViews(), "idempotent")
	ids := ViewIDs()
	require.Len(t, ids, 3*len(BuiltinIDs()))
	for _, id := range ids {
		info, ok := env.Lookup(id)
		require.True(t, ok, id)
		settings := []string{"extrapolate", "multi-fidelity"}
		switch {
		case strings.Contains(id, "-numeric-"):
			assert.Equal(t, "[]float64", info.ActionType, id)
		case strings.Contains(id, "-discrete-"):
			assert.Equal(t, "int", info.ActionType, id)
			settings = settings[:1]
		case strings.Contains(id, "-text-"):
			assert.Equal(t, "string", info.ObservationType, id)
		}
		for _, setting := range settings {
			t.Run(id+"/"+setting, func(t *testing.T) {
				assert.NoError(t, env.CheckRegistered(id, env.Options{OptionSetting: setting}, env.CheckEpisodes(4)))
			})
		}
	}
	vid, err := ViewID(PretrainID, "numeric")
	require.NoError(t, err)
	assert.Equal(t, "pretrain/steplaw-numeric-v0", vid)
	_, err = ViewID("nonsense", "numeric")
	assert.Error(t, err)

	_, err = env.Make[[]float64, int]("pretrain/steplaw-discrete-v0", env.Options{OptionSetting: "multi-fidelity"})
	assert.ErrorContains(t, err, "the discrete view needs extrapolate")
	_, err = env.Make[string, string]("pretrain/steplaw-text-v0", env.Options{OptionMaxInvalid: "three"})
	assert.ErrorContains(t, err, `option "max_invalid": is a string, want an integer`)
	e, err := env.Make[string, string]("pretrain/steplaw-text-v0", env.Options{OptionMaxInvalid: 1, OptionTrials: 7})
	require.NoError(t, err)
	defer e.Close()
	txt, ok := env.As[*Text](e)
	require.True(t, ok)
	assert.Equal(t, 1, txt.Options().MaxInvalid)
	assert.Equal(t, 7, txt.core.Options().Trials)
}

// TestNumericDirectStepMatchesWrapped checks that stepping the core by
// candidate index gives what stepping a wrapper of it by config gives:
// observations, rewards, ends and info, bit for bit, in both settings.
func TestNumericDirectStepMatchesWrapped(t *testing.T) {
	for _, setting := range []string{"extrapolate", "multi-fidelity"} {
		for _, task := range viewTasks() {
			t.Run(task+"/"+setting, func(t *testing.T) {
				opts := env.Options{OptionSetting: setting}
				direct, err := NewNumeric(viewCore(t, task, opts))
				require.NoError(t, err)
				require.True(t, direct.direct)
				wrapped, err := NewNumeric(env.NewOrderEnforcing[*Observation, Action](viewCore(t, task, opts)))
				require.NoError(t, err)
				require.False(t, wrapped.direct)
				r := rand.New(rand.NewPCG(3, 4))
				for ep := range 6 {
					a, _, err := direct.Reset(env.SeedOf(uint64(ep)), nil)
					require.NoError(t, err)
					b, _, err := wrapped.Reset(env.SeedOf(uint64(ep)), nil)
					require.NoError(t, err)
					require.Equal(t, a, b)
					for {
						act := direct.ActionSpace().Sample(r)
						if setting == "multi-fidelity" {
							act[len(act)-1] *= 0.6 // stop now and then
						}
						ra, errA := direct.Step(act)
						rb, errB := wrapped.Step(act)
						require.Equal(t, errA, errB)
						require.NoError(t, errA)
						require.Equal(t, ra.Obs, rb.Obs)
						require.Equal(t, ra.Reward, rb.Reward)
						require.Equal(t, ra.Terminated, rb.Terminated)
						require.Equal(t, ra.Info.Keys(), rb.Info.Keys())
						for _, k := range ra.Info.Keys() {
							va, _ := ra.Info.Get(k)
							vb, _ := rb.Info.Get(k)
							require.Equal(t, va, vb, k)
						}
						if ra.Done() {
							break
						}
					}
				}
			})
		}
	}
}
