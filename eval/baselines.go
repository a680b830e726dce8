package eval

import "github.com/autollmresearch/gym/policy"

// Baselines returns the classical baselines every evaluation compares
// against, in report order: random search, best-low-fidelity transfer,
// scaling-law extrapolation, successive halving, Hyperband, the
// tree-structured Parzen estimator, and GP expected improvement without and
// with a low-fidelity warm start, each with its default options.
func Baselines() []NamedFactory {
	return []NamedFactory{
		{Name: "random", New: func() policy.Policy { return policy.NewRandom() }},
		{Name: "transfer", New: func() policy.Policy { return policy.NewTransfer() }},
		{Name: "scaling-law", New: func() policy.Policy { return policy.NewScalingLaw(policy.ScalingLawOptions{}) }},
		{Name: "successive-halving", New: func() policy.Policy { return policy.NewSuccessiveHalving(policy.SuccessiveHalvingOptions{}) }},
		{Name: "hyperband", New: func() policy.Policy { return policy.NewHyperband(policy.HyperbandOptions{}) }},
		{Name: "tpe", New: func() policy.Policy { return policy.NewTPE(policy.TPEOptions{}) }},
		{Name: "gp-ei", New: func() policy.Policy { return policy.NewGP(policy.GPOptions{}) }},
		{Name: "gp-ei-warm", New: func() policy.Policy { return policy.NewGP(policy.GPOptions{WarmStart: true}) }},
	}
}
