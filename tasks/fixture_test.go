package tasks

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/spaces"
)

// testSpace has one dimension of every kind.
func testSpace() *spaces.ConfigSpace {
	return spaces.MustConfigSpace(
		spaces.LogDim("lr", 1e-5, 1e-1),
		spaces.LinearDim("clip", 0.1, 0.5),
		spaces.IntDim("layers", 2, 48),
		spaces.CategoricalDim("opt", "adam", "sgd", "lion"),
		spaces.SimplexDim("mix", "web", "code", "math"),
	)
}

// testMeta declares a numeric and a level fidelity and three metrics.
func testMeta() Meta {
	return Meta{
		Task:  "toy",
		Space: testSpace(),
		Fidelity: []FidelityColumn{
			{Name: "model", Levels: []string{"S", "M", "L"}},
			{Name: "tokens"},
		},
		Metrics:    []string{"loss", "acc", "ppl"},
		Objective:  "loss",
		Direction:  Minimize,
		Provenance: Synthetic,
		CostSource: "estimated: 6ND FLOPs at 40% MFU",
		Source:     "tasks package tests",
		Citation:   "none, \"quoted\" on purpose",
		Licence:    "CC0-1.0",
	}
}

// testExperiments lists the experiments of testRows in the order they are
// added, with their fidelity; cheap-to-expensive order is e3, e1, e4, e2, e0.
var testExperiments = []struct {
	id     string
	model  string
	tokens float64
}{
	{"toy-L-2e9", "L", 2e9},
	{"toy-M-1e9", "M", 1e9},
	{"toy-M-3e8", "M", 3e8},
	{"toy-S-1e8", "S", 1e8},
	{"toy-M-1e9-b", "M", 1e9},
}

// testConfig returns config k of a small fixed grid, with awkward values
// (tiny, large, fractional) to exercise exact round trips.
func testConfig(k int) spaces.Config {
	lrs := []float64{1e-5, 3.1622776601683795e-4, 0.0021, 1e-1}
	mixes := [][]float64{{1, 0, 0}, {0.2, 0.3, 0.5}, {1.0 / 3, 1.0 / 3, 1.0 / 3}, {0.1, 0.7, 0.2}}
	return spaces.Config{
		"lr":     lrs[k%4],
		"clip":   0.1 + 0.1*float64(k%5),
		"layers": 2 + 5*k,
		"opt":    []string{"adam", "sgd", "lion"}[k%3],
		"mix":    mixes[k%4],
	}
}

// testRows builds 5 experiments x 4 configs x 2 seeds. Config 3 diverges in
// both seeds, config 2 in seed 1 only.
func testRows() []Row {
	var rows []Row
	for e, ex := range testExperiments {
		for k := range 4 {
			for seed := int64(0); seed < 2; seed++ {
				div := k == 3 || (k == 2 && seed == 1)
				loss := 2 + float64(e)/10 + math.Abs(float64(k)-1.2) + float64(seed)*0.01
				if div {
					loss = 9 + float64(seed)
				}
				rows = append(rows, Row{
					Experiment:   ex.id,
					Fidelity:     map[string]any{"model": ex.model, "tokens": ex.tokens},
					Config:       testConfig(k + e),
					Metrics:      map[string]float64{"loss": loss, "acc": 1 / loss, "ppl": math.Exp(loss)},
					CostGPUHours: ex.tokens / 1e9 * (1 + float64(k)/3),
					Diverged:     div,
					Seed:         seed,
				})
			}
		}
	}
	return rows
}

func buildTable(tb testing.TB, meta Meta, rows []Row) (*Table, error) {
	tb.Helper()
	b, err := NewBuilder(meta)
	require.NoError(tb, err)
	for _, r := range rows {
		b.Add(r)
	}
	return b.Build()
}

func testTable(tb testing.TB) *Table {
	tb.Helper()
	t, err := buildTable(tb, testMeta(), testRows())
	require.NoError(tb, err)
	tb.Cleanup(t.Release)
	return t
}
