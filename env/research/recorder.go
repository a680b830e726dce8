package research

import (
	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/spaces"
)

// Recorder wraps an Env and keeps its latest observation, so that code
// that drives a view of the env (NewNumeric(recorder), for one) can still
// read the programmatic observation of the episode the view steps, as a
// teacher policy needs to. It is an env.Env[*Observation, Action] that
// unwraps to the Env.
type Recorder struct {
	inner *Env
	last  *Observation
}

// NewRecorder returns a Recorder of e.
func NewRecorder(e *Env) *Recorder { return &Recorder{inner: e} }

// Last returns the observation of the latest Reset or Step (nil before
// the first).
func (r *Recorder) Last() *Observation { return r.last }

// Reset resets the env and records its observation.
func (r *Recorder) Reset(seed env.Seed, options env.Options) (*Observation, env.Info, error) {
	o, info, err := r.inner.Reset(seed, options)
	r.last = o
	return o, info, err
}

// Step steps the env and records its observation.
func (r *Recorder) Step(a Action) (env.StepResult[*Observation], error) {
	res, err := r.inner.Step(a)
	if err == nil {
		r.last = res.Obs
	}
	return res, err
}

// ObservationSpace is the env's.
func (r *Recorder) ObservationSpace() spaces.Space[*Observation] { return r.inner.ObservationSpace() }

// ActionSpace is the env's.
func (r *Recorder) ActionSpace() spaces.Space[Action] { return r.inner.ActionSpace() }

// Close closes the env.
func (r *Recorder) Close() error { return r.inner.Close() }

// UnwrapEnv returns the Env.
func (r *Recorder) UnwrapEnv() any { return r.inner }
