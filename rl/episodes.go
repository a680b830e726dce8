package rl

import (
	"math"

	"github.com/autollmresearch/gym/env"
)

// EpisodeMetric is a number read from the info of the last step of every
// episode, such as the final regret of a configuration-research episode.
// The training statistics report its mean over recent episodes under Name.
type EpisodeMetric struct {
	// Name labels the metric in logs, e.g. "final_regret".
	Name string
	// Value reads the metric from the final step's info; false skips the
	// episode.
	Value func(final env.Info) (float64, bool)
}

// InfoMetric returns an EpisodeMetric that reads the number stored under
// key in the final info, e.g. InfoMetric("final_regret", "regret").
func InfoMetric(name, key string) EpisodeMetric {
	return EpisodeMetric{Name: name, Value: func(final env.Info) (float64, bool) { return final.Num(key) }}
}

// window is a ring buffer of the most recent values of a series.
type window struct {
	vals   []float64
	next   int
	filled int
}

func newWindow(n int) window { return window{vals: make([]float64, n)} }

func (w *window) add(v float64) {
	w.vals[w.next] = v
	w.next = (w.next + 1) % len(w.vals)
	w.filled = min(w.filled+1, len(w.vals))
}

// mean returns the mean of the values kept, NaN when there are none.
func (w *window) mean() float64 {
	if w.filled == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, v := range w.vals[:w.filled] {
		s += v
	}
	return s / float64(w.filled)
}

// ordered returns the kept values, oldest first.
func (w *window) ordered() []float64 {
	out := make([]float64, 0, w.filled)
	if w.filled < len(w.vals) {
		return append(out, w.vals[:w.filled]...)
	}
	out = append(out, w.vals[w.next:]...)
	return append(out, w.vals[:w.next]...)
}

// restore replaces the window's content by vals (oldest first), keeping
// the most recent that fit.
func (w *window) restore(vals []float64) {
	if len(vals) > len(w.vals) {
		vals = vals[len(vals)-len(w.vals):]
	}
	clear(w.vals)
	copy(w.vals, vals)
	w.filled = len(vals)
	w.next = len(vals) % len(w.vals)
}

// episodeTracker sums each env's rewards and records finished episodes:
// their returns, lengths and user metrics, over a window of recent
// episodes.
type episodeTracker struct {
	ret     []float64 // running return per env
	length  []int     // running length per env
	returns window
	lengths window
	metrics []EpisodeMetric
	values  []window // one per metric
	total   int      // episodes finished in all
}

func newEpisodeTracker(envs, size int, metrics []EpisodeMetric) *episodeTracker {
	t := &episodeTracker{
		ret:     make([]float64, envs),
		length:  make([]int, envs),
		returns: newWindow(size),
		lengths: newWindow(size),
		metrics: metrics,
		values:  make([]window, len(metrics)),
	}
	for i := range t.values {
		t.values[i] = newWindow(size)
	}
	return t
}

// restart forgets every env's episode in progress.
func (t *episodeTracker) restart() {
	clear(t.ret)
	clear(t.length)
}

// step records a step of env i; done says the episode ended with it, and
// final is the step's info.
func (t *episodeTracker) step(i int, reward float64, done bool, final env.Info) {
	t.ret[i] += reward
	t.length[i]++
	if !done {
		return
	}
	t.returns.add(t.ret[i])
	t.lengths.add(float64(t.length[i]))
	for k, m := range t.metrics {
		if v, ok := m.Value(final); ok {
			t.values[k].add(v)
		}
	}
	t.total++
	t.ret[i], t.length[i] = 0, 0
}
