package prior

import (
	"cmp"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/autollmresearch/gym/fidelity"
	"github.com/autollmresearch/gym/tasks"
)

// A Statistic summarises a table in one number, computed the same way on a
// real table and on draws from a prior, so that the two can be compared.
// Of returns NaN when the statistic is undefined for the table (too few
// experiments, say).
type Statistic struct {
	// Name identifies the statistic in reports.
	Name string
	// Doc says what it measures, in a line.
	Doc string
	// Of computes it.
	Of func(t *tasks.Table) float64
}

// Statistics returns the prior-predictive statistics of a task: the
// task's own (PretrainStatistics, MixtureStatistics) or, for any other
// task, the generic ones that every table has.
func Statistics(task string) []Statistic {
	switch task {
	case "pretrain":
		return PretrainStatistics()
	case "mixture":
		return MixtureStatistics()
	}
	return GenericStatistics()
}

// GenericStatistics are defined for any table: how well the configs'
// ranking carries from one fidelity to the next, how far the best config
// stands above the typical one, and how often runs diverge.
func GenericStatistics() []Statistic {
	return []Statistic{
		{"spearman_adjacent", "mean Spearman correlation of the objective between consecutive fidelities, over the configs both ran", SpearmanAdjacent},
		{"best_median_gap", "(best − median)/(best − worst) of the objective, averaged over experiments", BestMedianGap},
		{"diverged_fraction", "fraction of configs that diverged", DivergedFraction},
	}
}

// best returns the index of the experiment's best config that did not
// diverge, or -1.
func best(t *tasks.Table, exp int) int {
	dir := t.Meta().Direction
	b := -1
	var bv float64
	for c := range t.NumConfigs(exp) {
		o := t.Outcome(exp, c)
		if o.Diverged {
			continue
		}
		if b < 0 || dir.Better(o.Objective, bv) {
			b, bv = c, o.Objective
		}
	}
	return b
}

// DivergedFraction is the fraction of the table's configs (seeds
// averaged, see tasks.Outcome) that diverged.
func DivergedFraction(t *tasks.Table) float64 {
	div, all := 0, 0
	for e := range t.NumExperiments() {
		div += t.Stats(e).Diverged
		all += t.NumConfigs(e)
	}
	if all == 0 {
		return math.NaN()
	}
	return float64(div) / float64(all)
}

// BestMedianGap is (best − median)/(best − worst) of each experiment's
// objective over its configs that did not diverge, averaged over the
// experiments where it is defined: near 1 when one config stands far above
// the rest, near 0.5 for a symmetric spread.
func BestMedianGap(t *tasks.Table) float64 {
	var sum float64
	n := 0
	for e := range t.NumExperiments() {
		s := t.Stats(e)
		if s.Count < 3 || s.Best == s.Worst {
			continue
		}
		sum += (s.Best - s.Median) / (s.Best - s.Worst)
		n++
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

// commonObjectives returns the objectives at experiments a and b of the
// configs both ran (matched exactly), neither diverged.
func commonObjectives(t *tasks.Table, a, b int) (xa, xb []float64) {
	for c := range t.NumConfigs(b) {
		ob := t.Outcome(b, c)
		if ob.Diverged {
			continue
		}
		ca, ok := t.Lookup(a, t.Config(b, c))
		if !ok {
			continue
		}
		oa := t.Outcome(a, ca)
		if oa.Diverged {
			continue
		}
		xa, xb = append(xa, oa.Objective), append(xb, ob.Objective)
	}
	return xa, xb
}

// minCommon is the fewest shared configs a rank correlation is taken over.
const minCommon = 5

// SpearmanAdjacent is the mean Spearman correlation of the objective
// between experiments at consecutive fidelity ranks, over the configs both
// ran. Pairs with fewer than five shared configs are skipped; NaN when no
// pair is left.
func SpearmanAdjacent(t *tasks.Table) float64 {
	exps := t.Experiments()
	var sum float64
	n := 0
	for i := range exps {
		for j := i + 1; j < len(exps); j++ {
			if exps[j].Rank != exps[i].Rank+1 {
				continue
			}
			xa, xb := commonObjectives(t, i, j)
			if len(xa) < minCommon {
				continue
			}
			if r, err := fidelity.Spearman(xa, xb); err == nil {
				sum += r
				n++
			}
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

// SpearmanToTarget is the Spearman correlation of the objective between
// the cheapest and the most expensive experiment over the configs both ran;
// NaN when they share fewer than five.
func SpearmanToTarget(t *tasks.Table) float64 {
	n := t.NumExperiments()
	if n < 2 {
		return math.NaN()
	}
	xa, xb := commonObjectives(t, 0, n-1)
	if len(xa) < minCommon {
		return math.NaN()
	}
	r, err := fidelity.Spearman(xa, xb)
	if err != nil {
		return math.NaN()
	}
	return r
}

// lstsq fits y ≈ X·β by least squares and returns β, or nil when X does
// not have full column rank.
func lstsq(x [][]float64, y []float64) []float64 {
	rows, cols := len(x), len(x[0])
	if rows < cols {
		return nil
	}
	a := mat.NewDense(rows, cols, nil)
	for i, r := range x {
		a.SetRow(i, r)
	}
	var qr mat.QR
	qr.Factorize(a)
	var r mat.Dense
	qr.RTo(&r)
	for i := range cols {
		if math.Abs(r.At(i, i)) < 1e-9*math.Max(1, math.Abs(r.At(0, 0))) {
			return nil
		}
	}
	var beta mat.Dense
	if err := qr.SolveTo(&beta, false, mat.NewDense(rows, 1, y)); err != nil {
		return nil
	}
	return mat.Col(nil, 0, &beta)
}

// median returns the median of the finite values of v, or NaN.
func median(v []float64) float64 {
	v = slices.DeleteFunc(slices.Clone(v), func(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) })
	if len(v) == 0 {
		return math.NaN()
	}
	slices.SortFunc(v, cmp.Compare)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}
