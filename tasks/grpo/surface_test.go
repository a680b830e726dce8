package grpo

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The default surface under the names the tests of the model use.
var (
	defaultSurface = DefaultSurface()
	datasetModels  = []datasetModel{defaultSurface.dataset(0), defaultSurface.dataset(1)}
	klBest         = defaultSurface.KLBest
	clipBest       = defaultSurface.ClipBest
)

func optimalLR(params float64) float64 { return defaultSurface.OptimalLR(params) }

func collapseProb(params float64, k knobs) float64 { return defaultSurface.collapseProb(params, k) }

func TestSurfaceValidate(t *testing.T) {
	require.NoError(t, DefaultSurface().Validate())
	s := DefaultSurface()
	s.LRWidth = 0
	s.CollapseFloor = 2
	s.Datasets = s.Datasets[:1]
	err := s.Validate()
	require.Error(t, err)
	for _, field := range []string{"LRWidth", "CollapseFloor", "Datasets"} {
		assert.Contains(t, err.Error(), field)
	}
	opts := DefaultGenOptions()
	opts.Surface.KLBest = -1
	_, err = Generate(opts)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "KLBest")
}

func TestSurfaceMovesTheOptimum(t *testing.T) {
	opts := DefaultGenOptions()
	opts.Configs = 400
	opts.EvalNoise = false
	opts.RunNoise = 0
	opts.Surface.LRAt1B *= 10
	tb, err := Generate(opts)
	require.NoError(t, err)
	defer tb.Release()
	// The best config of every experiment sits near the moved optimum.
	for _, e := range tb.Experiments() {
		best, bestLR := -1.0, 0.0
		for c := range tb.NumConfigs(e.Index) {
			if o := tb.Outcome(e.Index, c); !o.Diverged && o.Objective > best {
				best, bestLR = o.Objective, tb.Config(e.Index, c)[LR].(float64)
			}
		}
		want := opts.Surface.OptimalLR(e.Fidelity[FidParams].(float64))
		assert.InDelta(t, 0, math.Log10(bestLR/want), 0.6, "%s: best lr %.3g, optimum %.3g", e.ID, bestLR, want)
	}
}
