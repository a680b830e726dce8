// Package advise recommends the next expensive run from a practitioner's
// own small runs: given an outcome table (the canonical schema, or a task
// importer's), the fidelity of the run to plan and how many runs at it they
// can afford (K), it returns the K configs to run, ranked, each with its
// predicted objective and a 90 % interval, and the reasons.
//
// # How the advice is made
//
// The context is every row of the table below the target in the table's
// fidelity order, less the rows at the target's fidelity (they are what the
// practitioner has not run yet: their configs, without their outcomes, form
// the target's candidate grid; without them the grid is every distinct
// config of the context) and less any Request.Holdout leaves out. Runs
// already made at the target are given as Request.Observed (or told to a
// Study); they are never mixed into the context.
//
// A law is fitted across the context cells (Law): each cell's best
// objective, and each numeric knob's best value, as a power law of the
// numeric fidelity coordinates (log10 least squares; standard errors from
// the covariance s²(XᵀX)⁻¹, intervals Student-t). A config's predicted
// outcome at the target is the law's best objective plus the config's
// excess over the optimum in the nearest context cells, each cell's basin
// moved so that its optimum sits where the law puts the target's.
//
// Four estimators then play the target as an episode of the research env:
// the scaling-law, warm-started GP and best-low-fidelity transfer
// baselines of package policy, and the meta-trained agent of
// policy/agent. Untried target configs answer with their predicted outcome
// (a "believer" batch: the K picks of an estimator that reacts to its own
// trials are made as if each earlier pick had come out as predicted), and
// observed ones with what was observed. The recommendations are the picks
// of the estimator that did best in a backtest on the context itself: its
// most expensive cells, each predicted from the cells below it, scored by
// the regret of the first pick (normalised as the env normalises it), then
// of the best of K.
//
// Advice says all of this: the recommendations, the estimator followed and
// why, every estimator's first pick and whether it agrees, the fitted law
// with its exponents and standard errors, how many decades beyond the
// context the target lies (with a warning beyond FarDecades), as text
// (WriteText), JSON with stable field names (WriteJSON) or a picture
// (Plot). Calibrate measures the advice on held-out real targets.
//
// The same request and seed give the same advice, byte for byte.
package advise
