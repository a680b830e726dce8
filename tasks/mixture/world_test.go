package mixture

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/tasks"
)

// smallWorld is a World of 4 sources, 2 skills, 3 benchmarks and 2 sizes.
func smallWorld() *World {
	aff := [][]float64{{1, 0}, {0, 1}, {0.5, 0.5}, {0.1, 0.1}}
	wt := [][]float64{{1, 0}, {0, 1}, {0.5, 0.5}}
	return &World{
		Sources:     []string{"a", "b", "c", "d"},
		Benchmarks:  []Benchmark{{Name: "x"}, {Name: "y"}, {Name: "z", OOD: true}},
		Chance:      []float64{0, 0.25, 0},
		Models:      []string{ModelName(1e8), ModelName(1e9)},
		Mixtures:    []int{30, 10},
		Affinity:    [][][]float64{aff, aff},
		Weight:      [][][]float64{wt, wt},
		Interaction: [][]float64{{0, -0.5, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0.2}, {0, 0, 0, 0}},
		Level:       []float64{0, -1, 0.5},
		Slope:       []float64{0.5, 0.5, 0.5},
		Gain:        []float64{0.3, 0.3, 0.3},
		Alphas:      []float64{0.5, 4},
		Subset:      0.5,
		Noise:       0.05,
	}
}

func TestGenerateWorld(t *testing.T) {
	w := smallWorld()
	tb, err := GenerateWorld(w, 3)
	require.NoError(t, err)
	defer tb.Release()
	md := tb.Meta()
	assert.Equal(t, tasks.Synthetic, md.Provenance)
	assert.Equal(t, Objective, md.Objective)
	assert.Equal(t, tasks.Maximize, md.Direction)
	require.Equal(t, 2, tb.NumExperiments())
	assert.Equal(t, 30, tb.NumConfigs(0))
	assert.Equal(t, 10, tb.NumConfigs(1))
	sparse := 0
	for c := range tb.NumConfigs(0) {
		r := tb.Config(0, c)[Ratio].([]float64)
		zeros := 0
		for _, x := range r {
			if x == 0 {
				zeros++
			}
		}
		if zeros == 2 {
			sparse++
		}
	}
	assert.Greater(t, sparse, 5, "about half the mixtures use half the sources")

	again, err := GenerateWorld(w, 3)
	require.NoError(t, err)
	defer again.Release()
	for c := range tb.NumConfigs(1) {
		assert.Equal(t, tb.Outcome(1, c), again.Outcome(1, c), "same seed, same table")
	}

	w.Minimize = true
	lt, err := GenerateWorld(w, 3)
	require.NoError(t, err)
	defer lt.Release()
	assert.Equal(t, Loss, lt.Meta().Objective)
	assert.Equal(t, tasks.Minimize, lt.Meta().Direction)
	o := lt.Outcome(0, 0)
	assert.InDelta(t, -math.Log(o.Metrics[len(o.Metrics)-2]), o.Objective, 1e-12)
}

func TestWorldValidate(t *testing.T) {
	cases := map[string]func(w *World){
		"Sources":     func(w *World) { w.Sources = w.Sources[:1] },
		"Benchmarks":  func(w *World) { w.Benchmarks[2].OOD = false },
		"Chance":      func(w *World) { w.Chance[1] = 1 },
		"Models[1]":   func(w *World) { w.Models[1] = "big" },
		"Mixtures[1]": func(w *World) { w.Mixtures[1] = 40 },
		"Affinity":    func(w *World) { w.Affinity = w.Affinity[:1] },
		"Interaction": func(w *World) { w.Interaction[0][1] = math.NaN() },
		"Gain":        func(w *World) { w.Gain = w.Gain[:2] },
		"Alphas[0]":   func(w *World) { w.Alphas[0] = 0 },
		"Subset":      func(w *World) { w.Subset = 2 },
		"Noise":       func(w *World) { w.Noise = math.Inf(1) },
	}
	for field, spoil := range cases {
		t.Run(field, func(t *testing.T) {
			w := smallWorld()
			spoil(w)
			_, err := GenerateWorld(w, 1)
			require.Error(t, err)
			assert.Contains(t, err.Error(), field)
		})
	}
}

func TestDefaultIsAWorld(t *testing.T) {
	w, err := newModel(rand.New(rand.NewPCG(1, genStream)), DefaultGenOptions().Shift)
	require.NoError(t, err)
	w.Mixtures = []int{2, 1, 1}
	require.NoError(t, w.Validate())
}

func TestModelNameReadsBack(t *testing.T) {
	for _, n := range []float64{5e4, 3.5e7, 1.23e8, 7e9, 1.5e11} {
		got, err := ModelParams(ModelName(n))
		require.NoError(t, err, ModelName(n))
		assert.InEpsilon(t, n, got, 0.005, ModelName(n))
	}
	w := smallWorld()
	w.Models[0], w.Models[1] = w.Models[1], w.Models[0]
	_, err := GenerateWorld(w, 1)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "strictly increasing")
}
