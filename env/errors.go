package env

import "errors"

// Errors shared by envs and wrappers for calls made out of order. Envs return
// them (possibly wrapped with more context), so callers can test for them
// with errors.Is.
var (
	// ErrResetNeeded is returned by Step when no episode has been started:
	// Reset was never called, or the last Reset failed.
	ErrResetNeeded = errors.New("env: Step called before Reset")

	// ErrEpisodeEnded is returned by Step after a step that reported
	// Terminated or Truncated, until the next Reset.
	ErrEpisodeEnded = errors.New("env: Step called after the episode ended (terminated or truncated); call Reset first")

	// ErrClosed is returned by Reset and Step after Close.
	ErrClosed = errors.New("env: env is closed")
)
