package env

import (
	"github.com/autollmresearch/gym/spaces"
)

// Env is a reinforcement-learning environment with observations of type O
// and actions of type A, in the manner of Gymnasium's Env.
//
// An episode starts with Reset and proceeds with Step until a step reports
// Terminated (the episode reached a natural end: the budget is spent, the
// agent stopped) or Truncated (it was cut off from outside, e.g. by a time
// limit). Stepping again after either needs a new Reset.
//
// Memory: an observation or Info returned by Reset or Step may be backed by
// buffers the env reuses; it is valid until the next call to Reset or Step
// on the same env. Clone it (through the observation space's
// [spaces.Cloner] and [Info.Clone]) to keep it longer.
//
// Envs are not safe for concurrent use; run one env per goroutine (see
// [Vector]).
type Env[O, A any] interface {
	// Reset starts a new episode. A set seed re-seeds the env's random
	// stream, so the same seed gives the same episode; NoSeed keeps the
	// stream going. Options are env-specific (nil for defaults).
	Reset(seed Seed, options Options) (O, Info, error)
	// Step applies one action. An action outside ActionSpace, or a Step
	// without a live episode, is an error rather than a panic.
	Step(action A) (StepResult[O], error)
	// ObservationSpace is the set observations come from.
	ObservationSpace() spaces.Space[O]
	// ActionSpace is the set actions must come from.
	ActionSpace() spaces.Space[A]
	// Close releases the env's resources. It is safe to call more than once.
	Close() error
}

// StepResult is what one Step returns.
type StepResult[O any] struct {
	// Obs is the observation after the step.
	Obs O
	// Reward is the scalar reward for the step.
	Reward float64
	// Terminated reports that the episode reached a terminal state.
	Terminated bool
	// Truncated reports that the episode was cut off before a terminal state.
	Truncated bool
	// Info carries diagnostics; never nil-valued in meaning, see Info.
	Info Info
}

// Done reports whether the episode ended with this step.
func (r StepResult[O]) Done() bool { return r.Terminated || r.Truncated }

// Seed is an optional seed for Reset. The zero value, NoSeed, keeps the
// env's current random stream; SeedOf(v) re-seeds it.
type Seed struct {
	// Value is the seed, used only when Set is true.
	Value uint64
	// Set says whether a seed was given.
	Set bool
}

// NoSeed keeps the env's random stream as it is.
var NoSeed = Seed{}

// SeedOf returns a set seed.
func SeedOf(v uint64) Seed { return Seed{Value: v, Set: true} }

// Options are env-specific settings, passed to constructors through the
// registry and to Reset. Keys are documented by each env.
type Options map[string]any
