package env

import "github.com/autollmresearch/gym/spaces"

// OrderEnforcing makes the call order of an env explicit: Step before a
// successful Reset returns [ErrResetNeeded], and Step after a step that
// reported Terminated or Truncated returns [ErrEpisodeEnded], whatever the
// wrapped env would have done.
type OrderEnforcing[O, A any] struct {
	env     Env[O, A]
	started bool
	ended   bool
}

// NewOrderEnforcing wraps e so that steps out of order are errors.
func NewOrderEnforcing[O, A any](e Env[O, A]) *OrderEnforcing[O, A] {
	return &OrderEnforcing[O, A]{env: e}
}

// Started reports whether an episode is live: Reset succeeded and no step
// has ended the episode since.
func (w *OrderEnforcing[O, A]) Started() bool { return w.started && !w.ended }

// Reset resets the wrapped env. If it fails, Step needs another Reset.
func (w *OrderEnforcing[O, A]) Reset(seed Seed, options Options) (O, Info, error) {
	obs, info, err := w.env.Reset(seed, options)
	w.started, w.ended = err == nil, false
	return obs, info, err
}

// Step steps the wrapped env if an episode is live.
func (w *OrderEnforcing[O, A]) Step(action A) (StepResult[O], error) {
	switch {
	case !w.started:
		return StepResult[O]{}, ErrResetNeeded
	case w.ended:
		return StepResult[O]{}, ErrEpisodeEnded
	}
	r, err := w.env.Step(action)
	if err != nil {
		return r, err
	}
	w.ended = r.Done()
	return r, nil
}

// ObservationSpace returns the wrapped env's observation space.
func (w *OrderEnforcing[O, A]) ObservationSpace() spaces.Space[O] { return w.env.ObservationSpace() }

// ActionSpace returns the wrapped env's action space.
func (w *OrderEnforcing[O, A]) ActionSpace() spaces.Space[A] { return w.env.ActionSpace() }

// Close closes the wrapped env.
func (w *OrderEnforcing[O, A]) Close() error { return w.env.Close() }

// UnwrapEnv returns the wrapped env.
func (w *OrderEnforcing[O, A]) UnwrapEnv() any { return w.env }
