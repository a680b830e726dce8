package nn

import (
	"errors"
	"fmt"
	"math"

	"github.com/autollmresearch/gym/internal/kernel"
)

// AdamConfig holds the hyperparameters of [Adam].
type AdamConfig struct {
	// LR is the learning rate (step size), finite and >= 0.
	LR float64 `json:"lr"`
	// Beta1 and Beta2 are the decay rates of the first and second moment
	// estimates, each in [0, 1).
	Beta1 float64 `json:"beta1"`
	Beta2 float64 `json:"beta2"`
	// Eps is added to the square root of the second moment, > 0.
	Eps float64 `json:"eps"`
	// WeightDecay, when positive, shrinks every parameter by
	// LR·WeightDecay·p per step, apart from the gradient step (decoupled
	// weight decay, as in AdamW). 0 disables it.
	WeightDecay float64 `json:"weight_decay,omitempty"`
}

// DefaultAdamConfig returns the usual defaults: LR 3e-4, Beta1 0.9,
// Beta2 0.999, Eps 1e-8 and no weight decay.
func DefaultAdamConfig() AdamConfig {
	return AdamConfig{LR: 3e-4, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
}

// Validate reports every hyperparameter that is out of range.
func (c AdamConfig) Validate() error {
	var errs []error
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	if !finite(c.LR) || c.LR < 0 {
		errs = append(errs, fmt.Errorf("nn: AdamConfig.LR is %g, want a finite number >= 0", c.LR))
	}
	if !(c.Beta1 >= 0 && c.Beta1 < 1) {
		errs = append(errs, fmt.Errorf("nn: AdamConfig.Beta1 is %g, want a number in [0, 1)", c.Beta1))
	}
	if !(c.Beta2 >= 0 && c.Beta2 < 1) {
		errs = append(errs, fmt.Errorf("nn: AdamConfig.Beta2 is %g, want a number in [0, 1)", c.Beta2))
	}
	if !finite(c.Eps) || c.Eps <= 0 {
		errs = append(errs, fmt.Errorf("nn: AdamConfig.Eps is %g, want a finite number > 0", c.Eps))
	}
	if !finite(c.WeightDecay) || c.WeightDecay < 0 {
		errs = append(errs, fmt.Errorf("nn: AdamConfig.WeightDecay is %g, want a finite number >= 0", c.WeightDecay))
	}
	return errors.Join(errs...)
}

// Adam is the Adam optimiser over one flat parameter vector, with bias
// correction of both moment estimates:
//
//	m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²
//	p ← p − lr·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε)
//
// computed as (lr/(1−β₁ᵗ))·m / (√v·(1/√(1−β₂ᵗ)) + ε), with one division
// and one square root per parameter (kernel.Adam).
//
// To optimise several vectors as one (a policy and a value network), give
// each its own Adam: the update is element-wise, so the result is the same
// as one Adam over their concatenation.
type Adam struct {
	cfg  AdamConfig
	m, v []float64
	t    int
}

// NewAdam returns an optimiser for vectors of length n.
func NewAdam(n int, cfg AdamConfig) (*Adam, error) {
	if n < 1 {
		return nil, fmt.Errorf("nn: NewAdam: vector length %d, want at least 1", n)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Adam{cfg: cfg, m: make([]float64, n), v: make([]float64, n)}, nil
}

// Clone returns an independent copy of the optimiser, state included.
func (a *Adam) Clone() *Adam {
	return &Adam{cfg: a.cfg, m: append([]float64(nil), a.m...), v: append([]float64(nil), a.v...), t: a.t}
}

// Len is the length of the vectors the optimiser updates.
func (a *Adam) Len() int { return len(a.m) }

// Config returns the hyperparameters, with the current learning rate.
func (a *Adam) Config() AdamConfig { return a.cfg }

// LR returns the current learning rate.
func (a *Adam) LR() float64 { return a.cfg.LR }

// SetLR changes the learning rate, e.g. to anneal it. lr must be finite
// and >= 0.
func (a *Adam) SetLR(lr float64) error {
	if math.IsNaN(lr) || math.IsInf(lr, 0) || lr < 0 {
		return fmt.Errorf("nn: Adam.SetLR: learning rate %g, want a finite number >= 0", lr)
	}
	a.cfg.LR = lr
	return nil
}

// Steps is the number of steps taken.
func (a *Adam) Steps() int { return a.t }

// Step updates params in place from grads. Both must have length Len. A
// gradient that is not finite is an error, and params are left unchanged.
func (a *Adam) Step(params, grads []float64) error {
	n := len(a.m)
	if len(params) != n || len(grads) != n {
		return fmt.Errorf("nn: Adam.Step: params have %d entries and grads %d, want %d each", len(params), len(grads), n)
	}
	for i, g := range grads {
		if math.IsNaN(g) || math.IsInf(g, 0) {
			return fmt.Errorf("nn: Adam.Step: gradient %d is %g", i, g)
		}
	}
	a.t++
	b1, b2 := a.cfg.Beta1, a.cfg.Beta2
	kernel.Adam(params, grads, a.m, a.v, kernel.AdamCoef{
		Beta1: b1, Beta2: b2,
		StepSize:  a.cfg.LR / (1 - math.Pow(b1, float64(a.t))),
		InvSqrtC2: 1 / math.Sqrt(1-math.Pow(b2, float64(a.t))),
		Eps:       a.cfg.Eps, Decay: a.cfg.LR * a.cfg.WeightDecay,
	})
	return nil
}

// AdamState is the part of an [Adam] that changes as it steps: the step
// count and the two moment estimates.
type AdamState struct {
	// Steps is the number of steps taken.
	Steps int
	// M and V are the first and second moment estimates.
	M, V []float64
}

// State returns a copy of the optimiser's state.
func (a *Adam) State() AdamState {
	return AdamState{Steps: a.t, M: append([]float64(nil), a.m...), V: append([]float64(nil), a.v...)}
}

// SetState restores a state returned by State (of an optimiser of the same
// length).
func (a *Adam) SetState(s AdamState) error {
	if len(s.M) != len(a.m) || len(s.V) != len(a.v) {
		return fmt.Errorf("nn: Adam.SetState: moments of length %d and %d, want %d", len(s.M), len(s.V), len(a.m))
	}
	if s.Steps < 0 {
		return fmt.Errorf("nn: Adam.SetState: step count %d, want >= 0", s.Steps)
	}
	for i := range s.M {
		if math.IsNaN(s.M[i]) || math.IsInf(s.M[i], 0) {
			return fmt.Errorf("nn: Adam.SetState: first moment %d is %g", i, s.M[i])
		}
		if math.IsNaN(s.V[i]) || math.IsInf(s.V[i], 0) || s.V[i] < 0 {
			return fmt.Errorf("nn: Adam.SetState: second moment %d is %g, want a finite number >= 0", i, s.V[i])
		}
	}
	a.t = s.Steps
	copy(a.m, s.M)
	copy(a.v, s.V)
	return nil
}

// GlobalNorm returns the Euclidean norm of all the vectors taken together.
func GlobalNorm(vecs ...[]float64) float64 {
	// Scale as we go, like a BLAS nrm2, so that large entries do not
	// overflow and small ones do not underflow.
	scale, ssq := 0.0, 1.0
	for _, v := range vecs {
		for _, x := range v {
			if x == 0 {
				continue
			}
			ax := math.Abs(x)
			if scale < ax {
				ssq = 1 + ssq*(scale/ax)*(scale/ax)
				scale = ax
			} else {
				ssq += (ax / scale) * (ax / scale)
			}
		}
	}
	if scale == 0 {
		return 0
	}
	return scale * math.Sqrt(ssq)
}

// ClipGradNorm scales the gradient vectors, taken together, so that their
// global norm is at most maxNorm, and returns the norm they had before. A
// gradient within the limit is left as it is. As is usual, the scale factor
// is maxNorm/(norm + 1e-6), so a clipped gradient ends just below
// maxNorm. A maxNorm that is not positive, or a norm that is not finite,
// leaves the gradients unchanged.
func ClipGradNorm(maxNorm float64, grads ...[]float64) float64 {
	norm := GlobalNorm(grads...)
	if !(maxNorm > 0) || math.IsNaN(norm) || math.IsInf(norm, 0) {
		return norm
	}
	scale := maxNorm / (norm + 1e-6)
	if scale >= 1 {
		return norm
	}
	for _, g := range grads {
		for i := range g {
			g[i] *= scale
		}
	}
	return norm
}
