// Package gym is the front door of LLMConfig-Gym: environments in which an
// agent configures an expensive LLM experiment (architecture, pretraining
// learning rate and batch size, GRPO hyperparameters, data mixture) by
// learning from cheap low-fidelity runs and extrapolating to the expensive
// one.
//
// Make builds a registered environment by id, MakeVec builds a vector of
// them, Register adds your own, and List shows what is registered:
//
//	e, err := gym.Make[[]float64, int]("toy/grid-search-v0", nil)
//
// The contract every environment follows is [env.Env]; the spaces its
// observations and actions live in are in package spaces; the outcome
// tables behind the configuration tasks are in package tasks.
//
// Importing this package registers the built-in ids (see [BuiltinIDs]).
package gym
