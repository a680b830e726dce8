package fidelity

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
)

// Experiment is what curation needs to know about an experiment: its id, the
// instance it belongs to and its position on that instance's fidelity
// ladder.
type Experiment struct {
	// ID identifies the experiment; ids are unique.
	ID string
	// Group is the instance: experiments in the same group differ only in
	// fidelity (for example all cells of one pretraining grid, or all model
	// sizes trained on one dataset).
	Group string
	// Rank is the position on the fidelity ladder; larger is more
	// expensive. Experiments of a group with equal ranks share a level.
	Rank float64
}

// SplitOptions controls Curate. The zero value holds out the top fidelity of
// every group as the test set and trains on everything cheaper.
type SplitOptions struct {
	// TestFraction is the fraction of each group's distinct ranks, counted
	// from the most expensive, that form the test set, rounded up; at least
	// the top rank is always held out. It must be in [0, 1).
	TestFraction float64
	// ValidationFraction is the fraction of each group's distinct ranks,
	// taken just below the test ranks, that form the validation set,
	// rounded up. Zero means no validation set. It must be in [0, 1).
	ValidationFraction float64
}

// Split is a partition of experiment ids into training, validation and
// test sets. Within each group every test experiment is strictly more
// expensive than every validation one, and every validation experiment
// strictly more expensive than every training one.
type Split struct {
	// Train holds the low and medium fidelities an agent may learn from.
	Train []string
	// Validation holds the fidelities just below the test ones, if asked
	// for.
	Validation []string
	// Test holds the held-out high fidelities.
	Test []string
}

// Contains reports whether id is in any part of the split.
func (s Split) Contains(id string) bool {
	return s.IsTrain(id) || s.IsValidation(id) || s.IsTest(id)
}

// IsTrain reports whether id is in the training set.
func (s Split) IsTrain(id string) bool { return slices.Contains(s.Train, id) }

// IsValidation reports whether id is in the validation set.
func (s Split) IsValidation(id string) bool { return slices.Contains(s.Validation, id) }

// IsTest reports whether id is in the test set.
func (s Split) IsTest(id string) bool { return slices.Contains(s.Test, id) }

// Curate splits experiments by fidelity. Within every group it sorts the
// distinct ranks, sends the top ceil(TestFraction·levels) of them (at least
// one) to the test set, the next ceil(ValidationFraction·levels) to the
// validation set, and the remaining cheaper ones to the training set.
// Each part lists ids by group, then rank, then id, so the result does not
// depend on the order of exps.
//
// Curate returns an error for an empty input, an empty or repeated id, a
// rank that is NaN or infinite, fractions outside [0, 1), a group with a
// single rank, or a group whose ranks would leave nothing to train on.
func Curate(exps []Experiment, opts SplitOptions) (Split, error) {
	if len(exps) == 0 {
		return Split{}, errors.New("fidelity: curate: no experiments")
	}
	if !(opts.TestFraction >= 0 && opts.TestFraction < 1) {
		return Split{}, fmt.Errorf("fidelity: curate: test fraction %g must be in [0, 1)", opts.TestFraction)
	}
	if !(opts.ValidationFraction >= 0 && opts.ValidationFraction < 1) {
		return Split{}, fmt.Errorf("fidelity: curate: validation fraction %g must be in [0, 1)", opts.ValidationFraction)
	}
	seen := make(map[string]bool, len(exps))
	var errs []error
	for i, e := range exps {
		switch {
		case e.ID == "":
			errs = append(errs, fmt.Errorf("experiment %d: empty id", i))
		case seen[e.ID]:
			errs = append(errs, fmt.Errorf("experiment %d: id %q given twice", i, e.ID))
		}
		seen[e.ID] = true
		if math.IsNaN(e.Rank) || math.IsInf(e.Rank, 0) {
			errs = append(errs, fmt.Errorf("experiment %q: rank %g must be finite", e.ID, e.Rank))
		}
	}
	if len(errs) > 0 {
		return Split{}, fmt.Errorf("fidelity: curate: %w", errors.Join(errs...))
	}

	sorted := slices.Clone(exps)
	slices.SortFunc(sorted, func(a, b Experiment) int {
		return cmp.Or(cmp.Compare(a.Group, b.Group), cmp.Compare(a.Rank, b.Rank), cmp.Compare(a.ID, b.ID))
	})
	var s Split
	for start := 0; start < len(sorted); {
		end := start
		for end < len(sorted) && sorted[end].Group == sorted[start].Group {
			end++
		}
		group := sorted[start:end]
		start = end

		var levels []float64
		for _, e := range group {
			if len(levels) == 0 || levels[len(levels)-1] != e.Rank {
				levels = append(levels, e.Rank)
			}
		}
		n := len(levels)
		if n < 2 {
			errs = append(errs, fmt.Errorf("group %q has a single fidelity rank %g; a split needs at least two", group[0].Group, levels[0]))
			continue
		}
		nTest := max(1, int(math.Ceil(opts.TestFraction*float64(n))))
		nVal := int(math.Ceil(opts.ValidationFraction * float64(n)))
		if nTest+nVal >= n {
			errs = append(errs, fmt.Errorf("group %q: %d test and %d validation ranks leave none of its %d ranks to train on", group[0].Group, nTest, nVal, n))
			continue
		}
		testFrom := levels[n-nTest]
		valFrom := levels[n-nTest-nVal]
		for _, e := range group {
			switch {
			case e.Rank >= testFrom:
				s.Test = append(s.Test, e.ID)
			case e.Rank >= valFrom:
				s.Validation = append(s.Validation, e.ID)
			default:
				s.Train = append(s.Train, e.ID)
			}
		}
	}
	if len(errs) > 0 {
		return Split{}, fmt.Errorf("fidelity: curate: %w", errors.Join(errs...))
	}
	return s, nil
}
