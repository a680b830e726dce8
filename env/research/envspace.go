package research

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/autollmresearch/gym/spaces"
)

// stopOneIn is the inverse probability that ActionSpace.Sample stops.
const stopOneIn = 16

// ActionSpace is the set of well-formed actions of an [Env]: a stop, or a
// config of the task's space with an experiment that is "" or one of the
// table's experiment ids. Whether the current episode can run an action
// (the experiment is among Observation.Fidelities, the budget pays for it)
// is decided by Step.
//
// Sample draws an action the env's current episode accepts: with
// probability 1/16 a stop, otherwise a config sampled from the space at an
// experiment drawn uniformly from those the episode may run. In the
// MultiFidelity setting it draws only among affordable runs: it picks an
// experiment whose cheapest run fits in the budget left and, when the
// sampled config's nearest match there is too dear, one of the affordable
// configs instead. Without a live episode it samples a config for the
// target. Sample therefore doubles as a random agent.
type ActionSpace struct {
	env *Env
}

// Sample draws an action; see [ActionSpace].
func (s *ActionSpace) Sample(r *rand.Rand) Action {
	e := s.env
	if r.IntN(stopOneIn) == 0 {
		return Action{Stop: true}
	}
	cfg := e.meta.Space.Sample(r)
	if !e.started || e.ended || e.opts.Setting == Extrapolate {
		return Action{Config: cfg}
	}
	var ok []int
	for k, f := range e.plan.fids {
		if e.affords(f.MinCost) {
			ok = append(ok, k)
		}
	}
	if len(ok) == 0 { // cannot happen in a live episode; stop rather than fail
		return Action{Stop: true}
	}
	k := ok[r.IntN(len(ok))]
	exp := e.plan.exps[k]
	if j, _, err := e.match(exp, cfg); err == nil && e.affords(e.table.Outcome(exp, j).CostGPUHours) {
		return Action{Config: cfg, Experiment: e.plan.fids[k].Experiment}
	}
	var cheap []int
	for j := range e.table.NumConfigs(exp) {
		if e.affords(e.table.Outcome(exp, j).CostGPUHours) {
			cheap = append(cheap, j)
		}
	}
	j := cheap[r.IntN(len(cheap))]
	return Action{Config: e.table.Config(exp, j), Experiment: e.plan.fids[k].Experiment}
}

// Contains reports whether a is well formed: a stop, or a valid config
// with an experiment that is "" or an id of the env's table.
func (s *ActionSpace) Contains(a Action) bool {
	if a.Stop {
		return true
	}
	if a.Experiment != "" {
		if _, ok := s.env.table.ExperimentIndex(a.Experiment); !ok {
			return false
		}
	}
	return s.env.meta.Space.Contains(a.Config)
}

// Clone returns a copy of a whose config shares no memory with a's.
func (s *ActionSpace) Clone(a Action) Action {
	a.Config = s.env.meta.Space.Clone(a.Config)
	return a
}

// String describes the space, e.g. "research.Action(pretrain: Config(...))".
func (s *ActionSpace) String() string {
	return fmt.Sprintf("research.Action(%s: %s, experiment, stop)", s.env.meta.Task, s.env.meta.Space)
}

// Describe describes an action as a dict of its config space, the
// experiment id (text) and the stop flag (discrete 0/1).
func (s *ActionSpace) Describe() spaces.Description {
	return spaces.Description{
		Type: spaces.TypeDict,
		Spaces: map[string]spaces.Description{
			"config":     s.env.meta.Space.Describe(),
			"experiment": {Type: spaces.TypeText, MaxLength: 256},
			"stop":       {Type: spaces.TypeDiscrete, N: 2},
		},
	}
}

// ObservationSpace is the set of observations an [Env] can return: those of
// its task, setting and targets, whose fidelities and context are the
// target's, whose counters are in range and whose trials were made at the
// episode's fidelities.
//
// Sample returns the first observation of an episode at a target drawn
// uniformly from the env's targets, newly allocated.
type ObservationSpace struct {
	env *Env
}

// Sample draws a start-of-episode observation; see [ObservationSpace].
func (s *ObservationSpace) Sample(r *rand.Rand) *Observation {
	e := s.env
	p := &e.plans[r.IntN(len(e.plans))]
	o := e.startObservation(p)
	return &o
}

// Contains reports whether o is an observation the env could return.
func (s *ObservationSpace) Contains(o *Observation) bool {
	e := s.env
	if o == nil || o.Task != e.meta.Task || o.Setting != e.opts.Setting || o.Space != e.meta.Space ||
		o.Objective != e.meta.Objective || o.Direction != e.meta.Direction {
		return false
	}
	var p *episodePlan
	for k := range e.plans {
		if e.pool[k] == o.Target.Experiment {
			p = &e.plans[k]
			break
		}
	}
	if p == nil || len(o.Fidelities) != len(p.fids) || o.Context.Len() != p.context.Len() ||
		len(o.TargetConfigs) != e.table.NumConfigs(p.target) {
		return false
	}
	for k := range p.fids {
		if o.Fidelities[k].Experiment != p.fids[k].Experiment {
			return false
		}
	}
	if o.TrialsLeft < 0 || o.TrialsLeft > e.opts.Trials || o.Step < len(o.History) ||
		!(o.Spent >= 0) || math.IsInf(o.Spent, 0) || !(o.BudgetLeft >= 0) {
		return false
	}
	if (e.opts.Setting == Extrapolate) != math.IsInf(o.BudgetLeft, 1) {
		return false
	}
	targets := 0
	for _, t := range o.History {
		allowed := false
		for _, f := range p.fids {
			allowed = allowed || f.Experiment == t.Experiment
		}
		if !allowed || t.Target != (t.Experiment == o.Target.Experiment) || !(t.Cost >= 0) {
			return false
		}
		if t.Target {
			targets++
		}
	}
	return targets+o.TrialsLeft == e.opts.Trials
}

// Clone returns a copy of o that stays valid after the env's next call: the
// history and the asked configs are copied; the rest is immutable and
// shared.
func (s *ObservationSpace) Clone(o *Observation) *Observation {
	if o == nil {
		return nil
	}
	c := *o
	c.History = make([]Trial, len(o.History))
	for i, t := range o.History {
		t.Asked = s.env.meta.Space.Clone(t.Asked)
		c.History[i] = t
	}
	return &c
}

// String describes the space, e.g.
// "research.Observation(pretrain, extrapolate, 22 targets)".
func (s *ObservationSpace) String() string {
	return fmt.Sprintf("research.Observation(%s, %s, %d targets)", s.env.meta.Task, s.env.opts.Setting, len(s.env.pool))
}

// Describe describes an observation by its fixed-size parts: the config
// space, the trials left and the GPU hours left and spent.
func (s *ObservationSpace) Describe() spaces.Description {
	inf := spaces.Float(math.Inf(1))
	return spaces.Description{
		Type: spaces.TypeDict,
		Spaces: map[string]spaces.Description{
			"space":       s.env.meta.Space.Describe(),
			"trials_left": {Type: spaces.TypeDiscrete, N: s.env.opts.Trials + 1},
			"budget_left": {Type: spaces.TypeBox, Shape: []int{1}, Low: []spaces.Float{0}, High: []spaces.Float{inf}},
			"spent":       {Type: spaces.TypeBox, Shape: []int{1}, Low: []spaces.Float{0}, High: []spaces.Float{inf}},
		},
	}
}
