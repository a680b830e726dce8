package mixture

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/fidelity"
	"github.com/autollmresearch/gym/tasks"
)

func TestDefaultTable(t *testing.T) {
	tb, err := Default()
	require.NoError(t, err)
	again, err := Default()
	require.NoError(t, err)
	assert.Same(t, tb, again, "Default is memoised")

	m := tb.Meta()
	assert.Equal(t, Task, m.Task)
	assert.Equal(t, tasks.Synthetic, m.Provenance)
	assert.Equal(t, tasks.Maximize, m.Direction)
	assert.Equal(t, Objective, m.Objective)
	assert.Equal(t, Metrics(), m.Metrics)
	assert.Contains(t, m.CostSource, "estimated")
	assert.Contains(t, m.Source, "synthetic")
	assert.NotEqual(t, Licence, m.Licence, "the synthetic table holds no ADMIRE data")
	require.Len(t, m.Fidelity, 2)
	assert.Equal(t, FidModel, m.Fidelity[0].Name)
	assert.Equal(t, Models(), m.Fidelity[0].Levels)
	assert.Equal(t, Sources(), m.Space.Dims()[0].Parts)

	opts := DefaultGenOptions()
	exps := tb.Experiments()
	require.Len(t, exps, len(models))
	var rows int
	prevCost := 0.0
	for i, e := range exps {
		assert.Equal(t, ExperimentID(models[i]), e.ID)
		assert.Equal(t, models[i], e.Fidelity[FidModel])
		assert.Equal(t, opts.Mixtures[i], e.NumConfigs)
		rows += e.NumRows
		cost := tb.Outcome(e.Index, 0).CostGPUHours
		assert.Greater(t, cost, prevCost, "%s: a bigger model costs more", e.ID)
		prevCost = cost
		for c, cfg := range tb.Configs(e.Index) {
			r := cfg[Ratio].([]float64)
			var sum float64
			for _, x := range r {
				require.GreaterOrEqual(t, x, 0.0)
				sum += x
			}
			require.InDelta(t, 1, sum, 1e-9)
			out := tb.Outcome(e.Index, c)
			var mean float64
			for k, v := range out.Metrics[:len(benchmarks)] {
				require.True(t, v >= benchSkills[k].chance && v <= 1, "%s config %d: %s = %g", e.ID, c, benchmarks[k].Name, v)
				mean += v
			}
			assert.InDelta(t, mean/float64(len(benchmarks)), out.Objective, 1e-12, "the objective is the mean of the benchmarks")
		}
	}
	assert.Equal(t, rows, tb.NumRows())
}

func TestGenerateDeterministic(t *testing.T) {
	opts := DefaultGenOptions()
	opts.Mixtures = [3]int{30, 12, 5}
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
	assert.NotEqual(t, a.Configs(0), c.Configs(0), "another seed gives other mixtures")
}

func TestGenerateNested(t *testing.T) {
	tb, err := Default()
	require.NoError(t, err)
	for larger := 1; larger < len(models); larger++ {
		for _, cfg := range tb.Configs(larger) {
			for smaller := range larger {
				_, ok := tb.Lookup(smaller, cfg)
				assert.True(t, ok, "a %s mixture is also run at %s", models[larger], models[smaller])
			}
		}
	}
}

// shared returns the objectives of the mixtures run in both experiments.
func shared(t *testing.T, tb *tasks.Table, a, b int) (x, y []float64) {
	t.Helper()
	for c, cfg := range tb.Configs(b) {
		i, ok := tb.Lookup(a, cfg)
		if !ok {
			continue
		}
		x = append(x, tb.Outcome(a, i).Objective)
		y = append(y, tb.Outcome(b, c).Objective)
	}
	return x, y
}

func TestGenerateSizeOrder(t *testing.T) {
	tb, err := Default()
	require.NoError(t, err)
	for i := 1; i < len(models); i++ {
		x, y := shared(t, tb, i-1, i)
		require.NotEmpty(t, x)
		for j := range x {
			assert.Greater(t, y[j], x[j], "%s beats %s on every shared mixture", models[i], models[i-1])
		}
		assert.Greater(t, tb.Stats(i).Best, tb.Stats(i-1).Best)
	}
}

// crossSize returns the Spearman correlations of the objective over shared
// mixtures for the size pairs (0,1), (0,2), (1,2).
func crossSize(t *testing.T, tb *tasks.Table) [3]float64 {
	t.Helper()
	var out [3]float64
	for k, p := range [][2]int{{0, 1}, {0, 2}, {1, 2}} {
		x, y := shared(t, tb, p[0], p[1])
		rho, err := fidelity.Spearman(x, y)
		require.NoError(t, err)
		out[k] = rho
	}
	return out
}

func TestGenerateCrossSizeRankCorrelation(t *testing.T) {
	tb, err := Default()
	require.NoError(t, err)
	rho := crossSize(t, tb)
	t.Logf("default: Spearman 0.5B-3B %.3f, 0.5B-7B %.3f, 3B-7B %.3f", rho[0], rho[1], rho[2])
	for _, r := range rho {
		assert.True(t, r >= 0.45 && r <= 0.75, "cross-size rank correlation %.3f outside [0.45, 0.75]", r)
	}

	// Averaged over seeds, the correlation is in the same band: the default
	// seed is not an outlier.
	var sum [3]float64
	const seeds = 8
	for seed := range uint64(seeds) {
		opts := DefaultGenOptions()
		opts.Seed = 100 + seed
		tb, err := Generate(opts)
		require.NoError(t, err)
		r := crossSize(t, tb)
		for k := range sum {
			sum[k] += r[k] / seeds
		}
	}
	t.Logf("mean over %d seeds: %.3f, %.3f, %.3f", seeds, sum[0], sum[1], sum[2])
	for _, r := range sum {
		assert.True(t, r >= 0.45 && r <= 0.75, "mean cross-size rank correlation %.3f outside [0.45, 0.75]", r)
	}

	// Without shift or noise, the sizes agree perfectly.
	opts := DefaultGenOptions()
	opts.Shift, opts.Noise = 0, 0
	tb, err = Generate(opts)
	require.NoError(t, err)
	for _, r := range crossSize(t, tb) {
		assert.InDelta(t, 1, r, 0.02)
	}
}

func TestUtilityConcave(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	m, err := newModel(rng, 0.5)
	require.NoError(t, err)
	mid := make([]float64, len(sources))
	for range 200 {
		a := dirichlet(rng, 0.5, len(sources))
		b := dirichlet(rng, 2, len(sources))
		lam := rng.Float64()
		for s := range mid {
			mid[s] = lam*a[s] + (1-lam)*b[s]
		}
		for i := range models {
			for k := range benchmarks {
				lhs := m.utility(i, k, mid)
				rhs := lam*m.utility(i, k, a) + (1-lam)*m.utility(i, k, b)
				require.GreaterOrEqual(t, lhs, rhs-1e-12, "utility is concave in the ratios")
			}
		}
	}
}

func TestGenOptionsInvalid(t *testing.T) {
	cases := []struct {
		name string
		edit func(*GenOptions)
		want string
	}{
		{"too few mixtures", func(o *GenOptions) { o.Mixtures[0] = 1 }, "Mixtures[0] = 1"},
		{"not nested", func(o *GenOptions) { o.Mixtures = [3]int{10, 20, 5} }, "Mixtures[1] = 20"},
		{"zero at 7B", func(o *GenOptions) { o.Mixtures[2] = 0 }, "Mixtures[2] = 0"},
		{"NaN shift", func(o *GenOptions) { o.Shift = math.NaN() }, "Shift = NaN"},
		{"negative noise", func(o *GenOptions) { o.Noise = -1 }, "Noise = -1"},
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

func TestModelParams(t *testing.T) {
	cases := []struct {
		name string
		want float64
	}{
		{"Qwen2.5-0.5B", 0.5e9},
		{"Qwen2.5-7B", 7e9},
		{"Qwen/Qwen2.5-14b", 14e9},
		{"pythia_410M", 410e6},
	}
	for _, tc := range cases {
		got, err := ModelParams(tc.name)
		require.NoError(t, err, tc.name)
		assert.Equal(t, tc.want, got, tc.name)
	}
	for _, bad := range []string{"", "Qwen2.5", "model-xB", "Qwen-NaNB", "Qwen-infB", "Qwen-0B", "B"} {
		_, err := ModelParams(bad)
		assert.Error(t, err, bad)
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
