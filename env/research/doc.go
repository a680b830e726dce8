// Package research is the configuration-research environment: a long-horizon,
// budgeted, multi-fidelity decision process over an outcome table.
//
// An episode is one target experiment at a high fidelity. The agent proposes
// configurations (and, in the multi-fidelity setting, the fidelity to run
// them at); the environment matches each proposal to the nearest config that
// was actually run, looks its outcome up in the table, charges its GPU hours
// and records it. The reward at each step is the improvement of the
// best-so-far normalised regret at the target fidelity, which starts at 1
// ("nothing found"), so an episode's return is 1 − final regret.
//
// Two settings are options of the same env:
//
//   - Extrapolate (the default): the outcomes of the task's lower-fidelity
//     experiments are free context, and the agent has K target-fidelity
//     trials (default 5).
//   - MultiFidelity: the agent chooses, at each step, a config and the
//     fidelity to run it at, paying each run's GPU hours from a budget, and
//     may stop.
//
// Agents see the episode through one of several views of the same env:
// [Env] itself for programmatic agents (Observation / Action structs),
// [Numeric] and [Discrete] for neural agents (fixed-size vectors), and
// [Text] for language models (a prompt in, a JSON answer out).
//
// Experiments are curated into a train split (low and medium fidelities) and
// a held-out test split (by default the top quarter of each group's
// fidelity levels, see DefaultTestFraction); an episode drawn from the train
// split can never reach a test experiment. Experiments form one group when
// they agree on every levelled fidelity coordinate other than the first
// (grpo's dataset, for example); context and probes stay inside the target's
// group.
//
// In the MultiFidelity setting a run the budget cannot pay for is refused
// with [ErrOverBudget] (check Fidelity.MaxCost first); the default budget is
// K runs of the target's dearest config.
//
// The package knows no task by name: New plays any table. Tasks are
// registered with RegisterTask (the root package gym registers the
// module's four, listed in package tasks/builtin); RegisterBuiltins then
// registers one id per task over its embedded default (pretrain/steplaw-v0,
// arch/hwgpt-v0, mixture/admire-v0, grpo/synthetic-v0) and RegisterViews
// their -numeric-v0, -discrete-v0 and -text-v0 views, and NewFromOptions
// builds a task's env by name. The option "table" runs the same env over
// any table file tasks.ReadFile can read, such as an imported real one.
package research
