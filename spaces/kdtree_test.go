package spaces

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestKDTreeMatchesScan checks that the tree returns bit for bit the index
// and distance of a scan of every point, ties (duplicates, grid points)
// included, for points inside and outside the unit cube.
func TestKDTreeMatchesScan(t *testing.T) {
	tests := []struct {
		name     string
		n, width int
		grid     int // > 0: coordinates on a grid of this many steps
	}{
		{"2d random", 500, 2, 0},
		{"2d grid", 400, 2, 7},
		{"2d small grid", 33, 2, 2},
		{"3d grid", 1000, 3, 4},
		{"5d random", 2000, 5, 0},
		{"8d grid", 300, 8, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(tt.n), uint64(tt.width)))
			coord := func() float64 {
				if tt.grid > 0 {
					return float64(r.IntN(tt.grid+1)) / float64(tt.grid)
				}
				return r.Float64()
			}
			points := make([]float64, tt.n*tt.width)
			for i := range points {
				points[i] = coord()
			}
			tree := newKDTree(points, tt.width)
			p := make([]float64, tt.width)
			for q := range 3000 {
				for j := range p {
					switch q % 3 {
					case 0:
						p[j] = coord()
					case 1:
						p[j] = r.Float64()*1.6 - 0.3
					default:
						p[j] = float64(r.IntN(9)) / 8
					}
				}
				wantI, wantSq := scanNearest(points, tt.width, p)
				gotI, gotD := tree.nearest(p)
				require.Equal(t, wantI, gotI, "query %v", p)
				require.Equal(t, math.Float64bits(math.Sqrt(wantSq)), math.Float64bits(gotD), "query %v", p)
			}
		})
	}
}

func TestKDTreeOverflow(t *testing.T) {
	points := make([]float64, 2*64)
	for i := range points {
		points[i] = float64(i%17) / 16
	}
	i, d := newKDTree(points, 2).nearest([]float64{1e200, -1e200})
	assert.Equal(t, 0, i, "every distance overflows: the first is as near as any")
	assert.True(t, math.IsInf(d, 1))
}
