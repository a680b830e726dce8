package pretrain_test

import (
	"math"
	"regexp"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/fidelity"
	"github.com/autollmresearch/gym/tasks"
	"github.com/autollmresearch/gym/tasks/pretrain"
)

func TestDefault(t *testing.T) {
	tb, err := pretrain.Default()
	require.NoError(t, err)
	again, err := pretrain.Default()
	require.NoError(t, err)
	assert.Same(t, tb, again, "Default is memoised")

	m := tb.Meta()
	assert.Equal(t, pretrain.Task, m.Task)
	assert.Equal(t, tasks.Synthetic, m.Provenance)
	assert.Equal(t, pretrain.Loss, m.Objective)
	assert.Equal(t, tasks.Minimize, m.Direction)
	assert.Contains(t, m.CostSource, "estimated")
	assert.Contains(t, m.Citation, "2503.04715")
	assert.Contains(t, m.Citation, "2203.15556")
	require.Len(t, m.Fidelity, 3)
	assert.Equal(t, pretrain.Compute, m.Fidelity[0].Name)

	exps := tb.Experiments()
	require.Len(t, exps, 24)
	assert.Equal(t, 24*12*10, tb.NumRows())
	id := regexp.MustCompile(`^pretrain/N=\d\.\d\de\d+,D=\d\.\d\de\d+$`)
	minN, maxN, minD, maxD := math.Inf(1), 0.0, math.Inf(1), 0.0
	prev := 0.0
	for _, e := range exps {
		assert.Regexp(t, id, e.ID)
		assert.Equal(t, 120, e.NumConfigs)
		n, d, c := e.Fidelity[pretrain.Params].(float64), e.Fidelity[pretrain.Tokens].(float64), e.Fidelity[pretrain.Compute].(float64)
		assert.InEpsilon(t, 6*n*d, c, 1e-12)
		assert.GreaterOrEqual(t, c, prev, "experiments ordered by compute")
		prev = c
		minN, maxN, minD, maxD = min(minN, n), max(maxN, n), min(minD, d), max(maxD, d)
	}
	assert.LessOrEqual(t, minN, 1e8)
	assert.GreaterOrEqual(t, maxN, 7e9)
	assert.LessOrEqual(t, minD, 1e9)
	assert.GreaterOrEqual(t, maxD, 1e12)
}

func TestGenerateDeterministic(t *testing.T) {
	opts := pretrain.DefaultGenOptions()
	opts.Params = []float64{1e8, 1e9}
	a, err := pretrain.Generate(opts)
	require.NoError(t, err)
	b, err := pretrain.Generate(opts)
	require.NoError(t, err)
	assert.True(t, array.RecordEqual(a.Record(), b.Record()), "same seed, same table")

	opts.Seed++
	c, err := pretrain.Generate(opts)
	require.NoError(t, err)
	assert.False(t, array.RecordEqual(a.Record(), c.Record()), "another seed, another table")
}

func TestGenerateProperties(t *testing.T) {
	tb, err := pretrain.Default()
	require.NoError(t, err)
	m := pretrain.DefaultModel()
	acc := fidelity.DefaultAccelerator()
	var runs, diverged, lrWithin2x, bsWithin2x int
	var safe, safeDiverged, wild, wildDiverged int
	for _, e := range tb.Experiments() {
		n, d := e.Fidelity[pretrain.Params].(float64), e.Fidelity[pretrain.Tokens].(float64)
		lrStar, bsStar := m.OptimalLR(n, d), m.OptimalBatch(n, d)
		minLR, maxLR, minBS, maxBS := math.Inf(1), 0.0, math.Inf(1), 0.0
		best, bestLR, bestBS := math.Inf(1), 0.0, 0.0
		for i, cfg := range tb.Configs(e.Index) {
			lr, bs := cfg[pretrain.LR].(float64), cfg[pretrain.BS].(float64)
			minLR, maxLR, minBS, maxBS = min(minLR, lr), max(maxLR, lr), min(minBS, bs), max(maxBS, bs)
			assert.Equal(t, bs, math.Round(bs), "batch sizes are whole sequences")
			o := tb.Outcome(e.Index, i)
			assert.InEpsilon(t, acc.TrainingHours(n, d), o.CostGPUHours, 1e-12)
			runs++
			if o.Diverged {
				diverged++
				assert.Greater(t, o.Objective, 4.0, "diverged runs report a high loss")
			} else if o.Objective < best {
				best, bestLR, bestBS = o.Objective, lr, bs
			}
			switch r := lr / lrStar; {
			case r < 3:
				safe++
				if o.Diverged {
					safeDiverged++
				}
			case r > 10:
				wild++
				if o.Diverged {
					wildDiverged++
				}
			}
		}
		// The grid brackets the optimum, shifted by up to one step either
		// way, and reaches past the divergence threshold.
		assert.LessOrEqual(t, minLR, lrStar/2.8, e.ID)
		assert.GreaterOrEqual(t, maxLR, 7*lrStar, e.ID)
		assert.LessOrEqual(t, minBS, bsStar/3, e.ID)
		assert.GreaterOrEqual(t, maxBS, 2*bsStar, e.ID)
		// The best run sits near the Chinchilla level and the Step Law
		// optimum.
		assert.InDelta(t, m.Level(n, d), best, 0.02, e.ID)
		if r := bestLR / lrStar; r >= 0.5 && r <= 2 {
			lrWithin2x++
		}
		if r := bestBS / bsStar; r >= 0.5 && r <= 2 {
			bsWithin2x++
		}
	}
	cells := tb.NumExperiments()
	assert.GreaterOrEqual(t, lrWithin2x, cells*4/5, "best lr within 2x of lr* in most cells")
	assert.GreaterOrEqual(t, bsWithin2x, cells*4/5, "best bs within 2x of bs* in most cells")
	assert.Less(t, float64(safeDiverged), 0.01*float64(safe), "runs below 3·lr* hardly ever diverge")
	assert.Greater(t, float64(wildDiverged), 0.85*float64(wild), "runs above 10·lr* mostly diverge")
	frac := float64(diverged) / float64(runs)
	assert.True(t, frac > 0.05 && frac < 0.2, "diverged fraction %.3f, want about the published 9.5%%", frac)
	assert.Positive(t, safe)
}

func TestGenerateNoiseFree(t *testing.T) {
	opts := pretrain.DefaultGenOptions()
	opts.Noise = 0
	opts.Params = []float64{3e8}
	opts.TokensPerParam = []float64{50}
	tb, err := pretrain.Generate(opts)
	require.NoError(t, err)
	m := opts.Model
	e := tb.ExperimentAt(0)
	n, d := e.Fidelity[pretrain.Params].(float64), e.Fidelity[pretrain.Tokens].(float64)
	assert.Equal(t, 1.5e10, d)
	checked := 0
	for i, cfg := range tb.Configs(0) {
		o := tb.Outcome(0, i)
		want, div := m.Loss(n, d, cfg[pretrain.LR].(float64), cfg[pretrain.BS].(float64))
		if o.Diverged || div {
			continue // divergence is drawn, not decided by Loss
		}
		assert.InDelta(t, want, o.Objective, 1e-12)
		checked++
	}
	assert.Greater(t, checked, 80)
}

func TestGenerateOptionsErrors(t *testing.T) {
	cases := []struct {
		name string
		edit func(*pretrain.GenOptions)
		msg  string
	}{
		{"negative noise", func(o *pretrain.GenOptions) { o.Noise = -1 }, "field Noise is -1"},
		{"no params", func(o *pretrain.GenOptions) { o.Params = nil }, "field Params is empty"},
		{"zero params", func(o *pretrain.GenOptions) { o.Params = []float64{1e8, 0} }, "field Params[1] is 0"},
		{"NaN ratio", func(o *pretrain.GenOptions) { o.TokensPerParam = []float64{math.NaN()} }, "field TokensPerParam[0] is NaN"},
		{"one lr", func(o *pretrain.GenOptions) { o.LRs = 1 }, "field LRs is 1"},
		{"no batches", func(o *pretrain.GenOptions) { o.Batches = 0 }, "field Batches is 0"},
		{"negative shift", func(o *pretrain.GenOptions) { o.Shift = -1 }, "field Shift is -1"},
		{"shift past the grid", func(o *pretrain.GenOptions) { o.Shift = 4 }, "field Shift is 4, want between 0 and min(LRs/3, Batches/2) − 1 = 3"},
		{"bad model", func(o *pretrain.GenOptions) { o.Model.Depth = -1 }, "field Depth is -1"},
		{"bad accelerator", func(o *pretrain.GenOptions) { o.Accelerator.Utilisation = 2 }, "utilisation 2"},
		{"grid leaves the space", func(o *pretrain.GenOptions) { o.Params = []float64{1e4} }, "leave the space"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := pretrain.DefaultGenOptions()
			c.edit(&opts)
			_, err := pretrain.Generate(opts)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.msg)
		})
	}
}

func BenchmarkDefault(b *testing.B) {
	opts := pretrain.DefaultGenOptions()
	b.ReportAllocs()
	for b.Loop() {
		tb, err := pretrain.Generate(opts)
		if err != nil {
			b.Fatal(err)
		}
		tb.Release()
	}
}
