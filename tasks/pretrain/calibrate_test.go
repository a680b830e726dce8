package pretrain_test

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/fidelity"
	"github.com/autollmresearch/gym/internal/shareddata"
	"github.com/autollmresearch/gym/tasks/pretrain"
)

// TestCalibrationRealData compares the default model with the published
// Step Law runs: per cell, the data's best (lr, bs) against the Step Law
// optimum the model is centred on, the rank correlation of the model's loss
// with the measured loss, and the ratio of the basins' depths.
func TestCalibrationRealData(t *testing.T) {
	tb, err := pretrain.ImportFile(shareddata.Require(t, shareddata.StepLaw))
	require.NoError(t, err)
	cells, err := pretrain.Calibrate(tb, pretrain.DefaultModel())
	require.NoError(t, err)
	require.Len(t, cells, 17)

	var buf bytes.Buffer
	require.NoError(t, pretrain.WriteCalibration(&buf, cells))
	t.Log("\n" + buf.String())

	s := pretrain.Summarize(cells)
	assert.Equal(t, 17, s.Cells)
	assert.GreaterOrEqual(t, s.LRWithin2x, 14, "best lr within 2x of the model's optimum in most cells")
	assert.GreaterOrEqual(t, s.BSWithin2x, 14, "best bs within 2x of the model's optimum in most cells")
	assert.Greater(t, s.MedianSpearman, 0.8, "the model ranks the measured runs well")
	assert.Greater(t, s.MinSpearman, 0.5, "and does so in every cell")

	// The model's basin is about as deep as the data's, at every D: the
	// depth scale neither drifts with D nor strays far from 1.
	var x [][]float64
	var y []float64
	for _, c := range cells {
		require.False(t, math.IsNaN(c.Scale), c.Experiment)
		assert.True(t, c.Scale > 0.5 && c.Scale < 2, "%s: depth scale %.2f", c.Experiment, c.Scale)
		x = append(x, []float64{c.Tokens})
		y = append(y, c.Scale)
	}
	trend, err := fidelity.FitPowerLaw(x, y)
	require.NoError(t, err)
	assert.InDelta(t, 0, trend.Exponents[0], 0.15, "depth scale ∝ D^%.3f; the model's flattening with D should match the data's", trend.Exponents[0])
}

// TestCalibrationDefault checks the calibration against the table the model
// generated: the optimum and the ranking must come back.
func TestCalibrationDefault(t *testing.T) {
	tb, err := pretrain.Default()
	require.NoError(t, err)
	cells, err := pretrain.Calibrate(tb, pretrain.DefaultModel())
	require.NoError(t, err)
	require.Len(t, cells, tb.NumExperiments())
	s := pretrain.Summarize(cells)
	assert.GreaterOrEqual(t, s.LRWithin2x, s.Cells*9/10)
	assert.Greater(t, s.MedianSpearman, 0.95)
	for _, c := range cells {
		assert.InDelta(t, 1, c.Scale, 0.05, c.Experiment)
	}

	var buf bytes.Buffer
	require.NoError(t, pretrain.WriteCalibration(&buf, cells[:2]))
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 2+2+2)
	assert.True(t, strings.HasPrefix(lines[0], "| N | D |"))
	assert.Contains(t, lines[5], "within 2x of the model in")
}

func TestCalibrateErrors(t *testing.T) {
	tb, err := pretrain.Default()
	require.NoError(t, err)
	bad := pretrain.DefaultModel()
	bad.Depth = math.NaN()
	_, err = pretrain.Calibrate(tb, bad)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Depth")
}

func TestSummarize(t *testing.T) {
	cells := []pretrain.CellCalibration{
		{BestLR: 1, ModelLR: 1, BestBS: 3, ModelBS: 1, Spearman: 0.9},
		{BestLR: 2, ModelLR: 1, BestBS: 1, ModelBS: 1, Spearman: 0.5},
		{BestLR: 1, ModelLR: 3, BestBS: 1, ModelBS: 1.9, Spearman: math.NaN()},
		{BestLR: 1, ModelLR: 1.5, BestBS: 1, ModelBS: 1, Spearman: 0.7},
	}
	s := pretrain.Summarize(cells)
	assert.Equal(t, pretrain.CalibrationSummary{Cells: 4, LRWithin2x: 3, BSWithin2x: 3, MedianSpearman: 0.7, MinSpearman: 0.5}, s)
	empty := pretrain.Summarize(nil)
	assert.True(t, math.IsNaN(empty.MedianSpearman))
}
