//go:build !race

package prior_test

// raceEnabled reports that the race detector is on: it slows table
// generation about tenfold.
const raceEnabled = false
