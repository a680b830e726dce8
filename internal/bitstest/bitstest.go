// Package bitstest checks, in tests, that two float64 results are the
// same bits, not merely close: the check behind the project's promises of
// bit-identical runs, kernels and rebuilt files.
package bitstest

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// Equal fails the test unless got has want's length and, element for
// element, want's bits (so −0 differs from +0, and a NaN matches only a
// NaN of the same bits). The message names what and the first element
// that differs.
func Equal(t testing.TB, want, got []float64, what string) {
	t.Helper()
	require.Len(t, got, len(want), what)
	for i := range want {
		if math.Float64bits(want[i]) != math.Float64bits(got[i]) {
			require.Failf(t, "bits differ", "%s: element %d is %v (bits %#x), want %v (bits %#x)",
				what, i, got[i], math.Float64bits(got[i]), want[i], math.Float64bits(want[i]))
		}
	}
}
