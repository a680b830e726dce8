package env

import (
	"errors"
	"fmt"
	"math"

	"github.com/autollmresearch/gym/spaces"
)

// TransformReward applies a function to every reward of the wrapped env,
// e.g. scaling or clipping. A function that turns a finite reward into NaN
// or ±Inf makes Step fail.
type TransformReward[O, A any] struct {
	env Env[O, A]
	f   func(float64) float64
}

// NewTransformReward wraps e so that each step's reward r becomes f(r).
// A nil f makes Reset and Step fail.
func NewTransformReward[O, A any](e Env[O, A], f func(float64) float64) *TransformReward[O, A] {
	return &TransformReward[O, A]{env: e, f: f}
}

var errNilRewardFunc = errors.New("env: TransformReward: reward function is nil")

// Reset resets the wrapped env.
func (w *TransformReward[O, A]) Reset(seed Seed, options Options) (O, Info, error) {
	if w.f == nil {
		var zero O
		return zero, Info{}, errNilRewardFunc
	}
	return w.env.Reset(seed, options)
}

// Step steps the wrapped env and transforms its reward.
func (w *TransformReward[O, A]) Step(action A) (StepResult[O], error) {
	if w.f == nil {
		return StepResult[O]{}, errNilRewardFunc
	}
	r, err := w.env.Step(action)
	if err != nil {
		return r, err
	}
	in := r.Reward
	r.Reward = w.f(in)
	if (math.IsNaN(r.Reward) || math.IsInf(r.Reward, 0)) && !math.IsNaN(in) && !math.IsInf(in, 0) {
		return r, fmt.Errorf("env: TransformReward: reward function turned %g into %g", in, r.Reward)
	}
	return r, nil
}

// ObservationSpace returns the wrapped env's observation space.
func (w *TransformReward[O, A]) ObservationSpace() spaces.Space[O] { return w.env.ObservationSpace() }

// ActionSpace returns the wrapped env's action space.
func (w *TransformReward[O, A]) ActionSpace() spaces.Space[A] { return w.env.ActionSpace() }

// Close closes the wrapped env.
func (w *TransformReward[O, A]) Close() error { return w.env.Close() }

// UnwrapEnv returns the wrapped env.
func (w *TransformReward[O, A]) UnwrapEnv() any { return w.env }
