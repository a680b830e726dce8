package arch

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/tasks"
	_ "github.com/autollmresearch/gym/tasks/tablefile" // the tests write .parquet and .arrow tables
)

// rowsOf lists a table's seed-averaged outcomes per experiment, in order.
func rowsOf(t *tasks.Table) [][]float64 {
	var out [][]float64
	for _, e := range t.Experiments() {
		for c := range e.NumConfigs {
			o := t.Outcome(e.Index, c)
			out = append(out, append([]float64{o.Objective, o.CostGPUHours}, o.Metrics...))
		}
	}
	return out
}

func TestDefault(t *testing.T) {
	tab, err := Default()
	require.NoError(t, err)
	again, err := Default()
	require.NoError(t, err)
	assert.Same(t, tab, again, "Default is memoised")

	m := tab.Meta()
	assert.Equal(t, Task, m.Task)
	assert.Equal(t, tasks.Synthetic, m.Provenance)
	assert.Equal(t, MetricPerplexity, m.Objective)
	assert.Equal(t, tasks.Minimize, m.Direction)
	assert.Contains(t, m.CostSource, "estimated")
	assert.Contains(t, m.Citation, "2405.10299")
	assert.NotEmpty(t, m.Licence)

	exps := tab.Experiments()
	require.Len(t, exps, 3)
	for i, s := range Scales() {
		e := exps[i]
		assert.Equal(t, ExperimentID(s), e.ID)
		assert.Equal(t, s.String(), e.Fidelity[FidScale])
		assert.Equal(t, i, e.Rank)
		assert.Equal(t, 162+DefaultMixedPerScale, e.NumConfigs)
	}
	assert.Equal(t, 3*(162+DefaultMixedPerScale), tab.NumRows())
}

func TestGenerateDeterministic(t *testing.T) {
	opts := GenOptions{Seed: 42, MixedPerScale: 50}
	a, err := Generate(opts)
	require.NoError(t, err)
	b, err := Generate(opts)
	require.NoError(t, err)
	assert.Equal(t, rowsOf(a), rowsOf(b))
	for _, e := range a.Experiments() {
		assert.Equal(t, a.Configs(e.Index), b.Configs(e.Index))
	}

	c, err := Generate(GenOptions{Seed: 43, MixedPerScale: 50})
	require.NoError(t, err)
	assert.NotEqual(t, rowsOf(a), rowsOf(c), "another seed gives other noise and mixed architectures")
}

func TestGenerateOptions(t *testing.T) {
	tab, err := Generate(GenOptions{MixedPerScale: -1, Noise: -1})
	require.NoError(t, err)
	for _, e := range tab.Experiments() {
		assert.Equal(t, 162, e.NumConfigs, "no mixed architectures")
	}

	_, err = Generate(GenOptions{Noise: math.NaN()})
	require.ErrorContains(t, err, "noise NaN must be finite")
	_, err = Generate(GenOptions{Cost: CostModel{TokensPerParam: -3}})
	require.ErrorContains(t, err, "tokens per parameter -3 must be positive")
}

// TestGenerateRanges checks the calibration: without noise, each scale's
// uniform architectures span exactly the published perplexity range, and
// the mixed ones stay close to it; with the default noise the range moves
// by a few percent at most.
func TestGenerateRanges(t *testing.T) {
	for _, noise := range []float64{-1, 0} {
		tab, err := Generate(GenOptions{Noise: noise, Seed: 3})
		require.NoError(t, err)
		for i, s := range Scales() {
			want := publishedRange[s]
			var uni, all []float64
			for c, cfg := range tab.Configs(i) {
				p := tab.Outcome(i, c).Objective
				all = append(all, p)
				if c < 162 {
					uni = append(uni, p)
					assert.Equal(t, cfg[DimHeads], math.Trunc(cfg[DimHeads].(float64)), "the first 162 configs are the uniform ones")
				}
			}
			tol := 1e-9
			if noise == 0 {
				tol = 0.05
			}
			assert.InEpsilon(t, want[0], slices.Min(uni), tol, "scale %v lowest perplexity", s)
			assert.InEpsilon(t, want[1], slices.Max(uni), tol, "scale %v highest perplexity", s)
			assert.GreaterOrEqual(t, slices.Min(all), want[0]*0.95)
			assert.LessOrEqual(t, slices.Max(all), want[1]*1.05)
		}
	}
}

// TestSizeLawProperties checks the shape of the noise-free model: more
// parameters at the same shape means lower perplexity, the shape penalties
// are mild, and bias-free networks are slightly worse.
func TestSizeLawProperties(t *testing.T) {
	for _, s := range Scales() {
		law, err := calibrate(s)
		require.NoError(t, err)
		c := s.Choices()
		for _, l := range c.Layers {
			for _, h := range c.Heads {
				// Wider MLPs at a fixed embedding, depth and heads: more
				// parameters, same shape, lower perplexity.
				prev := math.Inf(1)
				for _, r := range c.MLPRatio {
					p := law.logPerplexity(Uniform(s, c.Embed[1], l, h, r, true))
					assert.Less(t, p, prev, "scale %v layers %d heads %d ratio %d", s, l, h, r)
					prev = p
				}
			}
		}
		a := Uniform(s, c.Embed[1], c.Layers[1], c.Heads[1], 3, true)
		b := a
		b.Bias = false
		d := law.logPerplexity(b) - law.logPerplexity(a)
		sizeGain := law.a * (sizeTerm(b) - sizeTerm(a)) // bias-free has fewer parameters
		assert.Positive(t, sizeGain)
		assert.InDelta(t, noBiasPenalty+sizeGain, d, 1e-12, "bias costs the stated penalty besides its parameters")
		span := math.Log(publishedRange[s][1] / publishedRange[s][0])
		for _, u := range UniformArchs(s) {
			assert.Less(t, shapeEffect(u), span/4, "shape penalty of %v is mild next to the scale's span", u)
		}
	}
}

func TestCandidates(t *testing.T) {
	for _, s := range Scales() {
		archs, err := Candidates(s, 200, newRand(9, candidateStream, s))
		require.NoError(t, err)
		require.Len(t, archs, 362)
		seen := map[archKey]bool{}
		for i, a := range archs {
			require.NoError(t, a.Validate())
			k := keyOf(a)
			assert.False(t, seen[k], "key of candidate %d (%v) is unique", i, a)
			seen[k] = true
			assert.Equal(t, i < 162, a.IsUniform(), "candidate %d", i)
		}
	}

	_, err := Candidates(Scale(9), 1, newRand(1, 1, Small))
	require.ErrorContains(t, err, "unknown scale")
	// The S space has fewer than 10,000 distinct keys.
	_, err = Candidates(Small, 10_000, newRand(1, candidateStream, Small))
	require.ErrorContains(t, err, "distinct mixed architectures")
}

// TestCandidatesKeepFirst checks de-duplication against a hand-made
// collision: a mixed architecture with the means of a uniform one.
func TestCandidatesKeepFirst(t *testing.T) {
	u := Uniform(Small, 192, 10, 8, 3, true)
	m := u
	m.Heads = []int{4, 12, 4, 12, 4, 12, 4, 12, 4, 12}
	m.MLPRatio = []int{2, 4, 2, 4, 2, 4, 2, 4, 2, 4}
	assert.Equal(t, u.Config(), m.Config())
	assert.Equal(t, keyOf(u), keyOf(m))
	assert.True(t, u.IsUniform())
	assert.False(t, m.IsUniform())
}

func TestCostModel(t *testing.T) {
	small := Uniform(Small, 768, 12, 12, 4, true)
	large := Uniform(Large, 1280, 36, 20, 4, true)
	var c CostModel
	hs, hl := c.Hours(small), c.Hours(large)
	assert.Greater(t, hl, 10*hs)
	// 3 · FLOPs/token · 20 · P tokens at 989e12 · 0.4 FLOP/s.
	want := 3 * FLOPsPerToken(small) * 20 * float64(Params(small)) / (989e12 * 0.4) / 3600
	assert.InEpsilon(t, want, hs, 1e-12)
	assert.True(t, math.IsNaN(c.Hours(Arch{})), "malformed architecture")
	assert.True(t, math.IsNaN(CostModel{TokensPerParam: math.Inf(1)}.Hours(small)))
}

// TestDefaultRoundTrip writes the default through the table's file formats
// and reads it back unchanged.
func TestDefaultRoundTrip(t *testing.T) {
	tab, err := Generate(GenOptions{MixedPerScale: 20})
	require.NoError(t, err)
	defer tab.Release()
	for _, name := range []string{"arch.parquet", "arch.csv", "arch.arrow"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), name)
			require.NoError(t, tasks.WriteFile(path, tab))
			back, err := tasks.ReadFile(path)
			require.NoError(t, err)
			defer back.Release()
			assert.Equal(t, tab.Meta().Provenance, back.Meta().Provenance)
			assert.Equal(t, tab.Meta().Fidelity, back.Meta().Fidelity)
			assert.Equal(t, rowsOf(tab), rowsOf(back))
			for _, e := range tab.Experiments() {
				assert.Equal(t, tab.Configs(e.Index), back.Configs(e.Index))
			}
		})
	}
}

// TestConcurrentUse shares the default table and a surrogate between
// goroutines (run with -race).
func TestConcurrentUse(t *testing.T) {
	sur, err := loadFixture(t, newFixture(Small, 6), Small)
	require.NoError(t, err)
	archs := UniformArchs(Small)
	want := make([]float64, len(archs))
	for i, a := range archs {
		want[i], err = sur.Perplexity(a)
		require.NoError(t, err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			tab, err := Default()
			if err != nil {
				errs <- err
				return
			}
			for i, a := range archs {
				p, err := sur.Perplexity(a)
				if err != nil || p != want[i] {
					errs <- fmt.Errorf("%v: got %g, %v; want %g", a, p, err, want[i])
					return
				}
				if _, ok := tab.Lookup(0, a.Config()); !ok {
					errs <- fmt.Errorf("%v not in the default", a)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestCostSource(t *testing.T) {
	assert.Equal(t, "estimated: 3 × forward FLOPs per token (exact count at context 1024) × 20 tokens per parameter, on H100 SXM bf16 at 989 TFLOP/s peak, 40% utilisation",
		CostModel{}.Source())
	tab, err := Default()
	require.NoError(t, err)
	assert.Equal(t, CostModel{}.Source(), tab.Meta().CostSource)
}
