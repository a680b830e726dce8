package server_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/server"
)

// serve runs srv on a loopback listener and returns its address.
func serve(t *testing.T, srv *server.Server) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		assert.ErrorIs(t, <-done, http.ErrServerClosed)
	})
	return l.Addr().String()
}

func TestSlowClientIsCutOffAtTheReadTimeout(t *testing.T) {
	const timeout = 300 * time.Millisecond
	srv := server.New(server.Config{ReadTimeout: timeout})
	addr := serve(t, srv)
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	body := `{"env": "toy/grid-search-v0"}`
	_, err = fmt.Fprintf(conn, "POST /reset HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(body))
	require.NoError(t, err)
	start := time.Now()
	// One byte every 50 ms: the body would take 1.5 s.
	for i := range len(body) {
		if _, err := conn.Write([]byte{body[i]}); err != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
		if time.Since(start) > 3*timeout {
			break
		}
	}
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err == nil { // the handler saw the timeout and answered
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		assert.NotEqual(t, http.StatusOK, resp.StatusCode)
	}
	assert.Less(t, time.Since(start), 1200*time.Millisecond, "cut off near the read timeout, before the body was sent")
	assert.Equal(t, 0, srv.Sessions(), "the slow request opened no session")
}

func TestIdleConnectionsAreClosedAndDoNotDelayShutdown(t *testing.T) {
	srv := server.New(server.Config{ConnIdleTimeout: 200 * time.Millisecond})
	addr := serve(t, srv)
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	_, err = fmt.Fprintf(conn, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
	require.NoError(t, err)
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	// The connection is kept alive, then closed by the server once idle.
	start := time.Now()
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, err = r.ReadByte()
	assert.ErrorIs(t, err, io.EOF)
	assert.Less(t, time.Since(start), 2*time.Second)

	// A keep-alive connection left idle does not hold up Shutdown.
	conn2, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn2.Close()
	_, err = fmt.Fprintf(conn2, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
	require.NoError(t, err)
	resp, err = http.ReadResponse(bufio.NewReader(conn2), nil)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	start = time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, srv.Shutdown(ctx))
	assert.Less(t, time.Since(start), 2*time.Second)
}
