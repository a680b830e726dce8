package env

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/autollmresearch/gym/spaces"
)

// RunningStats are the per-slot running mean and variance that
// [NormalizeObservation] keeps.
type RunningStats struct {
	// Count is the number of observations folded in.
	Count int
	// Mean is the mean of each slot.
	Mean []float64
	// Var is the population variance of each slot.
	Var []float64
}

// NormalizeObservation standardises each slot of a vector observation with
// a running estimate of its mean and variance: it returns
// (x − mean) / sqrt(var + epsilon). While updating (the default), each
// observation is folded into the statistics before it is normalised, with
// the numerically stable one-pass update of Welford and Chan et al.; after
// SetUpdate(false) the statistics stay fixed, as for evaluation.
//
// The statistics start at mean 0 and variance 1 with a count of 0. Its
// observation space is an unbounded Box. A non-finite observation is an
// error, so it cannot spoil the statistics. The observation slice is a
// buffer the wrapper reuses: it is valid until the next Reset or Step.
type NormalizeObservation[A any] struct {
	env     Env[[]float64, A]
	epsilon float64
	update  bool

	count int
	mean  []float64
	vari  []float64
	buf   []float64
	space spaces.Space[[]float64] // nil until the length is known
}

// NewNormalizeObservation wraps e to normalise its observations; epsilon
// (e.g. 1e-8) keeps the division finite for slots of zero variance and must
// be positive and finite, or Reset and Step fail.
//
// The observation length is the FlatDim of e's observation space when it
// implements spaces.Flattener (a Box does), and otherwise the length of the
// first observation.
func NewNormalizeObservation[A any](e Env[[]float64, A], epsilon float64) *NormalizeObservation[A] {
	w := &NormalizeObservation[A]{env: e, epsilon: epsilon, update: true}
	if e != nil {
		if f, ok := e.ObservationSpace().(spaces.Flattener[[]float64]); ok && f.FlatDim() > 0 {
			w.setDim(f.FlatDim())
		}
	}
	return w
}

func (w *NormalizeObservation[A]) setDim(n int) {
	w.mean = make([]float64, n)
	w.vari = make([]float64, n)
	for i := range w.vari {
		w.vari[i] = 1
	}
	w.buf = make([]float64, n)
	w.space = spaces.NewBox(math.Inf(-1), math.Inf(1), n)
}

// SetUpdate turns updating of the statistics on or off.
func (w *NormalizeObservation[A]) SetUpdate(update bool) { w.update = update }

// Updating reports whether observations update the statistics.
func (w *NormalizeObservation[A]) Updating() bool { return w.update }

// Stats returns a copy of the current statistics.
func (w *NormalizeObservation[A]) Stats() RunningStats {
	return RunningStats{Count: w.count, Mean: slices.Clone(w.mean), Var: slices.Clone(w.vari)}
}

// SetStats replaces the statistics, e.g. with those of a training env for
// evaluation. Mean and Var must have the observation length (when it is
// known), finite entries and Var ≥ 0; Count must not be negative.
func (w *NormalizeObservation[A]) SetStats(s RunningStats) error {
	if len(s.Mean) != len(s.Var) {
		return fmt.Errorf("env: NormalizeObservation: stats have %d means and %d variances", len(s.Mean), len(s.Var))
	}
	if w.mean != nil && len(s.Mean) != len(w.mean) {
		return fmt.Errorf("env: NormalizeObservation: stats have length %d, want %d", len(s.Mean), len(w.mean))
	}
	if len(s.Mean) == 0 {
		return errors.New("env: NormalizeObservation: stats are empty")
	}
	if s.Count < 0 {
		return fmt.Errorf("env: NormalizeObservation: stats count is %d, want >= 0", s.Count)
	}
	for i := range s.Mean {
		m, v := s.Mean[i], s.Var[i]
		if math.IsNaN(m) || math.IsInf(m, 0) {
			return fmt.Errorf("env: NormalizeObservation: stats mean %d is %g, want a finite number", i, m)
		}
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return fmt.Errorf("env: NormalizeObservation: stats variance %d is %g, want a finite number >= 0", i, v)
		}
	}
	if w.mean == nil {
		w.setDim(len(s.Mean))
	}
	w.count = s.Count
	copy(w.mean, s.Mean)
	copy(w.vari, s.Var)
	return nil
}

func (w *NormalizeObservation[A]) checkEpsilon() error {
	if !(w.epsilon > 0) || math.IsInf(w.epsilon, 1) {
		return fmt.Errorf("env: NormalizeObservation: epsilon is %g, want a positive finite number", w.epsilon)
	}
	return nil
}

// normalize updates the statistics with x (if updating) and writes the
// normalised x into the wrapper's buffer.
func (w *NormalizeObservation[A]) normalize(x []float64) ([]float64, error) {
	if w.mean == nil {
		w.setDim(len(x))
	}
	if len(x) != len(w.mean) {
		return nil, fmt.Errorf("env: NormalizeObservation: observation has length %d, want %d", len(x), len(w.mean))
	}
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("env: NormalizeObservation: observation slot %d is %g, want a finite number", i, v)
		}
	}
	if w.update {
		// Chan et al.'s merge of the running (count, mean, var) with a
		// batch of one observation.
		n := float64(w.count)
		total := n + 1
		for i, v := range x {
			delta := v - w.mean[i]
			w.mean[i] += delta / total
			w.vari[i] = (w.vari[i]*n + delta*delta*n/total) / total
		}
		w.count++
	}
	for i, v := range x {
		w.buf[i] = (v - w.mean[i]) / math.Sqrt(w.vari[i]+w.epsilon)
	}
	return w.buf, nil
}

// Reset resets the wrapped env and returns its normalised observation.
func (w *NormalizeObservation[A]) Reset(seed Seed, options Options) ([]float64, Info, error) {
	if err := w.checkEpsilon(); err != nil {
		return nil, Info{}, err
	}
	obs, info, err := w.env.Reset(seed, options)
	if err != nil {
		return nil, info, err
	}
	out, err := w.normalize(obs)
	return out, info, err
}

// Step steps the wrapped env and returns its normalised observation.
func (w *NormalizeObservation[A]) Step(action A) (StepResult[[]float64], error) {
	if err := w.checkEpsilon(); err != nil {
		return StepResult[[]float64]{}, err
	}
	r, err := w.env.Step(action)
	if err != nil {
		return r, err
	}
	r.Obs, err = w.normalize(r.Obs)
	return r, err
}

// ObservationSpace returns an unbounded Box of the observation length (the
// wrapped env's space until that length is known).
func (w *NormalizeObservation[A]) ObservationSpace() spaces.Space[[]float64] {
	if w.space == nil {
		return w.env.ObservationSpace()
	}
	return w.space
}

// ActionSpace returns the wrapped env's action space.
func (w *NormalizeObservation[A]) ActionSpace() spaces.Space[A] { return w.env.ActionSpace() }

// Close closes the wrapped env.
func (w *NormalizeObservation[A]) Close() error { return w.env.Close() }

// UnwrapEnv returns the wrapped env.
func (w *NormalizeObservation[A]) UnwrapEnv() any { return w.env }
