package bitstest

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

// recorder is a testing.TB that records a failure instead of stopping the
// test.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()                           {}
func (r *recorder) Errorf(format string, args ...any) { r.failed = true }
func (r *recorder) FailNow()                          { r.failed = true; panic(r) }

// fails reports whether Equal fails on want and got.
func fails(t *testing.T, want, got []float64) (failed bool) {
	r := &recorder{TB: t}
	defer func() {
		if p := recover(); p != nil && p != r {
			panic(p)
		}
		failed = r.failed
	}()
	Equal(r, want, got, "v")
	return r.failed
}

func TestEqual(t *testing.T) {
	nan := math.NaN()
	negZero := math.Copysign(0, -1)
	assert.False(t, fails(t, []float64{1, nan, negZero}, []float64{1, nan, negZero}), "the same bits")
	assert.False(t, fails(t, nil, []float64{}), "two empty vectors")
	assert.True(t, fails(t, []float64{0}, []float64{negZero}), "+0 and −0")
	assert.True(t, fails(t, []float64{1}, []float64{math.Nextafter(1, 2)}), "one ulp apart")
	assert.True(t, fails(t, []float64{1, 2}, []float64{1}), "different lengths")
}
