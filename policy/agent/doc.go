// Package agent is the meta-trained research agent: a policy that has
// learned, from many generated worlds (package prior), how to pick the
// target runs of an expensive experiment from cheap lower-fidelity ones,
// and that plays any table of its task, including real ones it never saw.
//
// # What it sees
//
// At every step the agent scores each untried config of the target grid
// by features that mean the same on every table of a task, whatever its
// size, grid or fidelity ladder (FeatureNames):
//
//   - the classical estimators' views of the candidate: its distance from
//     the optimum that a power law fitted across the context predicts at the
//     target (and the signed offsets along the numeric knobs), how well
//     that law fits the context and how far the target lies beyond it; its
//     distance from the nearest lower fidelity's optimum; its regret at the
//     nearest and second-nearest lower fidelities (looked up, or estimated
//     from its neighbours there) and averaged over the context; how many of
//     its neighbours diverged; and its rank among the candidates on these;
//   - its own trials so far: how many, how near the candidate lies to them
//     and to the best of them, and the outcomes they suggest at the
//     candidate (a kernel estimate against the best, in units of the
//     context's spread).
//
// Distances are in units of the target grid's typical spacing; outcomes
// are normalised regrets or ranks. A network (an MLP with a linear skip
// path) maps the features to the candidate's predicted distance from the
// best config, √regret, and the agent runs the untried config with the
// lowest prediction. Its choices react to its own trials through the trial
// features, so a surprising outcome moves the next pick.
//
// # How it learns
//
// Train draws Worlds tables from the task's prior and plays their held-out
// targets. In the first round the scaling-law baseline acts; in the later
// rounds the agent being trained (DAgger), with some random exploration.
// Every state's candidates are labelled with their true regret, which the
// teacher may see, and the network is fitted to the aggregated labels by
// Adam on the squared error. FineTune then runs multi-turn GRPO on other
// worlds. Neither reads a real table; FineTune over TableWorlds, for
// measuring how far zero-shot play is from play tuned to a real table's
// own train split, is the one exception, and never touches its held-out
// targets.
//
// # Files
//
// An Agent is saved as one versioned, checksummed file (WriteTo, WriteFile;
// an nn.Checkpoint with the network, the feature standardisation and the
// training record) and read back with Read or ReadFile, which reject files
// of another format or version, or built on other features. The scoreboard
// command evaluates saved agents on real tables:
//
//	go run ./cmd/scoreboard -steplaw dense_lr_bs_loss.csv -agent pretrain.gymagent
//
// A Set holds one agent per task so that one policy can play the tables of
// several tasks.
package agent
