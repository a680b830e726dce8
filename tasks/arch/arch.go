package arch

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Constants of the GPT-2 style networks of the HW-GPT-Bench search spaces,
// used by Params and FLOPsPerToken.
const (
	// VocabSize is the (padded) vocabulary of the token embedding, which is
	// tied to the output head: 50,254 as configured in HW-GPT-Bench's model
	// configs (the GPT-2 tokenizer's 50,257 tokens less three unused ones).
	VocabSize = 50254
	// ContextLength is the sequence length the networks are trained and
	// evaluated at (GPT-2's 1,024).
	ContextLength = 1024
	// HeadSize is the fixed width of one attention head: the attention
	// width of a layer with h heads is HeadSize·h, independent of the
	// embedding dimension.
	HeadSize = 64
)

// Scale is one of the three HW-GPT-Bench search spaces (GPT-2 S, M and L).
// It is the task's fidelity: every scale has its own choices of embedding
// dimension, depth and head count.
type Scale uint8

// The three scales, cheap to expensive.
const (
	Small Scale = iota + 1
	Medium
	Large
)

// Scales returns the three scales, cheap to expensive.
func Scales() []Scale { return []Scale{Small, Medium, Large} }

// String returns the scale's level name as stored in the fid_scale column:
// "s", "m" or "l".
func (s Scale) String() string {
	switch s {
	case Small:
		return "s"
	case Medium:
		return "m"
	case Large:
		return "l"
	}
	return "Scale(" + strconv.Itoa(int(s)) + ")"
}

// ParseScale is the inverse of Scale.String; it also accepts upper case.
func ParseScale(name string) (Scale, error) {
	switch strings.ToLower(name) {
	case "s":
		return Small, nil
	case "m":
		return Medium, nil
	case "l":
		return Large, nil
	}
	return 0, fmt.Errorf("arch: unknown scale %q (want s, m or l)", name)
}

func (s Scale) valid() bool { return s >= Small && s <= Large }

// Choices are the values a scale allows, each in ascending order. The bias
// flag is true or false at every scale.
type Choices struct {
	// Embed lists the embedding dimensions.
	Embed []int
	// Layers lists the depths.
	Layers []int
	// Heads lists the per-layer head counts.
	Heads []int
	// MLPRatio lists the per-layer ratios of MLP width to embedding
	// dimension.
	MLPRatio []int
}

var choiceTable = [...]Choices{
	Small:  {Embed: []int{192, 384, 768}, Layers: []int{10, 11, 12}, Heads: []int{4, 8, 12}, MLPRatio: []int{2, 3, 4}},
	Medium: {Embed: []int{256, 512, 1024}, Layers: []int{22, 23, 24}, Heads: []int{8, 12, 16}, MLPRatio: []int{2, 3, 4}},
	Large:  {Embed: []int{320, 640, 1280}, Layers: []int{34, 35, 36}, Heads: []int{8, 16, 20}, MLPRatio: []int{2, 3, 4}},
}

// Choices returns the scale's allowed values (fresh slices the caller may
// keep). An invalid scale has no choices.
func (s Scale) Choices() Choices {
	if !s.valid() {
		return Choices{}
	}
	c := choiceTable[s]
	return Choices{
		Embed:    slices.Clone(c.Embed),
		Layers:   slices.Clone(c.Layers),
		Heads:    slices.Clone(c.Heads),
		MLPRatio: slices.Clone(c.MLPRatio),
	}
}

// MaxLayers is the deepest architecture of the scale (12, 24 or 36), which
// fixes the width of the surrogate's input. It is 0 for an invalid scale.
func (s Scale) MaxLayers() int {
	if !s.valid() {
		return 0
	}
	return slices.Max(choiceTable[s].Layers)
}

// Arch is one GPT-2 architecture of a search space: an embedding
// dimension, a depth, per-layer head counts and MLP ratios, and whether
// the linear layers carry biases.
type Arch struct {
	// Scale is the search space the architecture belongs to.
	Scale Scale
	// Embed is the embedding (residual stream) dimension.
	Embed int
	// Layers is the number of transformer blocks.
	Layers int
	// Heads holds each block's number of attention heads (len Layers).
	Heads []int
	// MLPRatio holds each block's MLP width as a multiple of Embed
	// (len Layers).
	MLPRatio []int
	// Bias says whether the attention and MLP linear layers have biases.
	Bias bool
}

// Uniform returns the architecture whose blocks all have the same head
// count and MLP ratio.
func Uniform(scale Scale, embed, layers, heads, mlpRatio int, bias bool) Arch {
	a := Arch{Scale: scale, Embed: embed, Layers: layers, Bias: bias}
	if layers > 0 {
		a.Heads = slices.Repeat([]int{heads}, layers)
		a.MLPRatio = slices.Repeat([]int{mlpRatio}, layers)
	}
	return a
}

// checkShape reports structural problems: non-positive sizes and per-layer
// slices whose length is not Layers.
func (a Arch) checkShape() error {
	var errs []error
	if a.Embed <= 0 {
		errs = append(errs, fmt.Errorf("embedding dimension %d must be positive", a.Embed))
	}
	if a.Layers <= 0 {
		errs = append(errs, fmt.Errorf("layer count %d must be positive", a.Layers))
	}
	if len(a.Heads) != a.Layers {
		errs = append(errs, fmt.Errorf("%d per-layer head counts for %d layers", len(a.Heads), a.Layers))
	}
	if len(a.MLPRatio) != a.Layers {
		errs = append(errs, fmt.Errorf("%d per-layer MLP ratios for %d layers", len(a.MLPRatio), a.Layers))
	}
	for i, h := range a.Heads {
		if h <= 0 {
			errs = append(errs, fmt.Errorf("layer %d: head count %d must be positive", i, h))
		}
	}
	for i, r := range a.MLPRatio {
		if r <= 0 {
			errs = append(errs, fmt.Errorf("layer %d: MLP ratio %d must be positive", i, r))
		}
	}
	return errors.Join(errs...)
}

// Validate reports every way the architecture is not a member of its
// scale's search space: unknown scale, sizes not among the scale's
// choices, per-layer slices of the wrong length.
func (a Arch) Validate() error {
	if a.member() {
		return nil
	}
	if !a.Scale.valid() {
		return fmt.Errorf("arch: invalid architecture: unknown scale %v (want s, m or l)", a.Scale)
	}
	errs := []error{a.checkShape()}
	c := choiceTable[a.Scale]
	if a.Embed > 0 && !slices.Contains(c.Embed, a.Embed) {
		errs = append(errs, fmt.Errorf("embedding dimension %d not among scale %v's choices %v", a.Embed, a.Scale, c.Embed))
	}
	if a.Layers > 0 && !slices.Contains(c.Layers, a.Layers) {
		errs = append(errs, fmt.Errorf("layer count %d not among scale %v's choices %v", a.Layers, a.Scale, c.Layers))
	}
	for i, h := range a.Heads {
		if h > 0 && !slices.Contains(c.Heads, h) {
			errs = append(errs, fmt.Errorf("layer %d: head count %d not among scale %v's choices %v", i, h, a.Scale, c.Heads))
		}
	}
	for i, r := range a.MLPRatio {
		if r > 0 && !slices.Contains(c.MLPRatio, r) {
			errs = append(errs, fmt.Errorf("layer %d: MLP ratio %d not among the choices %v", i, r, c.MLPRatio))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("arch: invalid architecture %v: %w", a, err)
	}
	return nil
}

// member reports without allocating whether Validate would succeed.
func (a Arch) member() bool {
	if !a.Scale.valid() || len(a.Heads) != a.Layers || len(a.MLPRatio) != a.Layers {
		return false
	}
	c := &choiceTable[a.Scale]
	if !slices.Contains(c.Embed, a.Embed) || !slices.Contains(c.Layers, a.Layers) {
		return false
	}
	for i := range a.Layers {
		if !slices.Contains(c.Heads, a.Heads[i]) || !slices.Contains(c.MLPRatio, a.MLPRatio[i]) {
			return false
		}
	}
	return true
}

// MeanHeads is the mean head count over the layers (0 for no layers).
func (a Arch) MeanHeads() float64 { return mean(a.Heads) }

// MeanMLPRatio is the mean MLP ratio over the layers (0 for no layers).
func (a Arch) MeanMLPRatio() float64 { return mean(a.MLPRatio) }

func mean(v []int) float64 {
	if len(v) == 0 {
		return 0
	}
	s := 0
	for _, x := range v {
		s += x
	}
	return float64(s) / float64(len(v))
}

// IsUniform reports whether all layers have the same head count and the
// same MLP ratio.
func (a Arch) IsUniform() bool {
	for i := 1; i < len(a.Heads); i++ {
		if a.Heads[i] != a.Heads[0] {
			return false
		}
	}
	for i := 1; i < len(a.MLPRatio); i++ {
		if a.MLPRatio[i] != a.MLPRatio[0] {
			return false
		}
	}
	return true
}

// String renders the architecture compactly, e.g.
// "s/e768-l12-h[12×12]-r[4×12]-bias" for a uniform one and
// "s/e384-l10-h[4 8 …]-r[2 3 …]-nobias" (all layers listed) otherwise.
func (a Arch) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v/e%d-l%d-h%s-r%s-", a.Scale, a.Embed, a.Layers, compact(a.Heads), compact(a.MLPRatio))
	if a.Bias {
		b.WriteString("bias")
	} else {
		b.WriteString("nobias")
	}
	return b.String()
}

func compact(v []int) string {
	if len(v) > 0 && !slices.ContainsFunc(v, func(x int) bool { return x != v[0] }) {
		return fmt.Sprintf("[%d×%d]", v[0], len(v))
	}
	return fmt.Sprint(v)
}

// Params returns the exact parameter count of the architecture as built by
// HW-GPT-Bench (see the package documentation for the formula): a token
// embedding tied to the output head, rotary positions (no position
// embedding), pre-norm LayerNorms with weight and bias, attention of
// HeadSize-wide heads and a two-layer MLP, with biases in the attention and
// MLP linear layers when Bias is set. It returns 0 for an architecture with
// a non-positive size or per-layer slices whose length is not Layers.
func Params(a Arch) int64 {
	if a.checkShape() != nil {
		return 0
	}
	e := int64(a.Embed)
	n := int64(VocabSize)*e + 2*e // tied embedding + final LayerNorm
	for i := range a.Layers {
		n += layerParams(e, int64(a.Heads[i]), int64(a.MLPRatio[i]), a.Bias)
	}
	return n
}

// NonEmbeddingParams is Params less the tied token embedding (VocabSize ×
// Embed): the parameters of the blocks and the final LayerNorm.
func NonEmbeddingParams(a Arch) int64 {
	p := Params(a)
	if p == 0 {
		return 0
	}
	return p - int64(VocabSize)*int64(a.Embed)
}

func layerParams(e, heads, ratio int64, bias bool) int64 {
	w := HeadSize * heads  // attention width
	n := 4 * e             // two LayerNorms, weight and bias
	n += 3*w*e + w*e       // qkv and output projection
	n += 2 * ratio * e * e // MLP up and down projection
	if bias {
		n += 3*w + e + ratio*e + e
	}
	return n
}

// FLOPsPerToken returns the forward-pass floating-point operations per
// token at ContextLength: two per multiply-add of every matrix product (the
// attention and MLP projections and the output head) plus the attention
// scores and their weighted sum over the full context, 4·ContextLength·
// HeadSize·heads per layer. Embedding look-ups, normalisation, biases,
// activations and softmax are not counted. Training costs about three times
// this per token. It returns 0 where Params does.
func FLOPsPerToken(a Arch) float64 {
	if a.checkShape() != nil {
		return 0
	}
	e := float64(a.Embed)
	f := 2 * float64(VocabSize) * e // output head
	for i := range a.Layers {
		w := float64(HeadSize * a.Heads[i])
		f += 2*(4*w*e+2*float64(a.MLPRatio[i])*e*e) + 4*ContextLength*w
	}
	return f
}
