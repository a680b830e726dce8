package research

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/fidelity"
	"github.com/autollmresearch/gym/spaces"
	"github.com/autollmresearch/gym/tasks"
	"github.com/autollmresearch/gym/tasks/pretrain"
)

// scaledPretrain builds a pretrain-shaped table of cells (N, D) cells with
// an lrs x bss grid of configs each, laid log-uniformly around the Step
// Law optimum of the cell, with outcomes from the default model (no noise,
// divergence where the model's probability exceeds one half). It measures
// how the env scales with experiments and with configs per experiment.
func scaledPretrain(tb testing.TB, cells, lrs, bss int) *tasks.Table {
	tb.Helper()
	def, err := pretrain.Default()
	require.NoError(tb, err)
	m := pretrain.DefaultModel()
	acc := fidelity.DefaultAccelerator()
	bld, err := tasks.NewBuilder(def.Meta())
	require.NoError(tb, err)
	ratios := []float64{10, 30, 100, 300}
	sizes := cells / len(ratios)
	for i := range sizes {
		n := 1e8 * math.Pow(70, float64(i)/float64(max(sizes-1, 1)))
		for _, ratio := range ratios {
			d := n * ratio
			lr0, bs0 := m.OptimalLR(n, d), m.OptimalBatch(n, d)
			id := fmt.Sprintf("N%d-D%g", i, ratio)
			for a := range lrs {
				lr := lr0 * math.Pow(2, 3*(float64(a)/float64(max(lrs-1, 1))-0.5)*2)
				for c := range bss {
					bs := bs0 * math.Pow(2, 2.5*(float64(c)/float64(max(bss-1, 1))-0.5)*2)
					loss, _ := m.Loss(n, d, lr, bs)
					bld.Add(tasks.Row{
						Experiment:   id,
						Fidelity:     map[string]any{pretrain.Compute: fidelity.TrainingFLOPs(n, d), pretrain.Params: n, pretrain.Tokens: d},
						Config:       spaces.Config{pretrain.LR: lr, pretrain.BS: bs},
						Metrics:      map[string]float64{pretrain.Loss: loss, pretrain.FinalLoss: loss},
						CostGPUHours: acc.TrainingHours(n, d),
						Diverged:     m.DivergeProbability(n, d, lr) > 0.5,
					})
				}
			}
		}
	}
	t, err := bld.Build()
	require.NoError(tb, err)
	tb.Cleanup(t.Release)
	return t
}

// BenchmarkNewScaled builds an env over tables of 24, 240 and 2,400
// experiments of 120 configs each: New should grow linearly.
func BenchmarkNewScaled(b *testing.B) {
	for _, cells := range []int{24, 240, 2400} {
		b.Run(fmt.Sprint(cells), func(b *testing.B) {
			tbl := scaledPretrain(b, cells, 12, 10)
			// A first env builds the table's lazily encoded candidates.
			if _, err := New(tbl, Options{}); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := New(tbl, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkNumericStepScaled is BenchmarkNumericStep on tables of 24
// cells with 1x, 10x and 100x the default's 120 configs per experiment:
// the nearest-config search should not grow linearly.
func BenchmarkNumericStepScaled(b *testing.B) {
	for _, g := range []struct {
		name     string
		lrs, bss int
	}{{"1x", 12, 10}, {"10x", 40, 30}, {"100x", 120, 100}} {
		b.Run(g.name, func(b *testing.B) {
			e, err := New(scaledPretrain(b, 24, g.lrs, g.bss), Options{})
			require.NoError(b, err)
			n, err := NewNumeric(e)
			require.NoError(b, err)
			step := numericStepper(b, n)
			b.ReportAllocs()
			for b.Loop() {
				step()
			}
		})
	}
}
