package env

import (
	"errors"
	"fmt"
	"math"

	"github.com/autollmresearch/gym/spaces"
)

// FlattenObservation turns an env's observations into flat []float64
// vectors through its observation space's [spaces.Flattener]: a Box as is,
// a Discrete one-hot, a Dict its sub-spaces in key order, and so on.
//
// Its observation space is a one-dimensional Box of the flat length. The
// bounds are the inner space's own where they are known (a Box's bounds,
// [0, 1] for the one-hots of Discrete and MultiDiscrete) and unbounded
// otherwise. The observation slice is a buffer the wrapper reuses: it is
// valid until the next Reset or Step.
type FlattenObservation[A any] struct {
	inner any
	space *spaces.Box
	buf   []float64

	// The wrapped env's methods with its observation type hidden; reset
	// and step write the flattened observation into their dst.
	reset       func(seed Seed, options Options, dst []float64) (Info, error)
	step        func(action A, dst []float64) (StepResult[[]float64], error)
	actionSpace func() spaces.Space[A]
	close       func() error
}

// NewFlattenObservation wraps e so that its observations are flattened. It
// fails when e's observation space does not implement spaces.Flattener.
func NewFlattenObservation[O, A any](e Env[O, A]) (*FlattenObservation[A], error) {
	if e == nil {
		return nil, errors.New("env: FlattenObservation: env is nil")
	}
	space := e.ObservationSpace()
	if space == nil {
		return nil, errors.New("env: FlattenObservation: observation space is nil")
	}
	flat, ok := space.(spaces.Flattener[O])
	if !ok {
		return nil, fmt.Errorf("env: FlattenObservation: observation space %v (%T) has no flat form (does not implement spaces.Flattener)", space, space)
	}
	n := flat.FlatDim()
	if n < 1 {
		return nil, fmt.Errorf("env: FlattenObservation: observation space %v flattens to %d numbers, want at least 1", space, n)
	}
	low, high := flatBounds(space, n)
	box, err := spaces.NewBoxBounds(low, high, n)
	if err != nil {
		return nil, fmt.Errorf("env: FlattenObservation: bounds of observation space %v: %w", space, err)
	}
	return &FlattenObservation[A]{
		inner:       e,
		space:       box,
		buf:         make([]float64, n),
		reset:       flatReset(e, flat),
		step:        flatStep(e, flat),
		actionSpace: e.ActionSpace,
		close:       e.Close,
	}, nil
}

func flatReset[O, A any](e Env[O, A], flat spaces.Flattener[O]) func(Seed, Options, []float64) (Info, error) {
	return func(seed Seed, options Options, dst []float64) (Info, error) {
		obs, info, err := e.Reset(seed, options)
		if err != nil {
			return info, err
		}
		if err := flat.Flatten(obs, dst); err != nil {
			return info, fmt.Errorf("env: FlattenObservation: flattening the Reset observation: %w", err)
		}
		return info, nil
	}
}

func flatStep[O, A any](e Env[O, A], flat spaces.Flattener[O]) func(A, []float64) (StepResult[[]float64], error) {
	return func(action A, dst []float64) (StepResult[[]float64], error) {
		r, err := e.Step(action)
		out := StepResult[[]float64]{
			Obs:        dst,
			Reward:     r.Reward,
			Terminated: r.Terminated,
			Truncated:  r.Truncated,
			Info:       r.Info,
		}
		if err != nil {
			out.Obs = nil
			return out, err
		}
		if err := flat.Flatten(r.Obs, dst); err != nil {
			return out, fmt.Errorf("env: FlattenObservation: flattening the Step observation: %w", err)
		}
		return out, nil
	}
}

// flatBounds returns the bounds of the flattened members of space.
func flatBounds(space any, n int) (low, high []float64) {
	low, high = make([]float64, n), make([]float64, n)
	switch s := space.(type) {
	case *spaces.Box:
		if s.Dim() == n {
			return s.Low(), s.High()
		}
	case *spaces.Discrete, *spaces.MultiDiscrete:
		for i := range high {
			high[i] = 1
		}
		return low, high
	}
	for i := range low {
		low[i], high[i] = math.Inf(-1), math.Inf(1)
	}
	return low, high
}

// Reset resets the wrapped env and returns its flattened observation.
func (w *FlattenObservation[A]) Reset(seed Seed, options Options) ([]float64, Info, error) {
	info, err := w.reset(seed, options, w.buf)
	if err != nil {
		return nil, info, err
	}
	return w.buf, info, nil
}

// Step steps the wrapped env and returns its flattened observation.
func (w *FlattenObservation[A]) Step(action A) (StepResult[[]float64], error) {
	return w.step(action, w.buf)
}

// ObservationSpace returns the Box of flattened observations.
func (w *FlattenObservation[A]) ObservationSpace() spaces.Space[[]float64] { return w.space }

// ActionSpace returns the wrapped env's action space.
func (w *FlattenObservation[A]) ActionSpace() spaces.Space[A] { return w.actionSpace() }

// Close closes the wrapped env.
func (w *FlattenObservation[A]) Close() error { return w.close() }

// UnwrapEnv returns the wrapped env.
func (w *FlattenObservation[A]) UnwrapEnv() any { return w.inner }
