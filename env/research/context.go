package research

import (
	"github.com/autollmresearch/gym/spaces"
	"github.com/autollmresearch/gym/tasks"
)

// Context is a read-only window onto the free lower-fidelity results an
// episode grants: in the Extrapolate setting, every experiment of the
// target's group below the target's fidelity; in the MultiFidelity setting,
// none (lower fidelities must be paid for). Experiments are ordered cheap to
// expensive, so the last one is the nearest below the target. It exposes no
// other experiment of the table.
type Context struct {
	table    *tasks.Table
	maximize bool  // the objective is maximised
	exps     []int // table experiment indices
	fids     []Fidelity
}

// Len is the number of context experiments.
func (c *Context) Len() int {
	if c == nil {
		return 0
	}
	return len(c.exps)
}

// Fidelity describes context experiment i.
func (c *Context) Fidelity(i int) Fidelity { return c.fids[i] }

// Configs lists the configs run at context experiment i. The slice is
// shared: do not modify it.
func (c *Context) Configs(i int) []spaces.Config { return c.table.Configs(c.exps[i]) }

// Candidates is the encoded candidate set of context experiment i, for
// nearest-config matching.
func (c *Context) Candidates(i int) *spaces.Candidates { return c.table.Candidates(c.exps[i]) }

// Outcome is the outcome of config j at context experiment i.
func (c *Context) Outcome(i, j int) tasks.Outcome { return c.table.Outcome(c.exps[i], j) }

// Stats are the objective statistics of context experiment i.
func (c *Context) Stats(i int) tasks.Stats { return c.table.Stats(c.exps[i]) }

// Best returns the index of the best non-diverged config at context
// experiment i (sign-aware), or -1 if every config diverged.
func (c *Context) Best(i int) int {
	exp := c.exps[i]
	n := len(c.table.Configs(exp))
	maximize := c.maximize
	best := -1
	var bestY float64
	for j := range n {
		o := c.table.Outcome(exp, j)
		if o.Diverged {
			continue
		}
		if best < 0 || (maximize && o.Objective > bestY) || (!maximize && o.Objective < bestY) {
			best, bestY = j, o.Objective
		}
	}
	return best
}

// Regret is the normalised regret of an objective value at context
// experiment i: 0 for its best config, 1 for its worst non-diverged one or
// any diverged run.
func (c *Context) Regret(i int, objective float64, diverged bool) float64 {
	return c.table.Regret(c.exps[i], objective, diverged)
}
