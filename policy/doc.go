// Package policy holds agents for the research env: the [Policy] interface
// and the classical baselines a researcher would otherwise use — random
// search, best-low-fidelity transfer, scaling-law extrapolation, successive
// halving and Hyperband across fidelities, and Gaussian-process Bayesian
// optimisation with and without a low-fidelity warm start.
package policy
