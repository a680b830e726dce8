package advise

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/spaces"
	"github.com/autollmresearch/gym/tasks"
)

// FarDecades is how many decades beyond the context's largest value a
// target coordinate may lie before the advice warns that it is far.
const FarDecades = 1.0

// Advice is the answer to a Request. Its JSON field names are stable.
type Advice struct {
	// Task, Objective and Direction ("min" or "max") describe the table.
	Task      string `json:"task"`
	Objective string `json:"objective"`
	Direction string `json:"direction"`
	// Target is the run being planned; Context what it is predicted from.
	Target  TargetInfo  `json:"target"`
	Context ContextInfo `json:"context"`
	// K is the number of recommendations asked for and Seed the seed.
	K    int    `json:"k"`
	Seed uint64 `json:"seed"`
	// Observed are the target runs already made, with their outcomes.
	Observed []ObservedRun `json:"observed"`
	// Recommendations are the next target runs, best first.
	Recommendations []Recommendation `json:"recommendations"`
	// Follows names the estimator whose picks the recommendations are, and
	// Why says why it was chosen.
	Follows string `json:"follows"`
	Why     string `json:"why"`
	// Estimators are what every estimator proposes.
	Estimators []Estimate `json:"estimators"`
	// Law is the fitted scaling law of the optimum.
	Law Law `json:"law"`
	// Extrapolation says how far beyond the context the target lies, per
	// fidelity coordinate.
	Extrapolation []Reach `json:"extrapolation"`
	// Warnings are things to know before spending the budget.
	Warnings []string `json:"warnings"`
}

// TargetInfo describes the target.
type TargetInfo struct {
	// Experiment is the table's experiment at the target, or a made-up id
	// for a target the table does not have.
	Experiment string         `json:"experiment"`
	Fidelity   map[string]any `json:"fidelity"`
	// Candidates is the size of the candidate grid and CandidatesFrom where
	// it comes from.
	Candidates     int    `json:"candidates"`
	CandidatesFrom string `json:"candidates_from"`
}

// ContextInfo describes the context.
type ContextInfo struct {
	// Experiments and Runs count the context cells and their configs.
	Experiments int `json:"experiments"`
	Runs        int `json:"runs"`
	// LeftOut lists the experiments of the table not used, and why.
	LeftOut []string `json:"left_out"`
}

// ObservedRun is a target run already made.
type ObservedRun struct {
	Config    spaces.Config `json:"config"`
	Objective Number        `json:"objective"`
	Diverged  bool          `json:"diverged"`
}

// Recommendation is one recommended target run.
type Recommendation struct {
	// Rank is 1 for the first run to make.
	Rank   int           `json:"rank"`
	Config spaces.Config `json:"config"`
	// Predicted is the config's predicted outcome at the target.
	Predicted Prediction `json:"predicted"`
	// ProposedBy lists the estimators whose K picks include the config.
	ProposedBy []string `json:"proposed_by"`
}

// Estimate is what one estimator proposes.
type Estimate struct {
	// Name is the estimator's name.
	Name string `json:"name"`
	// Picks are its K picks, in its order, and First the prediction for
	// the first.
	Picks []spaces.Config `json:"picks"`
	First Prediction      `json:"first"`
	// Agrees says its first pick is among the recommendations.
	Agrees bool `json:"agrees"`
	// Backtest is its record on the context's own most expensive cells.
	Backtest Backtest `json:"backtest"`
}

// Reach is how far the target lies beyond the context on one fidelity
// coordinate.
type Reach struct {
	Coordinate string `json:"coordinate"`
	// ContextMax is the context's largest value (or last level) and Target
	// the target's.
	ContextMax any `json:"context_max"`
	Target     any `json:"target"`
	// Decades is log10(Target / ContextMax) for a numeric coordinate;
	// Levels the number of levels beyond for a levelled one.
	Decades Number `json:"decades"`
	Levels  int    `json:"levels"`
	// Far says the target lies more than FarDecades beyond (or a level
	// beyond the next).
	Far bool `json:"far"`
}

// Advise recommends the next K target runs from the request's table.
func Advise(ctx context.Context, req Request) (*Advice, error) {
	req, err := req.validate()
	if err != nil {
		return nil, err
	}
	meta := req.Table.Meta()
	tgt, err := req.Target.Resolve(req.Table)
	if err != nil {
		return nil, err
	}
	sel, err := selectRows(req, tgt)
	if err != nil {
		return nil, err
	}
	ests, agentNote, err := estimators(meta.Task, req.Agent)
	if err != nil {
		return nil, err
	}
	objective, diverged := make([]float64, len(sel.cands)), make([]bool, len(sel.cands))
	m, target, err := learnContext(req, meta, sel, objective, diverged)
	if err != nil {
		return nil, err
	}
	preds, err := predictTarget(req, meta, sel, m, objective, diverged)
	if err != nil {
		return nil, err
	}
	// Second pass: the estimators play with the predicted outcomes at the
	// untried configs and the observed ones at the tried.
	e, t, err := sel.adviceEnv(meta, objective, diverged, len(req.Observed)+req.K)
	if err != nil {
		return nil, err
	}
	defer t.Release()
	defer e.Close()
	observed := make([]spaces.Config, len(req.Observed))
	for k, o := range req.Observed {
		observed[k] = o.Config
	}
	a := newAdvice(req, meta, sel, m, target)
	if agentNote != "" {
		a.Warnings = append(a.Warnings, agentNote)
	}
	bt, err := backtest(meta, sel.context, ests, req.K, req.Seed)
	if err != nil {
		return nil, err
	}
	index := map[string]int{}
	for i, c := range sel.cands {
		index[meta.Space.Format(c)] = i
	}
	if err := a.estimate(ctx, e, ests, observed, bt, preds, index, req); err != nil {
		return nil, err
	}
	a.recommend(bt, preds, index, meta.Space)
	return a, nil
}

// learnContext is Advise's first pass: it plays the target with the
// placeholder outcomes objective and diverged, to read the context the
// env gives, and fits the model of the context. It returns the model and
// the target's fidelity.
func learnContext(req Request, meta tasks.Meta, sel *selection, objective []float64, diverged []bool) (*model, research.Fidelity, error) {
	e, t, err := sel.adviceEnv(meta, objective, diverged, len(req.Observed)+req.K)
	if err != nil {
		return nil, research.Fidelity{}, err
	}
	defer t.Release()
	defer e.Close()
	obs, _, err := e.Reset(env.SeedOf(req.Seed), nil)
	if err != nil {
		return nil, research.Fidelity{}, err
	}
	m, err := fitModel(meta, obs)
	if err != nil {
		return nil, research.Fidelity{}, err
	}
	return m, obs.Target, nil
}

// predictTarget predicts every candidate's outcome from the model and
// writes into objective and diverged the outcomes the estimators will
// play: the predictions at the untried configs, the observed outcomes at
// the tried ones.
func predictTarget(req Request, meta tasks.Meta, sel *selection, m *model, objective []float64, diverged []bool) ([]Prediction, error) {
	preds := make([]Prediction, len(sel.cands))
	for i, c := range sel.cands {
		var err error
		if preds[i], err = m.predict(c); err != nil {
			return nil, fmt.Errorf("advise: predicting %s: %w", meta.Space.Format(c), err)
		}
		objective[i], diverged[i] = float64(preds[i].Objective), preds[i].Diverges
		if diverged[i] {
			objective[i] = 0
		}
	}
	for k, i := range sel.observed {
		objective[i], diverged[i] = req.Observed[k].Objective, req.Observed[k].Diverged
		if diverged[i] && math.IsNaN(objective[i]) {
			objective[i] = 0
		}
	}
	return preds, nil
}

// estimate plays every estimator on e after the observed runs and records
// its picks, their predictions and its backtest in a.
func (a *Advice) estimate(ctx context.Context, e *research.Env, ests []estimator, observed []spaces.Config, bt []Backtest, preds []Prediction, index map[string]int, req Request) error {
	meta := e.Table().Meta()
	for i, est := range ests {
		if err := ctx.Err(); err != nil {
			return err
		}
		picks, err := play(e, est, observed, req.K, req.Seed)
		if err != nil {
			return fmt.Errorf("advise: %w", err)
		}
		es := Estimate{Name: est.name, Picks: picks, Backtest: bt[i], First: Prediction{Objective: Number(math.NaN()), Lo: Number(math.NaN()), Hi: Number(math.NaN())}}
		if len(picks) > 0 {
			es.First = preds[index[meta.Space.Format(picks[0])]]
		}
		a.Estimators = append(a.Estimators, es)
	}
	return nil
}

// newAdvice fills what the advice says about the table, the target and the
// law.
func newAdvice(req Request, meta tasks.Meta, sel *selection, m *model, target research.Fidelity) *Advice {
	a := &Advice{
		Task: meta.Task, Objective: meta.Objective, Direction: meta.Direction.String(),
		Target: TargetInfo{Experiment: sel.targetID, Fidelity: target.Coords, Candidates: len(sel.cands), CandidatesFrom: sel.candsFrom},
		K:      req.K, Seed: req.Seed, Law: m.Law, Warnings: []string{},
	}
	a.Context.LeftOut = append([]string{}, sel.dropped...)
	a.Context.Experiments = len(sel.context)
	for _, c := range sel.context {
		a.Context.Runs += len(c.configs)
	}
	for _, o := range req.Observed {
		a.Observed = append(a.Observed, ObservedRun{Config: o.Config, Objective: Number(o.Objective), Diverged: o.Diverged})
	}
	a.Extrapolation = reach(meta.Fidelity, sel.context, target.Coords)
	for _, r := range a.Extrapolation {
		if r.Far {
			if r.Levels > 0 {
				a.Warnings = append(a.Warnings, fmt.Sprintf("the target's %s is %d levels beyond the context's last (%v): treat the intervals with caution", r.Coordinate, r.Levels, r.ContextMax))
			} else {
				a.Warnings = append(a.Warnings, fmt.Sprintf("the target's %s lies %.2f decades beyond the context's largest (%.4g): the law is extrapolated far, treat the intervals with caution", r.Coordinate, float64(r.Decades), r.ContextMax))
			}
		}
	}
	if m.Level.DOF < 1 {
		a.Warnings = append(a.Warnings, "the context has too few cells to estimate the law's uncertainty: intervals are not given")
	}
	for _, f := range append([]Fit{m.Level}, m.Paths...) {
		if len(f.Terms) == 0 && len(m.Cells) > 1 {
			a.Warnings = append(a.Warnings, fmt.Sprintf("the law of %s has no fidelity term (%d cells leave no room for one with a degree of freedom to spare): it predicts the cells' mean", f.Quantity, len(m.Cells)))
			break
		}
	}
	return a
}

// reach measures, per fidelity coordinate, how far the target lies beyond
// the context.
func reach(cols []tasks.FidelityColumn, context []cell, target map[string]any) []Reach {
	var out []Reach
	for _, col := range cols {
		r := Reach{Coordinate: col.Name, Target: target[col.Name], Decades: Number(math.NaN())}
		if len(col.Levels) > 0 {
			hi := -1
			for _, c := range context {
				hi = max(hi, slices.Index(col.Levels, fmt.Sprint(c.fid[col.Name])))
			}
			if hi >= 0 {
				r.ContextMax = col.Levels[hi]
			}
			r.Levels = max(0, slices.Index(col.Levels, fmt.Sprint(target[col.Name]))-hi)
			r.Far = r.Levels > 1
		} else {
			hi := math.Inf(-1)
			for _, c := range context {
				if v, ok := c.fid[col.Name].(float64); ok {
					hi = math.Max(hi, v)
				}
			}
			tv, _ := target[col.Name].(float64)
			r.ContextMax = hi
			if hi > 0 && tv > 0 {
				r.Decades = Number(math.Log10(tv / hi))
				r.Far = float64(r.Decades) > FarDecades
			}
		}
		out = append(out, r)
	}
	return out
}

// recommend takes the leading estimator's picks as the recommendations and
// says why.
func (a *Advice) recommend(bt []Backtest, preds []Prediction, index map[string]int, space *spaces.ConfigSpace) {
	li := lead(bt)
	leader := a.Estimators[li]
	a.Follows = leader.Name
	rec := map[string]bool{}
	for r, c := range leader.Picks {
		key := space.Format(c)
		rec[key] = true
		var by []string
		for _, es := range a.Estimators {
			if slices.ContainsFunc(es.Picks, func(p spaces.Config) bool { return space.Equal(p, c) }) {
				by = append(by, es.Name)
			}
		}
		a.Recommendations = append(a.Recommendations, Recommendation{Rank: r + 1, Config: c, Predicted: preds[index[key]], ProposedBy: by})
	}
	for i := range a.Estimators {
		if p := a.Estimators[i].Picks; len(p) > 0 {
			a.Estimators[i].Agrees = rec[space.Format(p[0])]
		}
	}
	var scores []string
	for _, b := range bt {
		scores = append(scores, fmt.Sprintf("%s %.3f (best of %d: %.3f)", b.Estimator, float64(b.Regret1), a.K, float64(b.RegretK)))
	}
	if len(bt[li].Targets) == 0 {
		a.Why = fmt.Sprintf("the context has no cell with another below it to backtest on, so the advice follows %s, the first in the fixed order %s", leader.Name, strings.Join(names(a.Estimators), ", "))
		return
	}
	a.Why = fmt.Sprintf("backtest on the context's own most expensive cell(s) %s, each predicted from the cells below it: %s had the lowest regret of its first pick (differences up to %.2g count as ties, which go to the better best of %d, then to the order %s); regret of the first pick: %s",
		strings.Join(bt[li].Targets, " and "), leader.Name, TieRegret, a.K, strings.Join(names(a.Estimators), ", "), strings.Join(scores, "; "))
}

func names(es []Estimate) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Name
	}
	return out
}

// Study is an ask/tell loop over one target, as an optimisation study
// continues: Ask recommends the next runs, Tell adds the outcomes of runs
// made, and the next Ask uses them.
type Study struct {
	req Request
}

// NewStudy starts a study of req (whose Observed, if any, are the runs
// told so far). It checks the request.
func NewStudy(req Request) (*Study, error) {
	if _, err := req.validate(); err != nil {
		return nil, err
	}
	if _, err := req.Target.Resolve(req.Table); err != nil {
		return nil, err
	}
	req.Observed = slices.Clone(req.Observed)
	return &Study{req: req}, nil
}

// Ask recommends the next K target runs given everything told so far.
func (s *Study) Ask(ctx context.Context) (*Advice, error) { return Advise(ctx, s.req) }

// Tell adds the outcomes of target runs made; a bad observation is
// rejected, naming what is wrong, and none of obs is added.
func (s *Study) Tell(obs ...Observation) error {
	next := s.req
	next.Observed = append(slices.Clone(s.req.Observed), obs...)
	if _, err := next.validate(); err != nil {
		return err
	}
	s.req = next
	return nil
}

// Observed returns the runs told so far.
func (s *Study) Observed() []Observation { return slices.Clone(s.req.Observed) }
