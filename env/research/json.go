package research

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/autollmresearch/gym/spaces"
)

// JSONContextTop is the number of best configs per context experiment that
// the JSON form of an [Observation] lists.
const JSONContextTop = 5

// MarshalJSON renders the observation as one JSON object for agents that
// are not written in Go:
//
//	{
//	  "task": "pretrain", "setting": "extrapolate",
//	  "objective": "loss", "direction": "min",
//	  "space": {...},            // the config space's spaces.Description
//	  "target": {...},           // a fidelity, see below
//	  "target_configs": [{...}], // the configs that exist at the target
//	  "fidelities": [{...}],     // the experiments that may be run
//	  "context": [{...}],        // the free lower-fidelity results
//	  "history": [{...}],        // this episode's trials
//	  "trials_left": 5, "budget_left": null, "spent": 0, "step": 0
//	}
//
// A fidelity is {"experiment", "coords", "rank", "features",
// "cost_per_run", "min_cost", "max_cost", "group"} (group only when set).
// A context entry is a fidelity with "configs" (the number of configs run
// there), "diverged" (how many diverged), "best_objective",
// "worst_objective" and "best": its JSONContextTop best non-diverged
// configs, best first, each {"config", "objective", "cost"}. A trial is
// {"step", "experiment", "target", "asked", "run", "candidate",
// "distance", "objective", "diverged", "cost"}. Configs are written in
// canonical form (see spaces.ConfigSpace.FormatJSON). Numbers that JSON
// cannot hold, such as the budget left in the Extrapolate setting (+Inf),
// are written as null.
func (o *Observation) MarshalJSON() ([]byte, error) {
	if o == nil {
		return []byte("null"), nil
	}
	w := obsJSON{
		Task:       o.Task,
		Setting:    o.Setting.String(),
		Objective:  o.Objective,
		Direction:  o.Direction.String(),
		Target:     fidelityJSON(o.Target),
		Fidelities: make([]fidJSON, len(o.Fidelities)),
		Context:    make([]contextJSON, o.Context.Len()),
		History:    make([]trialJSON, len(o.History)),
		TrialsLeft: o.TrialsLeft,
		BudgetLeft: toNum(o.BudgetLeft),
		Spent:      toNum(o.Spent),
		Step:       o.Step,
	}
	if o.Space != nil {
		d := o.Space.Describe()
		w.Space = &d
	}
	var err error
	if w.TargetConfigs, err = o.configsJSON(o.TargetConfigs); err != nil {
		return nil, fmt.Errorf("research: target configs: %w", err)
	}
	for i, f := range o.Fidelities {
		w.Fidelities[i] = fidelityJSON(f)
	}
	for i := range w.Context {
		if w.Context[i], err = o.contextJSON(i); err != nil {
			return nil, fmt.Errorf("research: context experiment %d: %w", i, err)
		}
	}
	for i, t := range o.History {
		tj := trialJSON{
			Step: t.Step, Experiment: t.Experiment, Target: t.Target,
			Candidate: t.Candidate, Distance: toNum(t.Distance),
			Objective: toNum(t.Objective), Diverged: t.Diverged, Cost: toNum(t.Cost),
		}
		if tj.Asked, err = o.configJSON(t.Asked); err != nil {
			return nil, fmt.Errorf("research: history trial %d: asked config: %w", i, err)
		}
		if tj.Run, err = o.configJSON(t.Run); err != nil {
			return nil, fmt.Errorf("research: history trial %d: run config: %w", i, err)
		}
		w.History[i] = tj
	}
	return json.Marshal(&w)
}

// obsJSON is the JSON form of an Observation.
type obsJSON struct {
	Task          string              `json:"task"`
	Setting       string              `json:"setting"`
	Objective     string              `json:"objective"`
	Direction     string              `json:"direction"`
	Space         *spaces.Description `json:"space"`
	Target        fidJSON             `json:"target"`
	TargetConfigs json.RawMessage     `json:"target_configs"`
	Fidelities    []fidJSON           `json:"fidelities"`
	Context       []contextJSON       `json:"context"`
	History       []trialJSON         `json:"history"`
	TrialsLeft    int                 `json:"trials_left"`
	BudgetLeft    num                 `json:"budget_left"`
	Spent         num                 `json:"spent"`
	Step          int                 `json:"step"`
}

// fidJSON is the JSON form of a Fidelity.
type fidJSON struct {
	Experiment string         `json:"experiment"`
	Coords     map[string]any `json:"coords"`
	Rank       int            `json:"rank"`
	Features   []num          `json:"features"`
	CostPerRun num            `json:"cost_per_run"`
	MinCost    num            `json:"min_cost"`
	MaxCost    num            `json:"max_cost"`
	Group      string         `json:"group,omitempty"`
}

// contextJSON summarises one context experiment.
type contextJSON struct {
	fidJSON
	Configs        int        `json:"configs"`
	Diverged       int        `json:"diverged"`
	BestObjective  num        `json:"best_objective"`
	WorstObjective num        `json:"worst_objective"`
	Best           []bestJSON `json:"best"`
}

// bestJSON is one of the best configs of a context experiment.
type bestJSON struct {
	Config    json.RawMessage `json:"config"`
	Objective num             `json:"objective"`
	Cost      num             `json:"cost"`
}

// trialJSON is the JSON form of a Trial.
type trialJSON struct {
	Step       int             `json:"step"`
	Experiment string          `json:"experiment"`
	Target     bool            `json:"target"`
	Asked      json.RawMessage `json:"asked"`
	Run        json.RawMessage `json:"run"`
	Candidate  int             `json:"candidate"`
	Distance   num             `json:"distance"`
	Objective  num             `json:"objective"`
	Diverged   bool            `json:"diverged"`
	Cost       num             `json:"cost"`
}

// num is a float64 that is written as null when it is not finite; see
// toNum.
type num = *float64

// toNum returns x as a num: nil (null in JSON) when x is not finite.
func toNum(x float64) num {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

func fidelityJSON(f Fidelity) fidJSON {
	feats := make([]num, len(f.Features))
	for i, x := range f.Features {
		feats[i] = toNum(x)
	}
	coords := f.Coords
	if coords == nil {
		coords = map[string]any{}
	}
	return fidJSON{
		Experiment: f.Experiment, Coords: coords, Rank: f.Rank, Features: feats,
		CostPerRun: toNum(f.CostPerRun), MinCost: toNum(f.MinCost), MaxCost: toNum(f.MaxCost),
		Group: f.Group,
	}
}

// configJSON renders a config in canonical form, or as given when it is
// not a valid config of the space.
func (o *Observation) configJSON(c spaces.Config) (json.RawMessage, error) {
	if c == nil {
		return json.RawMessage("null"), nil
	}
	if o.Space != nil {
		if b, err := o.Space.FormatJSON(c); err == nil {
			return b, nil
		}
	}
	return json.Marshal(c)
}

// configsJSON renders configs as one JSON array.
func (o *Observation) configsJSON(cs []spaces.Config) (json.RawMessage, error) {
	dims := 1
	if o.Space != nil {
		dims = max(1, o.Space.Len())
	}
	out := make([]byte, 0, 2+len(cs)*24*dims)
	out = append(out, '[')
	for i, c := range cs {
		b, err := o.configJSON(c)
		if err != nil {
			return nil, fmt.Errorf("config %d: %w", i, err)
		}
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, b...)
	}
	return append(out, ']'), nil
}

// contextJSON summarises context experiment i.
func (o *Observation) contextJSON(i int) (contextJSON, error) {
	c := o.Context
	st := c.Stats(i)
	cfgs := c.Configs(i)
	type scored struct {
		j int
		y float64 // the objective, negated when maximised
	}
	order := make([]scored, 0, len(cfgs))
	for j := range cfgs {
		if out := c.Outcome(i, j); !out.Diverged {
			y := out.Objective
			if c.maximize {
				y = -y
			}
			order = append(order, scored{j, y})
		}
	}
	// Best first; ties keep the table's order.
	slices.SortStableFunc(order, func(a, b scored) int { return cmp.Compare(a.y, b.y) })
	order = order[:min(len(order), JSONContextTop)]
	best := make([]bestJSON, len(order))
	for k, sc := range order {
		j := sc.j
		cfg, err := o.configJSON(cfgs[j])
		if err != nil {
			return contextJSON{}, fmt.Errorf("config %d: %w", j, err)
		}
		out := c.Outcome(i, j)
		best[k] = bestJSON{Config: cfg, Objective: toNum(out.Objective), Cost: toNum(out.CostGPUHours)}
	}
	return contextJSON{
		fidJSON:        fidelityJSON(c.Fidelity(i)),
		Configs:        len(cfgs),
		Diverged:       st.Diverged,
		BestObjective:  toNum(st.Best),
		WorstObjective: toNum(st.Worst),
		Best:           best,
	}, nil
}

// actionJSON is the JSON form of an Action.
type actionJSON struct {
	Config     spaces.Config `json:"config"`
	Experiment string        `json:"experiment"`
	Stop       bool          `json:"stop"`
}

// MarshalJSON renders the action as
// {"config": {...}, "experiment": "...", "stop": false}.
func (a Action) MarshalJSON() ([]byte, error) {
	return json.Marshal(actionJSON(a))
}

// UnmarshalJSON reads an action from
// {"config": {...}, "experiment": "...", "stop": false}, where every key
// may be left out ("experiment" means the target when absent or "", and a
// stop needs no config). Unknown keys and trailing data are errors. Numbers
// in the config are kept as json.Number, so that integers are read
// exactly; the env checks the config and brings it to canonical form when
// it steps.
func (a *Action) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	var w actionJSON
	if err := dec.Decode(&w); err != nil {
		return fmt.Errorf("research: action: %w (want {\"config\": {...}, \"experiment\": \"...\", \"stop\": false})", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("research: action: unexpected data after the action object")
	}
	*a = Action(w)
	return nil
}
