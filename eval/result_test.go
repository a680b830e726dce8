package eval_test

import (
	"bytes"
	"encoding/csv"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/eval"
	"github.com/autollmresearch/gym/eval/internal/evaltest"
)

func TestSummary(t *testing.T) {
	rows := evaltest.HandResult().Summary()
	// x/a at k=1: regrets 0.5, 0.3, 0.1: mean 0.3, sd 0.2; hours all 10.
	// x/a at k=2: regrets 0.2, 0.3, 0.1: mean 0.2, sd 0.1; hours 20, 30, 10:
	// mean 20, sd 10.
	want := []eval.SummaryRow{
		{Env: "x", Policy: "a", K: 1, MeanRegret: 0.3, SERegret: 0.2 / math.Sqrt(3), MeanGPUHours: 10, SEGPUHours: 0, N: 3, Errors: 1},
		{Env: "x", Policy: "a", K: 2, MeanRegret: 0.2, SERegret: 0.1 / math.Sqrt(3), MeanGPUHours: 20, SEGPUHours: 10 / math.Sqrt(3), N: 3, Errors: 1},
		{Env: "x", Policy: "b", K: 1, MeanRegret: 0.4, SERegret: math.NaN(), MeanGPUHours: 5, SEGPUHours: math.NaN(), N: 1},
		{Env: "x", Policy: "b", K: 2, MeanRegret: 0, SERegret: math.NaN(), MeanGPUHours: 15, SEGPUHours: math.NaN(), N: 1},
		{Env: "y", Policy: "a", K: 1, MeanRegret: 0.7, SERegret: math.NaN(), MeanGPUHours: 3, SEGPUHours: math.NaN(), N: 1},
	}
	require.Len(t, rows, len(want))
	for i, w := range want {
		got := rows[i]
		assert.Equal(t, [4]any{w.Env, w.Policy, w.K, w.N}, [4]any{got.Env, got.Policy, got.K, got.N}, "row %d", i)
		assert.Equal(t, w.Errors, got.Errors, "row %d", i)
		for _, f := range []struct {
			name      string
			want, got float64
		}{
			{"MeanRegret", w.MeanRegret, got.MeanRegret},
			{"SERegret", w.SERegret, got.SERegret},
			{"MeanGPUHours", w.MeanGPUHours, got.MeanGPUHours},
			{"SEGPUHours", w.SEGPUHours, got.SEGPUHours},
		} {
			if math.IsNaN(f.want) {
				assert.True(t, math.IsNaN(f.got), "row %d %s = %g, want NaN", i, f.name, f.got)
			} else {
				assert.InDelta(t, f.want, f.got, 1e-12, "row %d %s", i, f.name)
			}
		}
	}
}

func TestSummaryOrderAndShortTrajectories(t *testing.T) {
	r := &eval.Result{Episodes: []eval.Episode{
		{Env: "y", Policy: "b", Regret: []float64{0.5}, GPUHours: []float64{1}, FinalRegret: 0.5, TotalGPUHours: 1},
		{Env: "x", Policy: "a", Regret: []float64{0.4, 0.2}, GPUHours: []float64{1, 2}, FinalRegret: 0.2, TotalGPUHours: 2},
		{Env: "y", Policy: "a", Regret: []float64{0.9, 0.1}, GPUHours: []float64{1, 2}, FinalRegret: 0.1, TotalGPUHours: 2},
	}}
	var got []string
	for _, row := range r.Summary() {
		got = append(got, row.Env+"/"+row.Policy)
	}
	// Without Envs and Policies, names keep their order of first appearance.
	assert.Equal(t, []string{"y/b", "y/b", "y/a", "y/a", "x/a", "x/a"}, got)
	// y/b's one-trial episode counts with its final values at k = 2.
	assert.Equal(t, 0.5, r.Summary()[1].MeanRegret)
	assert.Equal(t, 1.0, r.Summary()[1].MeanGPUHours)
}

func TestWriteMarkdown(t *testing.T) {
	var b strings.Builder
	require.NoError(t, evaltest.HandResult().WriteMarkdown(&b))
	md := b.String()
	var table []string
	for _, l := range strings.Split(md, "\n") {
		if strings.HasPrefix(l, "|") {
			table = append(table, l)
		}
	}
	require.Len(t, table, 2+3, "header, separator and one row per (env, policy)")
	assert.Equal(t, "| env | policy | k=1 | k=2 | GPU hours | episodes | failed |", table[0])
	assert.Equal(t, "|---|---|---:|---:|---:|---:|---:|", table[1])
	for _, l := range table {
		assert.Equal(t, 8, strings.Count(l, "|"), l)
	}
	assert.Equal(t, "| x | a | **0.300 ± 0.115** | 0.200 ± 0.058 | 20.0 ± 5.8 | 3 | 1 |", table[2])
	assert.Equal(t, "| x | b | 0.400 | **0.000** | 15.0 | 1 | 0 |", table[3])
	assert.Equal(t, "| y | a | **0.700** | | 3.00 | 1 | 0 |", table[4])
	assert.Contains(t, md, "1 episode(s) failed:\n\n- x / a / x/L / episode 2: step 2: policy: gave up\n")
}

func TestWriteCSV(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, evaltest.HandResult().WriteCSV(&b))
	recs, err := csv.NewReader(&b).ReadAll()
	require.NoError(t, err)
	require.Len(t, recs, 1+2+2+2+2+1, "header and one row per episode and k")
	assert.Equal(t, eval.Columns(), recs[0])
	assert.Equal(t, []string{"env", "policy", "target", "episode", "seed", "policy_seed", "k", "regret", "gpu_hours",
		"final_regret", "total_gpu_hours", "return", "steps", "target_trials", "invalid_steps", "truncated", "error"}, recs[0])
	assert.Equal(t, []string{"x", "a", "x/L", "0", "0", "0", "2", "0.2", "20", "0.2", "20", "0", "0", "0", "0", "false", ""}, recs[2])
	assert.Equal(t, "step 2: policy: gave up", recs[6][16])
	assert.Equal(t, []string{"y", "a", "1", "0.7"}, []string{recs[9][0], recs[9][1], recs[9][6], recs[9][7]})
}
