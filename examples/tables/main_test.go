package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/tasks"
	"github.com/autollmresearch/gym/tasks/grpo"
)

func TestWriteAndReadBack(t *testing.T) {
	want, err := grpo.Default()
	require.NoError(t, err)
	for _, ext := range []string{".parquet", ".arrow", ".arrows", ".csv"} {
		t.Run(ext, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "grpo"+ext)
			var out bytes.Buffer
			require.NoError(t, run(&out, "grpo", "", path))
			assert.Contains(t, out.String(), "wrote 2000 rows")
			if ext == ".csv" {
				assert.Contains(t, out.String(), tasks.SidecarPath(path))
				assert.FileExists(t, tasks.SidecarPath(path))
			}
			got, err := tasks.ReadFile(path)
			require.NoError(t, err)
			defer got.Release()
			assert.Equal(t, want.Experiments(), got.Experiments())

			out.Reset()
			require.NoError(t, run(&out, "", path, ""))
			assert.Equal(t, 1+4+1+want.NumExperiments(), strings.Count(out.String(), "\n"))
		})
	}
}

func TestErrors(t *testing.T) {
	var out bytes.Buffer
	assert.ErrorContains(t, run(&out, "nope", "", ""), `unknown task "nope"`)
	assert.ErrorContains(t, run(&out, "", "", "x.csv"), "-out needs -task")
	assert.ErrorContains(t, run(&out, "grpo", "x.csv", ""), "not both")
	assert.ErrorContains(t, run(&out, "grpo", "", filepath.Join(t.TempDir(), "x.txt")), "unknown table format")
}
