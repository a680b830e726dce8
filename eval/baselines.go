package eval

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/autollmresearch/gym/policy"
)

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

// SelectBaselines returns the baselines named in list (comma-separated,
// blanks ignored), in list order; an empty list selects them all. Unknown
// or repeated names are errors that list the known ones.
func SelectBaselines(list string) ([]NamedFactory, error) {
	all := Baselines()
	var known []string
	for _, b := range all {
		known = append(known, b.Name)
	}
	var out []NamedFactory
	var errs []error
	seen := map[string]bool{}
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		i := slices.Index(known, name)
		switch {
		case i < 0:
			errs = append(errs, fmt.Errorf("unknown policy %q (want some of %s)", name, strings.Join(known, ", ")))
		case seen[name]:
			errs = append(errs, fmt.Errorf("policy %q is listed twice", name))
		default:
			seen[name] = true
			out = append(out, all[i])
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(out) == 0 && len(seen) == 0 {
		return all, nil
	}
	return out, nil
}
