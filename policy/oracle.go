package policy

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/autollmresearch/gym/env/research"
)

// Oracle is a policy that knows the target's outcomes: each step it
// runs the best target config (by normalised regret, ties by index) that
// the episode has not run at the target yet, so its first trial finds the
// best config and, when it drives the episode itself, it runs the configs
// best first. Its trajectories teach a student to be right the first time;
// as the label of states a learner reached (simulate.Options.Learner), its
// action is the best move from wherever the learner got to. It reads the target table through its env,
// which no fair agent may do; use it only to make training data.
type Oracle struct {
	env   *research.Env
	order []int
	regs  []float64
}

// NewOracle returns an oracle for the episodes of e. Its signature is
// that of a teacher in package rl/simulate (simulate.Teacher).
func NewOracle(e *research.Env) (Policy, error) {
	if e == nil {
		return nil, errors.New("policy: NewOracle: the env is nil")
	}
	return &Oracle{env: e}, nil
}

// Name returns "oracle".
func (o *Oracle) Name() string { return "oracle" }

// Reset ranks the target's configs by their regret.
func (o *Oracle) Reset(obs *research.Observation, _ *rand.Rand) error {
	if obs == nil || len(obs.TargetConfigs) == 0 {
		return errors.New("policy: Oracle.Reset: the observation has no target configs")
	}
	n := len(obs.TargetConfigs)
	o.order, o.regs = o.order[:0], o.regs[:0]
	for j := range n {
		r, err := o.env.TargetRegret(j)
		if err != nil {
			return fmt.Errorf("policy: Oracle.Reset: %w", err)
		}
		o.order = append(o.order, j)
		o.regs = append(o.regs, r)
	}
	slices.SortStableFunc(o.order, func(a, b int) int { return cmp.Compare(o.regs[a], o.regs[b]) })
	return nil
}

// Act runs the best target config not yet run at the target; once every
// one has run, it repeats the best.
func (o *Oracle) Act(obs *research.Observation) (research.Action, error) {
	if len(o.order) == 0 {
		return research.Action{}, errors.New("policy: Oracle.Act called before Reset")
	}
	for _, j := range o.order {
		ran := false
		for i := range obs.History {
			if t := &obs.History[i]; t.Target && t.Candidate == j {
				ran = true
				break
			}
		}
		if !ran {
			return research.Action{Config: obs.TargetConfigs[j]}, nil
		}
	}
	return research.Action{Config: obs.TargetConfigs[o.order[0]]}, nil
}
