package prior

import (
	"math"

	"github.com/autollmresearch/gym/spaces"
	"github.com/autollmresearch/gym/tasks"
)

// MixtureStatistics are the prior-predictive statistics of a data-mixture
// table: how well the mixtures' ranking carries across model sizes, how
// far the best mixture stands above the typical one, and how many sources
// the best mixtures use.
func MixtureStatistics() []Statistic {
	return []Statistic{
		{"spearman_adjacent", "mean Spearman correlation of the objective between consecutive model sizes, over the mixtures both ran", SpearmanAdjacent},
		{"spearman_to_target", "Spearman correlation of the objective between the smallest and the largest model, over the mixtures both ran", SpearmanToTarget},
		{"best_median_gap", "(best − median)/(best − worst) of the objective, averaged over model sizes", BestMedianGap},
		{"effective_sources", "exp(entropy) of the best mixture, averaged over model sizes: how many sources it effectively uses", EffectiveSources},
		{"effective_sources_share", "effective_sources divided by the number of sources", EffectiveSourcesShare},
	}
}

// simplexDim returns the table's first simplex dimension.
func simplexDim(t *tasks.Table) (spaces.Dim, bool) {
	for _, d := range t.Meta().Space.Dims() {
		if d.Kind == spaces.Simplex {
			return d, true
		}
	}
	return spaces.Dim{}, false
}

// EffectiveSources is exp(H) of each experiment's best mixture, H the
// entropy of its weights, averaged over experiments: 1 for a single
// source, the number of sources for the uniform mixture. NaN for a table
// without a simplex knob.
func EffectiveSources(t *tasks.Table) float64 {
	d, ok := simplexDim(t)
	if !ok {
		return math.NaN()
	}
	var sum float64
	n := 0
	for e := range t.NumExperiments() {
		b := best(t, e)
		if b < 0 {
			continue
		}
		w, ok := t.Config(e, b)[d.Name].([]float64)
		if !ok {
			continue
		}
		var h float64
		for _, x := range w {
			if x > 0 {
				h -= x * math.Log(x)
			}
		}
		sum += math.Exp(h)
		n++
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

// EffectiveSourcesShare is EffectiveSources divided by the number of
// sources.
func EffectiveSourcesShare(t *tasks.Table) float64 {
	d, ok := simplexDim(t)
	if !ok {
		return math.NaN()
	}
	return EffectiveSources(t) / float64(len(d.Parts))
}
