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
// tables behind the configuration tasks are in package tasks, and package
// prior generates whole tables of each task's worlds. Package policy holds
// the classical baselines and policy/agent the research agent
// meta-trained on those worlds (agent.Pretrained embeds one per task);
// package eval scores policies on held-out experiments, and the commands
// under cmd/ (scoreboard, prior, agent, gym-server) and examples/ (the
// pipeline first) put it all to work.
//
// Importing this package registers the built-in ids (see [BuiltinIDs]).
package gym
