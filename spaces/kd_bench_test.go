package spaces

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkCandidatesNearestGrid measures Nearest on grids of two-knob
// configs (lr x bs) of 120, 1,200 and 12,000 candidates, with queries
// anywhere in the unit square: a cell-grid search for 120, a k-d tree
// search for the larger sets.
func BenchmarkCandidatesNearestGrid(b *testing.B) {
	s := MustConfigSpace(LinearDim("lr", 0, 1), LinearDim("bs", 0, 1))
	for _, side := range [][2]int{{12, 10}, {40, 30}, {120, 100}} {
		var cfgs []Config
		for i := range side[0] {
			for j := range side[1] {
				cfgs = append(cfgs, Config{"lr": 0.4 + 0.36*float64(i)/float64(side[0]), "bs": 0.3 + 0.31*float64(j)/float64(side[1])})
			}
		}
		cs, err := NewCandidates(s, cfgs)
		if err != nil {
			b.Fatal(err)
		}
		r := rand.New(rand.NewPCG(1, 2))
		queries := make([][]float64, 64)
		for i := range queries {
			queries[i] = []float64{r.Float64(), r.Float64()}
		}
		b.Run(fmt.Sprint(len(cfgs)), func(b *testing.B) {
			i := 0
			for b.Loop() {
				cs.Nearest(queries[i%len(queries)])
				i++
			}
		})
	}
}

// BenchmarkNewCandidatesGrid measures NewCandidates on a 12 × 10 grid of
// two-knob configs within part of the unit square, which builds the cell
// grid and the k-d tree.
func BenchmarkNewCandidatesGrid(b *testing.B) {
	s := MustConfigSpace(LinearDim("lr", 0, 1), LinearDim("bs", 0, 1))
	var cfgs []Config
	for i := range 12 {
		for j := range 10 {
			cfgs = append(cfgs, Config{"lr": 0.37 + 0.03*float64(i), "bs": 0.16 + 0.028*float64(j)})
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewCandidates(s, cfgs); err != nil {
			b.Fatal(err)
		}
	}
}
