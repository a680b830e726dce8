package fidelity

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"
)

// Spearman returns the Spearman rank correlation of x and y: the Pearson
// correlation of their ranks, with tied values given their average rank. It
// measures how well an ordering of configurations at one fidelity carries
// over to another. It returns an error when the lengths differ, there are
// fewer than two points, a value is NaN, or either side is constant.
func Spearman(x, y []float64) (float64, error) {
	if len(x) != len(y) {
		return 0, fmt.Errorf("fidelity: spearman: %d x values but %d y values", len(x), len(y))
	}
	if len(x) < 2 {
		return 0, fmt.Errorf("fidelity: spearman: %d points, need at least 2", len(x))
	}
	rx, err := ranks(x, "x")
	if err != nil {
		return 0, err
	}
	ry, err := ranks(y, "y")
	if err != nil {
		return 0, err
	}
	if stat.Variance(rx, nil) == 0 || stat.Variance(ry, nil) == 0 {
		return 0, fmt.Errorf("fidelity: spearman: a side is constant; the correlation is undefined")
	}
	return stat.Correlation(rx, ry, nil), nil
}

// ranks returns the 1-based average ranks of v.
func ranks(v []float64, name string) ([]float64, error) {
	idx := make([]int, len(v))
	for i, x := range v {
		if math.IsNaN(x) {
			return nil, fmt.Errorf("fidelity: spearman: %s[%d] is NaN", name, i)
		}
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(v[a], v[b]) })
	r := make([]float64, len(v))
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && v[idx[j]] == v[idx[i]] {
			j++
		}
		avg := float64(i+j+1) / 2 // mean of the ranks i+1 .. j
		for _, k := range idx[i:j] {
			r[k] = avg
		}
		i = j
	}
	return r, nil
}
