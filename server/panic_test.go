package server_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/server"
)

// Ids of test envs that panic in their constructor, their Reset or their
// Step.
const (
	panicNewID   = "servertest/panic-new-v0"
	panicResetID = "servertest/panic-reset-v0"
	panicStepID  = "servertest/panic-step-v0"
)

func init() {
	env.MustRegister(env.Spec[int, int]{
		ID:          panicNewID,
		Description: "panics when made",
		New:         func(env.Options) (env.Env[int, int], error) { panic("constructor exploded") },
	})
	env.MustRegister(env.Spec[int, int]{
		ID:          panicResetID,
		Description: "panics in Reset",
		New:         func(env.Options) (env.Env[int, int], error) { return &panicEnv{inReset: true}, nil },
	})
	env.MustRegister(env.Spec[int, int]{
		ID:          panicStepID,
		Description: "panics in Step",
		New:         func(env.Options) (env.Env[int, int], error) { return &panicEnv{}, nil },
	})
}

// panicEnv panics in Reset when inReset is set, else in Step for action 1.
type panicEnv struct {
	closerEnv
	inReset bool
}

func (e *panicEnv) Reset(seed env.Seed, opts env.Options) (int, env.Info, error) {
	if e.inReset {
		panic("reset exploded")
	}
	return e.closerEnv.Reset(seed, opts)
}

func (e *panicEnv) Step(a int) (env.StepResult[int], error) {
	if a == 1 {
		panic("step exploded")
	}
	return e.closerEnv.Step(a)
}

func TestPanickingEnvReleasesSessionSlots(t *testing.T) {
	srv, c, _ := start(t, server.Config{MaxSessions: 2})
	ctx := context.Background()
	before := closes.Load()
	for range 5 {
		for _, id := range []string{panicNewID, panicResetID} {
			_, _, _, err := c.Reset(ctx, id, env.NoSeed, nil)
			var se *server.Error
			require.ErrorAs(t, err, &se, id)
			assert.Equal(t, http.StatusInternalServerError, se.StatusCode)
			assert.Contains(t, se.Message, "panicked")
		}
	}
	assert.Equal(t, before+5, closes.Load(), "an env whose Reset panicked is closed")
	h, err := c.Health(ctx)
	require.NoError(t, err)
	assert.Equal(t, 0, h.Sessions)
	// Both slots are still free.
	a, _, _, err := c.Reset(ctx, closerID, env.NoSeed, nil)
	require.NoError(t, err, "no slot leaked")
	_, _, _, err = c.Reset(ctx, closerID, env.NoSeed, nil)
	require.NoError(t, err, "no slot leaked")
	assert.Equal(t, 2, srv.Sessions())
	require.NoError(t, c.Close(ctx, a))
}

func TestPanickingStepAnswers500AndKeepsTheSession(t *testing.T) {
	srv, c, _ := start(t, server.Config{})
	ctx := context.Background()
	id, _, _, err := c.Reset(ctx, panicStepID, env.NoSeed, nil)
	require.NoError(t, err)
	_, err = c.Step(ctx, id, 1)
	var se *server.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, http.StatusInternalServerError, se.StatusCode)
	assert.Contains(t, se.Message, "step exploded")
	// The session is unlocked and usable, and Shutdown does not wait for
	// the panicked request.
	_, err = c.Step(ctx, id, 0)
	require.NoError(t, err)
	sctx, cancel := context.WithTimeout(ctx, 5e9)
	defer cancel()
	require.NoError(t, srv.Shutdown(sctx))
}
