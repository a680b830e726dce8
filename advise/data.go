package advise

import (
	"fmt"
	"slices"
	"strings"

	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/spaces"
	"github.com/autollmresearch/gym/tasks"
)

// cell is one experiment's seed-averaged outcomes.
type cell struct {
	id      string
	fid     map[string]any
	configs []spaces.Config
	outs    []tasks.Outcome
}

// cellOf reads experiment exp of t.
func cellOf(t *tasks.Table, exp int) cell {
	e := t.ExperimentAt(exp)
	c := cell{id: e.ID, fid: e.Fidelity, configs: t.Configs(exp), outs: make([]tasks.Outcome, e.NumConfigs)}
	for j := range c.outs {
		c.outs[j] = t.Outcome(exp, j)
	}
	return c
}

// buildTable builds a table of meta's schema, with the objective as its
// only metric, holding one row per config of every cell (its
// seed-averaged outcome, seed 0).
func buildTable(meta tasks.Meta, cells []cell) (*tasks.Table, error) {
	meta.Metrics = []string{meta.Objective}
	b, err := tasks.NewBuilder(meta)
	if err != nil {
		return nil, err
	}
	for _, c := range cells {
		for j, cfg := range c.configs {
			o := c.outs[j]
			m := map[string]float64{meta.Objective: o.Objective}
			b.Add(tasks.Row{Experiment: c.id, Fidelity: c.fid, Config: cfg, Metrics: m, CostGPUHours: o.CostGPUHours, Diverged: o.Diverged})
		}
	}
	return b.Build()
}

// heldOut reports whether fid is at or beyond the target on one of the
// named coordinates.
func heldOut(cols []tasks.FidelityColumn, names []string, fid, target map[string]any) bool {
	for _, name := range names {
		i := slices.IndexFunc(cols, func(c tasks.FidelityColumn) bool { return c.Name == name })
		if i < 0 {
			continue
		}
		switch v := fid[name].(type) {
		case float64:
			if tv, ok := target[name].(float64); ok && v >= tv*(1-matchTolerance) {
				return true
			}
		case string:
			tv, _ := target[name].(string)
			if slices.Index(cols[i].Levels, v) >= slices.Index(cols[i].Levels, tv) {
				return true
			}
		}
	}
	return false
}

// selection is what a request leaves of the table: the context cells and
// the target's candidate grid.
type selection struct {
	context   []cell
	dropped   []string // experiments left out (held out, or not below the target)
	targetID  string
	target    Target
	cands     []spaces.Config
	observed  []int // candidate index of each observation
	candsFrom string
}

// selectRows splits the table into the target's candidates and the
// context, following the rules of Request.
func selectRows(r Request, tgt Target) (*selection, error) {
	t := r.Table
	meta := t.Meta()
	s := &selection{target: tgt, targetID: tgt.Experiment}
	var targetCell *cell
	for i := range t.NumExperiments() {
		c := cellOf(t, i)
		switch {
		case c.id == tgt.Experiment:
			targetCell = &c
		case heldOut(meta.Fidelity, r.Holdout, c.fid, tgt.Coords):
			s.dropped = append(s.dropped, c.id+" (held out)")
		default:
			s.context = append(s.context, c)
		}
	}
	if s.targetID == "" {
		s.targetID = meta.Task + "/target:" + formatCoords(meta.Fidelity, tgt.Coords)
	}
	key := func(c spaces.Config) string { return meta.Space.Format(c) }
	seen := map[string]int{}
	add := func(c spaces.Config) int {
		k := key(c)
		if i, ok := seen[k]; ok {
			return i
		}
		seen[k] = len(s.cands)
		s.cands = append(s.cands, c)
		return len(s.cands) - 1
	}
	if targetCell != nil {
		for _, c := range targetCell.configs {
			add(c)
		}
		s.candsFrom = fmt.Sprintf("the %d configs of the table's rows at the target (their outcomes unused)", len(s.cands))
	} else {
		for _, c := range s.context {
			for _, cfg := range c.configs {
				add(cfg)
			}
		}
		s.candsFrom = fmt.Sprintf("the %d distinct configs run in the context", len(s.cands))
	}
	for _, o := range r.Observed {
		s.observed = append(s.observed, add(o.Config))
	}
	if len(s.context) == 0 {
		return nil, fmt.Errorf("advise: nothing is left to learn from: every experiment of the table is the target or held out (%s)", strings.Join(s.dropped, ", "))
	}
	return s, nil
}

// formatCoords writes coordinates as "params=1e+09,tokens=2e+12" in the
// table's column order.
func formatCoords(cols []tasks.FidelityColumn, coords map[string]any) string {
	parts := make([]string, 0, len(cols))
	for _, c := range cols {
		switch v := coords[c.Name].(type) {
		case float64:
			parts = append(parts, fmt.Sprintf("%s=%.4g", c.Name, v))
		default:
			parts = append(parts, fmt.Sprintf("%s=%v", c.Name, v))
		}
	}
	return strings.Join(parts, ",")
}

// targetCell returns the target as a cell whose outcomes are the given
// objectives, cost 0.
func (s *selection) targetCell(objective []float64, diverged []bool) cell {
	c := cell{id: s.targetID, fid: s.target.Coords, configs: s.cands, outs: make([]tasks.Outcome, len(s.cands))}
	for j := range c.outs {
		c.outs[j] = tasks.Outcome{Objective: objective[j], Diverged: diverged[j], Seeds: 1}
	}
	return c
}

// adviceEnv builds the table of the context and the target (with the
// given objectives at the target) and an Extrapolate env whose one target
// it is, with room for trials target trials; the caller closes the env and
// releases the table. Context experiments that do
// not rank below the target are dropped (and listed in s.dropped the
// first time).
func (s *selection) adviceEnv(meta tasks.Meta, objective []float64, diverged []bool, trials int) (*research.Env, *tasks.Table, error) {
	cells := append(slices.Clone(s.context), s.targetCell(objective, diverged))
	t, err := buildTable(meta, cells)
	if err != nil {
		return nil, nil, fmt.Errorf("advise: building the table of context and target: %w", err)
	}
	rank := -1
	if i, ok := t.ExperimentIndex(s.targetID); ok {
		rank = t.ExperimentAt(i).Rank
	}
	var keep []cell
	for _, c := range s.context {
		i, _ := t.ExperimentIndex(c.id)
		if t.ExperimentAt(i).Rank < rank {
			keep = append(keep, c)
		} else {
			s.dropped = append(s.dropped, c.id+" (not below the target in the table's fidelity order)")
		}
	}
	if len(keep) < len(s.context) {
		t.Release()
		s.context = keep
		if len(keep) == 0 {
			return nil, nil, fmt.Errorf("advise: no experiment of the table ranks below the target %s; nothing to extrapolate from", s.targetID)
		}
		return s.adviceEnv(meta, objective, diverged, trials)
	}
	e, err := research.New(t, research.Options{Split: research.Test, TestFraction: 1e-9, Target: s.targetID, Trials: trials})
	if err != nil {
		t.Release()
		return nil, nil, fmt.Errorf("advise: %w", err)
	}
	return e, t, nil
}
