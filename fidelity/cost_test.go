package fidelity_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/fidelity"
)

func TestTrainingHours(t *testing.T) {
	a := fidelity.DefaultAccelerator()
	require.NoError(t, a.Validate())
	// 6 · 1e9 · 1e11 = 6e20 FLOPs at 989e12·0.4 FLOP/s.
	want := 6e20 / (989e12 * 0.4) / 3600
	assert.InEpsilon(t, want, a.TrainingHours(1e9, 1e11), 1e-12)
	assert.InEpsilon(t, want/3, a.InferenceHours(1e9, 1e11), 1e-12)
	assert.InEpsilon(t, 6e20, fidelity.TrainingFLOPs(1e9, 1e11), 1e-12)
	assert.InEpsilon(t, 2e20, fidelity.InferenceFLOPs(1e9, 1e11), 1e-12)

	// Doubling utilisation halves the hours.
	fast := a
	fast.Utilisation = 0.8
	assert.InEpsilon(t, want/2, fast.TrainingHours(1e9, 1e11), 1e-12)

	got, err := a.TrainingCost(1e9, 1e11)
	require.NoError(t, err)
	assert.InEpsilon(t, want, got, 1e-12)
	assert.Contains(t, a.CostSource(), "989 TFLOP/s")
	assert.Contains(t, a.CostSource(), "40% utilisation")
}

func TestTrainingHoursInvalid(t *testing.T) {
	good := fidelity.DefaultAccelerator()
	cases := []struct {
		name           string
		acc            fidelity.Accelerator
		params, tokens float64
		msg            string
	}{
		{"zero params", good, 0, 1e9, "parameter count 0"},
		{"negative tokens", good, 1e9, -1, "token count -1"},
		{"NaN params", good, math.NaN(), 1e9, "parameter count NaN"},
		{"infinite tokens", good, 1e9, math.Inf(1), "token count +Inf"},
		{"zero peak", fidelity.Accelerator{Name: "x", Utilisation: 0.5}, 1e9, 1e9, "peak FLOP/s 0"},
		{"utilisation above one", fidelity.Accelerator{Name: "x", PeakFLOPS: 1e15, Utilisation: 1.5}, 1e9, 1e9, "utilisation 1.5"},
		{"NaN utilisation", fidelity.Accelerator{Name: "x", PeakFLOPS: 1e15, Utilisation: math.NaN()}, 1e9, 1e9, "utilisation NaN"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.True(t, math.IsNaN(c.acc.TrainingHours(c.params, c.tokens)))
			_, err := c.acc.TrainingCost(c.params, c.tokens)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.msg)
		})
	}
	assert.True(t, math.IsNaN(good.Hours(-1)))
	assert.True(t, math.IsNaN(fidelity.InferenceFLOPs(0, 1)))
}
