// Package rl holds the project's learners: proximal policy optimisation
// ([PPO]), group relative policy optimisation for multi-turn episodes
// ([GRPO]: groups of episodes from one reset, trajectory-level
// group-normalised advantages, a clipped ratio and a k3 KL penalty to a
// frozen reference, no critic) and behaviour cloning ([TrainBC]). It
// depends on env, spaces and nn alone, so it trains on any env with vector
// observations; teacher trajectories over the research env live in
// rl/simulate, the policies that play a trained network in package policy
// (policy.NewNeuralFactory), and learning-curve plots are drawn from the
// [Logger]'s CSV. PPO is for envs with vector observations, over the
// networks, heads and optimiser of package nn, together with what a
// training loop needs around it: rollout collection over an env.Vector
// into a preallocated [Buffer], generalised advantage estimation
// ([Buffer.ComputeGAE]), per-update statistics written as CSV and JSON
// lines ([Logger]), and checkpoints from which a run resumes exactly where
// it stopped.
//
// PPO follows the single-file implementation of CleanRL, step for step:
// separate actor and critic networks, a clipped surrogate objective with an
// optional clipped value loss and an entropy bonus, several epochs of
// shuffled minibatches per rollout, per-minibatch advantage normalisation,
// learning-rate annealing, early stopping on a target KL divergence and
// gradient clipping by global norm. All hyperparameters are in
// [PPOConfig]. Discrete action spaces use a categorical policy (with
// optional action masks), Box action spaces a diagonal Gaussian policy
// with state-independent log standard deviations.
//
// Rollouts are collected from an env.Vector in NextStep autoreset mode
// without allocating: the step that ends an episode reports the final
// observation, whose value bootstraps the return of a truncated episode,
// and the following step, which only restarts the env, is kept out of
// training (see [Buffer]). A whole update allocates nothing once the run
// is set up.
//
// Training is deterministic: the same configuration and seed give the same
// weights, bit for bit, whether the env vector steps its sub-envs in
// sequence or in parallel. A run saves checkpoints every
// PPOConfig.CheckpointEvery updates and restarts its envs at those points,
// so that a run resumed from one ([PPO.Resume]) ends exactly where the
// uninterrupted run ends.
//
// PPO and GRPO are built alike: a config struct of hyperparameters with
// documented defaults and a Validate that names every bad field
// ([PPOConfig], [GRPOConfig]); the same [Options] (a starting actor, such
// as one distilled by TrainBC, action masks, episode metrics, a [Logger],
// progress, checkpoints every CheckpointEvery updates); Update, Train,
// Save and Resume; and statistics ([PPOStats], [GRPOStats]) that log the
// same things under the same names (update, global_step, episodes,
// episode_return, episode_length, policy_loss, entropy, clip_frac,
// approx_kl, grad_norm). They differ only in what they step: PPO collects
// fixed-length rollouts from an env.Vector that steps its envs in
// lockstep and restarts them as episodes end, while GRPO runs whole
// groups of episodes from one reset seed on each of a slice of envs.
//
// The command examples/train_ppo trains PPO on any registered env with
// vector observations and plots its learning curve.
package rl
