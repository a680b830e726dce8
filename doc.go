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
// Importing this package registers the built-in tasks (tasks/builtin) with
// package research and their env ids (see [BuiltinIDs]).
//
// # Layout
//
// Each concern has one place, and dependencies point one way. spaces (the
// configuration space), env (the Env contract, wrappers, vectors,
// registry, checker; the envs env/toy and env/research) and nn (networks,
// heads, Adam, checkpoints) are the core. tasks is the outcome table in
// memory with CSV; tasks/tablefile its Arrow and Parquet files;
// tasks/pretrain, arch, mixture and grpo the four tasks with their defaults
// and importers; tasks/builtin their list. fidelity fits and curates across
// scales; env/research is the decision process over any table and its
// views; prior draws whole worlds of a task. policy holds the Policy contract, the
// baselines, the oracle teacher and the adapter of trained networks;
// policy/agent the meta-trained agent; policy/llm the language-model
// agent. rl holds the learners (PPO, GRPO, behaviour
// cloning) for any vector env, rl/simulate teacher trajectories and DAgger
// on the research env. eval scores policies (eval/report writes its
// Parquet and plots), advise turns it all into a
// recommendation for a practitioner's own runs, transcript and server
// serve language models, and cmd/ and examples/ are the programs. internal/
// holds what the programs share (atomic files, progress lines, Parquet and
// plot output, the real-data paths) and internal/kernel the vector kernels
// under nn and the GP baselines, which keep the bits of the scalar code.
package gym
