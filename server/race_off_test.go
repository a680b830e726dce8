//go:build !race

package server_test

// loadSessions is the number of sessions of TestThousandConcurrentSessions.
const loadSessions = 1000
