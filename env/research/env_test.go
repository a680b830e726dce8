package research

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/internal/shareddata"
	"github.com/autollmresearch/gym/spaces"
	"github.com/autollmresearch/gym/tasks"
	"github.com/autollmresearch/gym/tasks/pretrain"
	_ "github.com/autollmresearch/gym/tasks/tablefile" // the tests write .parquet and .arrow tables
)

// fixtureTable builds a small table with two instances ("dataset" gsm and
// math) at three model sizes S < M < L, six learning rates each. The
// objective (a loss) is smallest at lr = 1e-3·2^size; the largest lr
// diverges; a run costs 1, 4 or 16 GPU hours by size, times (1 + lr
// index / 10).
func fixtureTable(t testing.TB) *tasks.Table {
	t.Helper()
	space := spaces.MustConfigSpace(spaces.LogDim("lr", 1e-5, 1))
	meta := tasks.Meta{
		Task:  "toy",
		Space: space,
		Fidelity: []tasks.FidelityColumn{
			{Name: "model", Levels: []string{"S", "M", "L"}},
			{Name: "dataset", Levels: []string{"gsm", "math"}},
		},
		Metrics:    []string{"loss"},
		Objective:  "loss",
		Direction:  tasks.Minimize,
		Provenance: tasks.Synthetic,
		CostSource: "estimated: fixture",
		Source:     "research package tests",
	}
	b, err := tasks.NewBuilder(meta)
	require.NoError(t, err)
	lrs := []float64{1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 1e-1}
	for size, model := range []string{"S", "M", "L"} {
		for d, dataset := range []string{"gsm", "math"} {
			opt := math.Log10(1e-3 * math.Pow(2, float64(size)))
			for k, lr := range lrs {
				loss := 3 - 0.3*float64(size) + 0.1*float64(d) + math.Pow(math.Log10(lr)-opt, 2)
				b.Add(tasks.Row{
					Experiment:   fmt.Sprintf("toy/%s-%s", model, dataset),
					Fidelity:     map[string]any{"model": model, "dataset": dataset},
					Config:       spaces.Config{"lr": lr},
					Metrics:      map[string]float64{"loss": loss},
					CostGPUHours: math.Pow(4, float64(size)) * (1 + float64(k)/10),
					Diverged:     k == len(lrs)-1,
				})
			}
		}
	}
	tbl, err := b.Build()
	require.NoError(t, err)
	t.Cleanup(tbl.Release)
	return tbl
}

func pretrainTable(t testing.TB) *tasks.Table {
	t.Helper()
	tbl, err := pretrain.Default()
	require.NoError(t, err)
	return tbl
}

func newEnv(t testing.TB, tbl *tasks.Table, opts Options) *Env {
	t.Helper()
	e, err := New(tbl, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = e.Close() })
	return e
}

// bestConfig scans the table for experiment id's best non-diverged config.
func bestConfig(t testing.TB, tbl *tasks.Table, id string) spaces.Config {
	t.Helper()
	exp, ok := tbl.ExperimentIndex(id)
	require.True(t, ok)
	best, bestY := -1, 0.0
	dir := tbl.Meta().Direction
	for j := range tbl.NumConfigs(exp) {
		o := tbl.Outcome(exp, j)
		if !o.Diverged && (best < 0 || dir.Better(o.Objective, bestY)) {
			best, bestY = j, o.Objective
		}
	}
	require.GreaterOrEqual(t, best, 0)
	return tbl.Config(exp, best)
}

func TestNewCuratesFixture(t *testing.T) {
	tbl := fixtureTable(t)
	tests := []struct {
		split Split
		want  []string
	}{
		{Train, []string{"toy/M-gsm", "toy/M-math"}},
		{Test, []string{"toy/L-gsm", "toy/L-math"}},
	}
	for _, tc := range tests {
		t.Run(tc.split.String(), func(t *testing.T) {
			e := newEnv(t, tbl, Options{Split: tc.split})
			assert.Equal(t, tc.want, e.Targets())
			assert.ElementsMatch(t, []string{"toy/L-gsm", "toy/L-math"}, e.Split().Test)
		})
	}

	e := newEnv(t, tbl, Options{Split: Test, Target: "toy/L-math"})
	obs, _, err := e.Reset(env.SeedOf(3), nil)
	require.NoError(t, err)
	require.Equal(t, 2, obs.Context.Len())
	assert.Equal(t, "toy/S-math", obs.Context.Fidelity(0).Experiment, "context is the target's group, cheap first")
	assert.Equal(t, "toy/M-math", obs.Context.Fidelity(1).Experiment)
	assert.Equal(t, "dataset=math", obs.Target.Group)
	assert.Equal(t, []float64{1, 1}, obs.Target.Features, "levelled coordinates map to index/(levels-1)")
	assert.Equal(t, []float64{0.5, 1}, obs.Context.Fidelity(1).Features)
	assert.Equal(t, 16*1.25, obs.Target.CostPerRun, "median of 16·{1, 1.1, ..., 1.5}")
	assert.Equal(t, 16.0, obs.Target.MinCost)
	assert.InDelta(t, 16*1.5, obs.Target.MaxCost, 1e-12)
	assert.Len(t, obs.TargetConfigs, 6)
	assert.Equal(t, []string{"toy/L-math"}, ids(obs.Fidelities))
	assert.True(t, math.IsInf(obs.BudgetLeft, 1))
	assert.Equal(t, DefaultTrials, obs.TrialsLeft)

	mf := newEnv(t, tbl, Options{Split: Test, Setting: MultiFidelity, Target: "toy/L-gsm"})
	obs, _, err = mf.Reset(env.SeedOf(3), nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"toy/S-gsm", "toy/M-gsm", "toy/L-gsm"}, ids(obs.Fidelities), "cheap to expensive, target last")
	assert.Equal(t, 0, obs.Context.Len())
	assert.InDelta(t, 5*16*1.5, obs.BudgetLeft, 1e-9, "K runs of the dearest target config")
}

func ids(fs []Fidelity) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Experiment
	}
	return out
}

func TestPretrainFeaturesAndOrder(t *testing.T) {
	tbl := pretrainTable(t)
	exps := tbl.Experiments()
	e := newEnv(t, tbl, Options{Split: Test, Target: exps[len(exps)-1].ID})
	obs, _, err := e.Reset(env.SeedOf(1), nil)
	require.NoError(t, err)
	require.Positive(t, obs.Context.Len())
	for _, f := range append([]Fidelity{obs.Target}, contextFids(obs)...) {
		require.Len(t, f.Features, len(tbl.Meta().Fidelity))
		for _, x := range f.Features {
			assert.True(t, x >= 0 && x <= 1, "feature %v of %s in [0, 1]", x, f.Experiment)
		}
	}
	assert.Equal(t, []float64{1, 1, 1}, obs.Target.Features, "the most expensive cell has the largest compute, N and D")
	for i := 1; i < obs.Context.Len(); i++ {
		assert.Less(t, obs.Context.Fidelity(i-1).Rank, obs.Context.Fidelity(i).Rank)
	}
	assert.Less(t, obs.Context.Fidelity(obs.Context.Len()-1).Rank, obs.Target.Rank)
}

func contextFids(obs *Observation) []Fidelity {
	var out []Fidelity
	for i := range obs.Context.Len() {
		out = append(out, obs.Context.Fidelity(i))
	}
	return out
}

func TestResetDeterminism(t *testing.T) {
	e := newEnv(t, pretrainTable(t), Options{})
	targetOf := func(seed env.Seed) string {
		obs, info, err := e.Reset(seed, nil)
		require.NoError(t, err)
		got, _ := info.Get("target")
		require.Equal(t, obs.Target.Experiment, got)
		return obs.Target.Experiment
	}
	seen := map[string]bool{}
	for seed := range uint64(40) {
		first := targetOf(env.SeedOf(seed))
		next := targetOf(env.NoSeed)
		assert.Equal(t, first, targetOf(env.SeedOf(seed)), "seed %d", seed)
		assert.Equal(t, next, targetOf(env.NoSeed), "the stream after seed %d", seed)
		seen[first] = true
	}
	assert.Greater(t, len(seen), 5, "seeds spread over the targets")

	// The same seed and actions give the same episode.
	play := func() []Trial {
		_, _, err := e.Reset(env.SeedOf(7), nil)
		require.NoError(t, err)
		rng := rand.New(rand.NewPCG(1, 2))
		var hist []Trial
		for {
			a := e.ActionSpace().Sample(rng)
			r, err := e.Step(a)
			require.NoError(t, err)
			hist = slices.Clone(r.Obs.History)
			if r.Done() {
				return hist
			}
		}
	}
	assert.Equal(t, play(), play())
}

func TestResetOptions(t *testing.T) {
	e := newEnv(t, pretrainTable(t), Options{})
	target := e.Targets()[3]
	obs, _, err := e.Reset(env.SeedOf(1), env.Options{ResetOptionTarget: target})
	require.NoError(t, err)
	assert.Equal(t, target, obs.Target.Experiment)

	tests := []struct {
		name string
		opts env.Options
		want string
	}{
		{"unknown key", env.Options{"trials": 3}, `unknown option "trials"`},
		{"wrong type", env.Options{"target": 3}, `option "target" is a int, want a string`},
		{"test target", env.Options{"target": e.Split().Test[0]}, "held out in the test split"},
		{"cheapest", env.Options{"target": e.Split().Train[0]}, "cheapest experiment of its group"},
		{"unknown target", env.Options{"target": "pretrain/nope"}, `"pretrain/nope" is not a target of the train split: the table has no such experiment`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := e.Reset(env.SeedOf(1), tc.opts)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			_, err = e.Step(Action{Stop: true})
			assert.ErrorIs(t, err, env.ErrResetNeeded, "no episode after a failed Reset")
		})
	}
}

// TestReturnIsOneMinusFinalRegret plays random episodes and checks that the
// rewards add up to 1 − the final regret and that the info's regret is the
// best trial regret at the target.
func TestReturnIsOneMinusFinalRegret(t *testing.T) {
	tables := map[string]*tasks.Table{"pretrain": pretrainTable(t), "fixture": fixtureTable(t)}
	for name, tbl := range tables {
		for _, setting := range []Setting{Extrapolate, MultiFidelity} {
			t.Run(name+"/"+setting.String(), func(t *testing.T) {
				e := newEnv(t, tbl, Options{Setting: setting})
				rng := rand.New(rand.NewPCG(5, 6))
				for ep := range 30 {
					_, _, err := e.Reset(env.SeedOf(uint64(ep)), nil)
					require.NoError(t, err)
					sum, best := 0.0, 1.0
					for {
						a := e.ActionSpace().Sample(rng)
						r, err := e.Step(a)
						require.NoError(t, err)
						assert.GreaterOrEqual(t, r.Reward, 0.0)
						sum += r.Reward
						if !a.Stop {
							tr := r.Obs.History[len(r.Obs.History)-1]
							if tr.Target {
								regret, _ := r.Info.Num("trial_regret")
								best = min(best, regret)
							}
						}
						regret, _ := r.Info.Num("regret")
						assert.Equal(t, best, regret)
						if r.Done() {
							assert.InDelta(t, 1-regret, sum, 1e-12)
							assert.Equal(t, regret, e.Regret())
							break
						}
					}
				}
			})
		}
	}
}

func TestPlayingTheBestConfigReachesZeroRegret(t *testing.T) {
	tbl := pretrainTable(t)
	e := newEnv(t, tbl, Options{})
	for _, target := range e.Targets() {
		obs, _, err := e.Reset(env.SeedOf(1), env.Options{"target": target})
		require.NoError(t, err)
		best := bestConfig(t, tbl, target)
		cand, cfg, err := e.Oracle()
		require.NoError(t, err)
		assert.Equal(t, best, cfg)
		tr, err := e.TargetRegret(cand)
		require.NoError(t, err)
		assert.Equal(t, 0.0, tr)

		r, err := e.Step(Action{Config: spaces.Config{"lr": 1e-5, "bs": 1.0}})
		require.NoError(t, err)
		first, _ := r.Info.Num("regret")
		r, err = e.Step(Action{Config: best, Experiment: target})
		require.NoError(t, err)
		regret, _ := r.Info.Num("regret")
		assert.Equal(t, 0.0, regret, target)
		assert.InDelta(t, first, r.Reward, 1e-15)
		assert.Equal(t, obs.Target.Experiment, r.Obs.History[1].Experiment)
		assert.Equal(t, DefaultTrials-2, r.Obs.TrialsLeft)
		assert.False(t, r.Done())
	}
}

func TestOffGridProposalIsMatchedToNearest(t *testing.T) {
	tbl := pretrainTable(t)
	e := newEnv(t, tbl, Options{})
	obs, _, err := e.Reset(env.SeedOf(2), nil)
	require.NoError(t, err)
	exp, _ := tbl.ExperimentIndex(obs.Target.Experiment)
	space := tbl.Meta().Space

	asked := spaces.Config{"lr": 0.0031, "bs": 300} // an int where a float is canonical
	r, err := e.Step(Action{Config: asked})
	require.NoError(t, err)

	// Brute force: the candidate with the smallest encoded distance.
	want, wantD := -1, math.Inf(1)
	for j, c := range tbl.Configs(exp) {
		d, err := space.Distance(asked, c)
		require.NoError(t, err)
		if d < wantD {
			want, wantD = j, d
		}
	}
	tr := r.Obs.History[0]
	assert.Equal(t, want, tr.Candidate)
	assert.InDelta(t, wantD, tr.Distance, 1e-12)
	assert.Positive(t, tr.Distance)
	run, _ := r.Info.Get("run")
	assert.Equal(t, tbl.Config(exp, want), run)
	gotAsked, _ := r.Info.Get("asked")
	assert.Equal(t, asked, gotAsked)
	assert.Equal(t, asked, tr.Asked)
	d, _ := r.Info.Num("distance")
	assert.Equal(t, tr.Distance, d)
	o := tbl.Outcome(exp, want)
	assert.Equal(t, o.Objective, tr.Objective)
	assert.Equal(t, o.CostGPUHours, tr.Cost)

	// A canonical config is found exactly.
	c := tbl.Config(exp, 7)
	r, err = e.Step(Action{Config: c})
	require.NoError(t, err)
	assert.Equal(t, 7, r.Obs.History[1].Candidate)
	assert.Equal(t, 0.0, r.Obs.History[1].Distance)
}

func TestStepErrors(t *testing.T) {
	tbl := fixtureTable(t)
	ok := spaces.Config{"lr": 1e-3}
	tests := []struct {
		name    string
		setting Setting
		action  Action
		inSpace bool // well formed, refused only by the episode
		want    []string
	}{
		{"unknown knob", Extrapolate, Action{Config: spaces.Config{"lr": 1e-3, "momentum": 0.9}}, false,
			[]string{`Action.Config for experiment "toy/M-gsm"`, `"momentum"`, "unknown"}},
		{"missing knob", Extrapolate, Action{Config: spaces.Config{}}, false, []string{`"lr"`, "missing"}},
		{"nil config", Extrapolate, Action{}, false, []string{`"lr"`, "missing"}},
		{"out of range", Extrapolate, Action{Config: spaces.Config{"lr": 5.0}}, false, []string{`"lr"`, "out of range"}},
		{"wrong type", Extrapolate, Action{Config: spaces.Config{"lr": "fast"}}, false, []string{`"lr"`}},
		{"NaN", Extrapolate, Action{Config: spaces.Config{"lr": math.NaN()}}, false, []string{`"lr"`}},
		{"lower fidelity in extrapolate", Extrapolate, Action{Config: ok, Experiment: "toy/S-gsm"}, true,
			[]string{`Action.Experiment is "toy/S-gsm"`, `runs only the target: want "" or "toy/M-gsm"`}},
		{"other group", MultiFidelity, Action{Config: ok, Experiment: "toy/S-math"}, true,
			[]string{`"toy/S-math", which this episode cannot run`, "toy/S-gsm, toy/M-gsm"}},
		{"test experiment", MultiFidelity, Action{Config: ok, Experiment: "toy/L-gsm"}, true, []string{`"toy/L-gsm", which this episode cannot run`}},
		{"unknown experiment", MultiFidelity, Action{Config: ok, Experiment: "toy/XL"}, false, []string{`"toy/XL"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tbl, Options{Setting: tc.setting, Target: "toy/M-gsm"})
			_, _, err := e.Reset(env.SeedOf(1), nil)
			require.NoError(t, err)
			_, err = e.Step(tc.action)
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.Equal(t, tc.inSpace, e.ActionSpace().Contains(tc.action))
			// The refused action changed nothing.
			r, err := e.Step(Action{Config: ok})
			require.NoError(t, err)
			assert.Equal(t, 1, r.Obs.Step)
			assert.Len(t, r.Obs.History, 1)
		})
	}
}

func TestStepOutOfOrder(t *testing.T) {
	e := newEnv(t, fixtureTable(t), Options{Trials: 2})
	_, err := e.Step(Action{Config: spaces.Config{"lr": 1e-3}})
	assert.ErrorIs(t, err, env.ErrResetNeeded)

	_, _, err = e.Reset(env.SeedOf(1), nil)
	require.NoError(t, err)
	for i := range 2 {
		r, err := e.Step(Action{Config: spaces.Config{"lr": 1e-3}})
		require.NoError(t, err)
		assert.Equal(t, i == 1, r.Terminated, "step %d", i)
		assert.False(t, r.Truncated)
	}
	_, err = e.Step(Action{Config: spaces.Config{"lr": 1e-3}})
	assert.ErrorIs(t, err, env.ErrEpisodeEnded)

	_, _, err = e.Reset(env.NoSeed, nil)
	require.NoError(t, err)
	r, err := e.Step(Action{Stop: true})
	require.NoError(t, err)
	assert.True(t, r.Terminated)
	assert.Equal(t, 0.0, r.Reward)
	regret, _ := r.Info.Num("regret")
	assert.Equal(t, 1.0, regret)
	_, err = e.Step(Action{Stop: true})
	assert.ErrorIs(t, err, env.ErrEpisodeEnded)

	require.NoError(t, e.Close())
	require.NoError(t, e.Close())
	_, _, err = e.Reset(env.NoSeed, nil)
	assert.ErrorIs(t, err, env.ErrClosed)
	_, err = e.Step(Action{Stop: true})
	assert.ErrorIs(t, err, env.ErrClosed)
}

func TestMultiFidelityBudget(t *testing.T) {
	tbl := fixtureTable(t)
	// Target toy/M-gsm: config k costs 4·(1 + k/10); below it, at
	// toy/S-gsm, config k costs 1 + k/10.
	e := newEnv(t, tbl, Options{Setting: MultiFidelity, BudgetGPUHours: 10, Target: "toy/M-gsm"})
	obs, _, err := e.Reset(env.SeedOf(1), nil)
	require.NoError(t, err)
	assert.Equal(t, 10.0, obs.BudgetLeft)
	lr := func(k int) spaces.Config {
		return spaces.Config{"lr": []float64{1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 1e-1}[k]}
	}

	r, err := e.Step(Action{Config: lr(0)})
	require.NoError(t, err)
	assert.Equal(t, 4.0, r.Obs.Spent)
	assert.Equal(t, 6.0, r.Obs.BudgetLeft)
	left, _ := r.Info.Num("budget_left")
	assert.Equal(t, 6.0, left)
	assert.Equal(t, DefaultTrials-1, r.Obs.TrialsLeft)

	// A cheap probe below the target: no trial used, no reward.
	r, err = e.Step(Action{Config: lr(2), Experiment: "toy/S-gsm"})
	require.NoError(t, err)
	assert.InDelta(t, 5.2, r.Obs.Spent, 1e-12)
	assert.InDelta(t, 4.8, r.Obs.BudgetLeft, 1e-12)
	assert.Equal(t, 0.0, r.Reward)
	assert.Equal(t, DefaultTrials-1, r.Obs.TrialsLeft)
	tgt, _ := r.Info.Num("target_trials")
	assert.Equal(t, 1.0, tgt)
	assert.False(t, r.Obs.History[1].Target)
	assert.False(t, r.Done())

	// Config 4 at the target costs 5.6: refused, nothing changes.
	_, err = e.Step(Action{Config: lr(4), Experiment: "toy/M-gsm"})
	require.ErrorIs(t, err, ErrOverBudget)
	var ob *OverBudgetError
	require.ErrorAs(t, err, &ob)
	assert.Equal(t, "toy/M-gsm", ob.Experiment)
	assert.Equal(t, 4, ob.Config)
	assert.InDelta(t, 5.6, ob.Cost, 1e-12)
	assert.InDelta(t, 4.8, ob.BudgetLeft, 1e-12)
	assert.Contains(t, err.Error(), `config 4 at experiment "toy/M-gsm" costs 5.6 GPU hours but only 4.8 are left`)
	assert.Len(t, e.obs.History, 2)

	// Config 0 at the target (4) fits; the 0.8 left cannot pay for the
	// cheapest run (1 at toy/S-gsm), so the episode ends.
	r, err = e.Step(Action{Config: lr(0)})
	require.NoError(t, err)
	assert.InDelta(t, 0.8, r.Obs.BudgetLeft, 1e-12)
	assert.True(t, r.Terminated)
	assert.Equal(t, DefaultTrials-2, r.Obs.TrialsLeft)

	sum := 0.0
	for _, tr := range r.Obs.History {
		sum += tr.Cost
	}
	assert.InDelta(t, sum, r.Obs.Spent, 1e-12)
	spent, _ := r.Info.Num("spent")
	assert.Equal(t, r.Obs.Spent, spent)
}

func TestMultiFidelityDefaultBudgetFitsTrials(t *testing.T) {
	// Budget = Trials × median cost: K runs of a median config fit exactly.
	tbl := pretrainTable(t)
	e := newEnv(t, tbl, Options{Setting: MultiFidelity})
	for _, target := range e.Targets() {
		obs, _, err := e.Reset(env.NoSeed, env.Options{"target": target})
		require.NoError(t, err)
		cfg := obs.TargetConfigs[0]
		for i := range DefaultTrials {
			r, err := e.Step(Action{Config: cfg})
			require.NoError(t, err, "%s trial %d", target, i)
			assert.Equal(t, i == DefaultTrials-1, r.Terminated)
		}
	}
}

// TestTrainSplitNeverTouchesTest runs many train-split episodes with random
// actions at every allowed experiment and checks that no observation and
// no trial ever involves a test experiment, and that asking for one is
// refused.
func TestTrainSplitNeverTouchesTest(t *testing.T) {
	type source struct {
		name  string
		table func(testing.TB) *tasks.Table
	}
	sources := []source{{"fixture", fixtureTable}}
	for _, b := range builtins() {
		sources = append(sources, source{b.Name, func(t testing.TB) *tasks.Table {
			tbl, err := b.Default()
			require.NoError(t, err)
			return tbl
		}})
	}
	for _, src := range sources {
		for _, setting := range []Setting{Extrapolate, MultiFidelity} {
			t.Run(src.name+"/"+setting.String(), func(t *testing.T) {
				tbl := src.table(t)
				e := newEnv(t, tbl, Options{Setting: setting})
				test := e.Split().Test
				require.NotEmpty(t, test)
				held := func(id string) bool { return slices.Contains(test, id) }
				rng := rand.New(rand.NewPCG(11, 12))
				episodes := 200
				if testing.Short() {
					episodes = 40
				}
				for ep := range episodes {
					obs, _, err := e.Reset(env.SeedOf(uint64(ep)), nil)
					require.NoError(t, err)
					check := func(obs *Observation) {
						require.False(t, held(obs.Target.Experiment), "target %s", obs.Target.Experiment)
						for _, f := range obs.Fidelities {
							require.False(t, held(f.Experiment), "fidelity %s", f.Experiment)
						}
						for _, f := range contextFids(obs) {
							require.False(t, held(f.Experiment), "context %s", f.Experiment)
						}
						for _, tr := range obs.History {
							require.False(t, held(tr.Experiment), "trial at %s", tr.Experiment)
						}
					}
					check(obs)
					for step := 0; step < 1000; step++ {
						// Asking for a test experiment is always refused.
						_, err := e.Step(Action{Config: obs.TargetConfigs[0], Experiment: test[rng.IntN(len(test))]})
						require.Error(t, err)
						a := e.ActionSpace().Sample(rng)
						if !a.Stop && setting == MultiFidelity {
							// Cycle through every allowed id, "" included.
							k := step % (len(obs.Fidelities) + 1)
							a.Experiment = ""
							if k < len(obs.Fidelities) {
								a.Experiment = obs.Fidelities[k].Experiment
							}
						}
						r, err := e.Step(a)
						if errors.Is(err, ErrOverBudget) {
							continue
						}
						require.NoError(t, err)
						check(r.Obs)
						if exp, ok := r.Info.Get("experiment"); ok {
							require.False(t, held(exp.(string)))
						}
						if r.Done() {
							break
						}
					}
				}
			})
		}
	}
}

func TestCheckRegistered(t *testing.T) {
	require.NoError(t, RegisterBuiltins())
	require.NoError(t, RegisterBuiltins(), "idempotent")
	for _, id := range BuiltinIDs() {
		info, ok := env.Lookup(id)
		require.True(t, ok, id)
		assert.Equal(t, "*research.Observation", info.ObservationType)
		assert.Equal(t, "research.Action", info.ActionType)
		for _, setting := range []string{"extrapolate", "multi-fidelity"} {
			for _, split := range []string{"train", "test"} {
				t.Run(fmt.Sprintf("%s/%s/%s", id, setting, split), func(t *testing.T) {
					err := env.CheckRegistered(id, env.Options{OptionSetting: setting, OptionSplit: split}, env.CheckEpisodes(5))
					assert.NoError(t, err)
				})
			}
		}
	}
}

func TestCheckFixture(t *testing.T) {
	for _, setting := range []Setting{Extrapolate, MultiFidelity} {
		e := newEnv(t, fixtureTable(t), Options{Setting: setting})
		assert.NoError(t, env.Check[*Observation, Action](e, env.CheckEpisodes(20)), setting.String())
	}
}

func TestSpaces(t *testing.T) {
	e := newEnv(t, fixtureTable(t), Options{Setting: MultiFidelity})
	as, obsSp := e.ActionSpace(), e.ObservationSpace()
	tests := []struct {
		name string
		a    Action
		want bool
	}{
		{"stop", Action{Stop: true}, true},
		{"target", Action{Config: spaces.Config{"lr": 0.01}}, true},
		{"table experiment", Action{Config: spaces.Config{"lr": 0.01}, Experiment: "toy/L-math"}, true},
		{"unknown experiment", Action{Config: spaces.Config{"lr": 0.01}, Experiment: "toy/XL"}, false},
		{"bad config", Action{Config: spaces.Config{"lr": 2.0}}, false},
		{"no config", Action{}, false},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, as.Contains(tc.a), tc.name)
	}
	obs, _, err := e.Reset(env.SeedOf(1), nil)
	require.NoError(t, err)
	assert.True(t, obsSp.Contains(obs))
	r, err := e.Step(Action{Config: spaces.Config{"lr": 0.01}})
	require.NoError(t, err)
	kept := obsSp.(spaces.Cloner[*Observation]).Clone(r.Obs)
	assert.True(t, obsSp.Contains(kept))
	_, err = e.Step(Action{Config: spaces.Config{"lr": 0.001}})
	require.NoError(t, err)
	assert.Len(t, kept.History, 1, "a clone does not see later steps")

	bad := *kept
	bad.Fidelities = bad.Fidelities[:1]
	assert.False(t, obsSp.Contains(&bad))
	bad = *kept
	bad.TrialsLeft = 99
	assert.False(t, obsSp.Contains(&bad))
	assert.False(t, obsSp.Contains(nil))
	assert.Contains(t, obsSp.String(), "toy, multi-fidelity, 2 targets")
	assert.Equal(t, spaces.TypeDict, obsSp.Describe().Type)
	assert.Equal(t, spaces.TypeConfig, as.Describe().Spaces["config"].Type)
}

func TestNewOptionErrors(t *testing.T) {
	tbl := fixtureTable(t)
	tests := []struct {
		name string
		opts Options
		want []string
	}{
		{"setting", Options{Setting: 9}, []string{"Setting is 9"}},
		{"split", Options{Split: 7}, []string{"Split is 7"}},
		{"trials", Options{Trials: -1}, []string{"Trials is -1"}},
		{"budget NaN", Options{Setting: MultiFidelity, BudgetGPUHours: math.NaN()}, []string{"BudgetGPUHours is NaN"}},
		{"budget extrapolate", Options{BudgetGPUHours: 3}, []string{"Extrapolate setting has no budget"}},
		{"budget too small", Options{Setting: MultiFidelity, BudgetGPUHours: 0.5}, []string{"cannot pay for a single run", "toy/M-gsm (cheapest run 1)"}},
		{"test fraction", Options{TestFraction: 1}, []string{"TestFraction is 1"}},
		{"slots", Options{ContextSlots: -2, HistorySlots: -1, ContextTop: -3}, []string{"ContextSlots is -2", "HistorySlots is -1", "ContextTop is -3"}},
		{"several", Options{Trials: -4, Split: 5}, []string{"Trials is -4", "Split is 5"}},
		{"test target in train", Options{Target: "toy/L-gsm"}, []string{"held out in the test split", "targets: toy/M-gsm, toy/M-math"}},
		{"train target in test", Options{Split: Test, Target: "toy/M-gsm"}, []string{"in the train split"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tbl, tc.opts)
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
	_, err := New(nil, Options{})
	assert.ErrorContains(t, err, "table is nil")
}

func TestOptionsDefaults(t *testing.T) {
	e := newEnv(t, fixtureTable(t), Options{})
	assert.Equal(t, Options{Setting: Extrapolate, Split: Train, Trials: 5, TestFraction: DefaultTestFraction, ContextSlots: 4, HistorySlots: 5, ContextTop: 3}, e.Options())
	e = newEnv(t, fixtureTable(t), Options{Setting: MultiFidelity, Trials: 3})
	assert.Equal(t, Options{Setting: MultiFidelity, Split: Train, Trials: 3, TestFraction: DefaultTestFraction, ContextSlots: 4, HistorySlots: 16, ContextTop: 3}, e.Options())
}

func TestOptionsFromEnvOptions(t *testing.T) {
	tests := []struct {
		name string
		in   env.Options
		want Options
		path string
		err  []string
	}{
		{"empty", nil, Options{}, "", nil},
		{"all", env.Options{
			"setting": "multi-fidelity", "split": "test", "trials": 7, "budget_gpu_hours": 12,
			"target": "x", "table": "t.parquet", "test_fraction": 0.25,
			"context_slots": int64(2), "history_slots": float64(8), "context_top": uint8(1),
		}, Options{Setting: MultiFidelity, Split: Test, Trials: 7, BudgetGPUHours: 12, Target: "x",
			TestFraction: 0.25, ContextSlots: 2, HistorySlots: 8, ContextTop: 1}, "t.parquet", nil},
		{"typed", env.Options{"setting": Extrapolate, "split": Train}, Options{Setting: Extrapolate, Split: Train}, "", nil},
		{"unknown key", env.Options{"budget": 3}, Options{}, "", []string{`option "budget": unknown option (known: budget_gpu_hours`}},
		{"bad setting", env.Options{"setting": "fast"}, Options{}, "", []string{`option "setting": is "fast", want "extrapolate" or "multi-fidelity"`}},
		{"bad split", env.Options{"split": 1}, Options{}, "", []string{`option "split": is a int, want "train" or "test"`}},
		{"fractional trials", env.Options{"trials": 2.5}, Options{}, "", []string{`option "trials": is 2.5, want a whole number`}},
		{"string trials", env.Options{"trials": "5"}, Options{}, "", []string{`option "trials": is a string, want an integer`}},
		{"bad budget", env.Options{"budget_gpu_hours": "lots"}, Options{}, "", []string{`option "budget_gpu_hours": is a string, want a number`}},
		{"bad table", env.Options{"table": 3}, Options{}, "", []string{`option "table": is a int, want a string`}},
		{"two problems", env.Options{"trials": "x", "target": 1}, Options{}, "", []string{`"target"`, `"trials"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, path, err := OptionsFromEnvOptions(tc.in)
			if tc.err != nil {
				require.Error(t, err)
				for _, w := range tc.err {
					assert.Contains(t, err.Error(), w)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.path, path)
		})
	}
}

func TestNewFromOptions(t *testing.T) {
	def, err := NewFromOptions("pretrain", env.Options{"setting": "extrapolate"})
	require.NoError(t, err)
	defer def.Close()

	// The same env over the default table written to a file, in every
	// format.
	dir := t.TempDir()
	for _, name := range []string{"pretrain.parquet", "pretrain.csv", "pretrain.arrow"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			require.NoError(t, tasks.WriteFile(path, pretrainTable(t)))
			e, err := NewFromOptions("pretrain", env.Options{"table": path})
			require.NoError(t, err)
			defer e.Close()
			assert.Equal(t, def.Targets(), e.Targets())
			a, _, err := def.Reset(env.SeedOf(4), nil)
			require.NoError(t, err)
			b, _, err := e.Reset(env.SeedOf(4), nil)
			require.NoError(t, err)
			assert.Equal(t, a.Target, b.Target)
			cfg := a.TargetConfigs[3]
			ra, err := def.Step(Action{Config: cfg})
			require.NoError(t, err)
			rb, err := e.Step(Action{Config: cfg})
			require.NoError(t, err)
			assert.Equal(t, ra.Reward, rb.Reward)
			assert.Equal(t, ra.Obs.History, rb.Obs.History)
		})
	}

	tests := []struct {
		name string
		task string
		opts env.Options
		want string
	}{
		{"unknown task", "chess", nil, `unknown task "chess" (want one of pretrain, arch, mixture`},
		{"missing file", "pretrain", env.Options{"table": filepath.Join(dir, "none.parquet")}, "none.parquet"},
		{"bad extension", "pretrain", env.Options{"table": filepath.Join(dir, "t.xlsx")}, "xlsx"},
		{"wrong task", "arch", env.Options{"table": filepath.Join(dir, "pretrain.parquet")}, `holds a "pretrain" table, want a "arch" one`},
		{"bad option", "arch", env.Options{"trials": -1}, "Trials is -1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewFromOptions(tc.task, tc.opts)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestSettingAndSplitNames(t *testing.T) {
	for _, s := range []Setting{Extrapolate, MultiFidelity} {
		got, err := ParseSetting(s.String())
		require.NoError(t, err)
		assert.Equal(t, s, got)
	}
	for _, s := range []Split{Train, Test} {
		got, err := ParseSplit(s.String())
		require.NoError(t, err)
		assert.Equal(t, s, got)
	}
	assert.Equal(t, "Setting(9)", Setting(9).String())
	assert.Equal(t, "Split(0)", Split(0).String())
	_, err := ParseSplit("validation")
	assert.ErrorContains(t, err, `unknown split "validation"`)
}

func TestAccessorsBeforeReset(t *testing.T) {
	e := newEnv(t, fixtureTable(t), Options{})
	_, err := e.TargetRegret(0)
	assert.ErrorContains(t, err, "before Reset")
	_, _, err = e.Oracle()
	assert.ErrorContains(t, err, "before Reset")
	_, _, err = e.Reset(env.SeedOf(1), env.Options{"target": "toy/M-math"})
	require.NoError(t, err)
	_, err = e.TargetRegret(6)
	assert.ErrorContains(t, err, `target "toy/M-math" has configs 0 to 5`)
	r, err := e.TargetRegret(5)
	require.NoError(t, err)
	assert.Equal(t, 1.0, r, "a diverged config has regret 1")
	f, ok := e.Fidelity("toy/S-gsm")
	require.True(t, ok)
	assert.Equal(t, 0, f.Rank)
	_, ok = e.Fidelity("nope")
	assert.False(t, ok)
}

func TestStepDoesNotAllocate(t *testing.T) {
	e := newEnv(t, pretrainTable(t), Options{})
	obs, _, err := e.Reset(env.SeedOf(1), nil)
	require.NoError(t, err)
	cfgs := obs.TargetConfigs
	i := 0
	step := func() {
		r, err := e.Step(Action{Config: cfgs[i%len(cfgs)]})
		if err != nil {
			panic(err)
		}
		i++
		if r.Done() {
			if _, _, err := e.Reset(env.NoSeed, nil); err != nil {
				panic(err)
			}
			cfgs = e.obs.TargetConfigs
		}
	}
	step() // grow buffers
	for range 2 * DefaultTrials {
		step()
	}
	assert.Zero(t, testing.AllocsPerRun(200, step))
}

// TestRealStepLaw runs the env over the published Step Law runs, imported
// and written as a canonical table file, as an imported real table is used.
func TestRealStepLaw(t *testing.T) {
	src := shareddata.Require(t, shareddata.StepLaw)
	tbl, err := pretrain.ImportFile(src)
	require.NoError(t, err)
	defer tbl.Release()
	path := filepath.Join(t.TempDir(), "steplaw.parquet")
	require.NoError(t, tasks.WriteFile(path, tbl))

	for _, setting := range []string{"extrapolate", "multi-fidelity"} {
		e, err := NewFromOptions("pretrain", env.Options{"table": path, "setting": setting})
		require.NoError(t, err)
		assert.NoError(t, env.Check[*Observation, Action](e, env.CheckEpisodes(10)), setting)
		obs, _, err := e.Reset(env.SeedOf(1), nil)
		require.NoError(t, err)
		best := bestConfig(t, tbl, obs.Target.Experiment)
		r, err := e.Step(Action{Config: best})
		require.NoError(t, err)
		assert.Equal(t, 1.0, r.Reward, "the best config of the target has regret 0")
		require.NoError(t, e.Close())
	}
}

func TestDefaultTable(t *testing.T) {
	for _, task := range Tasks() {
		tbl, err := DefaultTable(task)
		require.NoError(t, err, task)
		assert.Equal(t, task, tbl.Meta().Task)
		again, err := DefaultTable(task)
		require.NoError(t, err)
		assert.Same(t, tbl, again, "%s: the default table is generated once and shared", task)
	}
	_, err := DefaultTable("nope")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `research: unknown task "nope" (want one of pretrain, arch, mixture, grpo)`)
}
