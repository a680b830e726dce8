package research

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/fidelity"
	"github.com/autollmresearch/gym/spaces"
	"github.com/autollmresearch/gym/tasks"
)

// Defaults of the Options fields.
const (
	// DefaultTrials is the default K, the target-fidelity trials of an
	// episode.
	DefaultTrials = 5
	// DefaultTestFraction holds out the top quarter of each group's
	// fidelity levels: 6 of the 24 pretrain default cells, the largest scale
	// of arch and mixture, the two largest backbones per grpo dataset.
	DefaultTestFraction = 0.25
	// DefaultContextSlots is the default Options.ContextSlots.
	DefaultContextSlots = 4
	// DefaultMultiFidelityHistorySlots is the default Options.HistorySlots
	// in the MultiFidelity setting.
	DefaultMultiFidelityHistorySlots = 16
	// DefaultContextTop is the default Options.ContextTop.
	DefaultContextTop = 3
)

// Upper bounds of the Options fields that size memory. Every episode's
// trials, observation slots and prompt rows are allocated from them, so a
// larger value is refused by New with an error matching ErrOptionTooLarge
// rather than attempted.
const (
	// MaxTrials is the largest Options.Trials. The registered envs end
	// every episode after MaxEpisodeSteps steps, well below it.
	MaxTrials = 10_000
	// MaxContextSlots is the largest Options.ContextSlots.
	MaxContextSlots = 1024
	// MaxHistorySlots is the largest Options.HistorySlots.
	MaxHistorySlots = 10_000
	// MaxContextTop is the largest Options.ContextTop.
	MaxContextTop = 1024
)

// ErrOptionTooLarge is matched (with errors.Is) by the error New returns
// when an option that sizes memory is above its maximum (MaxTrials,
// MaxContextSlots, MaxHistorySlots, MaxContextTop).
var ErrOptionTooLarge = errors.New("research: option above its maximum")

// ResetOptionTarget is the key of the one option Reset accepts: a string
// naming the episode's target experiment, which must be one of Targets. It
// overrides Options.Target for that episode; no random number is drawn.
const ResetOptionTarget = "target"

// seedStream is the second PCG word of the env's random stream; the first
// is the seed.
const seedStream = 0x7265736561726368

// budgetSlack is the relative tolerance of budget comparisons, so that K
// runs of cost B/K fit in a budget of B despite rounding.
const budgetSlack = 1e-9

// ErrOverBudget is matched (with errors.Is) by the error Step returns when
// a multi-fidelity run would cost more GPU hours than the episode has left.
// The run is refused and the episode stays as it was. The error is an
// *OverBudgetError giving the cost and the budget left. An agent can check
// affordability beforehand: a run at Observation.Fidelities[i] costs at
// most Fidelities[i].MaxCost (CostPerRun is the median).
var ErrOverBudget = errors.New("research: run costs more than the budget left")

// OverBudgetError is the error of a refused multi-fidelity run.
type OverBudgetError struct {
	// Experiment is where the run would have been made; Config the index of
	// the matched config in that experiment.
	Experiment string
	Config     int
	// Cost is what the run would have cost and BudgetLeft what the episode
	// has left, in GPU hours.
	Cost, BudgetLeft float64
}

// Error says what the run would have cost and what is left.
func (e *OverBudgetError) Error() string {
	return fmt.Sprintf("research: a run of config %d at experiment %q costs %.6g GPU hours but only %.6g are left in the budget",
		e.Config, e.Experiment, e.Cost, e.BudgetLeft)
}

// Is reports whether target is ErrOverBudget.
func (e *OverBudgetError) Is(target error) bool { return target == ErrOverBudget }

// Env is the configuration-research environment over one outcome table, in
// its programmatic view: observations are *Observation and actions Action.
// It implements env.Env[*Observation, Action].
//
// New curates the table's experiments into a train and a test split (see
// [Env.Split]) and collects the targets of the split Options.Split selects
// (see [Env.Targets]). Each Reset picks a target, uniformly at random from
// the env's stream unless Options.Target or the Reset option "target" names
// one, and starts an episode at it; the same seed gives the same target and
// hence, for the same actions, the same episode. An env never seeded
// behaves as if its first Reset had been given env.SeedOf(0).
//
// Each Step runs one config (or stops): the config is matched to the
// nearest config that was run at the chosen experiment, its seed-averaged
// outcome is looked up and its GPU hours charged, and a Trial is appended to
// the history. The reward is the decrease of the best-so-far normalised
// regret at the target, which starts at 1, so an episode's return is
// 1 − final regret; runs below the target never earn reward by themselves.
//
// The episode is terminated when the agent stops, when the target-fidelity
// trials are used up, or (MultiFidelity) when the budget left cannot pay
// for the cheapest run of any allowed experiment. The env never truncates.
//
// Info after Reset holds "regret" (1) and "target" (the target's id).
// After a run it holds the numbers "regret" (best so far at the target, 1
// until a target trial), "trial_regret" (the run's regret at its own
// experiment), "cost", "spent", "budget_left" (MultiFidelity only),
// "trials_left", "target_trials" and "distance" (between the asked and the
// run config), and the values "asked" and "run" (spaces.Config) and
// "experiment" (string). After a stop it holds the numbers of the episode
// so far ("regret", "spent", "budget_left", "trials_left",
// "target_trials").
//
// The observation and the Info are buffers the env owns and reuses: they
// are valid until the next Reset or Step. Once the history's capacity has
// grown in a first episode, Reset and Step do not allocate (except to
// return an error).
//
// An Env is not safe for concurrent use; the table may be shared by many.
type Env struct {
	table  *tasks.Table
	owned  bool // Close releases the table
	meta   tasks.Meta
	opts   Options
	cur    *curation
	plans  []episodePlan // one per pool target, in pool order
	pool   []string
	idAny  []any // experiment ids boxed once, for allocation-free Info
	obsSp  *ObservationSpace
	actSp  *ActionSpace
	src    *rand.PCG
	rng    *rand.Rand
	obs    Observation
	hist   []Trial
	info   env.Info
	point  []float64 // scratch encoding of the asked config
	plan   *episodePlan
	best   float64 // best-so-far regret at the target
	budget float64 // budget of the episode
	nTgt   int     // target trials so far

	started, ended, closed bool
}

// New returns an env over t. It validates opts (every problem is named),
// fills in their defaults (see [Env.Options]), curates the table and builds
// the pool of targets. The table is shared, not copied; it must stay valid
// while the env is in use.
func New(t *tasks.Table, opts Options) (*Env, error) {
	if t == nil {
		return nil, errors.New("research: New: the table is nil")
	}
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	cur, err := curate(t, opts.Split, opts.TestFraction)
	if err != nil {
		return nil, err
	}
	e := &Env{
		table: t,
		meta:  t.Meta(),
		opts:  opts,
		cur:   cur,
		src:   rand.NewPCG(0, seedStream),
		point: make([]float64, t.Meta().Space.EncodedDim()),
		best:  1,
		// Room for an Extrapolate episode's trials, so that its steps do
		// not grow the history (a longer MultiFidelity episode still may).
		hist: make([]Trial, 0, opts.Trials),
	}
	e.rng = rand.New(e.src)
	e.idAny = make([]any, len(cur.fids))
	for i, f := range cur.fids {
		e.idAny[i] = f.Experiment
	}
	e.pool = make([]string, len(cur.pool))
	e.plans = make([]episodePlan, len(cur.pool))
	var broke []string
	for k, i := range cur.pool {
		e.pool[k] = cur.fids[i].Experiment
		e.plans[k] = cur.plan(t, i, opts)
		if p := &e.plans[k]; !(p.minCost <= p.budget*(1+budgetSlack)) {
			broke = append(broke, fmt.Sprintf("%s (cheapest run %.6g)", e.pool[k], p.minCost))
		}
	}
	// Materialise the configs and candidates of every experiment an
	// episode can touch now, so that Reset and Step never build them: the
	// targets and the experiments ranked below them in their groups.
	reach := make([]int, len(cur.groupExps)) // per group, a prefix length
	for _, i := range cur.pool {
		k := cur.groupOf[i]
		reach[k] = max(reach[k], cur.nBelow[i])
		e.table.Candidates(i)
	}
	for k, m := range reach {
		for _, exp := range cur.groupExps[k][:m] {
			e.table.Candidates(exp)
		}
	}
	if opts.Target != "" && !slices.Contains(e.pool, opts.Target) {
		return nil, e.notATarget("Options.Target", opts.Target)
	}
	if len(broke) > 0 {
		return nil, fmt.Errorf("research: Options.BudgetGPUHours %.6g cannot pay for a single run at these targets: %s",
			opts.BudgetGPUHours, strings.Join(broke, ", "))
	}
	e.obsSp = &ObservationSpace{env: e}
	e.actSp = &ActionSpace{env: e}
	return e, nil
}

// withDefaults validates o and fills in its defaults.
func (o Options) withDefaults() (Options, error) {
	var errs []error
	switch o.Setting {
	case 0:
		o.Setting = Extrapolate
	case Extrapolate, MultiFidelity:
	default:
		errs = append(errs, fmt.Errorf("Options.Setting is %d, want Extrapolate (%d) or MultiFidelity (%d)", o.Setting, Extrapolate, MultiFidelity))
	}
	switch o.Split {
	case 0:
		o.Split = Train
	case Train, Test:
	default:
		errs = append(errs, fmt.Errorf("Options.Split is %d, want Train (%d) or Test (%d)", o.Split, Train, Test))
	}
	switch {
	case o.Trials == 0:
		o.Trials = DefaultTrials
	case o.Trials < 0:
		errs = append(errs, fmt.Errorf("Options.Trials is %d, want at least 1 (or 0 for the default %d)", o.Trials, DefaultTrials))
	case o.Trials > MaxTrials:
		errs = append(errs, fmt.Errorf("Options.Trials is %d, want at most MaxTrials = %d: %w", o.Trials, MaxTrials, ErrOptionTooLarge))
	}
	switch b := o.BudgetGPUHours; {
	case math.IsNaN(b) || math.IsInf(b, 0) || b < 0:
		errs = append(errs, fmt.Errorf("Options.BudgetGPUHours is %g, want a finite number > 0 (or 0 for Trials times the target's dearest run)", b))
	case b > 0 && o.Setting == Extrapolate:
		errs = append(errs, fmt.Errorf("Options.BudgetGPUHours is %g, but the Extrapolate setting has no budget (it counts target trials); use MultiFidelity or leave it 0", b))
	}
	if f := o.TestFraction; !(f >= 0 && f < 1) {
		errs = append(errs, fmt.Errorf("Options.TestFraction is %g, want a number in [0, 1)", f))
	} else if f == 0 {
		o.TestFraction = DefaultTestFraction
	}
	slots := []struct {
		name     string
		v        *int
		def, max int
	}{
		{"Options.ContextSlots", &o.ContextSlots, DefaultContextSlots, MaxContextSlots},
		{"Options.HistorySlots", &o.HistorySlots, 0, MaxHistorySlots},
		{"Options.ContextTop", &o.ContextTop, DefaultContextTop, MaxContextTop},
	}
	for _, s := range slots {
		switch {
		case *s.v < 0:
			errs = append(errs, fmt.Errorf("%s is %d, want at least 1 (or 0 for the default)", s.name, *s.v))
		case *s.v > s.max:
			errs = append(errs, fmt.Errorf("%s is %d, want at most %d: %w", s.name, *s.v, s.max, ErrOptionTooLarge))
		case *s.v == 0:
			*s.v = s.def
		}
	}
	if o.HistorySlots == 0 {
		o.HistorySlots = o.Trials
		if o.Setting == MultiFidelity {
			o.HistorySlots = DefaultMultiFidelityHistorySlots
		}
	}
	if len(errs) > 0 {
		return Options{}, fmt.Errorf("research: invalid options: %w", errors.Join(errs...))
	}
	return o, nil
}

// notATarget explains why id cannot be a target.
func (e *Env) notATarget(what, id string) error {
	var why string
	switch i, ok := e.table.ExperimentIndex(id); {
	case !ok:
		why = "the table has no such experiment"
	case e.opts.Split == Train && e.cur.split.IsTest(id):
		why = "it is held out in the test split"
	case e.opts.Split == Test && e.cur.split.IsTrain(id):
		why = "it is in the train split"
	case !e.cur.hasCheaper(i):
		why = "it is the cheapest experiment of its group, so there is nothing below it to learn from"
	default:
		why = "it is not in this split"
	}
	return fmt.Errorf("research: %s %q is not a target of the %s split: %s; targets: %s",
		what, id, e.opts.Split, why, strings.Join(e.pool, ", "))
}

// Options returns the env's options with every default filled in.
// BudgetGPUHours stays 0 when it was not given: the budget is then Trials
// times each target's MaxCost.
func (e *Env) Options() Options { return e.opts }

// Table returns the outcome table behind the env. It is for evaluators and
// teachers; agents must not read the target's outcomes from it.
func (e *Env) Table() *tasks.Table { return e.table }

// Split returns the curation of the table's experiments into train and
// test sets. The slices are copies.
func (e *Env) Split() fidelity.Split {
	s := e.cur.split
	return fidelity.Split{Train: slices.Clone(s.Train), Validation: slices.Clone(s.Validation), Test: slices.Clone(s.Test)}
}

// Targets returns the ids of the experiments episodes can target, cheap to
// expensive: in the Test split every test experiment, in the Train split
// every train experiment with a cheaper experiment in its group.
func (e *Env) Targets() []string { return slices.Clone(e.pool) }

// Fidelity describes any experiment of the table by id.
func (e *Env) Fidelity(id string) (Fidelity, bool) {
	i, ok := e.table.ExperimentIndex(id)
	if !ok {
		return Fidelity{}, false
	}
	return e.cur.fids[i], true
}

// TargetRegret returns the normalised regret at the current target of its
// config number candidate (an index into Observation.TargetConfigs). It
// reads the target's outcomes, which agents never see: it is meant for
// evaluators and for teachers allowed to see the target table.
func (e *Env) TargetRegret(candidate int) (float64, error) {
	if e.plan == nil {
		return 0, errors.New("research: TargetRegret called before Reset")
	}
	exp := e.plan.target
	if n := e.table.NumConfigs(exp); candidate < 0 || candidate >= n {
		return 0, fmt.Errorf("research: TargetRegret(%d): target %q has configs 0 to %d", candidate, e.cur.fids[exp].Experiment, n-1)
	}
	o := e.table.Outcome(exp, candidate)
	return e.table.Regret(exp, o.Objective, o.Diverged), nil
}

// Oracle returns the current target's best config (sign-aware, among those
// that did not diverge) and its index in Observation.TargetConfigs. Like
// TargetRegret it is for evaluators and teachers. It fails before Reset and
// when every config of the target diverged.
func (e *Env) Oracle() (candidate int, cfg spaces.Config, err error) {
	if e.plan == nil {
		return -1, nil, errors.New("research: Oracle called before Reset")
	}
	exp := e.plan.target
	best := -1
	var bestY float64
	for j := range e.table.NumConfigs(exp) {
		o := e.table.Outcome(exp, j)
		if !o.Diverged && (best < 0 || e.meta.Direction.Better(o.Objective, bestY)) {
			best, bestY = j, o.Objective
		}
	}
	if best < 0 {
		return -1, nil, fmt.Errorf("research: Oracle: every config of target %q diverged", e.cur.fids[exp].Experiment)
	}
	return best, e.table.Config(exp, best), nil
}

// Regret returns the best-so-far normalised regret at the target of the
// current episode (1 until a target trial has been made).
func (e *Env) Regret() float64 { return e.best }

// ObservationSpace returns the set of observations of this env; see
// [ObservationSpace].
func (e *Env) ObservationSpace() spaces.Space[*Observation] { return e.obsSp }

// ActionSpace returns the set of actions of this env; see [ActionSpace].
func (e *Env) ActionSpace() spaces.Space[Action] { return e.actSp }

// Close ends the env: Reset and Step return env.ErrClosed afterwards. An
// env made by NewFromOptions from a table file releases the table. Close is
// safe to call more than once.
func (e *Env) Close() error {
	if e.closed {
		return nil
	}
	e.closed, e.started = true, false
	if e.owned {
		e.table.Release()
	}
	return nil
}

// Reset starts an episode. A set seed re-seeds the env's stream; the
// target is drawn from it uniformly over Targets, unless Options.Target or
// the option "target" (see ResetOptionTarget) names one. Any other option
// key is an error. After an error no episode is live.
func (e *Env) Reset(seed env.Seed, options env.Options) (*Observation, env.Info, error) {
	if e.closed {
		return nil, env.Info{}, env.ErrClosed
	}
	e.started = false
	target := e.opts.Target
	for k, v := range options {
		if k != ResetOptionTarget {
			return nil, env.Info{}, fmt.Errorf("research: Reset: unknown option %q (the only option is %q)", k, ResetOptionTarget)
		}
		s, ok := v.(string)
		if !ok {
			return nil, env.Info{}, fmt.Errorf("research: Reset: option %q is a %T, want a string naming an experiment", k, v)
		}
		if s != "" {
			target = s
		}
	}
	if seed.Set {
		e.src.Seed(seed.Value, seedStream)
	}
	k := -1
	if target != "" {
		k = slices.Index(e.pool, target)
		if k < 0 {
			return nil, env.Info{}, e.notATarget("Reset option \"target\"", target)
		}
	} else {
		k = e.rng.IntN(len(e.plans))
	}
	p := &e.plans[k]
	e.plan = p
	e.best, e.nTgt = 1, 0
	e.budget = p.budget
	e.hist = e.hist[:0]
	e.obs = e.startObservation(p)
	e.obs.History = e.hist
	e.started, e.ended = true, false
	e.info.Clear()
	e.info.SetNum("regret", 1)
	e.info.Set("target", e.idAny[p.target])
	return &e.obs, e.info, nil
}

// Step runs an action. It returns env.ErrResetNeeded without a live
// episode and env.ErrEpisodeEnded after the episode ended. An action the
// episode cannot take is an error and leaves the episode as it was: an
// experiment outside Observation.Fidelities (in the Extrapolate setting,
// anything but "" or the target), a config the space rejects (an unknown
// or missing knob, a value of the wrong type or out of range; the error
// names each) and, in the MultiFidelity setting, a run dearer than the
// budget left (ErrOverBudget).
func (e *Env) Step(a Action) (env.StepResult[*Observation], error) {
	switch {
	case e.closed:
		return env.StepResult[*Observation]{}, env.ErrClosed
	case !e.started:
		return env.StepResult[*Observation]{}, env.ErrResetNeeded
	case e.ended:
		return env.StepResult[*Observation]{}, env.ErrEpisodeEnded
	}
	if a.Stop {
		e.obs.Step++
		e.ended = true
		e.info.Clear()
		e.setEpisodeInfo()
		return env.StepResult[*Observation]{Obs: &e.obs, Terminated: true, Info: e.info}, nil
	}
	k, err := e.experiment(a.Experiment)
	if err != nil {
		return env.StepResult[*Observation]{}, err
	}
	exp := e.plan.exps[k]
	cand, dist, err := e.match(exp, a.Config)
	if err != nil {
		return env.StepResult[*Observation]{}, err
	}
	reward, err := e.run(exp, cand, dist, a.Config, e.table.Config(exp, cand))
	if err != nil {
		return env.StepResult[*Observation]{}, err
	}
	return e.result(reward), nil
}

// result is the StepResult of the step just made, which earned reward.
func (e *Env) result(reward float64) env.StepResult[*Observation] {
	return env.StepResult[*Observation]{Obs: &e.obs, Reward: reward, Terminated: e.ended, Info: e.info}
}

// stepCandidate is Step with an action that runs candidate cand of the
// episode's allowed experiment k (an index into Observation.Fidelities),
// asked as that very config: what Step does for Action{Experiment:
// Fidelities[k].Experiment, Config: the candidate's config}, without
// resolving the id and the config again. It returns the reward; the rest
// of the StepResult is e.result(reward). The numeric view steps through
// it.
func (e *Env) stepCandidate(k, cand int) (float64, error) {
	switch {
	case e.closed:
		return 0, env.ErrClosed
	case !e.started:
		return 0, env.ErrResetNeeded
	case e.ended:
		return 0, env.ErrEpisodeEnded
	case k < 0 || k >= len(e.plan.exps):
		return 0, fmt.Errorf("research: experiment %d of the episode's %d", k, len(e.plan.exps))
	}
	exp := e.plan.exps[k]
	cfgs := e.table.Configs(exp)
	if cand < 0 || cand >= len(cfgs) {
		return 0, fmt.Errorf("research: config %d of experiment %q, which has %d", cand, e.cur.fids[exp].Experiment, len(cfgs))
	}
	return e.run(exp, cand, 0, cfgs[cand], cfgs[cand])
}

// run makes the run of config cand of experiment exp (the config run),
// asked as the config asked at distance dist from it, for Step, and
// returns its reward.
func (e *Env) run(exp, cand int, dist float64, asked, run spaces.Config) (float64, error) {
	out := e.table.Outcome(exp, cand)
	if e.opts.Setting == MultiFidelity && !e.affords(out.CostGPUHours) {
		return 0, &OverBudgetError{
			Experiment: e.cur.fids[exp].Experiment, Config: cand,
			Cost: out.CostGPUHours, BudgetLeft: e.obs.BudgetLeft,
		}
	}

	isTarget := exp == e.plan.target
	regret := e.table.Regret(exp, out.Objective, out.Diverged)
	e.obs.Step++
	e.obs.Spent += out.CostGPUHours
	if e.opts.Setting == MultiFidelity {
		e.obs.BudgetLeft = max(0, e.budget-e.obs.Spent)
	}
	e.hist = append(e.hist, Trial{
		Step:       e.obs.Step,
		Experiment: e.cur.fids[exp].Experiment,
		Target:     isTarget,
		Asked:      asked,
		Run:        run,
		Candidate:  cand,
		Distance:   dist,
		Objective:  out.Objective,
		Diverged:   out.Diverged,
		Cost:       out.CostGPUHours,
	})
	e.obs.History = e.hist
	var reward float64
	if isTarget {
		e.nTgt++
		e.obs.TrialsLeft--
		if regret < e.best {
			reward = e.best - regret
			e.best = regret
		}
	}
	e.ended = e.obs.TrialsLeft <= 0 ||
		(e.opts.Setting == MultiFidelity && !e.affords(e.plan.minCost))

	e.info.Clear()
	e.setEpisodeInfo()
	e.info.SetNum("trial_regret", regret)
	e.info.SetNum("cost", out.CostGPUHours)
	e.info.SetNum("distance", dist)
	e.info.Set("asked", asked)
	e.info.Set("run", run)
	e.info.Set("experiment", e.idAny[exp])
	return reward, nil
}

// setEpisodeInfo records the episode's running numbers in e.info.
func (e *Env) setEpisodeInfo() {
	e.info.SetNum("regret", e.best)
	e.info.SetNum("spent", e.obs.Spent)
	if e.opts.Setting == MultiFidelity {
		e.info.SetNum("budget_left", e.obs.BudgetLeft)
	}
	e.info.SetNum("trials_left", float64(e.obs.TrialsLeft))
	e.info.SetNum("target_trials", float64(e.nTgt))
}

// affords reports whether the budget left pays for a run of the given cost.
func (e *Env) affords(cost float64) bool {
	return e.obs.Spent+cost <= e.budget*(1+budgetSlack)
}

// experiment resolves an action's experiment id to its position in the
// episode's allowed experiments.
func (e *Env) experiment(id string) (int, error) {
	last := len(e.plan.exps) - 1
	if id == "" {
		return last, nil
	}
	for k := range e.plan.fids {
		if e.plan.fids[k].Experiment == id {
			return k, nil
		}
	}
	target := e.plan.fids[last].Experiment
	if e.opts.Setting == Extrapolate {
		return -1, fmt.Errorf("research: Action.Experiment is %q, but the extrapolate setting runs only the target: want \"\" or %q", id, target)
	}
	ids := make([]string, len(e.plan.fids))
	for k, f := range e.plan.fids {
		ids[k] = f.Experiment
	}
	return -1, fmt.Errorf("research: Action.Experiment is %q, which this episode cannot run: want \"\" (the target) or one of %s", id, strings.Join(ids, ", "))
}

// match finds the config of experiment exp nearest to c: c itself when it
// is one of exp's configs, at distance 0, else the candidate nearest in
// the space's encoding.
func (e *Env) match(exp int, c spaces.Config) (int, float64, error) {
	if j, ok := e.table.Lookup(exp, c); ok {
		return j, 0, nil
	}
	if err := e.meta.Space.Encode(c, e.point); err != nil {
		return -1, 0, fmt.Errorf("research: Action.Config for experiment %q: %w", e.cur.fids[exp].Experiment, err)
	}
	j, dist := e.table.Candidates(exp).Nearest(e.point)
	if j < 0 {
		return -1, 0, fmt.Errorf("research: Action.Config for experiment %q does not encode to a finite point", e.cur.fids[exp].Experiment)
	}
	return j, dist, nil
}

// startObservation is the observation that starts an episode of plan p,
// before any trial; its History is nil.
func (e *Env) startObservation(p *episodePlan) Observation {
	return Observation{
		Task:          e.meta.Task,
		Setting:       e.opts.Setting,
		Space:         e.meta.Space,
		Objective:     e.meta.Objective,
		Direction:     e.meta.Direction,
		Target:        e.cur.fids[p.target],
		TargetConfigs: e.table.Configs(p.target),
		Fidelities:    p.fids,
		Context:       p.context,
		TrialsLeft:    e.opts.Trials,
		BudgetLeft:    p.budget,
	}
}
