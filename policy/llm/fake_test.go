package llm

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// reply is what the fake endpoint answers to one request.
type reply struct {
	status     int
	header     map[string]string
	body       string // raw body; when "" and content is set, a completion
	content    string
	hang       bool // wait until the client gives up
	abort      bool // drop the connection
	promptToks int
}

// fakeServer is an in-process OpenAI-compatible endpoint. script chooses
// the reply to request n (0-based) given the messages.
type fakeServer struct {
	*httptest.Server
	script func(n int, msgs []Message) reply

	mu       sync.Mutex
	requests []chatRequest
	auth     []string
}

// Token counts the fake reports for every completion.
const (
	fakePromptTokens     = 100
	fakeCompletionTokens = 7
)

func newFakeServer(t testing.TB, script func(n int, msgs []Message) reply) *fakeServer {
	t.Helper()
	f := &fakeServer{script: script}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
		http.Error(w, `{"error": {"message": "not found"}}`, http.StatusNotFound)
		return
	}
	data, _ := io.ReadAll(r.Body)
	var req chatRequest
	if err := json.Unmarshal(data, &req); err != nil {
		http.Error(w, `{"error": {"message": "bad request body"}}`, http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	n := len(f.requests)
	f.requests = append(f.requests, req)
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	f.mu.Unlock()
	rep := f.script(n, req.Messages)
	switch {
	case rep.hang:
		<-r.Context().Done()
		return
	case rep.abort:
		panic(http.ErrAbortHandler)
	}
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	body := rep.body
	if body == "" {
		pt := rep.promptToks
		if pt == 0 {
			pt = fakePromptTokens
		}
		b, _ := json.Marshal(map[string]any{
			"id": fmt.Sprintf("chatcmpl-%d", n), "object": "chat.completion", "model": req.Model,
			"choices": []any{map[string]any{
				"index": 0, "finish_reason": "stop",
				"message": map[string]any{"role": "assistant", "content": rep.content},
			}},
			"usage": map[string]int{"prompt_tokens": pt, "completion_tokens": fakeCompletionTokens, "total_tokens": pt + fakeCompletionTokens},
		})
		body = string(b)
	}
	w.Header().Set("Content-Type", "application/json")
	if rep.status != 0 {
		w.WriteHeader(rep.status)
	}
	io.WriteString(w, body)
}

// calls returns the requests received so far.
func (f *fakeServer) calls() []chatRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]chatRequest(nil), f.requests...)
}

// config returns a client config for the fake with fast retries.
func (f *fakeServer) config() Config {
	return Config{
		BaseURL: f.URL + "/v1", Model: "fake-model", APIKey: "sk-test",
		Timeout: 5 * time.Second, MaxRetries: 3, BaseBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
		Temperature: 0.2, MaxTokens: 256,
	}
}

func (f *fakeServer) client(t testing.TB) *Client {
	t.Helper()
	c, err := NewClient(f.config())
	require.NoError(t, err)
	return c
}

// lastUser returns the content of the last user message.
func lastUser(msgs []Message) string {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == RoleUser {
			return msgs[i].Content
		}
	}
	return ""
}

// goodConfig answers a research text prompt with the best config shown for
// the nearest lower fidelity, or the answer format's example.
func goodConfig(prompt string) string {
	if i := strings.Index(prompt, "\n- {"); i >= 0 {
		line := prompt[i+3:]
		if j := strings.Index(line, "} ->"); j >= 0 {
			return `{"config": ` + line[:j+1] + `}`
		}
	}
	if i := strings.Index(prompt, "for example:\n\n"); i >= 0 {
		rest := prompt[i+len("for example:\n\n"):]
		if j := strings.IndexByte(rest, '\n'); j >= 0 {
			return rest[:j]
		}
	}
	return "no example in the prompt"
}
