package advise

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/policy/agent"
	"github.com/autollmresearch/gym/spaces"
	"github.com/autollmresearch/gym/tasks"
	_ "github.com/autollmresearch/gym/tasks/tablefile" // reads and writes .arrow, .arrows and .parquet tables
)

// DefaultK is the default number of target runs to recommend.
const DefaultK = research.DefaultTrials

// MaxK is the largest number of target runs Advise recommends at once.
const MaxK = 100

// Request is what Advise needs: the practitioner's runs, the target, how
// many target runs they can afford, and the target runs made so far.
type Request struct {
	// Table holds the practitioner's runs in the canonical schema (any
	// table tasks.ReadFile or a task importer returns). It is read, never
	// modified or released.
	Table *tasks.Table
	// Target is the fidelity of the run to plan (see ParseTarget). Rows of
	// the table at the target's fidelity are never used as context: they
	// are what the practitioner has not run yet. Their configs, without
	// their outcomes, form the target's candidate grid; without them the
	// grid is every distinct config of the context. Runs made at the
	// target go in Observed.
	Target TargetSpec
	// Holdout names fidelity coordinates: every row at or beyond the
	// target's value of any of them (numbers ≥, levels at or after) is
	// left out of the context, as if never run. With the target at the
	// largest model size, Holdout ["params"] removes every cell of that size
	// (other token budgets included) to show what the advice would have been.
	Holdout []string
	// K is how many target runs to recommend; default DefaultK, at most
	// MaxK.
	K int
	// Observed are target runs made since (ask/tell): they are shown to
	// every estimator as its first trials, and the K recommendations are
	// other configs.
	Observed []Observation
	// Seed seeds every random choice; the same request and seed give the
	// same advice.
	Seed uint64
	// Agent is the meta-trained agent consulted; nil means the agent
	// embedded in the module for the table's task (agent.Pretrained), or
	// none when the module has none for it.
	Agent *agent.Agent
}

// Observation is one target run the practitioner made.
type Observation struct {
	// Config is the config run; it must lie in the table's space.
	Config spaces.Config
	// Objective is its outcome; it must be finite unless Diverged.
	Objective float64
	// Diverged says the run blew up.
	Diverged bool
}

// validate checks the request and returns it with defaults filled and the
// observed configs normalised. It names every bad field.
func (r Request) validate() (Request, error) {
	var errs []error
	if r.Table == nil {
		return r, errors.New("advise: Request.Table is nil")
	}
	switch {
	case r.K == 0:
		r.K = DefaultK
	case r.K < 0 || r.K > MaxK:
		errs = append(errs, fmt.Errorf("Request.K is %d, want 1 to %d (or 0 for %d)", r.K, MaxK, DefaultK))
	}
	meta := r.Table.Meta()
	for _, h := range r.Holdout {
		if !slices.ContainsFunc(meta.Fidelity, func(c tasks.FidelityColumn) bool { return c.Name == h }) {
			errs = append(errs, fmt.Errorf("Request.Holdout names %q, which is not a fidelity coordinate (%s)", h, describeColumns(meta.Fidelity)))
		}
	}
	obs := make([]Observation, len(r.Observed))
	for i, o := range r.Observed {
		c, err := meta.Space.Normalize(o.Config)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("Request.Observed[%d]: config is not in the table's space %s: %w", i, meta.Space, err))
		case !o.Diverged && (math.IsNaN(o.Objective) || math.IsInf(o.Objective, 0)):
			errs = append(errs, fmt.Errorf("Request.Observed[%d] (%s): objective %s is %g, want a finite number (or mark the run diverged)", i, meta.Space.Format(c), meta.Objective, o.Objective))
		}
		obs[i] = Observation{Config: c, Objective: o.Objective, Diverged: o.Diverged}
		for j := range i {
			if err == nil && obs[j].Config != nil && meta.Space.Equal(obs[j].Config, c) {
				errs = append(errs, fmt.Errorf("Request.Observed[%d] repeats the config of Observed[%d] (%s); give one outcome per config (the mean over seeds)", i, j, meta.Space.Format(c)))
			}
		}
	}
	if len(errs) > 0 {
		return r, fmt.Errorf("advise: invalid request: %w", errors.Join(errs...))
	}
	r.Observed = obs
	return r, nil
}
