package arch

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/fidelity"
	"github.com/autollmresearch/gym/internal/shareddata"
)

func TestRealSurrogates(t *testing.T) {
	dir := shareddata.Require(t, shareddata.HWGPT)
	surs, err := LoadSurrogateDir(dir)
	require.NoError(t, err)
	require.Len(t, surs, 3)

	// Published perplexity ranges over the uniform architectures, with slack.
	ranges := map[Scale][2]float64{Small: {21, 43}, Medium: {21, 36}, Large: {18, 30}}
	for _, s := range surs {
		t.Run(s.Scale().String(), func(t *testing.T) {
			assert.Equal(t, InputWidth(s.Scale().MaxLayers()), s.in)
			assert.Len(t, s.w[0], hidden*s.in)
			assert.Len(t, s.w[4], hidden)
			assert.Len(t, s.b[4], 1)

			var ppl []float64
			for _, a := range UniformArchs(s.Scale()) {
				p, err := s.Perplexity(a)
				require.NoError(t, err)
				ppl = append(ppl, p)
			}
			lo, hi := slices.Min(ppl), slices.Max(ppl)
			want := ranges[s.Scale()]
			t.Logf("scale %v: surrogate perplexity over %d uniform architectures spans %.2f-%.2f (published about %g-%g)",
				s.Scale(), len(ppl), lo, hi, want[0], want[1])
			assert.InEpsilon(t, want[0], lo, 0.05, "lowest perplexity")
			assert.InEpsilon(t, want[1], hi, 0.05, "highest perplexity")

			// The column-summing forward pass equals the dense one.
			for _, a := range []Arch{UniformArchs(s.Scale())[0], SampleArch(s.Scale(), newRand(1, 1, s.Scale()))} {
				p, err := s.Perplexity(a)
				require.NoError(t, err)
				assert.InDelta(t, denseForward(s, a), p, 1e-9)
			}

			// The default's size law against the surrogate, uniform architectures.
			law, err := calibrate(s.Scale())
			require.NoError(t, err)
			var def []float64
			for _, a := range UniformArchs(s.Scale()) {
				def = append(def, law.logPerplexity(a))
			}
			rho, err := fidelity.Spearman(def, ppl)
			require.NoError(t, err)
			t.Logf("scale %v: Spearman(default size law, surrogate) over uniform architectures = %.3f", s.Scale(), rho)
			assert.Positive(t, rho)
		})
	}
}

// denseForward evaluates the surrogate on the explicit one-hot input with
// full matrix products.
func denseForward(s *Surrogate, a Arch) float64 {
	c := a.Scale.Choices()
	maxL := a.Scale.MaxLayers()
	x := make([]float64, s.in)
	x[index(c.Embed, a.Embed)] = 1
	x[3+index(c.Layers, a.Layers)] = 1
	for l := range a.Layers {
		x[6+3*l+index(c.MLPRatio, a.MLPRatio[l])] = 1
		x[6+3*maxL+3*l+index(c.Heads, a.Heads[l])] = 1
	}
	if a.Bias {
		x[6+6*maxL] = 1
	} else {
		x[6+6*maxL+1] = 1
	}
	for k := range s.w {
		rows, cols := len(s.b[k]), len(x)
		y := make([]float64, rows)
		for i := range rows {
			v := s.b[k][i]
			for j := range cols {
				v += s.w[k][i*cols+j] * x[j]
			}
			if k < 4 {
				v = max(v, 0)
			}
			y[i] = v
		}
		x = y
	}
	return x[0]
}

func TestRealImport(t *testing.T) {
	dir := shareddata.Require(t, shareddata.HWGPT)
	tab, err := ImportDir(dir, ImportOptions{})
	require.NoError(t, err)
	def, err := Default()
	require.NoError(t, err)
	require.Len(t, tab.Experiments(), 3)
	for _, e := range tab.Experiments() {
		assert.Equal(t, 162+DefaultMixedPerScale, e.NumConfigs)
		st := tab.Stats(e.Index)
		t.Logf("%s: %d architectures, surrogate perplexity %.2f-%.2f (median %.2f)", e.ID, st.Count, st.Best, st.Worst, st.Median)

		// Default and import share the candidates (same default seed).
		require.Equal(t, def.Configs(e.Index), tab.Configs(e.Index))
		var real, gen []float64
		for c := range e.NumConfigs {
			real = append(real, tab.Outcome(e.Index, c).Objective)
			gen = append(gen, def.Outcome(e.Index, c).Objective)
		}
		rho, err := fidelity.Spearman(gen, real)
		require.NoError(t, err)
		t.Logf("%s: Spearman(default, surrogate) over all %d candidates = %.3f", e.ID, len(real), rho)
		assert.Positive(t, rho)
	}
}
