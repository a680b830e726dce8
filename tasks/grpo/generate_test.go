package grpo

import (
	"bytes"
	"cmp"
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/fidelity"
	"github.com/autollmresearch/gym/tasks"
)

func isPowerOfTwo(n int) bool { return n > 0 && n&(n-1) == 0 }

func TestDefaultTable(t *testing.T) {
	tb, err := Default()
	require.NoError(t, err)
	again, err := Default()
	require.NoError(t, err)
	assert.Same(t, tb, again, "Default is memoised")

	m := tb.Meta()
	assert.Equal(t, Task, m.Task)
	assert.Equal(t, tasks.Maximize, m.Direction)
	assert.Equal(t, Objective, m.Objective)
	require.Len(t, m.Fidelity, 2)
	assert.Equal(t, FidParams, m.Fidelity[0].Name)
	assert.Nil(t, m.Fidelity[0].Levels, "params is numeric")
	assert.Equal(t, Datasets(), m.Fidelity[1].Levels)
	assert.Contains(t, m.CostSource, "estimated")

	opts := DefaultGenOptions()
	exps := tb.Experiments()
	require.Len(t, exps, len(models)*len(datasets))
	space := Space()
	for i, e := range exps {
		mo, ds := models[i/len(datasets)], datasets[i%len(datasets)]
		assert.Equal(t, ExperimentID(mo.Name, ds), e.ID, "ordered by params, then dataset")
		assert.Equal(t, mo.Params, e.Fidelity[FidParams])
		assert.Equal(t, ds, e.Fidelity[FidDataset])
		assert.Equal(t, opts.Configs, e.NumConfigs)
		for c, cfg := range tb.Configs(e.Index) {
			_, err := space.Normalize(cfg)
			require.NoError(t, err)
			assert.True(t, isPowerOfTwo(cfg[GroupSize].(int)), "group size %v", cfg[GroupSize])
			assert.True(t, isPowerOfTwo(cfg[BatchSize].(int)), "batch size %v", cfg[BatchSize])
			out := tb.Outcome(e.Index, c)
			require.True(t, out.Objective >= 0 && out.Objective <= 1, "pass@1 %g", out.Objective)
			require.Greater(t, out.CostGPUHours, 0.0)
		}
	}
}

func TestEveryRowSynthetic(t *testing.T) {
	tb, err := Default()
	require.NoError(t, err)
	assert.Equal(t, tasks.Synthetic, tb.Meta().Provenance)
	assert.Contains(t, tb.Meta().Source, "synthetic")
	assert.Contains(t, tb.Meta().Citation, "Synthetic")

	// The label travels with the rows: in the record's schema and through
	// a written file.
	fromSchema, err := tasks.MetaFromSchema(tb.Record().Schema())
	require.NoError(t, err)
	assert.Equal(t, tasks.Synthetic, fromSchema.Provenance)
	var buf, side bytes.Buffer
	require.NoError(t, tasks.WriteCSV(&buf, tb))
	require.NoError(t, tasks.WriteSidecar(&side, tb))
	assert.Contains(t, side.String(), `"gym.provenance": "synthetic"`)
	back, err := tasks.ReadCSVSidecar(&buf, &side)
	require.NoError(t, err)
	defer back.Release()
	assert.Equal(t, tasks.Synthetic, back.Meta().Provenance)
	assert.Equal(t, tb.NumRows(), back.NumRows())
}

func TestGenerateDeterministic(t *testing.T) {
	opts := DefaultGenOptions()
	opts.Configs = 20
	a, err := Generate(opts)
	require.NoError(t, err)
	b, err := Generate(opts)
	require.NoError(t, err)
	require.Equal(t, a.NumRows(), b.NumRows())
	for _, e := range a.Experiments() {
		assert.Equal(t, a.Configs(e.Index), b.Configs(e.Index))
		for c := range e.NumConfigs {
			assert.Equal(t, a.Outcome(e.Index, c), b.Outcome(e.Index, c))
		}
	}
	opts.Seed++
	c, err := Generate(opts)
	require.NoError(t, err)
	assert.NotEqual(t, a.Configs(0), c.Configs(0))
}

// bestKnobs are the optimal knobs of a model and dataset at a given lr,
// with a large compute budget.
func bestKnobs(d datasetModel, lr float64) knobs {
	return knobs{lr: lr, kl: klBest, group: 16, clip: clipBest, temp: d.temp, batch: 256}
}

// argmaxLR scans lr on a fine log grid for the highest expected pass rate,
// counting collapses as a pass rate of 0.
func argmaxLR(d datasetModel, params float64) float64 {
	best, bestLR := -1.0, 0.0
	for i := range 601 {
		lr := math.Pow(10, -7+3*float64(i)/600)
		k := bestKnobs(d, lr)
		v := d.expectedPass(params, k, 200) * (1 - collapseProb(params, k))
		if v > best {
			best, bestLR = v, lr
		}
	}
	return bestLR
}

// topLR returns the geometric mean lr of the n best configs of an
// experiment that did not diverge.
func topLR(tb *tasks.Table, exp, n int) float64 {
	idx := make([]int, tb.NumConfigs(exp))
	for i := range idx {
		idx[i] = i
	}
	score := func(c int) float64 {
		if o := tb.Outcome(exp, c); !o.Diverged {
			return o.Objective
		}
		return math.Inf(-1)
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(score(b), score(a)) })
	var sum float64
	for _, c := range idx[:n] {
		sum += math.Log(tb.Configs(exp)[c][LR].(float64))
	}
	return math.Exp(sum / float64(n))
}

func TestOptimalLRDecreasesWithSize(t *testing.T) {
	for di, d := range datasetModels {
		prev := math.Inf(1)
		for _, m := range models {
			lr := argmaxLR(d, m.Params)
			assert.Less(t, lr, prev, "%s %s: the best lr shrinks with size", datasets[di], m.Name)
			assert.InEpsilon(t, optimalLR(m.Params), lr, 0.1)
			prev = lr
		}
	}

	// In the default table, the optimum estimated from the sampled configs
	// (the geometric mean lr of the ten best) follows: it ranks inversely
	// with size and the largest model's is below the smallest's on each
	// dataset.
	tb, err := Default()
	require.NoError(t, err)
	var sizes, optima []float64
	for _, e := range tb.Experiments() {
		v := topLR(tb, e.Index, 10)
		t.Logf("%s: estimated optimal lr %.3g (model %.3g)", e.ID, v, optimalLR(e.Fidelity[FidParams].(float64)))
		sizes = append(sizes, e.Fidelity[FidParams].(float64))
		optima = append(optima, v)
	}
	rho, err := fidelity.Spearman(sizes, optima)
	require.NoError(t, err)
	assert.Less(t, rho, -0.5, "Spearman(size, estimated optimal lr)")
	n := len(datasets)
	for di := range datasets {
		assert.Less(t, optima[len(optima)-n+di], optima[di], datasets[di])
	}
}

func TestBestPassIncreasesWithSize(t *testing.T) {
	tb, err := Default()
	require.NoError(t, err)
	for di, ds := range datasets {
		prev := -1.0
		for _, m := range models {
			e, ok := tb.Experiment(ExperimentID(m.Name, ds))
			require.True(t, ok)
			best := tb.Stats(e.Index).Best
			assert.Greater(t, best, prev, "%s %s", ds, m.Name)
			prev = best
			d := datasetModels[di]
			assert.Greater(t, best, d.basePass(m.Params), "RL improves on the base model")
			assert.Less(t, best, d.ceilingPass(m.Params)+0.05)
		}
	}
}

func TestCollapse(t *testing.T) {
	tb, err := Default()
	require.NoError(t, err)
	var diverged, total int
	for _, e := range tb.Experiments() {
		params := e.Fidelity[FidParams].(float64)
		d := datasetModels[slices.Index(datasets, e.Fidelity[FidDataset].(string))]
		for c, cfg := range tb.Configs(e.Index) {
			total++
			o := tb.Outcome(e.Index, c)
			ratio := cfg[LR].(float64) / optimalLR(params)
			if !o.Diverged {
				continue
			}
			diverged++
			assert.Greater(t, ratio, 3.0, "%s: only a learning rate far above the optimum collapses", e.ID)
			assert.Less(t, o.Objective, d.basePass(params), "%s: a collapsed run is worse than the base model", e.ID)
		}
		assert.Positive(t, tb.Stats(e.Index).Diverged, "%s has collapsed runs", e.ID)
	}
	frac := float64(diverged) / float64(total)
	t.Logf("%d of %d runs collapsed (%.1f%%)", diverged, total, 100*frac)
	assert.True(t, frac > 0.02 && frac < 0.2, "collapse rate %.3f", frac)

	p := models[2].Params
	at := func(lr, clip, kl float64) float64 {
		return collapseProb(p, knobs{lr: lr * optimalLR(p), kl: kl, group: 8, clip: clip, temp: 1, batch: 64})
	}
	assert.Less(t, at(1, 0.2, klBest), 1e-4)
	assert.Greater(t, at(300, 0.2, klBest), 0.99)
	assert.Greater(t, at(30, 0.4, klBest), at(30, 0.1, klBest), "a wide clip range is less stable")
	assert.Greater(t, at(30, 0.2, 1e-4), at(30, 0.2, 0.1), "a strong KL penalty stabilises")
}

func TestGroupSizeDiminishingReturns(t *testing.T) {
	acc := fidelity.DefaultAccelerator()
	for di, d := range datasetModels {
		for _, m := range models {
			k := bestKnobs(d, optimalLR(m.Params))
			k.batch = 32
			prevPass, prevCost, prevRate := 0.0, 0.0, math.Inf(1)
			for g := 2; g <= 64; g *= 2 {
				k.group = g
				pass := d.expectedPass(m.Params, k, 200)
				cost := d.costGPUHours(acc, m.Params, k, 200)
				if g > 2 {
					assert.Greater(t, pass, prevPass, "%s %s: group %d helps", datasets[di], m.Name, g)
					assert.InEpsilon(t, 2*prevCost, cost, 1e-9, "cost grows with the group")
					rate := (pass - prevPass) / (cost - prevCost)
					assert.Less(t, rate, prevRate, "%s %s: group %d gains less per GPU hour than the previous doubling", datasets[di], m.Name, g)
					prevRate = rate
				}
				prevPass, prevCost = pass, cost
			}
		}
	}
}

func TestTemperatureOptimum(t *testing.T) {
	for di, d := range datasetModels {
		for _, m := range models {
			k := bestKnobs(d, optimalLR(m.Params))
			best, bestT := -1.0, 0.0
			for i := range 121 {
				k.temp = 0.3 + 1.2*float64(i)/120
				if v := d.expectedPass(m.Params, k, 200); v > best {
					best, bestT = v, k.temp
				}
			}
			assert.True(t, bestT >= 0.8 && bestT <= 1.0, "%s %s: optimal temperature %.2f", datasets[di], m.Name, bestT)
		}
	}
}

func TestLatinHypercube(t *testing.T) {
	rng := newRand(3)
	const n, d = 50, 4
	pts := latinHypercube(rng, n, d)
	require.Len(t, pts, n)
	for j := range d {
		seen := make([]bool, n)
		for _, p := range pts {
			require.True(t, p[j] >= 0 && p[j] < 1)
			s := int(p[j] * n)
			assert.False(t, seen[s], "stratum %d of dimension %d used twice", s, j)
			seen[s] = true
		}
	}
	for u := 0.0; u < 1; u += 0.01 {
		g := powerOfTwo(u, 1, 6)
		require.True(t, isPowerOfTwo(g) && g >= 2 && g <= 64, "%d", g)
	}
}

func TestGenOptionsInvalid(t *testing.T) {
	cases := []struct {
		name string
		edit func(*GenOptions)
		want string
	}{
		{"one config", func(o *GenOptions) { o.Configs = 1 }, "option Configs = 1"},
		{"no steps", func(o *GenOptions) { o.Steps = 0 }, "option Steps = 0"},
		{"NaN noise", func(o *GenOptions) { o.RunNoise = math.NaN() }, "option RunNoise = NaN"},
		{"negative noise", func(o *GenOptions) { o.RunNoise = -0.1 }, "option RunNoise = -0.1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := DefaultGenOptions()
			tc.edit(&opts)
			_, err := Generate(opts)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestNoiselessMatchesModel(t *testing.T) {
	opts := DefaultGenOptions()
	opts.Configs, opts.RunNoise, opts.EvalNoise = 10, 0, false
	tb, err := Generate(opts)
	require.NoError(t, err)
	for _, e := range tb.Experiments() {
		params := e.Fidelity[FidParams].(float64)
		d := datasetModels[slices.Index(datasets, e.Fidelity[FidDataset].(string))]
		for c, cfg := range tb.Configs(e.Index) {
			o := tb.Outcome(e.Index, c)
			if o.Diverged {
				continue
			}
			k := knobs{lr: cfg[LR].(float64), kl: cfg[KLCoef].(float64), group: cfg[GroupSize].(int),
				clip: cfg[ClipRange].(float64), temp: cfg[Temperature].(float64), batch: cfg[BatchSize].(int)}
			assert.InDelta(t, d.expectedPass(params, k, opts.Steps), o.Objective, 1e-12)
		}
	}
}

func BenchmarkDefault(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		tb, err := Generate(DefaultGenOptions())
		if err != nil {
			b.Fatal(err)
		}
		tb.Release()
	}
}
