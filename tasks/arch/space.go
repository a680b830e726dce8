package arch

import (
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/autollmresearch/gym/spaces"
)

// Task is the task family name stored in a table's metadata.
const Task = "arch"

// Names of the configuration dimensions.
const (
	// DimEmbed is the embedding dimension (log scale, 192 to 1280).
	DimEmbed = "embed_dim"
	// DimLayers is the number of blocks (integer, 10 to 36).
	DimLayers = "n_layers"
	// DimHeads is the mean number of attention heads per block (linear,
	// 4 to 20).
	DimHeads = "heads"
	// DimMLPRatio is the mean MLP ratio per block (linear, 2 to 4).
	DimMLPRatio = "mlp_ratio"
	// DimBias is whether linear layers have biases ("true" or "false").
	DimBias = "bias"
)

// Names of the fidelity coordinates and metrics.
const (
	// FidScale is the search space: "s", "m" or "l", in that order.
	FidScale = "scale"
	// FidMaxParams is the parameter count of the scale's largest
	// architecture, a numeric size for cross-scale extrapolation.
	FidMaxParams = "max_params"
	// MetricPerplexity is the objective, minimised.
	MetricPerplexity = "perplexity"
	// MetricParams is the exact parameter count (Params).
	MetricParams = "params"
	// MetricFLOPsPerToken is the forward FLOPs per token (FLOPsPerToken).
	MetricFLOPsPerToken = "flops_per_token"
)

// Space returns the task's configuration space, shared by all scales; the
// configurations that exist at a scale are the rows of its experiment. A
// fresh space is returned on every call.
func Space() *spaces.ConfigSpace {
	return spaces.MustConfigSpace(
		spaces.LogDim(DimEmbed, 192, 1280),
		spaces.IntDim(DimLayers, 10, 36),
		spaces.LinearDim(DimHeads, 4, 20),
		spaces.LinearDim(DimMLPRatio, 2, 4),
		spaces.CategoricalDim(DimBias, "true", "false"),
	)
}

// Config returns the architecture's key in the configuration space: its
// embedding dimension, depth, mean head count, mean MLP ratio and bias
// flag. A uniform architecture is recovered exactly from its key; a mixed
// one is summarised by its per-layer means.
func (a Arch) Config() spaces.Config {
	return spaces.Config{
		DimEmbed:    float64(a.Embed),
		DimLayers:   a.Layers,
		DimHeads:    a.MeanHeads(),
		DimMLPRatio: a.MeanMLPRatio(),
		DimBias:     strconv.FormatBool(a.Bias),
	}
}

// ExperimentID returns the id of the scale's experiment, e.g. "arch/s".
func ExperimentID(s Scale) string { return Task + "/" + s.String() }

// archKey is an architecture's configuration-space key.
type archKey struct {
	embed, layers int
	heads, mlp    float64
	bias          bool
}

func keyOf(a Arch) archKey {
	return archKey{a.Embed, a.Layers, a.MeanHeads(), a.MeanMLPRatio(), a.Bias}
}

// UniformArchs returns every uniform architecture of the scale (3 × 3 × 3
// × 3 × 2 = 162), ordered by embedding dimension, depth, heads, MLP ratio
// and bias (true first).
func UniformArchs(s Scale) []Arch {
	if !s.valid() {
		return nil
	}
	c := &choiceTable[s]
	out := make([]Arch, 0, len(c.Embed)*len(c.Layers)*len(c.Heads)*len(c.MLPRatio)*2)
	for _, e := range c.Embed {
		for _, l := range c.Layers {
			for _, h := range c.Heads {
				for _, r := range c.MLPRatio {
					for _, b := range []bool{true, false} {
						out = append(out, Uniform(s, e, l, h, r, b))
					}
				}
			}
		}
	}
	return out
}

// SampleArch draws an architecture of the scale as HW-GPT-Bench samples
// its search space: embedding dimension, depth and bias uniformly, then
// each layer's head count and MLP ratio independently and uniformly. An
// invalid scale gives the zero Arch.
func SampleArch(s Scale, r *rand.Rand) Arch {
	if !s.valid() {
		return Arch{}
	}
	c := &choiceTable[s]
	a := Arch{
		Scale:  s,
		Embed:  c.Embed[r.IntN(len(c.Embed))],
		Layers: c.Layers[r.IntN(len(c.Layers))],
		Bias:   r.IntN(2) == 0,
	}
	a.Heads = make([]int, a.Layers)
	a.MLPRatio = make([]int, a.Layers)
	for i := range a.Layers {
		a.Heads[i] = c.Heads[r.IntN(len(c.Heads))]
		a.MLPRatio[i] = c.MLPRatio[r.IntN(len(c.MLPRatio))]
	}
	return a
}

// Candidates returns the architectures of the scale's experiment: every
// uniform architecture followed by mixed distinct mixed ones drawn with
// SampleArch from r. A draw whose key (Arch.Config) equals that of an
// architecture already in the list, uniform or mixed, is discarded, so the
// first architecture with a key is kept. It fails when mixed distinct keys
// cannot be found in 20·mixed + 1000 draws.
func Candidates(s Scale, mixed int, r *rand.Rand) ([]Arch, error) {
	if !s.valid() {
		return nil, fmt.Errorf("arch: unknown scale %v (want s, m or l)", s)
	}
	archs := UniformArchs(s)
	if mixed <= 0 {
		return archs, nil
	}
	seen := make(map[archKey]bool, len(archs)+mixed)
	for _, a := range archs {
		seen[keyOf(a)] = true
	}
	want := len(archs) + mixed
	for draws := 0; len(archs) < want; draws++ {
		if draws >= 20*mixed+1000 {
			return nil, fmt.Errorf("arch: scale %v: found only %d distinct mixed architectures in %d draws, %d requested", s, len(archs)-(want-mixed), draws, mixed)
		}
		a := SampleArch(s, r)
		k := keyOf(a)
		if seen[k] {
			continue
		}
		seen[k] = true
		archs = append(archs, a)
	}
	return archs, nil
}
