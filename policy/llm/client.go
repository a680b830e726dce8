package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Limits on the bodies a Client sends and reads.
const (
	// MaxRequestBytes bounds the JSON body of a request.
	MaxRequestBytes = 8 << 20
	// MaxResponseBytes bounds the body of a reply; a longer reply is an
	// error.
	MaxResponseBytes = 8 << 20
)

// jitterStream is the second PCG word of a Client's jitter stream; the
// first is Config.JitterSeed.
const jitterStream = 0x6c6c6d6a6974746b

// Roles of chat messages.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// Message is one chat message.
type Message struct {
	// Role is RoleSystem, RoleUser or RoleAssistant.
	Role string `json:"role"`
	// Content is the message's text.
	Content string `json:"content"`
}

// Usage counts the tokens of one or more requests, as the endpoint
// reports them.
type Usage struct {
	// PromptTokens counts the tokens of the messages sent.
	PromptTokens int `json:"prompt_tokens"`
	// CompletionTokens counts the tokens of the replies.
	CompletionTokens int `json:"completion_tokens"`
	// TotalTokens is their sum as the endpoint reports it.
	TotalTokens int `json:"total_tokens"`
}

// Add adds v to u.
func (u *Usage) Add(v Usage) {
	u.PromptTokens += v.PromptTokens
	u.CompletionTokens += v.CompletionTokens
	u.TotalTokens += v.TotalTokens
}

// Completion is the result of one chat-completion request.
type Completion struct {
	// Content is the reply: choices[0].message.content.
	Content string
	// FinishReason is choices[0].finish_reason ("stop", "length", ...), ""
	// when the endpoint gave none.
	FinishReason string
	// Model is the model that answered, as the endpoint names it.
	Model string
	// Usage is the token usage the endpoint reported (zero when it
	// reported none).
	Usage Usage
	// Retries is the number of attempts made after the first; it is set
	// on failure as well.
	Retries int
}

// Completer answers a chat. *Client implements it; tests and other
// back ends may supply their own.
type Completer interface {
	// Complete returns the reply to the chat messages.
	Complete(ctx context.Context, messages []Message) (Completion, error)
}

// Errors of Client.Complete, matched with errors.Is.
var (
	// ErrTimeout: an attempt got no complete reply within Config.Timeout.
	// The error also matches context.DeadlineExceeded.
	ErrTimeout = errors.New("llm: request timed out")
	// ErrMalformedReply: the endpoint answered 2xx with a body that is not
	// a chat completion (not JSON, no choices, no message content, too
	// long).
	ErrMalformedReply = errors.New("llm: malformed reply")
	// ErrRetriesExhausted: every attempt of a request failed with a
	// retryable error; the error wraps the last one as well.
	ErrRetriesExhausted = errors.New("llm: retries exhausted")
)

// APIError is the error of a reply with a non-2xx status. Message, Type
// and Code come from the body's {"error": {...}} object when it has one;
// otherwise Message holds the start of the body.
type APIError struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Message, Type and Code describe the error as the endpoint did.
	Message, Type, Code string
}

// Error names the status and the endpoint's message.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "llm: HTTP %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	var extra []string
	if e.Type != "" {
		extra = append(extra, "type "+e.Type)
	}
	if e.Code != "" {
		extra = append(extra, "code "+e.Code)
	}
	if len(extra) > 0 {
		b.WriteString(" (" + strings.Join(extra, ", ") + ")")
	}
	return b.String()
}

// Retryable reports whether the status is worth retrying: 429 and 5xx.
func (e *APIError) Retryable() bool {
	return e.StatusCode == http.StatusTooManyRequests || (e.StatusCode >= 500 && e.StatusCode <= 599)
}

// Client talks to an OpenAI-compatible chat-completions endpoint. It is
// safe for concurrent use.
//
// A request is retried, up to Config.MaxRetries times, after a 429 or 5xx
// status, a transport error (connection refused or reset, a body cut
// short) or an attempt that timed out (Config.Timeout). Before each retry
// it waits the server's Retry-After (seconds or an HTTP date) when given,
// else an exponential backoff with jitter (see Config.BaseBackoff); either
// wait is capped at Config.MaxBackoff. A malformed 2xx reply (not a
// completion: a body cut short, no choices, no content) is retried too,
// after the backoff. Other 4xx statuses (401, 400, 404, ...) and a 2xx body
// over MaxResponseBytes are not retried. When the retries run
// out, the error matches ErrRetriesExhausted and wraps the last failure
// (an *APIError, ErrTimeout, ...). Cancelling the context stops the
// request and any wait at once; the error then wraps the context's error.
type Client struct {
	cfg      Config
	endpoint string
	shown    string   // endpoint with its credentials redacted, for errors
	secrets  []string // credentials to redact from replies quoted in errors

	mu  sync.Mutex
	rng *rand.Rand // backoff jitter, guarded by mu
}

// NewClient returns a client for cfg, with its defaults filled in. A
// missing BaseURL or Model (the error matches ErrNotConfigured) or any
// other invalid field is an error naming the field.
func NewClient(cfg Config) (*Client, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	endpoint := cfg.BaseURL + "/chat/completions"
	return &Client{
		cfg:      cfg,
		endpoint: endpoint,
		shown:    redactURL(endpoint),
		secrets:  secrets(cfg),
		rng:      rand.New(rand.NewPCG(cfg.JitterSeed, jitterStream)),
	}, nil
}

// Config returns the client's configuration with defaults filled in.
func (c *Client) Config() Config { return c.cfg }

// chatRequest is the body of a chat-completions request.
type chatRequest struct {
	Model       string    `json:"model"`
	Messages    []Message `json:"messages"`
	Temperature float64   `json:"temperature"`
	MaxTokens   int       `json:"max_tokens,omitempty"`
}

// chatResponse is the part of a chat-completions reply the client reads.
type chatResponse struct {
	Model   string `json:"model"`
	Choices []struct {
		Message *struct {
			Content *string `json:"content"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage *Usage          `json:"usage"`
	Error json.RawMessage `json:"error"`
}

// Complete sends messages and returns the first choice's reply; see
// [Client] for retries and errors.
func (c *Client) Complete(ctx context.Context, messages []Message) (Completion, error) {
	if len(messages) == 0 {
		return Completion{}, errors.New("llm: Complete: no messages")
	}
	for i, m := range messages {
		if m.Role != RoleSystem && m.Role != RoleUser && m.Role != RoleAssistant {
			return Completion{}, fmt.Errorf("llm: Complete: message %d has role %q, want %q, %q or %q", i, m.Role, RoleSystem, RoleUser, RoleAssistant)
		}
	}
	body, err := json.Marshal(chatRequest{
		Model: c.cfg.Model, Messages: messages, Temperature: c.cfg.Temperature, MaxTokens: c.cfg.MaxTokens,
	})
	if err != nil {
		return Completion{}, fmt.Errorf("llm: encoding the request: %w", err)
	}
	if len(body) > MaxRequestBytes {
		return Completion{}, fmt.Errorf("llm: the request is %d bytes, more than the limit of %d (shorten the messages)", len(body), MaxRequestBytes)
	}
	for attempt := 0; ; attempt++ {
		res, retry, wait, err := c.attempt(ctx, body, attempt)
		res.Retries = attempt
		if err == nil {
			return res, nil
		}
		if ctx.Err() != nil {
			return res, fmt.Errorf("llm: request to %s abandoned: %w", c.shown, context.Cause(ctx))
		}
		if !retry {
			return res, err
		}
		if attempt >= c.cfg.MaxRetries {
			return res, fmt.Errorf("%w: %d attempts failed (Config.MaxRetries %d); the last: %w", ErrRetriesExhausted, attempt+1, c.cfg.MaxRetries, err)
		}
		if wait < 0 {
			wait = c.backoff(attempt)
		}
		if err := sleep(ctx, min(wait, c.cfg.MaxBackoff)); err != nil {
			return res, fmt.Errorf("llm: request to %s abandoned while waiting to retry: %w", c.shown, err)
		}
	}
}

// attempt makes one HTTP request. It reports whether a failure may be
// retried and the wait the server asked for (negative when it asked for
// none).
func (c *Client) attempt(ctx context.Context, body []byte, attempt int) (res Completion, retry bool, wait time.Duration, err error) {
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	timedOut := func(err error) error {
		if ctx.Err() == nil && errors.Is(actx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("%w: no complete reply from %s within %v (Config.Timeout), attempt %d: %w",
				ErrTimeout, c.shown, c.cfg.Timeout, attempt+1, context.DeadlineExceeded)
		}
		return err
	}
	req, err := http.NewRequestWithContext(actx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return res, false, -1, fmt.Errorf("llm: building the request to %s: %w", c.shown, redactErr(err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if c.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
	}
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return res, true, -1, timedOut(fmt.Errorf("llm: POST %s: %w", c.shown, redactErr(err)))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return res, true, -1, timedOut(fmt.Errorf("llm: reading the reply of %s (HTTP %d): %w", c.shown, resp.StatusCode, err))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		apiErr := parseAPIError(resp.StatusCode, data)
		apiErr.Message, apiErr.Type, apiErr.Code = c.redact(apiErr.Message), c.redact(apiErr.Type), c.redact(apiErr.Code)
		wait = -1
		if apiErr.Retryable() {
			wait = retryAfter(resp.Header.Get("Retry-After"), time.Now())
		}
		return res, apiErr.Retryable(), wait, apiErr
	}
	if len(data) > MaxResponseBytes {
		return res, false, -1, fmt.Errorf("%w from %s: the body is longer than %d bytes", ErrMalformedReply, c.shown, MaxResponseBytes)
	}
	res, err = parseCompletion(data)
	if err != nil {
		// A 2xx body that is not a completion (cut short by a proxy, empty
		// choices from an overloaded server) is worth another attempt.
		return res, true, -1, fmt.Errorf("%w from %s (HTTP %d): %s", ErrMalformedReply, c.shown, resp.StatusCode, c.redact(err.Error()))
	}
	return res, false, -1, nil
}

// parseCompletion reads a 2xx chat-completions body.
func parseCompletion(data []byte) (Completion, error) {
	var r chatResponse
	if err := json.Unmarshal(data, &r); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return Completion{}, fmt.Errorf("the body is not valid JSON: %v at byte %d (body starts %s)", syn, syn.Offset, quoteStart(data))
		case errors.As(err, &typ):
			return Completion{}, fmt.Errorf("field %q is a JSON %s, want %s (body starts %s)", typ.Field, typ.Value, typ.Type, quoteStart(data))
		}
		return Completion{}, fmt.Errorf("the body is not a JSON object: %v (body starts %s)", err, quoteStart(data))
	}
	if len(r.Error) > 0 && string(r.Error) != "null" {
		e := parseAPIError(http.StatusOK, data)
		return Completion{}, fmt.Errorf("the body holds an error instead of choices: %s", e.Message)
	}
	if len(r.Choices) == 0 {
		return Completion{}, fmt.Errorf("the body has no choices (body starts %s)", quoteStart(data))
	}
	ch := r.Choices[0]
	if ch.Message == nil {
		return Completion{}, errors.New("choices[0] has no message")
	}
	if ch.Message.Content == nil {
		return Completion{}, fmt.Errorf("choices[0].message.content is missing or null (finish_reason %q)", ch.FinishReason)
	}
	out := Completion{Content: *ch.Message.Content, FinishReason: ch.FinishReason, Model: r.Model}
	if r.Usage != nil {
		out.Usage = *r.Usage
	}
	return out, nil
}

// parseAPIError reads the error of a non-2xx reply: OpenAI's
// {"error": {"message", "type", "code"}}, {"error": "text"}, or
// {"message": "text"}; otherwise the start of the body.
func parseAPIError(status int, data []byte) *APIError {
	e := &APIError{StatusCode: status}
	var body struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
	}
	if json.Unmarshal(data, &body) == nil {
		var obj struct {
			Message string          `json:"message"`
			Type    string          `json:"type"`
			Code    json.RawMessage `json:"code"`
		}
		var text string
		switch {
		case json.Unmarshal(body.Error, &obj) == nil && obj.Message != "":
			e.Message, e.Type = obj.Message, obj.Type
			if c := strings.Trim(string(obj.Code), `"`); c != "null" {
				e.Code = c
			}
		case json.Unmarshal(body.Error, &text) == nil && text != "":
			e.Message = text
		case body.Message != "":
			e.Message = body.Message
		}
	}
	if e.Message == "" {
		if s := strings.TrimSpace(string(data)); s != "" {
			e.Message = "body " + quoteStart(data)
		}
	}
	e.Message = truncate(e.Message, 500)
	return e
}

// retryAfter reads a Retry-After header (seconds or an HTTP date); -1 when
// it is absent or unreadable.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return -1
	}
	if s, err := strconv.ParseFloat(h, 64); err == nil {
		if s < 0 || s != s {
			return -1
		}
		return time.Duration(min(s, 24*3600) * float64(time.Second))
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(t.Sub(now), 0)
	}
	return -1
}

// backoff returns the wait before retry number attempt+1: BaseBackoff ×
// 2^attempt, capped at MaxBackoff, scaled by a jitter factor in [0.5, 1).
func (c *Client) backoff(attempt int) time.Duration {
	d := c.cfg.MaxBackoff
	if attempt < 30 {
		d = min(c.cfg.BaseBackoff<<attempt, c.cfg.MaxBackoff)
	}
	c.mu.Lock()
	f := 0.5 + 0.5*c.rng.Float64()
	c.mu.Unlock()
	return time.Duration(float64(d) * f)
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}

// quoteStart quotes the first 120 bytes of a body for an error message.
func quoteStart(data []byte) string {
	return strconv.Quote(truncate(strings.ToValidUTF8(string(data), "\uFFFD"), 120))
}

// truncate cuts s to at most n runes, marking the cut with "...".
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for k := range s {
		if i == n {
			return s[:k] + "..."
		}
		i++
	}
	return s
}
