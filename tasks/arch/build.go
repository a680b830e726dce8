package arch

import (
	"fmt"
	"math"

	"github.com/autollmresearch/gym/fidelity"
	"github.com/autollmresearch/gym/tasks"
)

// DefaultTokensPerParam is the training budget assumed for the cost of an
// architecture: 20 tokens per parameter, the compute-optimal ratio of
// Hoffmann et al. (2022).
const DefaultTokensPerParam = 20

// CostModel turns an architecture into the GPU hours of training it.
type CostModel struct {
	// TokensPerParam sets the training tokens to TokensPerParam · Params;
	// 0 selects DefaultTokensPerParam.
	TokensPerParam float64
	// Accelerator converts FLOPs to GPU hours; the zero value selects
	// fidelity.DefaultAccelerator().
	Accelerator fidelity.Accelerator
}

// resolve fills in defaults and validates.
func (c CostModel) resolve() (CostModel, error) {
	if c.TokensPerParam == 0 {
		c.TokensPerParam = DefaultTokensPerParam
	}
	if !(c.TokensPerParam > 0) || math.IsInf(c.TokensPerParam, 0) {
		return c, fmt.Errorf("arch: cost model: tokens per parameter %g must be positive and finite", c.TokensPerParam)
	}
	if c.Accelerator == (fidelity.Accelerator{}) {
		c.Accelerator = fidelity.DefaultAccelerator()
	}
	if err := c.Accelerator.Validate(); err != nil {
		return c, fmt.Errorf("arch: cost model: %w", err)
	}
	return c, nil
}

// Hours returns the GPU hours of training a on TokensPerParam · Params(a)
// tokens: 3 · FLOPsPerToken(a) FLOPs per token (forward and backward) on
// the accelerator. It is NaN for an architecture Params rejects or an
// invalid cost model.
func (c CostModel) Hours(a Arch) float64 {
	c, err := c.resolve()
	if err != nil || Params(a) == 0 {
		return math.NaN()
	}
	return c.hours(a)
}

func (c CostModel) hours(a Arch) float64 {
	tokens := c.TokensPerParam * float64(Params(a))
	return c.Accelerator.Hours(3 * FLOPsPerToken(a) * tokens)
}

// Source describes the model for a table's CostSource, with defaults
// filled in.
func (c CostModel) Source() string {
	if r, err := c.resolve(); err == nil {
		c = r
	}
	return fmt.Sprintf("estimated: 3 × forward FLOPs per token (exact count at context %d) × %g tokens per parameter, on %s at %g TFLOP/s peak, %g%% utilisation",
		ContextLength, c.TokensPerParam, c.Accelerator.Name, c.Accelerator.PeakFLOPS/1e12, c.Accelerator.Utilisation*100)
}

// maxParams is the parameter count of the scale's largest architecture.
func maxParams(s Scale) float64 {
	c := &choiceTable[s]
	return float64(Params(Uniform(s, c.Embed[len(c.Embed)-1], c.Layers[len(c.Layers)-1], c.Heads[len(c.Heads)-1], c.MLPRatio[len(c.MLPRatio)-1], true)))
}

func baseMeta() tasks.Meta {
	return tasks.Meta{
		Task:  Task,
		Space: Space(),
		Fidelity: []tasks.FidelityColumn{
			{Name: FidScale, Levels: []string{Small.String(), Medium.String(), Large.String()}},
			{Name: FidMaxParams},
		},
		Metrics:   []string{MetricPerplexity, MetricParams, MetricFLOPsPerToken},
		Objective: MetricPerplexity,
		Direction: tasks.Minimize,
	}
}

// rowOf is the table row of an architecture with its perplexity.
func rowOf(a Arch, ppl float64, cost CostModel) tasks.Row {
	return tasks.Row{
		Experiment: ExperimentID(a.Scale),
		Fidelity:   map[string]any{FidScale: a.Scale.String(), FidMaxParams: maxParams(a.Scale)},
		Config:     a.Config(),
		Metrics: map[string]float64{
			MetricPerplexity:    ppl,
			MetricParams:        float64(Params(a)),
			MetricFLOPsPerToken: FLOPsPerToken(a),
		},
		CostGPUHours: cost.hours(a),
	}
}
