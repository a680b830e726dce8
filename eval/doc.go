// Package eval measures policies on research environments: it runs every
// policy on every target experiment of every env for a number of seeded
// episodes, in parallel, and reports the normalised regret reached after
// each target-fidelity trial together with the GPU hours spent.
//
// [Run] executes a [Spec] over a pool of workers. Every episode's seeds are
// derived from the spec's seed and the episode's identity (env, policy,
// target, episode number), never from the order in which workers pick jobs
// up, so the same spec gives the same [Result] whatever the number of
// workers. A policy that fails ends only its own episode: the error is
// recorded in the episode, counted in the summary and reported in every
// output.
//
// A Result aggregates into a regret-versus-K table ([Result.Summary],
// [Result.WriteMarkdown]) and exports its per-episode rows in long format
// ([Result.WriteCSV], [Result.Record]). Package eval/report writes them as
// Parquet and draws the regret-versus-budget plots, so that this package
// links neither Parquet nor gonum/plot.
package eval
