package llm

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClientComplete(t *testing.T) {
	hello := []Message{{RoleSystem, "be brief"}, {RoleUser, "hi"}}
	cases := []struct {
		name     string
		script   func(n int, msgs []Message) reply
		maxRetry int // Config.MaxRetries; 0 keeps the fake's 3
		timeout  time.Duration
		want     string // content on success
		retries  int
		requests int
		errIs    []error
		errHas   []string
		status   int // *APIError status, 0 for none
	}{
		{
			name:   "good reply",
			script: func(int, []Message) reply { return reply{content: "hello"} },
			want:   "hello", requests: 1,
		},
		{
			name: "429 then success honours Retry-After",
			script: func(n int, _ []Message) reply {
				if n == 0 {
					return reply{status: 429, header: map[string]string{"Retry-After": "0"}, body: `{"error": {"message": "rate limited", "type": "requests"}}`}
				}
				return reply{content: "after the wait"}
			},
			want: "after the wait", retries: 1, requests: 2,
		},
		{
			name: "dropped connection then success",
			script: func(n int, _ []Message) reply {
				if n == 0 {
					return reply{abort: true}
				}
				return reply{content: "reconnected"}
			},
			want: "reconnected", retries: 1, requests: 2,
		},
		{
			name: "500s until the retries run out",
			script: func(int, []Message) reply {
				return reply{status: 500, body: `{"error": {"message": "overloaded", "code": 123}}`}
			},
			requests: 4, retries: 3,
			errIs:  []error{ErrRetriesExhausted},
			errHas: []string{"4 attempts failed", "HTTP 500", "overloaded", "code 123"},
			status: 500,
		},
		{
			name: "401 is not retried",
			script: func(int, []Message) reply {
				return reply{status: 401, body: `{"error": {"message": "Incorrect API key provided", "type": "invalid_request_error", "code": "invalid_api_key"}}`}
			},
			requests: 1,
			errHas:   []string{"HTTP 401 Unauthorized", "Incorrect API key provided", "invalid_api_key"},
			status:   401,
		},
		{
			name:     "400 with a plain-text body",
			script:   func(int, []Message) reply { return reply{status: 400, body: "context length exceeded"} },
			requests: 1,
			errHas:   []string{"HTTP 400", `"context length exceeded"`},
			status:   400,
		},
		{
			name: "a malformed reply is retried",
			script: func(n int, _ []Message) reply {
				if n == 0 {
					return reply{body: `{"choices": [`}
				}
				return reply{content: "whole"}
			},
			want: "whole", retries: 1, requests: 2,
		},
		{
			name:     "malformed JSON body",
			script:   func(int, []Message) reply { return reply{body: `{"choices": [`} },
			requests: 4, retries: 3,
			errIs:  []error{ErrMalformedReply, ErrRetriesExhausted},
			errHas: []string{"not valid JSON"},
		},
		{
			name:     "no choices",
			script:   func(int, []Message) reply { return reply{body: `{"choices": []}`} },
			requests: 4, retries: 3,
			errIs:  []error{ErrMalformedReply, ErrRetriesExhausted},
			errHas: []string{"no choices"},
		},
		{
			name: "null content",
			script: func(int, []Message) reply {
				return reply{body: `{"choices": [{"message": {"content": null}, "finish_reason": "tool_calls"}]}`}
			},
			requests: 4, retries: 3,
			errIs:  []error{ErrMalformedReply, ErrRetriesExhausted},
			errHas: []string{"choices[0].message.content is missing or null", "tool_calls"},
		},
		{
			name:     "content of the wrong type",
			script:   func(int, []Message) reply { return reply{body: `{"choices": [{"message": {"content": 42}}]}`} },
			requests: 4, retries: 3,
			errIs:  []error{ErrMalformedReply, ErrRetriesExhausted},
			errHas: []string{"content", "want string"},
		},
		{
			name:     "slow reply past the timeout",
			script:   func(int, []Message) reply { return reply{hang: true} },
			maxRetry: -1, timeout: 50 * time.Millisecond,
			requests: 1,
			errIs:    []error{ErrTimeout, context.DeadlineExceeded},
			errHas:   []string{"within 50ms (Config.Timeout)"},
		},
		{
			name:    "slow replies are retried",
			script:  func(n int, _ []Message) reply { return reply{hang: n == 0, content: "second try"} },
			timeout: 50 * time.Millisecond,
			want:    "second try", retries: 1, requests: 2,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFakeServer(t, c.script)
			cfg := f.config()
			if c.maxRetry != 0 {
				cfg.MaxRetries = c.maxRetry
			}
			if c.timeout != 0 {
				cfg.Timeout = c.timeout
			}
			cl, err := NewClient(cfg)
			require.NoError(t, err)
			got, err := cl.Complete(context.Background(), hello)
			assert.Len(t, f.calls(), c.requests)
			assert.Equal(t, c.retries, got.Retries)
			if c.errIs == nil && c.errHas == nil {
				require.NoError(t, err)
				assert.Equal(t, c.want, got.Content)
				assert.Equal(t, "stop", got.FinishReason)
				assert.Equal(t, Usage{fakePromptTokens, fakeCompletionTokens, fakePromptTokens + fakeCompletionTokens}, got.Usage)
				req := f.calls()[0]
				assert.Equal(t, "fake-model", req.Model)
				assert.Equal(t, hello, req.Messages)
				assert.Equal(t, 0.2, req.Temperature)
				assert.Equal(t, 256, req.MaxTokens)
				assert.Equal(t, "Bearer sk-test", f.auth[0])
				return
			}
			require.Error(t, err)
			for _, target := range c.errIs {
				assert.ErrorIs(t, err, target)
			}
			for _, s := range c.errHas {
				assert.Contains(t, err.Error(), s)
			}
			var apiErr *APIError
			if c.status != 0 {
				require.ErrorAs(t, err, &apiErr)
				assert.Equal(t, c.status, apiErr.StatusCode)
			} else {
				assert.False(t, errors.As(err, &apiErr), "unexpected *APIError: %v", err)
			}
		})
	}
}

func TestClientContextCancelledDuringBackoff(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	f := newFakeServer(t, func(int, []Message) reply {
		cancel() // the client is now waiting an hour to retry
		return reply{status: 503, header: map[string]string{"Retry-After": "3600"}, body: "busy"}
	})
	cfg := f.config()
	cfg.MaxBackoff = 2 * time.Hour
	cl, err := NewClient(cfg)
	require.NoError(t, err)
	_, err = cl.Complete(ctx, []Message{{RoleUser, "hi"}})
	require.ErrorIs(t, err, context.Canceled)
	assert.Len(t, f.calls(), 1)
}

func TestClientCancelledContext(t *testing.T) {
	f := newFakeServer(t, func(int, []Message) reply { return reply{hang: true} })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := f.client(t).Complete(ctx, []Message{{RoleUser, "hi"}})
	require.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, ErrTimeout)
}

func TestClientResponseTooLong(t *testing.T) {
	big := `{"choices": [{"message": {"content": "` + strings.Repeat("x", MaxResponseBytes) + `"}}]}`
	f := newFakeServer(t, func(int, []Message) reply { return reply{body: big} })
	_, err := f.client(t).Complete(context.Background(), []Message{{RoleUser, "hi"}})
	require.ErrorIs(t, err, ErrMalformedReply)
	assert.Contains(t, err.Error(), "longer than")
}

func TestClientRejectsBadMessages(t *testing.T) {
	f := newFakeServer(t, func(int, []Message) reply { return reply{content: "x"} })
	cl := f.client(t)
	_, err := cl.Complete(context.Background(), nil)
	assert.ErrorContains(t, err, "no messages")
	_, err = cl.Complete(context.Background(), []Message{{"tool", "x"}})
	assert.ErrorContains(t, err, `message 0 has role "tool"`)
	_, err = cl.Complete(context.Background(), []Message{{RoleUser, strings.Repeat("y", MaxRequestBytes)}})
	assert.ErrorContains(t, err, "more than the limit")
	assert.Empty(t, f.calls())
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		h    string
		want time.Duration
	}{
		{"", -1},
		{"0", 0},
		{"2", 2 * time.Second},
		{"1.5", 1500 * time.Millisecond},
		{"-3", -1},
		{"soon", -1},
		{now.Add(10 * time.Second).Format(http.TimeFormat), 10 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, retryAfter(c.h, now), "Retry-After %q", c.h)
	}
}

func TestBackoffIsSeededAndBounded(t *testing.T) {
	mk := func(seed uint64) *Client {
		c, err := NewClient(Config{BaseURL: "http://x", Model: "m", BaseBackoff: 100 * time.Millisecond, MaxBackoff: time.Second, JitterSeed: seed})
		require.NoError(t, err)
		return c
	}
	a, b, other := mk(7), mk(7), mk(8)
	differ := false
	for i := range 8 {
		da, db, do := a.backoff(i), b.backoff(i), other.backoff(i)
		assert.Equal(t, da, db, "attempt %d", i)
		differ = differ || da != do
		ceiling := min(100*time.Millisecond<<i, time.Second)
		assert.GreaterOrEqual(t, da, ceiling/2, "attempt %d", i)
		assert.Less(t, da, ceiling, "attempt %d", i)
	}
	assert.True(t, differ, "different seeds gave the same jitter")
}

func TestConfigFromLookup(t *testing.T) {
	cases := []struct {
		name   string
		vars   map[string]string
		want   Config
		errHas []string
		errNot []string
	}{
		{
			name:   "nothing set",
			errHas: []string{"GYM_LLM_BASE_URL", "OPENAI_BASE_URL", "GYM_LLM_MODEL", "OPENAI_MODEL", "OPENAI_API_KEY"},
		},
		{
			name:   "model missing",
			vars:   map[string]string{"OPENAI_BASE_URL": "http://localhost:8000/v1"},
			errHas: []string{"missing the model: set GYM_LLM_MODEL (or OPENAI_MODEL)"},
			errNot: []string{"missing the endpoint"},
		},
		{
			name: "OpenAI variables",
			vars: map[string]string{"OPENAI_BASE_URL": "https://api.example/v1", "OPENAI_MODEL": "m1", "OPENAI_API_KEY": "k1"},
			want: Config{BaseURL: "https://api.example/v1", Model: "m1", APIKey: "k1"},
		},
		{
			name: "GYM_LLM variables take precedence",
			vars: map[string]string{
				"OPENAI_BASE_URL": "https://api.example/v1", "OPENAI_MODEL": "m1", "OPENAI_API_KEY": "k1",
				"GYM_LLM_BASE_URL": "http://local:1/v1", "GYM_LLM_MODEL": "m2", "GYM_LLM_API_KEY": "k2",
			},
			want: Config{BaseURL: "http://local:1/v1", Model: "m2", APIKey: "k2"},
		},
		{
			name: "empty GYM_LLM variables fall back",
			vars: map[string]string{"GYM_LLM_BASE_URL": " ", "OPENAI_BASE_URL": "http://h/v1", "OPENAI_MODEL": "m"},
			want: Config{BaseURL: "http://h/v1", Model: "m"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ConfigFromLookup(func(k string) string { return c.vars[k] })
			if c.errHas == nil {
				require.NoError(t, err)
				assert.Equal(t, c.want, got)
				return
			}
			require.ErrorIs(t, err, ErrNotConfigured)
			assert.Equal(t, strings.TrimSpace(c.vars["OPENAI_BASE_URL"]), got.BaseURL, "what was found is returned")
			for _, s := range c.errHas {
				assert.Contains(t, err.Error(), s)
			}
			for _, s := range c.errNot {
				assert.NotContains(t, err.Error(), s)
			}
		})
	}
}

func TestNewClientValidates(t *testing.T) {
	cases := []struct {
		cfg  Config
		want []string
	}{
		{Config{Model: "m"}, []string{"Config.BaseURL is empty"}},
		{Config{BaseURL: "ftp://x", Model: "m"}, []string{`Config.BaseURL "ftp://x"`}},
		{Config{BaseURL: "http://x"}, []string{"Config.Model is empty"}},
		{Config{BaseURL: "http://x", Model: "m", Timeout: -time.Second}, []string{"Config.Timeout is -1s"}},
		{Config{BaseURL: "http://x", Model: "m", Temperature: 3}, []string{"Config.Temperature is 3"}},
		{Config{BaseURL: "http://x", Model: "m", MaxTokens: -1, BaseBackoff: -1}, []string{"Config.MaxTokens is -1", "BaseBackoff"}},
	}
	for _, c := range cases {
		_, err := NewClient(c.cfg)
		require.Error(t, err)
		for _, w := range c.want {
			assert.Contains(t, err.Error(), w)
		}
	}
	cl, err := NewClient(Config{BaseURL: "http://x/v1/", Model: "m", MaxRetries: -1})
	require.NoError(t, err)
	cfg := cl.Config()
	assert.Equal(t, "http://x/v1", cfg.BaseURL)
	assert.Equal(t, DefaultTimeout, cfg.Timeout)
	assert.Equal(t, 0, cfg.MaxRetries)
	assert.NotNil(t, cfg.HTTPClient)
}
