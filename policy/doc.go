// Package policy holds agents for the research env: the [Policy] interface
// and the classical baselines a researcher would otherwise use — random
// search, best-low-fidelity transfer, scaling-law extrapolation, successive
// halving and Hyperband across fidelities, Gaussian-process expected
// improvement with and without a low-fidelity warm start, and a
// tree-structured Parzen estimator (TPE).
//
// Two more policies serve training: [Oracle] reads the target's outcomes
// through its env and runs the best config first, the teacher whose
// trajectories package rl/simulate records; and [NeuralPolicy] plays a
// network trained by package rl on the research env's Numeric view
// ([NewNeuralFactory]).
package policy
