// Package env defines the environment contract, [Env], and what builds on
// it: wrappers (TimeLimit, RecordEpisodeStatistics, FlattenObservation,
// NormalizeObservation, TransformReward, OrderEnforcing), [Vector] for many
// envs stepped together with autoreset, the versioned registry (Register,
// Make, MakeVec, List) and [Check], an env checker that reports every fault
// it finds.
//
// The contract follows Gymnasium's: Reset(seed, options) starts an episode,
// Step(action) advances it and reports reward, termination, truncation and
// info. Errors are values: stepping an env in the wrong order or with an
// action outside its space returns an error, never a panic.
package env
