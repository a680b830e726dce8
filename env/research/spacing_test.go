package research

import (
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConfigSpacing checks ConfigSpacing against a direct computation of
// the median nearest-neighbour distance over the train targets' configs.
func TestConfigSpacing(t *testing.T) {
	e, err := NewFromOptions("pretrain", nil)
	require.NoError(t, err)
	defer e.Close()
	tbl := e.Table()
	var d []float64
	for _, id := range e.Targets() {
		i, ok := tbl.ExperimentIndex(id)
		require.True(t, ok)
		c := tbl.Candidates(i)
		for j := range c.Len() {
			best := math.Inf(1)
			for k := range c.Len() {
				if k != j {
					var sq float64
					for q := range c.Point(j) {
						sq += (c.Point(j)[q] - c.Point(k)[q]) * (c.Point(j)[q] - c.Point(k)[q])
					}
					best = min(best, math.Sqrt(sq))
				}
			}
			d = append(d, best)
		}
	}
	slices.Sort(d)
	got := e.ConfigSpacing()
	assert.InDelta(t, d[len(d)/2], got, 1e-12)
	assert.Greater(t, got, 0.0)
	assert.Less(t, got, 1.0)
}
