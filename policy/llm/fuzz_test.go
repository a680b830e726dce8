package llm

import (
	"net/http"
	"testing"
	"time"
)

// FuzzParseCompletion checks that the parser of 2xx chat-completions
// bodies never panics and returns content only without an error.
func FuzzParseCompletion(f *testing.F) {
	f.Add([]byte(`{"choices": [{"message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}], "usage": {"prompt_tokens": 3, "completion_tokens": 1}}`))
	f.Add([]byte(`{"choices": []}`))
	f.Add([]byte(`{"choices": [{"message": {"content": null}}]}`))
	f.Add([]byte(`{"error": {"message": "overloaded"}}`))
	f.Add([]byte(`[1, 2`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := parseCompletion(data)
		if err != nil && c.Content != "" {
			t.Fatal("content and an error")
		}
	})
}

// FuzzParseAPIError checks that the parser of error bodies never panics,
// keeps the status and bounds the message.
func FuzzParseAPIError(f *testing.F) {
	f.Add(401, []byte(`{"error": {"message": "Incorrect API key", "type": "invalid_request_error", "code": "invalid_api_key"}}`))
	f.Add(429, []byte(`{"error": "rate limited"}`))
	f.Add(500, []byte(`{"message": "boom"}`))
	f.Add(502, []byte("<html>bad gateway</html>"))
	f.Add(400, []byte(`{"error": {"message": "", "code": 12}}`))
	f.Fuzz(func(t *testing.T, status int, data []byte) {
		e := parseAPIError(status, data)
		if e.StatusCode != status {
			t.Fatal("status changed")
		}
		if len([]rune(e.Message)) > 503 {
			t.Fatalf("message of %d runes", len([]rune(e.Message)))
		}
		_ = e.Error()
	})
}

// FuzzRetryAfter checks that Retry-After is read as a wait of at most a
// day, or -1, whatever the header holds.
func FuzzRetryAfter(f *testing.F) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Add("5")
	f.Add("0.5")
	f.Add("-3")
	f.Add("NaN")
	f.Add("1e400")
	f.Add(now.Add(time.Minute).Format(http.TimeFormat))
	f.Add("Mon, 02 Jan 9999 15:04:05 GMT")
	f.Fuzz(func(t *testing.T, h string) {
		d := retryAfter(h, now)
		if d != -1 && d < 0 {
			t.Fatalf("wait %v", d)
		}
	})
}
