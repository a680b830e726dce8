package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/internal/cli/clitest"
	"github.com/autollmresearch/gym/transcript"
)

// noEnv is an empty environment.
func noEnv(string) string { return "" }

func TestNoEndpointSaysWhatToSet(t *testing.T) {
	cases := []struct {
		args []string
		vars map[string]string
		want []string
		not  []string
	}{
		{
			args: nil,
			want: []string{"no LLM endpoint configured", "GYM_LLM_BASE_URL", "OPENAI_BASE_URL", "-base-url", "GYM_LLM_MODEL", "OPENAI_MODEL", "-model", "OPENAI_API_KEY", "-record-teacher"},
		},
		{
			args: []string{"-model", "m"},
			want: []string{"missing the endpoint"},
			not:  []string{"missing the model"},
		},
		{
			vars: map[string]string{"OPENAI_BASE_URL": "http://127.0.0.1:1/v1"},
			want: []string{"missing the model"},
			not:  []string{"missing the endpoint"},
		},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), c.args, func(k string) string { return c.vars[k] }, &stdout, &stderr)
		require.ErrorIs(t, err, errUsage)
		for _, w := range c.want {
			assert.Contains(t, err.Error(), w)
		}
		for _, w := range c.not {
			assert.NotContains(t, err.Error(), w)
		}
		assert.Empty(t, stdout.String())
	}
}

func TestFlagErrors(t *testing.T) {
	withoutEnv := func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		return run(ctx, args, noEnv, stdout, stderr)
	}
	clitest.CheckUsage(t, withoutEnv, errUsage, []clitest.Usage{
		{Args: []string{"-env", "pretrain/steplaw-v0"}, Want: []string{`-env "pretrain/steplaw-v0" is not a text env`, "arch/hwgpt-text-v0"}},
		{Args: []string{"-episodes", "0", "-trials", "-1"}, Want: []string{"-episodes is 0", "-trials is -1"}},
		{Args: []string{"-split", "val", "-setting", "fast"}, Want: []string{`-split is "val"`, `-setting is "fast"`}},
		{Args: []string{"-record-teacher", "oracle"}, Want: []string{`-record-teacher "oracle" is not a policy`, "-record-teacher needs -out"}},
		{Args: []string{"-timeout", "soon"}, Want: []string{`invalid value "soon" for flag -timeout`}},
		{Args: []string{"extra"}, Want: []string{`unexpected argument "extra"`}},
		{Args: []string{"-base-url", "ftp://x", "-model", "m"}, Want: []string{`Config.BaseURL "ftp://x"`}},
	})
}

func TestRecordTeacher(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"teacher.jsonl", "teacher.parquet"} {
		path := filepath.Join(dir, name)
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), []string{"-record-teacher", "scaling-law", "-episodes", "3", "-seed", "4", "-out", path}, noEnv, &stdout, &stderr)
		require.NoError(t, err, stderr.String())
		assert.Contains(t, stdout.String(), "teacher scaling-law on pretrain/steplaw-text-v0 (test split, extrapolate), 3 episodes")
		assert.Contains(t, stdout.String(), "wrote 3 transcripts (0 failed) to "+path)

		f, err := os.Open(path)
		require.NoError(t, err)
		var ts []transcript.Transcript
		if strings.HasSuffix(name, ".parquet") {
			ts, err = transcript.ReadParquet(f)
		} else {
			ts, err = transcript.ReadJSONL(f) // validates every line
		}
		f.Close()
		require.NoError(t, err)
		require.Len(t, ts, 3)
		assert.Equal(t, "teacher-scaling-law/pretrain/steplaw-text-v0/seed-5", ts[1].ID)
		assert.Equal(t, uint64(6), ts[2].Seed)
	}
}

func TestRunWithModel(t *testing.T) {
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if r.Header.Get("Authorization") != "Bearer sk-test" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var req struct {
			Messages []struct{ Content string }
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.Messages) == 0 {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		prompt := req.Messages[len(req.Messages)-1].Content
		i := strings.LastIndex(prompt, "for example:\n\n") + len("for example:\n\n")
		answer := prompt[i : i+strings.IndexByte(prompt[i:], '\n')]
		json.NewEncoder(w).Encode(map[string]any{
			"choices": []any{map[string]any{"message": map[string]string{"content": "Answer: " + answer}}},
			"usage":   map[string]int{"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12},
		})
	}))
	defer srv.Close()
	vars := map[string]string{"GYM_LLM_BASE_URL": srv.URL + "/v1", "OPENAI_MODEL": "stand-in", "OPENAI_API_KEY": "sk-test"}
	out := filepath.Join(t.TempDir(), "llm.jsonl")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-episodes", "2", "-trials", "3", "-out", out}, func(k string) string { return vars[k] }, &stdout, &stderr)
	require.NoError(t, err, stderr.String())
	assert.Equal(t, int64(6), requests.Load())
	assert.Contains(t, stdout.String(), "stand-in on pretrain/steplaw-text-v0")
	assert.Contains(t, stdout.String(), "3 steps (0 invalid, 0 corrected), 0 retries, 36 tokens (30 prompt, 6 completion)")
	assert.Contains(t, stdout.String(), "tokens used: 72 (60 prompt, 12 completion)")
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	require.Len(t, lines, 2)
	for _, l := range lines {
		require.NoError(t, transcript.Validate([]byte(l)))
	}
}

func TestFailedEpisodesAreWritten(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{
			"choices": []any{map[string]any{"message": map[string]string{"content": "I would rather not say."}}},
			"usage":   map[string]int{"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12},
		})
	}))
	defer srv.Close()
	vars := map[string]string{"GYM_LLM_BASE_URL": srv.URL + "/v1", "GYM_LLM_MODEL": "stand-in"}
	for _, ext := range []string{".jsonl", ".parquet"} {
		t.Run(ext, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "llm"+ext)
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), []string{"-episodes", "2", "-out", out}, func(k string) string { return vars[k] }, &stdout, &stderr)
			require.NoError(t, err, stderr.String())
			assert.Contains(t, stderr.String(), "episode 1 failed: no usable answer in 3 steps (3 invalid, 3 corrected); last reply: ")
			assert.Contains(t, stdout.String(), "wrote 2 transcripts (2 failed) to "+out)
			f, err := os.Open(out)
			require.NoError(t, err)
			defer f.Close()
			var ts []transcript.Transcript
			if ext == ".parquet" {
				ts, err = transcript.ReadParquet(f)
			} else {
				ts, err = transcript.ReadJSONL(f)
			}
			require.NoError(t, err)
			require.Len(t, ts, 2)
			for _, tr := range ts {
				assert.Contains(t, tr.Failed, "no usable answer")
				assert.Equal(t, "I would rather not say.", tr.Messages[2].Content)
			}
		})
	}
}
