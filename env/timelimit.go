package env

import (
	"fmt"

	"github.com/autollmresearch/gym/spaces"
)

// TimeLimit cuts episodes off after a number of steps: the step that
// reaches the limit reports Truncated, unless the wrapped env terminated on
// that very step (then it reports Terminated only). Stepping again after a
// step that ended the episode, by the limit or by the wrapped env, returns
// [ErrEpisodeEnded] until the next Reset.
type TimeLimit[O, A any] struct {
	env      Env[O, A]
	maxSteps int
	steps    int
	ended    bool
}

// NewTimeLimit wraps e so that its episodes last at most maxSteps steps.
// A maxSteps below 1 makes Reset fail.
func NewTimeLimit[O, A any](e Env[O, A], maxSteps int) *TimeLimit[O, A] {
	return &TimeLimit[O, A]{env: e, maxSteps: maxSteps}
}

// MaxSteps returns the limit on the length of an episode.
func (w *TimeLimit[O, A]) MaxSteps() int { return w.maxSteps }

// Steps returns the number of steps taken in the current episode.
func (w *TimeLimit[O, A]) Steps() int { return w.steps }

// Reset resets the wrapped env and the step count.
func (w *TimeLimit[O, A]) Reset(seed Seed, options Options) (O, Info, error) {
	if w.maxSteps < 1 {
		var zero O
		return zero, Info{}, fmt.Errorf("env: TimeLimit: max steps is %d, want at least 1", w.maxSteps)
	}
	w.steps, w.ended = 0, false
	return w.env.Reset(seed, options)
}

// Step steps the wrapped env and truncates the episode at the limit.
func (w *TimeLimit[O, A]) Step(action A) (StepResult[O], error) {
	if w.ended {
		return StepResult[O]{}, ErrEpisodeEnded
	}
	r, err := w.env.Step(action)
	if err != nil {
		return r, err
	}
	w.steps++
	if w.steps >= w.maxSteps && !r.Terminated {
		r.Truncated = true
	}
	w.ended = r.Done()
	return r, nil
}

// ObservationSpace returns the wrapped env's observation space.
func (w *TimeLimit[O, A]) ObservationSpace() spaces.Space[O] { return w.env.ObservationSpace() }

// ActionSpace returns the wrapped env's action space.
func (w *TimeLimit[O, A]) ActionSpace() spaces.Space[A] { return w.env.ActionSpace() }

// Close closes the wrapped env.
func (w *TimeLimit[O, A]) Close() error { return w.env.Close() }

// UnwrapEnv returns the wrapped env.
func (w *TimeLimit[O, A]) UnwrapEnv() any { return w.env }
