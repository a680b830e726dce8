package llm

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testKey = "sk-test-0123456789abcdef"

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://user:" + testKey + "@api.example/v1", "https://REDACTED@api.example/v1"},
		{"https://" + testKey + "@api.example/v1", "https://REDACTED@api.example/v1"},
		{"https://api.example/v1?key=" + testKey, "https://api.example/v1?REDACTED"},
		{"https://api.example/v1", "https://api.example/v1"},
		{"ht tp://u:" + testKey + "@x/%zz", "ht tp://REDACTED@x/%zz"}, // url.Parse refuses it
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, redactURL(tc.in), tc.in)
	}
}

func TestInvalidBaseURLErrorHidesTheKey(t *testing.T) {
	_, err := NewClient(Config{BaseURL: "ftp://me:" + testKey + "@host/v1", Model: "m"})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), testKey)
	assert.Contains(t, err.Error(), "REDACTED@host")
}

func TestTransportErrorHidesTheKey(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens there now
	c, err := NewClient(Config{BaseURL: "http://me:" + testKey + "@" + addr + "/v1", Model: "m", MaxRetries: -1})
	require.NoError(t, err)
	_, err = c.Complete(context.Background(), []Message{{RoleUser, "hi"}})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), testKey)
	assert.NotContains(t, err.Error(), "me:")
	assert.Contains(t, err.Error(), "llm: POST http://REDACTED@"+addr)
}

func TestAPIErrorEchoingTheKeyIsRedacted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"error": {"message": "Incorrect API key provided: %s", "type": "invalid_request_error", "code": "invalid_api_key"}}`, key)
	}))
	defer srv.Close()
	c, err := NewClient(Config{BaseURL: srv.URL, Model: "m", APIKey: testKey})
	require.NoError(t, err)
	_, err = c.Complete(context.Background(), []Message{{RoleUser, "hi"}})
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusUnauthorized, apiErr.StatusCode)
	assert.NotContains(t, err.Error(), testKey)
	assert.Contains(t, apiErr.Message, "Incorrect API key provided: REDACTED")

	// A 2xx body that echoes it is redacted too.
	srv2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `not JSON, key %s`, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	}))
	defer srv2.Close()
	c, err = NewClient(Config{BaseURL: srv2.URL, Model: "m", APIKey: testKey})
	require.NoError(t, err)
	_, err = c.Complete(context.Background(), []Message{{RoleUser, "hi"}})
	require.ErrorIs(t, err, ErrMalformedReply)
	assert.NotContains(t, err.Error(), testKey)
}
