package main

import (
	"bytes"
	"context"
	"flag"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym"
	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/server"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRunServesAndShutsDown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs syncBuffer
	addrs := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-max-sessions", "3", "-idle", "1m"}, &logs,
			func(addr string) { addrs <- addr })
	}()
	var addr string
	select {
	case addr = <-addrs:
	case err := <-done:
		t.Fatalf("run returned before listening: %v", err)
	}
	c := server.NewClient("http://"+addr, nil)
	h, err := c.Health(ctx)
	require.NoError(t, err)
	assert.Equal(t, 3, h.MaxSessions)

	// Every built-in id is served.
	for _, id := range gym.BuiltinIDs() {
		s, _, _, err := c.Reset(ctx, id, env.SeedOf(1), nil)
		require.NoError(t, err, id)
		require.NoError(t, c.Close(ctx, s), id)
	}
	// A session left open is closed at shutdown.
	_, _, _, err = c.Reset(ctx, gym.ToyGridSearch, env.SeedOf(1), nil)
	require.NoError(t, err)

	cancel()
	require.NoError(t, <-done)
	out := logs.String()
	assert.Contains(t, out, "listening")
	assert.Contains(t, out, "path=/health")
	assert.Contains(t, out, "status=200")
	assert.Contains(t, out, "session opened")
	assert.Contains(t, out, "closed sessions at shutdown")
	assert.Contains(t, out, "stopped")
}

func TestRunRejectsBadFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-max-sessions", "0"}, "-max-sessions is 0"},
		{[]string{"-max-body", "-1"}, "-max-body is -1"},
		{[]string{"-idle", "0s"}, "-idle is 0"},
		{[]string{"-grace", "-1s"}, "-grace is -1s"},
		{[]string{"-idle", "soon"}, `invalid value "soon" for flag -idle`},
		{[]string{"-port", "80"}, "flag provided but not defined: -port"},
		{[]string{"extra"}, `unexpected arguments ["extra"]`},
		{[]string{"-addr", "256.0.0.1:0"}, "256.0.0.1"},
		{[]string{"-max-table-bytes", "0"}, "-max-table-bytes is 0"},
		{[]string{"-read-timeout", "0s"}, "a timeout is 0"},
		{[]string{"-allow-host", " , "}, "-allow-host names no host"},
		{[]string{"-table-dir", "/nonexistent/tables"}, "-table-dir /nonexistent/tables is not a directory"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			var logs syncBuffer
			err := run(context.Background(), tc.args, &logs, nil)
			require.Error(t, err)
			assert.Contains(t, err.Error()+logs.String(), tc.want)
		})
	}
}

// TestHelpIsNotAFailure: -h returns flag.ErrHelp, which main turns into
// exit status 0.
func TestHelpIsNotAFailure(t *testing.T) {
	err := run(context.Background(), []string{"-h"}, &bytes.Buffer{}, nil)
	require.ErrorIs(t, err, flag.ErrHelp)
}
