package prior

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/autollmresearch/gym/internal/parallel"
	"github.com/autollmresearch/gym/tasks"
)

// Sample is the distribution of a task's statistics under a prior: the
// value of every statistic on every draw.
type Sample struct {
	// Task is the prior's task.
	Task string
	// Statistics are the statistics sampled, and Values[i] the values of
	// Statistics[i] on the draws, in seed order (NaN where undefined).
	Statistics []Statistic
	Values     [][]float64
	// Seeds are the draws' seeds.
	Seeds []uint64
}

// SampleStatistics draws worlds seed, seed+1, …, seed+draws−1 from p on
// workers goroutines (0 means GOMAXPROCS) and computes the task's
// Statistics on each. The result does not depend on workers. It stops
// early with ctx's error when ctx is cancelled.
func SampleStatistics(ctx context.Context, p Prior, draws int, seed uint64, workers int) (*Sample, error) {
	if draws < 1 {
		return nil, fmt.Errorf("prior: sample: draws is %d, want at least 1", draws)
	}
	stats := Statistics(p.Task())
	s := &Sample{Task: p.Task(), Statistics: stats, Values: make([][]float64, len(stats)), Seeds: make([]uint64, draws)}
	for i := range s.Values {
		s.Values[i] = make([]float64, draws)
	}
	errs := make([]error, draws)
	err := parallel.For(ctx, draws, workers, func(j int) {
		s.Seeds[j] = seed + uint64(j)
		t, err := p.Draw(seed + uint64(j))
		if err != nil {
			errs[j] = err
			return
		}
		for i, st := range stats {
			s.Values[i][j] = st.Of(t)
		}
		t.Release()
	})
	if err != nil {
		return nil, err
	}
	for j, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("prior: sample: world %d: %w", seed+uint64(j), err)
		}
	}
	return s, nil
}

// CheckRow places one statistic of a real table in the prior's
// distribution of it.
type CheckRow struct {
	// Statistic is the statistic's name.
	Statistic string
	// Real is its value on the real table (NaN where undefined).
	Real float64
	// Percentile is the share of the prior's draws below Real, counting
	// ties as half, in percent; NaN when Real or every draw is undefined.
	Percentile float64
	// Lo, Median and Hi are the prior's 2.5 %, 50 % and 97.5 % quantiles,
	// over the Draws draws on which the statistic is defined.
	Lo, Median, Hi float64
	Draws          int
}

// Inside reports whether Real falls in the prior's central 95 %.
func (r CheckRow) Inside() bool { return r.Percentile >= 2.5 && r.Percentile <= 97.5 }

// Check computes every statistic of the sample on t and places it in the
// sample's distribution. t must be a table of the sample's task.
func (s *Sample) Check(t *tasks.Table) ([]CheckRow, error) {
	if task := t.Meta().Task; task != s.Task {
		return nil, fmt.Errorf("prior: check: table is of task %q, the prior of %q", task, s.Task)
	}
	rows := make([]CheckRow, len(s.Statistics))
	for i, st := range s.Statistics {
		v := slices.DeleteFunc(slices.Clone(s.Values[i]), math.IsNaN)
		slices.Sort(v)
		r := CheckRow{Statistic: st.Name, Real: st.Of(t), Draws: len(v), Percentile: math.NaN(), Lo: math.NaN(), Median: math.NaN(), Hi: math.NaN()}
		if len(v) > 0 {
			r.Lo, r.Median, r.Hi = quantile(v, 0.025), quantile(v, 0.5), quantile(v, 0.975)
			if !math.IsNaN(r.Real) {
				below, ties := 0, 0
				for _, x := range v {
					switch {
					case x < r.Real:
						below++
					case x == r.Real:
						ties++
					}
				}
				r.Percentile = 100 * (float64(below) + float64(ties)/2) / float64(len(v))
			}
		}
		rows[i] = r
	}
	return rows, nil
}

// quantile returns the q-quantile of sorted v by linear interpolation.
func quantile(v []float64, q float64) float64 {
	pos := q * float64(len(v)-1)
	i := int(pos)
	if i >= len(v)-1 {
		return v[len(v)-1]
	}
	f := pos - float64(i)
	return v[i]*(1-f) + v[i+1]*f
}
