package advise

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/eval"
	"github.com/autollmresearch/gym/policy"
	"github.com/autollmresearch/gym/policy/agent"
	"github.com/autollmresearch/gym/spaces"
	"github.com/autollmresearch/gym/tasks"
)

// The estimators consulted, in the order that breaks ties between them.
const (
	ScalingLaw = "scaling-law"
	Agent      = "agent"
	GP         = "gp-ei-warm"
	Transfer   = "transfer"
)

// estimator is a named policy factory.
type estimator struct {
	name string
	new  policy.Factory
}

// estimators returns the estimators for the request's task: the
// scaling-law, GP (warm-started) and transfer baselines as the scoreboard
// runs them, and the agent when there is one.
func estimators(task string, a *agent.Agent) ([]estimator, string, error) {
	base, err := eval.SelectBaselines(ScalingLaw + "," + GP + "," + Transfer)
	if err != nil {
		return nil, "", err
	}
	byName := map[string]policy.Factory{}
	for _, b := range base {
		byName[b.Name] = b.New
	}
	note := ""
	if a == nil && slices.Contains(agent.PretrainedTasks(), task) {
		if a, err = agent.Pretrained(task); err != nil {
			return nil, "", err
		}
	}
	switch {
	case a == nil:
		note = fmt.Sprintf("no meta-trained agent for task %q: the module embeds agents for %v", task, agent.PretrainedTasks())
	case a.Task() != task:
		return nil, "", fmt.Errorf("advise: Request.Agent plays task %q, the table is of task %q", a.Task(), task)
	default:
		byName[Agent] = a.NewPolicy
	}
	var out []estimator
	for _, name := range []string{ScalingLaw, Agent, GP, Transfer} {
		if f, ok := byName[name]; ok {
			out = append(out, estimator{name, f})
		}
	}
	return out, note, nil
}

// play runs a fresh policy of est on e's target: the observed candidates
// are stepped first (as the episode's earliest trials), then the policy
// acts k times. It returns the configs the policy ran, in order.
func play(e *research.Env, est estimator, observed []spaces.Config, k int, seed uint64) ([]spaces.Config, error) {
	obs, _, err := e.Reset(env.SeedOf(seed), nil)
	if err != nil {
		return nil, err
	}
	for _, c := range observed {
		r, err := e.Step(research.Action{Config: c})
		if err != nil {
			return nil, fmt.Errorf("stepping an observed run: %w", err)
		}
		obs = r.Obs
	}
	p := est.new()
	if err := p.Reset(obs, rand.New(rand.NewPCG(seed, streamOf(est.name)))); err != nil {
		return nil, fmt.Errorf("%s: %w", est.name, err)
	}
	var picks []spaces.Config
	for range k {
		a, err := p.Act(obs)
		if err != nil {
			return picks, fmt.Errorf("%s: %w", est.name, err)
		}
		if a.Stop {
			break
		}
		r, err := e.Step(a)
		if err != nil {
			return picks, fmt.Errorf("%s: %w", est.name, err)
		}
		obs = r.Obs
		picks = append(picks, obs.History[len(obs.History)-1].Run)
		if r.Done() {
			break
		}
	}
	return picks, nil
}

// streamOf derives a policy's random stream from its name.
func streamOf(name string) uint64 {
	h := uint64(14695981039346656037)
	for i := range len(name) {
		h = (h ^ uint64(name[i])) * 1099511628211
	}
	return h
}

// Backtest is one estimator's record when the context's own most
// expensive cells are held out in turn and predicted from the cells below.
type Backtest struct {
	// Estimator is the estimator's name.
	Estimator string `json:"estimator"`
	// Targets are the context cells predicted.
	Targets []string `json:"targets"`
	// Regret1 is the mean normalised regret of its first pick and RegretK
	// of the best of its first K picks, normalised as the env and the
	// scoreboard do (0 best, 1 worst, diverged 1).
	Regret1 Number `json:"regret_1"`
	RegretK Number `json:"regret_k"`
}

// backtestTargets is the number of the context's most expensive cells
// predicted, each from the cells below it.
const backtestTargets = 2

// backtest plays every estimator on the context's most expensive cells
// (up to backtestTargets, each with at least one cell below it), with the
// real outcomes.
func backtest(meta tasks.Meta, context []cell, ests []estimator, k int, seed uint64) ([]Backtest, error) {
	t, err := buildTable(meta, context)
	if err != nil {
		return nil, err
	}
	defer t.Release()
	// Cells ordered by rank, most expensive first, distinct ranks only.
	byRank := map[int]bool{}
	var tops []tasks.Experiment
	exps := t.Experiments()
	slices.SortStableFunc(exps, func(a, b tasks.Experiment) int { return b.Rank - a.Rank })
	for _, e := range exps {
		if e.Rank == 0 || byRank[e.Rank] || len(tops) == backtestTargets {
			continue
		}
		byRank[e.Rank] = true
		tops = append(tops, e)
	}
	out := make([]Backtest, len(ests))
	for i, est := range ests {
		out[i] = Backtest{Estimator: est.name, Regret1: 0, RegretK: 0}
	}
	if len(tops) == 0 {
		for i := range out {
			out[i].Regret1, out[i].RegretK = Number(math.NaN()), Number(math.NaN())
		}
		return out, nil
	}
	for _, top := range tops {
		var keep []cell
		for _, c := range context {
			e, _ := t.Experiment(c.id)
			if e.Rank <= top.Rank {
				keep = append(keep, c)
			}
		}
		sub, err := buildTable(meta, keep)
		if err != nil {
			return nil, err
		}
		e, err := research.New(sub, research.Options{Split: research.Test, TestFraction: 1e-9, Target: top.ID, Trials: k})
		if err != nil {
			sub.Release()
			return nil, fmt.Errorf("advise: backtest at %s: %w", top.ID, err)
		}
		exp, _ := sub.ExperimentIndex(top.ID)
		for i, est := range ests {
			picks, err := play(e, est, nil, k, seed)
			if err != nil {
				e.Close()
				sub.Release()
				return nil, fmt.Errorf("advise: backtest at %s: %w", top.ID, err)
			}
			r1, rk := 1.0, 1.0
			for n, c := range picks {
				j, _ := sub.Lookup(exp, c)
				o := sub.Outcome(exp, j)
				r := sub.Regret(exp, o.Objective, o.Diverged)
				if n == 0 {
					r1 = r
				}
				rk = math.Min(rk, r)
			}
			out[i].Targets = append(out[i].Targets, top.ID)
			out[i].Regret1 += Number(r1 / float64(len(tops)))
			out[i].RegretK += Number(rk / float64(len(tops)))
		}
		e.Close()
		sub.Release()
	}
	return out, nil
}

// TieRegret is the difference in backtest regret below which two
// estimators count as tied: a hundredth of a cell's range of outcomes is
// within the noise of a backtest on a few cells.
const TieRegret = 0.01

// lead returns the index of the estimator the advice follows: the lowest
// backtest regret of the first pick, then of the best of K, each by more
// than TieRegret, else the first in the estimators' order.
func lead(bt []Backtest) int {
	best := 0
	for i := 1; i < len(bt); i++ {
		a, b := bt[i], bt[best]
		if math.IsNaN(float64(a.Regret1)) {
			continue
		}
		tied1 := math.Abs(float64(a.Regret1-b.Regret1)) <= TieRegret
		if (!tied1 && a.Regret1 < b.Regret1) || (tied1 && a.RegretK < b.RegretK-TieRegret) {
			best = i
		}
	}
	return best
}
