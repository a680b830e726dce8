package rl

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLogger(t *testing.T) {
	var csvBuf, jsonBuf bytes.Buffer
	l := NewLogger(&csvBuf, &jsonBuf)
	require.NoError(t, l.Log([]Metric{{"a", 1}, {"b,c", 0.25}, {"n", math.NaN()}}))
	require.NoError(t, l.Log([]Metric{{"a", 2}, {"b,c", -1e-9}, {"n", math.Inf(1)}}))
	assert.Equal(t, []string{"a", "b,c", "n"}, l.Columns())
	require.NoError(t, l.Flush())
	assert.Equal(t, "a,\"b,c\",n\n1,0.25,\n2,-1e-09,+Inf\n", csvBuf.String())
	lines := strings.Split(strings.TrimSpace(jsonBuf.String()), "\n")
	require.Len(t, lines, 2)
	assert.Equal(t, `{"a":1,"b,c":0.25,"n":null}`, lines[0])
	assert.Equal(t, `{"a":2,"b,c":-1e-09,"n":"+Inf"}`, lines[1])
	for _, line := range lines {
		assert.True(t, json.Valid([]byte(line)), line)
	}

	assert.ErrorContains(t, l.Log([]Metric{{"a", 1}}), "record has 1 metrics, the log has 3 columns (a,b,c,n)")
	assert.ErrorContains(t, l.Log([]Metric{{"a", 1}, {"x", 2}, {"n", 3}}), `metric 1 is "x", the log's column 1 is "b,c"`)

	// Either format may be left out.
	var only bytes.Buffer
	l = NewLogger(nil, &only)
	require.NoError(t, l.Log([]Metric{{"a", 1}}))
	require.NoError(t, l.Close())
	assert.Equal(t, "{\"a\":1}\n", only.String())
}

func TestCreateLoggerAppend(t *testing.T) {
	prefix := filepath.Join(t.TempDir(), "run", "metrics")
	l, err := CreateLogger(prefix, true) // nothing to append to yet
	require.NoError(t, err)
	require.NoError(t, l.Log([]Metric{{"update", 1}, {"ret", 0.5}}))
	require.NoError(t, l.Close())

	l, err = CreateLogger(prefix, true)
	require.NoError(t, err)
	assert.Equal(t, []string{"update", "ret"}, l.Columns(), "columns come from the existing header")
	assert.ErrorContains(t, l.Log([]Metric{{"update", 2}}), "record has 1 metrics, the log has 2 columns")
	require.NoError(t, l.Log([]Metric{{"update", 2}, {"ret", 0.75}}))
	require.NoError(t, l.Close())
	data, err := os.ReadFile(prefix + ".csv")
	require.NoError(t, err)
	assert.Equal(t, "update,ret\n1,0.5\n2,0.75\n", string(data))
	data, err = os.ReadFile(prefix + ".jsonl")
	require.NoError(t, err)
	assert.Equal(t, "{\"update\":1,\"ret\":0.5}\n{\"update\":2,\"ret\":0.75}\n", string(data))

	// Without appendTo, the files start over.
	l, err = CreateLogger(prefix, false)
	require.NoError(t, err)
	require.NoError(t, l.Log([]Metric{{"other", 1}}))
	require.NoError(t, l.Close())
	data, err = os.ReadFile(prefix + ".csv")
	require.NoError(t, err)
	assert.Equal(t, "other\n1\n", string(data))

	// A file in the way of the directory is an error.
	blocker := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(blocker, nil, 0o644))
	_, err = CreateLogger(filepath.Join(blocker, "metrics"), false)
	assert.ErrorContains(t, err, "creating the log directory")
}

func TestStatsMetrics(t *testing.T) {
	s := PPOStats{Update: 3, GlobalStep: 300, EpisodeReturn: 0.5, EpisodeMetrics: []Metric{{"regret", 0.1}}, Epochs: 4}
	m := s.Metrics()
	names := make([]string, len(m))
	for i, x := range m {
		names[i] = x.Name
	}
	assert.Equal(t, []string{"update", "global_step", "steps_per_second", "lr", "episodes", "episode_return",
		"episode_length", "regret", "policy_loss", "value_loss", "entropy", "approx_kl", "clip_frac",
		"explained_variance", "grad_norm", "epochs"}, names)
	assert.Equal(t, 0.1, m[7].Value)
	assert.Equal(t, 4.0, m[len(m)-1].Value)
	assert.Contains(t, s.String(), "update 3  step 300")
	assert.Contains(t, s.String(), "regret 0.1000")
}

func TestNewLogsReplaceOldOnesOnlyOnClose(t *testing.T) {
	prefix := filepath.Join(t.TempDir(), "metrics")
	l, err := CreateLogger(prefix, false)
	require.NoError(t, err)
	require.NoError(t, l.Log([]Metric{{"update", 1}}))
	require.NoError(t, l.Close())

	// A second run that dies before closing its logs (a crash, a failed
	// write) leaves the first run's logs as they were.
	l, err = CreateLogger(prefix, false)
	require.NoError(t, err)
	require.NoError(t, l.Log([]Metric{{"update", 9}}))
	require.NoError(t, l.Flush())
	data, err := os.ReadFile(prefix + ".csv")
	require.NoError(t, err)
	assert.Equal(t, "update\n1\n", string(data))
	data, err = os.ReadFile(prefix + ".jsonl")
	require.NoError(t, err)
	assert.Equal(t, "{\"update\":1}\n", string(data))

	require.NoError(t, l.Close())
	data, err = os.ReadFile(prefix + ".csv")
	require.NoError(t, err)
	assert.Equal(t, "update\n9\n", string(data))
	es, err := os.ReadDir(filepath.Dir(prefix))
	require.NoError(t, err)
	assert.Len(t, es, 2, "no temporary file is left")
}
