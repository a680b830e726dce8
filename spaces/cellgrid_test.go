package spaces

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCellGridMatchesScan checks that the cell grid returns bit for bit
// the index and squared distance of a scan of every point, ties
// (duplicates, grid points, cell edges) included, and that it declines
// points outside its box.
func TestCellGridMatchesScan(t *testing.T) {
	tests := []struct {
		name string
		n    int
		grid int     // > 0: coordinates on a grid of this many steps
		lo   float64 // coordinates in [lo, lo+span)
		span float64
	}{
		{"random", 120, 0, 0, 1},
		{"grid", 120, 11, 0, 1},
		{"coarse grid with duplicates", 200, 3, 0, 1},
		{"small", 32, 0, 0.2, 0.3},
		{"largest", 512, 0, 0, 1},
		{"wider than the unit square", 300, 9, -2, 5},
		{"grid inside a corner of the square", 120, 11, 0.37, 0.3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(tt.n), uint64(tt.grid)))
			coord := func() float64 {
				if tt.grid > 0 {
					return tt.lo + tt.span*float64(r.IntN(tt.grid+1))/float64(tt.grid)
				}
				return tt.lo + tt.span*r.Float64()
			}
			points := make([]float64, 2*tt.n)
			for i := range points {
				points[i] = coord()
			}
			require.True(t, gridFits(points))
			g := newCellGrid(points)
			edge := func(lo, hi float64, side int) float64 { // a cell edge of the grid
				return lo + (hi-lo)*float64(r.IntN(side+1))/float64(side)
			}
			for q := range 20000 {
				var p0, p1 float64
				switch q % 4 {
				case 0:
					p0, p1 = coord(), coord()
				case 1:
					p0, p1 = edge(g.lo0, g.hi0, g.side0), edge(g.lo1, g.hi1, g.side1)
				case 2:
					p0, p1 = r.Float64(), r.Float64()
				default:
					p0, p1 = tt.lo-0.5+(tt.span+1)*r.Float64(), tt.lo-0.5+(tt.span+1)*r.Float64()
				}
				gotI, gotSq, ok := g.nearest(p0, p1)
				inBox := p0 >= g.lo0 && p0 <= g.hi0 && p1 >= g.lo1 && p1 <= g.hi1
				require.Equal(t, inBox, ok, "query (%v, %v)", p0, p1)
				if !ok {
					continue
				}
				wantI, wantSq := scanNearest(points, 2, []float64{p0, p1})
				require.Equal(t, wantI, gotI, "query (%v, %v)", p0, p1)
				require.Equal(t, math.Float64bits(wantSq), math.Float64bits(gotSq), "query (%v, %v)", p0, p1)
			}
		})
	}
}

// TestCellGridBounds checks which sets get a grid.
func TestCellGridBounds(t *testing.T) {
	pts := func(n int, v float64) []float64 {
		p := make([]float64, 2*n)
		for i := range p {
			p[i] = v * float64(i%7) / 7
		}
		return p
	}
	assert.False(t, gridFits(pts(gridMinCandidates-1, 1)), "too few to pay")
	assert.False(t, gridFits(pts(gridMaxCandidates+1, 1)), "too many to build cheaply")
	assert.False(t, gridFits(pts(100, 1e9)), "coordinates too large")
	assert.True(t, gridFits(pts(gridMinCandidates, 1)))
	assert.True(t, gridFits(pts(gridMaxCandidates, 1)))
}

// TestCandidatesNearestGridOutsideBox checks that a gridded set answers a
// point outside the grid's box (through the tree) as a scan does.
func TestCandidatesNearestGridOutsideBox(t *testing.T) {
	s := MustConfigSpace(LinearDim("lr", 0, 1), LinearDim("bs", 0, 1))
	var cfgs []Config
	for i := range 12 {
		for j := range 10 {
			cfgs = append(cfgs, Config{"lr": float64(i) / 11, "bs": float64(j) / 9})
		}
	}
	cs, err := NewCandidates(s, cfgs)
	require.NoError(t, err)
	require.Nil(t, cs.grid.Load(), "no grid before gridAfter queries")
	for range gridAfter {
		cs.Nearest([]float64{0.5, 0.5})
	}
	require.NotNil(t, cs.grid.Load())
	for _, p := range [][]float64{{-0.3, 0.5}, {1.2, 1.7}, {0.5, -1e-9}, {1, 1}, {0, 0}, {0.5, 0.5}} {
		wantI, wantSq := scanNearest(cs.points, 2, p)
		gotI, gotD := cs.Nearest(p)
		assert.Equal(t, wantI, gotI, "point %v", p)
		assert.Equal(t, math.Float64bits(math.Sqrt(wantSq)), math.Float64bits(gotD), "point %v", p)
	}
}

// TestCellGridListsAreShort checks that the cells of a grid of candidates
// within a part of the unit square list few candidates each, also far
// from the candidates.
func TestCellGridListsAreShort(t *testing.T) {
	var points []float64
	for i := range 12 {
		for j := range 10 {
			points = append(points, 0.37+0.03*float64(i), 0.16+0.028*float64(j))
		}
	}
	require.True(t, gridFits(points))
	g := newCellGrid(points)
	longest := 0
	for c := range len(g.start) - 1 {
		longest = max(longest, int(g.start[c+1]-g.start[c]))
	}
	assert.LessOrEqual(t, longest, 6)
	assert.LessOrEqual(t, float64(len(g.items))/float64(len(g.start)-1), 3.0)
}

// TestCandidatesNearestConcurrentGridBuild checks that goroutines sharing
// a set get the scan's answers before, while and after the grid is built.
func TestCandidatesNearestConcurrentGridBuild(t *testing.T) {
	s := MustConfigSpace(LinearDim("lr", 0, 1), LinearDim("bs", 0, 1))
	var cfgs []Config
	for i := range 12 {
		for j := range 10 {
			cfgs = append(cfgs, Config{"lr": 0.37 + 0.03*float64(i), "bs": 0.16 + 0.028*float64(j)})
		}
	}
	cs, err := NewCandidates(s, cfgs)
	require.NoError(t, err)
	errs := make(chan string, 4)
	for w := range 4 {
		go func() {
			r := rand.New(rand.NewPCG(uint64(w), 3))
			for range gridAfter {
				p := []float64{r.Float64(), r.Float64()}
				wantI, wantSq := scanNearest(cs.points, 2, p)
				if gotI, gotD := cs.Nearest(p); gotI != wantI || gotD != math.Sqrt(wantSq) {
					errs <- "mismatch"
					return
				}
			}
			errs <- ""
		}()
	}
	for range 4 {
		assert.Empty(t, <-errs)
	}
	assert.NotNil(t, cs.grid.Load())
}
