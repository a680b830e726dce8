package policy

import (
	"math/rand/v2"

	"github.com/autollmresearch/gym/env/research"
)

// Random is random search: every step it runs a config drawn uniformly from
// the target's configs that it has not run yet. It ignores the context and,
// in the MultiFidelity setting, never runs a cheaper experiment; it stops
// when the budget cannot pay for a target run. It is the floor every other
// baseline must beat.
type Random struct {
	ep  *episode
	rng *rand.Rand
}

var _ Policy = (*Random)(nil)

// NewRandom returns a random-search policy.
func NewRandom() *Random { return &Random{} }

// Name returns "random".
func (p *Random) Name() string { return "random" }

// Reset starts an episode; the policy draws its configs from rng.
func (p *Random) Reset(obs *research.Observation, rng *rand.Rand) error {
	if err := checkRand(p.Name(), rng); err != nil {
		return err
	}
	ep, err := renewEpisode(p.Name(), obs, p.ep)
	if err != nil {
		return err
	}
	p.ep, p.rng = ep, rng
	return nil
}

// Act runs a uniformly drawn untried target config.
func (p *Random) Act(obs *research.Observation) (research.Action, error) {
	if p.ep == nil {
		return research.Action{}, errNoReset(p.Name())
	}
	if _, err := p.ep.sync(obs); err != nil {
		return research.Action{}, err
	}
	if a, done := p.ep.over(obs); done {
		return a, nil
	}
	return p.ep.run(p.ep.randomUntried(p.rng), ""), nil
}
