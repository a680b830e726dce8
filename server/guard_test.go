package server_test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/server"
	"github.com/autollmresearch/gym/tasks"
	_ "github.com/autollmresearch/gym/tasks/tablefile" // the tests write .parquet and .arrow tables
)

// resetBody is a POST /reset body opening the pretrain env over table.
func resetBody(table string) string {
	return fmt.Sprintf(`{"env": "pretrain/steplaw-v0", "options": {"table": %q}}`, table)
}

func TestTableOptionIsOffByDefault(t *testing.T) {
	_, _, url := start(t, server.Config{})
	secret := filepath.Join(t.TempDir(), "secret.csv")
	require.NoError(t, os.WriteFile(secret, []byte("x"), 0o600))
	for _, name := range []string{secret, "../../etc/passwd", "absent.csv"} {
		status, msg, _ := do(t, "POST", url+"/reset", resetBody(name))
		assert.Equal(t, http.StatusBadRequest, status)
		assert.Contains(t, msg, "this server reads no table files")
		assert.NotContains(t, msg, "no such file", "the error says nothing about the file")
	}
}

func TestTableOptionIsConfinedToTheTableDirectory(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "tables")
	require.NoError(t, os.Mkdir(dir, 0o755))
	tbl, err := research.DefaultTable("pretrain")
	require.NoError(t, err)
	require.NoError(t, tasks.WriteFile(filepath.Join(dir, "steplaw.parquet"), tbl))
	outside := filepath.Join(base, "outside.parquet")
	require.NoError(t, tasks.WriteFile(outside, tbl))
	require.NoError(t, os.Symlink(outside, filepath.Join(dir, "link.parquet")))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub.csv"), 0o755))
	require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "fifo.csv"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "big.csv"), make([]byte, 2048), 0o644))

	_, _, url := start(t, server.Config{TableDir: dir, MaxTableBytes: 1 << 20})
	status, msg, _ := do(t, "POST", url+"/reset", resetBody("steplaw.parquet"))
	require.Equal(t, http.StatusOK, status, msg)

	tests := []struct{ name, want string }{
		{"../outside.parquet", "no readable file"},
		{outside, "no readable file"},
		{"link.parquet", "no readable file"},
		{"absent.parquet", "no readable file"},
		{"sub.csv", "not a regular file"},
		{"fifo.csv", "not a regular file"},
		{"", "want the name of a file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, msg, _ := do(t, "POST", url+"/reset", resetBody(tc.name))
			assert.Equal(t, http.StatusBadRequest, status, msg)
			assert.Contains(t, msg, tc.want)
			if !filepath.IsAbs(tc.name) { // else the client's own name holds it
				assert.NotContains(t, msg, base, "the error does not reveal the server's paths")
			}
		})
	}

	// A table over the size limit.
	_, _, small := start(t, server.Config{TableDir: dir, MaxTableBytes: 1024})
	status, msg, _ = do(t, "POST", small+"/reset", resetBody("big.csv"))
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, msg, `"big.csv" is 2048 bytes, over the server's limit of 1024`)

	// Errors about a file inside the directory name it as the client did.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bad.csv"), []byte("not a table\n"), 0o644))
	status, msg, _ = do(t, "POST", url+"/reset", resetBody("bad.csv"))
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, msg, "bad.csv")
	assert.NotContains(t, msg, base)
}

// raw sends a request with the given headers.
func raw(t *testing.T, method, url, body string, header map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func TestCrossSiteRequestsAreRefused(t *testing.T) {
	_, _, url := start(t, server.Config{})
	body := `{"env": "toy/grid-search-v0"}`
	tests := []struct {
		name   string
		method string
		header map[string]string
		status int
		want   string
	}{
		{"form post", "POST", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415, "Content-Type: application/json"},
		{"text post", "POST", map[string]string{"Content-Type": "text/plain"}, 415, `not \"text/plain\"`},
		{"no content type", "POST", nil, 415, "Content-Type"},
		{"JSON with charset", "POST", map[string]string{"Content-Type": "application/json; charset=utf-8"}, 200, "session"},
		{"rebound host", "POST", map[string]string{"Content-Type": "application/json", "Host": "attacker.example:8080"}, 403, `host \"attacker.example:8080\" is not one this server answers to`},
		{"rebound host GET", "GET", map[string]string{"Host": "attacker.example"}, 403, "allowed: localhost, 127.0.0.1, ::1"},
		{"localhost", "GET", map[string]string{"Host": "localhost:8080"}, 200, "ok"},
		{"ipv6 loopback", "GET", map[string]string{"Host": "[::1]:8080"}, 200, "ok"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := "/reset"
			if tc.method == "GET" {
				path = "/health"
			}
			status, msg := raw(t, tc.method, url+path, body, tc.header)
			assert.Equal(t, tc.status, status, msg)
			assert.Contains(t, msg, tc.want)
		})
	}
	// A host allowed by configuration.
	_, _, url = start(t, server.Config{AllowedHosts: []string{"gym.internal"}})
	status, _ := raw(t, "GET", url+"/health", "", map[string]string{"Host": "gym.internal:80"})
	assert.Equal(t, http.StatusOK, status)
	status, _ = raw(t, "GET", url+"/health", "", nil) // 127.0.0.1 is no longer listed
	assert.Equal(t, http.StatusForbidden, status)
}

func TestErrorBodiesAreCapped(t *testing.T) {
	_, _, url := start(t, server.Config{MaxBodyBytes: 2 << 20})
	var b strings.Builder
	b.WriteString(`{"env": "pretrain/steplaw-v0", "options": {`)
	for i := 0; b.Len() < 1<<20; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"bogus%d": 1`, i)
	}
	b.WriteString("}}")
	status, msg := raw(t, "POST", url+"/reset", b.String(), map[string]string{"Content-Type": "application/json"})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Less(t, len(msg), 10<<10, "a 1 MB request gets a short error")
	assert.Contains(t, msg, "more bytes)")
	assert.Contains(t, msg, "bogus")
}
