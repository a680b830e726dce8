package research

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/autollmresearch/gym/fidelity"
	"github.com/autollmresearch/gym/tasks"
)

// episodePlan is what an episode at one target needs, built once by New so
// that Reset only points the observation at it.
type episodePlan struct {
	// target is the target's table experiment index.
	target int
	// fids are the experiments the agent may run, cheap to expensive, the
	// target last; exps are their table indices.
	fids []Fidelity
	exps []int
	// context holds the free lower-fidelity experiments.
	context *Context
	// budget is the multi-fidelity budget in GPU hours (+Inf in the
	// Extrapolate setting), and minCost the cheapest single run among exps.
	budget  float64
	minCost float64
}

// curation is the result of curating a table: a descriptor for every
// experiment, the split and the target pool of the chosen split.
type curation struct {
	fids   []Fidelity // per table experiment
	groups []string   // per table experiment
	split  fidelity.Split
	pool   []int // table experiment indices of the targets, cheap to expensive
	// Per group, in order of first appearance: its experiments by rank
	// (ties in table order) and their descriptors in the same order. The
	// experiments below a target are a prefix of its group's, which every
	// plan shares rather than copies.
	groupExps [][]int
	groupFids [][]Fidelity
	// Per table experiment, its group's number and the length of the
	// prefix of that group's experiments ranked strictly below it.
	groupOf []int
	nBelow  []int
}

// curate describes every experiment of t, groups the experiments into
// instances, splits them with fidelity.Curate and collects the targets of
// split.
//
// Grouping rule: two experiments belong to the same instance when they
// agree on every levelled (string) fidelity coordinate other than the first
// coordinate, e.g. the dataset of a GRPO table. A table whose fidelity is
// purely numeric, or whose only levelled coordinate is the first, forms a
// single instance. Within an instance experiments are ordered by their
// table rank.
func curate(t *tasks.Table, split Split, testFraction float64) (*curation, error) {
	meta := t.Meta()
	exps := t.Experiments()
	c := &curation{
		fids:   make([]Fidelity, len(exps)),
		groups: make([]string, len(exps)),
	}
	features := fidelityFeatures(meta.Fidelity, exps)
	for i, e := range exps {
		c.groups[i] = groupKey(meta.Fidelity, e.Fidelity)
		lo, med, hi := costSummary(t, i)
		c.fids[i] = Fidelity{
			Experiment: e.ID,
			Coords:     e.Fidelity,
			Rank:       e.Rank,
			Features:   features[i],
			CostPerRun: med,
			Group:      c.groups[i],
			MinCost:    lo,
			MaxCost:    hi,
		}
	}

	c.index()

	in := make([]fidelity.Experiment, len(exps))
	for i, e := range exps {
		in[i] = fidelity.Experiment{ID: e.ID, Group: c.groups[i], Rank: float64(e.Rank)}
	}
	s, err := fidelity.Curate(in, fidelity.SplitOptions{TestFraction: testFraction})
	if err != nil {
		return nil, fmt.Errorf("research: curating the %s table into train and test splits: %w", meta.Task, err)
	}
	c.split = s

	ids := s.Train
	if split == Test {
		ids = s.Test
	}
	for _, id := range ids {
		i, _ := t.ExperimentIndex(id)
		if split == Train && !c.hasCheaper(i) {
			continue // nothing to learn from below it
		}
		c.pool = append(c.pool, i)
	}
	slices.Sort(c.pool)
	if len(c.pool) == 0 {
		return nil, fmt.Errorf("research: the %s table's %s split has no target: every %s experiment is the cheapest of its group", meta.Task, split, split)
	}
	return c, nil
}

// index orders every group's experiments by rank and records, for every
// experiment, how many of its group rank strictly below it.
func (c *curation) index() {
	num := make(map[string]int)
	c.groupOf = make([]int, len(c.fids))
	for i, g := range c.groups {
		k, ok := num[g]
		if !ok {
			k = len(c.groupExps)
			num[g] = k
			c.groupExps = append(c.groupExps, nil)
		}
		c.groupOf[i] = k
		c.groupExps[k] = append(c.groupExps[k], i)
	}
	c.nBelow = make([]int, len(c.fids))
	c.groupFids = make([][]Fidelity, len(c.groupExps))
	for k, exps := range c.groupExps {
		slices.SortStableFunc(exps, func(a, b int) int { return cmp.Compare(c.fids[a].Rank, c.fids[b].Rank) })
		fids := make([]Fidelity, len(exps))
		below := 0
		for pos, i := range exps {
			fids[pos] = c.fids[i]
			if pos > 0 && c.fids[exps[pos-1]].Rank < c.fids[i].Rank {
				below = pos
			}
			c.nBelow[i] = below
		}
		c.groupFids[k] = fids
	}
}

// hasCheaper reports whether experiment i has a strictly cheaper experiment
// in its group.
func (c *curation) hasCheaper(i int) bool { return c.nBelow[i] > 0 }

// below lists, cheap to expensive, the experiments of target's group with a
// rank strictly below target's, and their descriptors. The slices are
// shared: capped, so that appending to them copies.
func (c *curation) below(target int) ([]int, []Fidelity) {
	k, m := c.groupOf[target], c.nBelow[target]
	return c.groupExps[k][:m:m], c.groupFids[k][:m:m]
}

// plan builds the episode plan of target for the given options (with
// defaults filled).
func (c *curation) plan(t *tasks.Table, target int, opts Options) episodePlan {
	lower, lowerFids := c.below(target)
	maximize := t.Meta().Direction == tasks.Maximize
	p := episodePlan{target: target, budget: math.Inf(1)}
	if opts.Setting == Extrapolate {
		p.exps = []int{target}
		p.fids = []Fidelity{c.fids[target]}
		p.context = &Context{table: t, maximize: maximize, exps: lower, fids: lowerFids}
	} else {
		if k, m := c.groupOf[target], len(lower); c.groupExps[k][m] == target {
			// The target follows its lower experiments in its group's
			// order: share the prefix.
			p.exps, p.fids = c.groupExps[k][:m+1:m+1], c.groupFids[k][:m+1:m+1]
		} else {
			p.exps = append(lower, target)
			p.fids = append(lowerFids, c.fids[target])
		}
		p.context = &Context{table: t, maximize: maximize}
		p.budget = opts.BudgetGPUHours
		if p.budget == 0 {
			p.budget = float64(opts.Trials) * c.fids[target].MaxCost
		}
	}
	p.minCost = math.Inf(1)
	for _, f := range p.fids {
		p.minCost = min(p.minCost, f.MinCost)
	}
	return p
}

// groupKey names the instance of an experiment: its levelled fidelity
// coordinates other than the first, as "name=value" joined by commas; ""
// when there are none.
func groupKey(cols []tasks.FidelityColumn, coords map[string]any) string {
	var b strings.Builder
	for i, col := range cols {
		if i == 0 || len(col.Levels) == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s=%v", col.Name, coords[col.Name])
	}
	return b.String()
}

// fidelityFeatures maps every experiment's fidelity coordinates to [0, 1]:
// a levelled coordinate as level index / (levels − 1), a numeric one
// min-max normalised over the table after a log10 when every value is
// positive (linearly otherwise). A coordinate that does not vary maps to 0.
func fidelityFeatures(cols []tasks.FidelityColumn, exps []tasks.Experiment) [][]float64 {
	out := make([][]float64, len(exps))
	flat := make([]float64, len(exps)*len(cols))
	for i := range exps {
		out[i] = flat[i*len(cols) : (i+1)*len(cols) : (i+1)*len(cols)]
	}
	for k, col := range cols {
		if len(col.Levels) > 0 {
			for i, e := range exps {
				s, _ := e.Fidelity[col.Name].(string)
				if j := slices.Index(col.Levels, s); j > 0 {
					out[i][k] = float64(j) / float64(len(col.Levels)-1)
				}
			}
			continue
		}
		vals := make([]float64, len(exps))
		positive := true
		for i, e := range exps {
			vals[i], _ = e.Fidelity[col.Name].(float64)
			positive = positive && vals[i] > 0
		}
		if positive {
			for i := range vals {
				vals[i] = math.Log10(vals[i])
			}
		}
		lo, hi := slices.Min(vals), slices.Max(vals)
		if !(hi > lo) {
			continue
		}
		for i, v := range vals {
			out[i][k] = (v - lo) / (hi - lo)
		}
	}
	return out
}

// costSummary returns the smallest, median and largest cost of a run of
// experiment exp.
func costSummary(t *tasks.Table, exp int) (lo, med, hi float64) {
	n := t.NumConfigs(exp)
	if n == 0 {
		return 0, 0, 0
	}
	costs := make([]float64, n)
	for j := range n {
		costs[j] = t.Outcome(exp, j).CostGPUHours
	}
	slices.Sort(costs)
	med = costs[n/2]
	if n%2 == 0 {
		med = (costs[n/2-1] + costs[n/2]) / 2
	}
	return costs[0], med, costs[n-1]
}
