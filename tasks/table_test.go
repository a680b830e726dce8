package tasks

import (
	"bytes"
	"math"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/spaces"
)

func TestExperimentsOrderedByFidelity(t *testing.T) {
	tb := testTable(t)
	exps := tb.Experiments()
	ids := make([]string, len(exps))
	ranks := make([]int, len(exps))
	for i, e := range exps {
		ids[i], ranks[i] = e.ID, e.Rank
		assert.Equal(t, i, e.Index)
		assert.Equal(t, 4, e.NumConfigs)
		assert.Equal(t, 8, e.NumRows)
		j, ok := tb.ExperimentIndex(e.ID)
		require.True(t, ok)
		assert.Equal(t, i, j)
		got, ok := tb.Experiment(e.ID)
		require.True(t, ok)
		assert.Equal(t, e, got)
	}
	// model S < M < L by level, then tokens ascending, then id.
	assert.Equal(t, []string{"toy-S-1e8", "toy-M-3e8", "toy-M-1e9", "toy-M-1e9-b", "toy-L-2e9"}, ids)
	assert.Equal(t, []int{0, 1, 2, 2, 3}, ranks)
	assert.Equal(t, map[string]any{"model": "M", "tokens": 1e9}, exps[2].Fidelity)
	assert.Equal(t, 40, tb.NumRows())
	assert.Equal(t, 5, tb.NumExperiments())

	_, ok := tb.Experiment("nope")
	assert.False(t, ok)
	_, ok = tb.ExperimentIndex("nope")
	assert.False(t, ok)
}

func TestMetaRoundTripsThroughSchema(t *testing.T) {
	tb := testTable(t)
	m := tb.Meta()
	want := testMeta()
	assert.Equal(t, want.Task, m.Task)
	assert.Equal(t, want.Fidelity, m.Fidelity)
	assert.Equal(t, want.Metrics, m.Metrics)
	assert.Equal(t, want.Citation, m.Citation)

	back, err := MetaFromSchema(tb.Record().Schema())
	require.NoError(t, err)
	assert.Equal(t, want.Space.Describe(), back.Space.Describe())
	back.Space = want.Space
	assert.Equal(t, want, back)

	// The copy returned by Meta does not share slices with the table.
	m.Metrics[0] = "changed"
	m.Fidelity[0].Levels[0] = "changed"
	assert.Equal(t, "loss", tb.Meta().Metrics[0])
	assert.Equal(t, "S", tb.Meta().Fidelity[0].Levels[0])

	cols := want.Columns()
	assert.Equal(t, []string{
		"experiment", "fid_model", "fid_tokens", "cfg_lr", "cfg_clip", "cfg_layers", "cfg_opt",
		"cfg_mix.web", "cfg_mix.code", "cfg_mix.math", "metric_loss", "metric_acc", "metric_ppl",
		"cost_gpu_hours", "diverged", "seed",
	}, cols)
}

func TestSeedAveraging(t *testing.T) {
	tb := testTable(t)
	rows := testRows()
	for _, e := range tb.Experiments() {
		for k, cfg := range tb.Configs(e.Index) {
			// Recompute the outcome from the rows by brute force.
			var all, kept []Row
			for _, r := range rows {
				if r.Experiment == e.ID && testSpace().Equal(r.Config, cfg) {
					all = append(all, r)
				}
			}
			require.Len(t, all, 2)
			ndiv := 0
			for _, r := range all {
				if r.Diverged {
					ndiv++
				}
			}
			for _, r := range all {
				if r.Diverged == (ndiv == len(all)) {
					kept = append(kept, r)
				}
			}
			mean := func(rs []Row, f func(Row) float64) float64 {
				s := 0.0
				for _, r := range rs {
					s += f(r)
				}
				return s / float64(len(rs))
			}
			o := tb.Outcome(e.Index, k)
			assert.Equal(t, 2, o.Seeds)
			assert.Equal(t, 2*ndiv > len(all), o.Diverged)
			assert.InDelta(t, mean(kept, func(r Row) float64 { return r.Metrics["loss"] }), o.Objective, 1e-12)
			assert.Equal(t, o.Objective, o.Metrics[0])
			assert.InDelta(t, mean(kept, func(r Row) float64 { return r.Metrics["ppl"] }), o.Metrics[2], 1e-9)
			assert.InDelta(t, mean(all, func(r Row) float64 { return r.CostGPUHours }), o.CostGPUHours, 1e-12)
		}
	}
}

func TestSeedAveragingCases(t *testing.T) {
	meta := testMeta()
	cases := []struct {
		name      string
		losses    []float64
		diverged  []bool
		objective float64
		isDiv     bool
	}{
		{"one seed", []float64{2}, []bool{false}, 2, false},
		{"mean of seeds", []float64{2, 4}, []bool{false, false}, 3, false},
		{"diverged seed left out", []float64{2, 9, 4}, []bool{false, true, false}, 3, false},
		{"half diverged is not diverged", []float64{2, 9}, []bool{false, true}, 2, false},
		{"most diverged", []float64{2, 9, 11}, []bool{false, true, true}, 2, true},
		{"all diverged: mean of all", []float64{9, 11}, []bool{true, true}, 10, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var rows []Row
			for i, l := range c.losses {
				rows = append(rows, Row{
					Experiment: "e", Fidelity: map[string]any{"model": "S", "tokens": 1.0},
					Config:  testConfig(0),
					Metrics: map[string]float64{"loss": l, "acc": 0, "ppl": 1}, CostGPUHours: float64(i),
					Diverged: c.diverged[i], Seed: int64(i),
				})
			}
			// A second config that never diverges keeps the experiment valid.
			rows = append(rows, Row{
				Experiment: "e", Fidelity: map[string]any{"model": "S", "tokens": 1.0},
				Config: testConfig(1), Metrics: map[string]float64{"loss": 5, "acc": 0, "ppl": 1},
			})
			tb, err := buildTable(t, meta, rows)
			require.NoError(t, err)
			defer tb.Release()
			o := tb.Outcome(0, 0)
			assert.Equal(t, c.objective, o.Objective)
			assert.Equal(t, c.isDiv, o.Diverged)
			assert.Equal(t, len(c.losses), o.Seeds)
			assert.Equal(t, float64(len(c.losses)-1)/2, o.CostGPUHours)
		})
	}
}

func TestStatsAndRegret(t *testing.T) {
	for _, dir := range []Direction{Minimize, Maximize} {
		t.Run(dir.String(), func(t *testing.T) {
			meta := testMeta()
			meta.Direction = dir
			var rows []Row
			for k, l := range []float64{3, 1, 2, 7, 5} {
				rows = append(rows, Row{
					Experiment: "e", Fidelity: map[string]any{"model": "S", "tokens": 1.0},
					Config: testConfig(k), Metrics: map[string]float64{"loss": l, "acc": 0, "ppl": 1},
					Diverged: l == 7,
				})
			}
			tb, err := buildTable(t, meta, rows)
			require.NoError(t, err)
			defer tb.Release()
			s := tb.Stats(0)
			assert.Equal(t, 4, s.Count)
			assert.Equal(t, 1, s.Diverged)
			assert.Equal(t, 2.5, s.Median)
			best, worst := 1.0, 5.0
			if dir == Maximize {
				best, worst = worst, best
			}
			assert.Equal(t, best, s.Best)
			assert.Equal(t, worst, s.Worst)

			cases := []struct {
				y        float64
				diverged bool
				want     float64
			}{
				{best, false, 0},
				{worst, false, 1},
				{3, false, 0.5},
				{best, true, 1},
				{math.NaN(), false, 1},
				{worst + (worst - best), false, 1}, // worse than the worst
				{best - (worst - best), false, 0},  // better than the best
			}
			for _, c := range cases {
				assert.Equal(t, c.want, tb.Regret(0, c.y, c.diverged), "y=%v diverged=%v", c.y, c.diverged)
			}
		})
	}
}

func TestRegretWhenAllEqual(t *testing.T) {
	var rows []Row
	for k := range 3 {
		rows = append(rows, Row{
			Experiment: "e", Fidelity: map[string]any{"model": "S", "tokens": 1.0},
			Config: testConfig(k), Metrics: map[string]float64{"loss": 2, "acc": 0, "ppl": 1},
		})
	}
	tb, err := buildTable(t, testMeta(), rows)
	require.NoError(t, err)
	defer tb.Release()
	assert.Equal(t, 0.0, tb.Regret(0, 2, false))
	assert.Equal(t, 0.0, tb.Regret(0, 1, false))
	assert.Equal(t, 1.0, tb.Regret(0, 3, false))
	assert.Equal(t, Stats{Best: 2, Worst: 2, Median: 2, Count: 3}, tb.Stats(0))
}

func TestLookup(t *testing.T) {
	tb := testTable(t)
	for _, e := range tb.Experiments() {
		cfgs := tb.Configs(e.Index)
		require.Len(t, cfgs, e.NumConfigs)
		for k, c := range cfgs {
			assert.True(t, testSpace().Contains(c))
			assert.Equal(t, c, tb.Config(e.Index, k))
			got, ok := tb.Lookup(e.Index, c)
			require.True(t, ok)
			assert.Equal(t, k, got)
			// A fresh copy in canonical types is found too.
			got, ok = tb.Lookup(e.Index, testSpace().Clone(c))
			require.True(t, ok)
			assert.Equal(t, k, got)
		}
	}
	// Every row's config is found in its experiment.
	for _, r := range testRows() {
		e, _ := tb.ExperimentIndex(r.Experiment)
		k, ok := tb.Lookup(e, r.Config)
		require.True(t, ok)
		assert.True(t, testSpace().Equal(r.Config, tb.Config(e, k)))
	}

	c := testSpace().Clone(tb.Config(0, 1))
	cases := []struct {
		name string
		exp  int
		edit func(spaces.Config)
		ok   bool
	}{
		{"as is", 0, func(spaces.Config) {}, true},
		{"non-canonical int given as float", 0, func(c spaces.Config) { c["layers"] = float64(c["layers"].(int)) }, true},
		{"non-canonical int64", 0, func(c spaces.Config) { c["layers"] = int64(c["layers"].(int)) }, true},
		{"simplex as a map", 0, func(c spaces.Config) {
			p := c["mix"].([]float64)
			c["mix"] = map[string]any{"web": p[0], "code": p[1], "math": p[2]}
		}, true},
		{"negative zero", 0, func(c spaces.Config) {
			p := c["mix"].([]float64)
			for i := range p {
				if p[i] == 0 {
					p[i] = math.Copysign(0, -1)
				}
			}
		}, true},
		{"other value", 0, func(c spaces.Config) { c["clip"] = 0.123 }, false},
		{"unknown choice", 0, func(c spaces.Config) { c["opt"] = "rmsprop" }, false},
		{"missing dim", 0, func(c spaces.Config) { delete(c, "lr") }, false},
		{"extra dim", 0, func(c spaces.Config) { c["extra"] = 1.0 }, false},
		{"wrong type", 0, func(c spaces.Config) { c["lr"] = "fast" }, false},
		{"out of the space", 0, func(c spaces.Config) { c["lr"] = 5.0 }, false},
		{"other experiment", 4, func(spaces.Config) {}, false},
		{"negative experiment", -1, func(spaces.Config) {}, false},
		{"experiment out of range", 5, func(spaces.Config) {}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			x := testSpace().Clone(c)
			tc.edit(x)
			got, ok := tb.Lookup(tc.exp, x)
			assert.Equal(t, tc.ok, ok)
			if tc.ok {
				assert.Equal(t, 1, got)
			} else {
				assert.Equal(t, -1, got)
			}
		})
	}
}

func TestLookupDoesNotAllocate(t *testing.T) {
	tb := testTable(t)
	c := tb.Config(2, 3)
	miss := testSpace().Clone(c)
	miss["clip"] = 0.2345
	allocs := testing.AllocsPerRun(100, func() {
		if _, ok := tb.Lookup(2, c); !ok {
			t.Fatal("config not found")
		}
		if _, ok := tb.Lookup(2, miss); ok {
			t.Fatal("absent config found")
		}
	})
	assert.Zero(t, allocs)
	allocs = testing.AllocsPerRun(100, func() { _ = tb.Outcome(2, 3) })
	assert.Zero(t, allocs)
}

func TestCandidatesMatchConfigs(t *testing.T) {
	tb := testTable(t)
	for e := range tb.NumExperiments() {
		cands := tb.Candidates(e)
		cfgs := tb.Configs(e)
		require.Equal(t, len(cfgs), cands.Len())
		point := make([]float64, testSpace().EncodedDim())
		for k, c := range cfgs {
			require.NoError(t, testSpace().Encode(c, point))
			i, d := cands.Nearest(point)
			assert.Equal(t, k, i)
			assert.Zero(t, d)
		}
		assert.Same(t, cands, tb.Candidates(e), "cached")
	}
}

func TestConcurrentReads(t *testing.T) {
	tb := testTable(t)
	rows := testRows()
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rows {
				r := rows[(i+g)%len(rows)]
				e, ok := tb.ExperimentIndex(r.Experiment)
				if !ok {
					errs <- "experiment not found"
					return
				}
				k, ok := tb.Lookup(e, r.Config)
				if !ok {
					errs <- "config not found"
					return
				}
				o := tb.Outcome(e, k)
				if tb.Regret(e, o.Objective, o.Diverged) < 0 || len(tb.Configs(e)) != 4 || tb.Candidates(e).Len() != 4 {
					errs <- "inconsistent read"
					return
				}
				_ = tb.Stats(e)
				_ = tb.Experiments()
				_ = tb.Meta()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestRetainRelease(t *testing.T) {
	tb, err := buildTable(t, testMeta(), testRows())
	require.NoError(t, err)
	tb.Retain()
	tb.Release()
	// Still one reference: the record is usable.
	assert.Equal(t, int64(40), tb.Record().NumRows())
	assert.Equal(t, 16, int(tb.Record().NumCols()))
	tb.Release()
	// The index outlives the record.
	k, ok := tb.Lookup(0, tb.Config(0, 2))
	assert.True(t, ok)
	assert.Equal(t, 2, k)
}

func TestDirection(t *testing.T) {
	for _, c := range []struct {
		s    string
		want Direction
		ok   bool
	}{{"min", Minimize, true}, {"max", Maximize, true}, {"minimize", Minimize, true}, {"maximize", Maximize, true}, {"up", 0, false}} {
		d, err := ParseDirection(c.s)
		if !c.ok {
			assert.ErrorContains(t, err, `"up"`)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, c.want, d)
	}
	assert.Equal(t, "Direction(7)", Direction(7).String())
	assert.True(t, Minimize.Better(1, 2))
	assert.True(t, Maximize.Better(2, 1))
	assert.False(t, Maximize.Better(1, 1))
}

func TestConfigsInFirstAppearanceOrder(t *testing.T) {
	tb := testTable(t)
	// toy-L-2e9 is experiment 4 and was added first, with configs 0..3.
	e, _ := tb.ExperimentIndex("toy-L-2e9")
	got := tb.Configs(e)
	want := []spaces.Config{testConfig(0), testConfig(1), testConfig(2), testConfig(3)}
	for i := range want {
		n, err := testSpace().Normalize(want[i])
		require.NoError(t, err)
		assert.Equal(t, n, got[i])
	}
	assert.True(t, slices.IsSortedFunc(tb.Experiments(), func(a, b Experiment) int { return a.Rank - b.Rank }))
}

func TestMetaGeneratorRoundTrips(t *testing.T) {
	md := testMeta()
	md.Generator = `{"prior":"toy","seed":7}`
	b, err := NewBuilder(md)
	require.NoError(t, err)
	for _, r := range testRows() {
		b.Add(r)
	}
	withGen, err := b.Build()
	require.NoError(t, err)
	defer withGen.Release()
	var gen bytes.Buffer
	require.NoError(t, writeLegacyCSV(&gen, withGen))
	back, err := ReadCSV(&gen)
	require.NoError(t, err)
	assert.Equal(t, md.Generator, back.Meta().Generator)
	back.Release()

	plain, err := NewBuilder(testMeta())
	require.NoError(t, err)
	for _, r := range testRows() {
		plain.Add(r)
	}
	without, err := plain.Build()
	require.NoError(t, err)
	defer without.Release()
	var buf bytes.Buffer
	require.NoError(t, writeLegacyCSV(&buf, without))
	assert.NotContains(t, buf.String(), KeyGenerator, "a table without a generator writes no generator key")

	bad := testMeta()
	bad.Generator = "\xff"
	_, err = NewBuilder(bad)
	require.Error(t, err)
	assert.Contains(t, err.Error(), KeyGenerator)
}
