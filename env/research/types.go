package research

import (
	"github.com/autollmresearch/gym/spaces"
	"github.com/autollmresearch/gym/tasks"
)

// Setting selects the decision process.
type Setting uint8

// The settings.
const (
	// Extrapolate gives lower-fidelity results as free context and K trials
	// at the target fidelity.
	Extrapolate Setting = iota + 1
	// MultiFidelity lets the agent pick the fidelity of every run, paying
	// GPU hours from a budget.
	MultiFidelity
)

// Split selects which experiments episodes target.
type Split uint8

// The splits.
const (
	// Train targets the medium fidelities of the train split; context and
	// probes come from the fidelities below the target, all in the train
	// split.
	Train Split = iota + 1
	// Test targets the held-out high-fidelity experiments.
	Test
)

// Options configure an Env. The zero value of every field means its
// documented default.
type Options struct {
	// Setting is the decision process; default Extrapolate.
	Setting Setting
	// Split is the split targets are drawn from; default Train.
	Split Split
	// Trials is K, the number of target-fidelity trials an episode may
	// spend; default 5, at most MaxTrials.
	Trials int
	// BudgetGPUHours is the multi-fidelity budget; default: Trials times the
	// cost of the target experiment's dearest run, so that K target runs of
	// any config are always affordable and what cheaper runs leave over can
	// go to low-fidelity probes.
	BudgetGPUHours float64
	// Target names one target experiment; default: drawn by seed from the
	// split's targets at every Reset.
	Target string
	// TestFraction is the fraction of each group's fidelity levels, counted
	// from the most expensive and rounded up, held out for testing (see
	// fidelity.SplitOptions); default DefaultTestFraction. The top level is
	// always held out, so a tiny fraction holds out exactly that level.
	TestFraction float64
	// ContextSlots is the number of nearest lower fidelities summarised in
	// the numeric observation; default 4, at most MaxContextSlots.
	ContextSlots int
	// HistorySlots is the number of most recent trials encoded in the
	// numeric observation; default: Trials (Extrapolate) or 16
	// (MultiFidelity); at most MaxHistorySlots.
	HistorySlots int
	// ContextTop is the number of best configs per lower fidelity the text
	// view shows; default 3, at most MaxContextTop.
	ContextTop int
}

// Action is a programmatic agent's move.
type Action struct {
	// Config is the proposed configuration. It need not be a config that was
	// run: it is matched to the nearest candidate of the chosen experiment.
	Config spaces.Config
	// Experiment is, in the MultiFidelity setting, the id of the experiment
	// (fidelity) to run the config at; "" means the target. In the
	// Extrapolate setting it must be "" or the target's id.
	Experiment string
	// Stop ends the episode without running anything.
	Stop bool
}

// Fidelity describes one experiment an agent can see or run: where it sits
// on the fidelity ladder and what a run there costs. It carries no outcomes.
type Fidelity struct {
	// Experiment is the experiment's id.
	Experiment string
	// Coords are the fidelity coordinates by name (float64, or string for a
	// levelled coordinate).
	Coords map[string]any
	// Rank is the experiment's position among the table's distinct fidelity
	// points, 0 = cheapest.
	Rank int
	// Features are the coordinates as numbers in [0, 1]: numeric ones
	// log-scaled and min-max normalised over the table, levelled ones as
	// level index / (levels − 1).
	Features []float64
	// CostPerRun is the median GPU hours of one run.
	CostPerRun float64
	// MinCost and MaxCost are the GPU hours of the cheapest and the dearest
	// run; a run at this experiment is affordable whatever the config when
	// MaxCost is within the budget left.
	MinCost, MaxCost float64
	// Group names the instance the experiment belongs to (its levelled
	// fidelity coordinates other than the first, as "name=value" pairs);
	// "" when the table is a single instance.
	Group string
}

// Trial is one run made during an episode.
type Trial struct {
	// Step is the 1-based step that made the run.
	Step int
	// Experiment is the id of the experiment the run was made at.
	Experiment string
	// Target says whether that experiment is the episode's target.
	Target bool
	// Asked is the config the agent proposed; Run is the nearest candidate
	// that was actually run, at Candidate in the experiment's config list.
	Asked, Run spaces.Config
	// Candidate is Run's index among the experiment's configs.
	Candidate int
	// Distance is the normalised distance between Asked and Run.
	Distance float64
	// Objective is the outcome of the run (seed mean), Diverged whether it
	// blew up, and Cost its GPU hours.
	Objective float64
	Diverged  bool
	Cost      float64
}

// Observation is what a programmatic agent sees. It never contains
// outcomes of the target experiment other than those of the agent's own
// trials. An Observation returned by the env is valid until the next Reset
// or Step; its slices must not be modified.
type Observation struct {
	// Task is the task family, e.g. "pretrain".
	Task string
	// Setting is the decision process in force.
	Setting Setting
	// Space is the task's configuration space.
	Space *spaces.ConfigSpace
	// Objective names the objective metric and Direction says whether it is
	// minimised or maximised.
	Objective string
	Direction tasks.Direction
	// Target is the target experiment.
	Target Fidelity
	// TargetConfigs are the configs that exist at the target (the allowed
	// values), without their outcomes.
	TargetConfigs []spaces.Config
	// Fidelities lists the experiments the agent may run, cheap to
	// expensive, the target last. In the Extrapolate setting it holds only
	// the target.
	Fidelities []Fidelity
	// Context gives the free lower-fidelity results.
	Context *Context
	// History holds this episode's trials, oldest first.
	History []Trial
	// TrialsLeft is the number of target-fidelity trials left.
	TrialsLeft int
	// BudgetLeft is the GPU hours left (MultiFidelity; +Inf in Extrapolate),
	// and Spent the GPU hours spent so far.
	BudgetLeft, Spent float64
	// Step is the number of steps taken so far.
	Step int
}
