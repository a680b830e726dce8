package eval

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMeanSE(t *testing.T) {
	cases := []struct {
		x        []float64
		mean, se float64
	}{
		{[]float64{2, 4, 4, 4, 5, 5, 7, 9}, 5, math.Sqrt(32.0/7) / math.Sqrt(8)},
		{[]float64{1e9 + 1, 1e9 + 2, 1e9 + 3}, 1e9 + 2, 1 / math.Sqrt(3)},
		{[]float64{3, 3}, 3, 0},
		{[]float64{0.1, 0.1, 0.1}, 0.1, 0},
		{[]float64{3}, 3, math.NaN()},
		{nil, math.NaN(), math.NaN()},
	}
	for _, c := range cases {
		mean, se := meanSE(c.x)
		for _, p := range [][2]float64{{c.mean, mean}, {c.se, se}} {
			if math.IsNaN(p[0]) {
				assert.True(t, math.IsNaN(p[1]), "%v: got %g, want NaN", c.x, p[1])
			} else {
				assert.InDelta(t, p[0], p[1], 1e-9, "%v", c.x)
			}
		}
	}
	// Equal values give exactly their value and a standard error of 0, so
	// that tables show ties as ties.
	mean, se := meanSE([]float64{0.1, 0.1, 0.1})
	assert.Equal(t, 0.1, mean)
	assert.Equal(t, 0.0, se)
}
