package arch

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/spaces"
)

func TestScale(t *testing.T) {
	for _, s := range Scales() {
		got, err := ParseScale(s.String())
		require.NoError(t, err)
		assert.Equal(t, s, got)
	}
	got, err := ParseScale("M")
	require.NoError(t, err)
	assert.Equal(t, Medium, got)
	_, err = ParseScale("xl")
	require.ErrorContains(t, err, `unknown scale "xl" (want s, m or l)`)
	assert.Equal(t, "Scale(9)", Scale(9).String())
	assert.Equal(t, []int{12, 24, 36}, []int{Small.MaxLayers(), Medium.MaxLayers(), Large.MaxLayers()})
	assert.Zero(t, Scale(0).MaxLayers())
	assert.Empty(t, Scale(4).Choices().Embed)

	c := Large.Choices()
	c.Embed[0] = 1
	assert.Equal(t, 320, Large.Choices().Embed[0], "Choices returns copies")
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name string
		arch Arch
		want []string // substrings; none means valid
	}{
		{"uniform s", Uniform(Small, 768, 12, 12, 4, true), nil},
		{"uniform l", Uniform(Large, 320, 34, 8, 2, false), nil},
		{"mixed m", Arch{Scale: Medium, Embed: 512, Layers: 22, Heads: rep(22, 8, 16), MLPRatio: rep(22, 2, 4)}, nil},
		{"unknown scale", Uniform(0, 768, 12, 12, 4, true), []string{"unknown scale Scale(0)"}},
		{"every fault at once", Arch{Scale: Small, Embed: 100, Layers: 3, Heads: []int{4, 5, 0}, MLPRatio: []int{1}}, []string{
			"embedding dimension 100 not among scale s's choices [192 384 768]",
			"layer count 3 not among scale s's choices [10 11 12]",
			"layer 1: head count 5 not among",
			"layer 2: head count 0 must be positive",
			"1 per-layer MLP ratios for 3 layers",
			"layer 0: MLP ratio 1 not among the choices [2 3 4]",
		}},
		{"negative sizes", Arch{Scale: Large, Embed: -1, Layers: -2}, []string{
			"embedding dimension -1 must be positive", "layer count -2 must be positive",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.arch.Validate()
			if c.want == nil {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, w := range c.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

// rep returns n values alternating a and b.
func rep(n, a, b int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = a
		if i%2 == 1 {
			out[i] = b
		}
	}
	return out
}

func TestParams(t *testing.T) {
	// GPT-2 small's shape with HW-GPT-Bench's conventions, term by term.
	const e, w, r = 768, 12 * 64, 4
	perLayer := 4*e + 4*w*e + 2*r*e*e + (3*w + 2*e + r*e)
	gpt2 := int64(50254*e + 2*e + 12*perLayer)
	assert.Equal(t, gpt2, Params(Uniform(Small, 768, 12, 12, 4, true)))
	assert.Equal(t, int64(123_651_072), gpt2)
	assert.Equal(t, gpt2-12*(3*w+2*e+r*e), Params(Uniform(Small, 768, 12, 12, 4, false)))
	assert.Equal(t, gpt2-50254*e, NonEmbeddingParams(Uniform(Small, 768, 12, 12, 4, true)))

	// A tiny off-grid network: one layer, one head, E = 2, ratio 1.
	tiny := Uniform(0, 2, 1, 1, 1, true)
	assert.Equal(t, int64(50254*2+4+(8+4*64*2+2*4+(3*64+4+2))), Params(tiny))
	tiny.Bias = false
	assert.Equal(t, int64(50254*2+4+(8+4*64*2+2*4)), Params(tiny))

	// Layers add up: a two-layer mixed network is the mean of the two
	// uniform networks built from its layers.
	mixed := Arch{Scale: Small, Embed: 384, Layers: 2, Heads: []int{4, 12}, MLPRatio: []int{2, 4}, Bias: true}
	u1 := Uniform(Small, 384, 2, 4, 2, true)
	u2 := Uniform(Small, 384, 2, 12, 4, true)
	assert.Equal(t, (Params(u1)+Params(u2))/2, Params(mixed))
	assert.InEpsilon(t, (FLOPsPerToken(u1)+FLOPsPerToken(u2))/2, FLOPsPerToken(mixed), 1e-12)

	for _, bad := range []Arch{{}, {Embed: 8, Layers: 2, Heads: []int{1}, MLPRatio: []int{1, 1}}, Uniform(Small, 8, 2, -1, 1, true)} {
		assert.Zero(t, Params(bad), "%v", bad)
		assert.Zero(t, NonEmbeddingParams(bad), "%v", bad)
		assert.Zero(t, FLOPsPerToken(bad), "%v", bad)
	}
}

func TestFLOPsPerToken(t *testing.T) {
	tiny := Uniform(0, 2, 1, 1, 1, true)
	// Output head, then qkv + proj (4·w·E) and MLP (2·r·E²) multiply-adds,
	// then attention over 1,024 positions of a 64-wide head.
	assert.Equal(t, float64(2*50254*2+2*(4*64*2+2*1*4)+4*1024*64), FLOPsPerToken(tiny))

	// Roughly 2·Params plus attention for GPT-2 small.
	g := Uniform(Small, 768, 12, 12, 4, true)
	approx := 2*float64(Params(g)) + 4*1024*768*12
	assert.InEpsilon(t, approx, FLOPsPerToken(g), 0.01)
}

func TestArchHelpers(t *testing.T) {
	u := Uniform(Medium, 1024, 24, 16, 4, true)
	assert.True(t, u.IsUniform())
	assert.Equal(t, "m/e1024-l24-h[16×24]-r[4×24]-bias", u.String())
	assert.Equal(t, spaces.Config{DimEmbed: 1024.0, DimLayers: 24, DimHeads: 16.0, DimMLPRatio: 4.0, DimBias: "true"}, u.Config())

	m := Arch{Scale: Small, Embed: 192, Layers: 2, Heads: []int{4, 12}, MLPRatio: []int{2, 2}}
	assert.False(t, m.IsUniform())
	assert.Equal(t, "s/e192-l2-h[4 12]-r[2×2]-nobias", m.String())
	assert.Equal(t, 8.0, m.MeanHeads())
	assert.Equal(t, 2.0, m.MeanMLPRatio())
	assert.Zero(t, Arch{}.MeanHeads())
	assert.Empty(t, Uniform(Small, 192, 0, 4, 2, true).Heads)

	assert.Len(t, UniformArchs(Small), 162)
	assert.Nil(t, UniformArchs(Scale(5)))
	assert.Equal(t, Arch{}, SampleArch(Scale(5), newRand(1, 1, Small)))
}

func TestSpaceHoldsEveryCandidate(t *testing.T) {
	space := Space()
	for _, s := range Scales() {
		archs, err := Candidates(s, 50, newRand(11, candidateStream, s))
		require.NoError(t, err)
		for _, a := range archs {
			norm, err := space.Normalize(a.Config())
			require.NoError(t, err, "%v", a)
			assert.Equal(t, a.Config(), norm, "Config is canonical")
		}
	}
}
