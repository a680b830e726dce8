package agent

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/policy"
)

// Set holds at most one agent per task, so that one policy can play the
// tables of several tasks: its policy plays each episode with the agent of
// the episode's task.
type Set struct {
	agents map[string]*Agent
}

// NewSet returns the set of agents, which must be of distinct tasks.
func NewSet(agents ...*Agent) (*Set, error) {
	s := &Set{agents: map[string]*Agent{}}
	for _, a := range agents {
		if _, dup := s.agents[a.task]; dup {
			return nil, fmt.Errorf("agent: two agents of task %q", a.task)
		}
		s.agents[a.task] = a
	}
	return s, nil
}

// Tasks lists the tasks the set has an agent for, sorted.
func (s *Set) Tasks() []string {
	var out []string
	for t := range s.agents {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// Agent returns the agent of task, if any.
func (s *Set) Agent(task string) (*Agent, bool) {
	a, ok := s.agents[task]
	return a, ok
}

// NewPolicy returns a policy that plays each episode with the agent of the
// episode's task; Reset fails for a task the set has no agent for.
func (s *Set) NewPolicy() policy.Policy { return &setPlayer{s: s, players: map[string]*player{}} }

type setPlayer struct {
	s       *Set
	players map[string]*player
	cur     *player
}

func (p *setPlayer) Name() string { return "agent" }

func (p *setPlayer) Reset(obs *research.Observation, rng *rand.Rand) error {
	a, ok := p.s.agents[obs.Task]
	if !ok {
		return fmt.Errorf("agent: no agent for task %q (have %s)", obs.Task, strings.Join(p.s.Tasks(), ", "))
	}
	pl, ok := p.players[obs.Task]
	if !ok {
		pl = &player{a: a}
		p.players[obs.Task] = pl
	}
	p.cur = pl
	return pl.Reset(obs, rng)
}

func (p *setPlayer) Act(obs *research.Observation) (research.Action, error) {
	if p.cur == nil {
		return research.Action{}, fmt.Errorf("agent: Act before Reset")
	}
	return p.cur.Act(obs)
}
