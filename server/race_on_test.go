//go:build race

package server_test

// loadSessions is the number of sessions of TestThousandConcurrentSessions:
// fewer under the race detector, which slows every request tenfold.
const loadSessions = 200
