package policy

import (
	"math/rand/v2"

	"github.com/autollmresearch/gym/env/research"
)

// Policy is an agent for the research env's programmatic view. It keeps
// per-episode state and is not safe for concurrent use: evaluation builds
// one per goroutine from a Factory.
type Policy interface {
	// Name is a short label for tables and plots, e.g. "scaling-law".
	Name() string
	// Reset prepares the policy for a new episode, given the episode's first
	// observation and a random stream for the policy's own choices.
	Reset(obs *research.Observation, rng *rand.Rand) error
	// Act chooses the next action from the current observation.
	Act(obs *research.Observation) (research.Action, error)
}

// Factory builds a fresh Policy.
type Factory func() Policy
