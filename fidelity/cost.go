package fidelity

import (
	"fmt"
	"math"
)

// Figures of the default accelerator.
const (
	// H100PeakFLOPS is the dense bf16 peak of an NVIDIA H100 SXM in FLOP/s
	// (989 TFLOP/s, from the vendor's data sheet; the 1,979 TFLOP/s figure
	// assumes structured sparsity).
	H100PeakFLOPS = 989e12
	// DefaultUtilisation is the model FLOPs utilisation assumed by
	// DefaultAccelerator: 40%, typical of well-tuned large dense
	// transformer pretraining.
	DefaultUtilisation = 0.40
)

// Accelerator is a cost model that converts floating-point operations into
// GPU hours: hours = FLOPs / (PeakFLOPS · Utilisation) / 3600.
type Accelerator struct {
	// Name describes the device and precision, e.g. "H100 SXM bf16".
	Name string
	// PeakFLOPS is the device's peak throughput in FLOP/s.
	PeakFLOPS float64
	// Utilisation is the fraction of the peak actually achieved, in (0, 1].
	Utilisation float64
}

// DefaultAccelerator returns an H100 SXM at H100PeakFLOPS dense bf16 peak
// and DefaultUtilisation. Callers may change the returned value's fields.
func DefaultAccelerator() Accelerator {
	return Accelerator{Name: "H100 SXM bf16", PeakFLOPS: H100PeakFLOPS, Utilisation: DefaultUtilisation}
}

// Validate reports whether the peak is positive and finite and the
// utilisation is in (0, 1].
func (a Accelerator) Validate() error {
	if !(a.PeakFLOPS > 0) || math.IsInf(a.PeakFLOPS, 0) {
		return fmt.Errorf("fidelity: accelerator %q: peak FLOP/s %g must be positive and finite", a.Name, a.PeakFLOPS)
	}
	if !(a.Utilisation > 0 && a.Utilisation <= 1) {
		return fmt.Errorf("fidelity: accelerator %q: utilisation %g must be in (0, 1]", a.Name, a.Utilisation)
	}
	return nil
}

// Hours returns the GPU hours needed for the given number of FLOPs. It
// returns NaN when flops is negative, NaN or infinite, or the accelerator is
// invalid (see Validate).
func (a Accelerator) Hours(flops float64) float64 {
	if !(flops >= 0) || math.IsInf(flops, 0) || a.Validate() != nil {
		return math.NaN()
	}
	return flops / (a.PeakFLOPS * a.Utilisation) / 3600
}

// TrainingHours returns the GPU hours of training a dense model with params
// parameters on tokens tokens: Hours(TrainingFLOPs(params, tokens)). It is
// NaN when either input is not positive and finite; TrainingCost says why.
func (a Accelerator) TrainingHours(params, tokens float64) float64 {
	return a.Hours(TrainingFLOPs(params, tokens))
}

// InferenceHours returns the GPU hours of a forward pass over tokens tokens
// through a dense model with params parameters: Hours(InferenceFLOPs(params,
// tokens)). It is NaN when either input is not positive and finite.
func (a Accelerator) InferenceHours(params, tokens float64) float64 {
	return a.Hours(InferenceFLOPs(params, tokens))
}

// TrainingCost is TrainingHours with an error naming the offending input
// instead of a NaN result.
func (a Accelerator) TrainingCost(params, tokens float64) (float64, error) {
	if err := checkScale(params, tokens); err != nil {
		return 0, err
	}
	if err := a.Validate(); err != nil {
		return 0, err
	}
	return a.TrainingHours(params, tokens), nil
}

// CostSource describes the model for a table's cost metadata, e.g.
// "estimated: 6·N·D FLOPs on H100 SXM bf16 at 989 TFLOP/s peak, 40% utilisation".
func (a Accelerator) CostSource() string {
	return fmt.Sprintf("estimated: 6·N·D FLOPs on %s at %g TFLOP/s peak, %g%% utilisation",
		a.Name, a.PeakFLOPS/1e12, a.Utilisation*100)
}

// TrainingFLOPs returns 6·params·tokens, the forward and backward FLOPs of
// training a dense transformer. It is NaN when either input is not positive
// and finite.
func TrainingFLOPs(params, tokens float64) float64 {
	if checkScale(params, tokens) != nil {
		return math.NaN()
	}
	return 6 * params * tokens
}

// InferenceFLOPs returns 2·params·tokens, the FLOPs of a forward pass of a
// dense transformer. It is NaN when either input is not positive and finite.
func InferenceFLOPs(params, tokens float64) float64 {
	if checkScale(params, tokens) != nil {
		return math.NaN()
	}
	return 2 * params * tokens
}

func checkScale(params, tokens float64) error {
	if !(params > 0) || math.IsInf(params, 0) {
		return fmt.Errorf("fidelity: parameter count %g must be positive and finite", params)
	}
	if !(tokens > 0) || math.IsInf(tokens, 0) {
		return fmt.Errorf("fidelity: token count %g must be positive and finite", tokens)
	}
	return nil
}
