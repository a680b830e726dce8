// Package policy holds agents for the research env: the [Policy] interface
// and the classical baselines a researcher would otherwise use — random
// search, best-low-fidelity transfer, scaling-law extrapolation, successive
// halving and Hyperband across fidelities, Gaussian-process expected
// improvement with and without a low-fidelity warm start, and a
// tree-structured Parzen estimator (TPE).
package policy
