package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/internal/cli"
	"github.com/autollmresearch/gym/tasks"
	"github.com/autollmresearch/gym/tasks/grpo"
)

// files writes the grpo default (shared: not released) as CSV (with its sidecar) and Parquet into
// a new directory and returns the table and the directory.
func files(t *testing.T) (*tasks.Table, string) {
	t.Helper()
	tb, err := grpo.Default()
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, tasks.WriteFile(filepath.Join(dir, "grpo.csv"), tb))
	require.NoError(t, tasks.WriteFile(filepath.Join(dir, "grpo.parquet"), tb))
	return tb, dir
}

func runArgs(args ...string) (string, error) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, &out, &errOut)
	return out.String() + errOut.String(), err
}

func TestUsageErrors(t *testing.T) {
	_, dir := files(t)
	side := filepath.Join(dir, "grpo.csv.meta.json")
	cases := []struct {
		args []string
		want string
	}{
		{nil, "no command given"},
		{[]string{"show"}, `unknown command "show"`},
		{[]string{"meta"}, "no table file given"},
		{[]string{"meta", side, "-o", "x.json"}, `unexpected argument "-o" after the table file`},
		{[]string{"meta", "-x"}, "flag provided but not defined"},
		{[]string{"attach"}, "-meta is missing"},
		{[]string{"attach", "-meta", side, "-csv", "e.csv"}, "-o is missing"},
		{[]string{"attach", "-meta", side, "-csv", "e.csv", "-o", "e.txt"}, `unknown table format ".txt"`},
		{[]string{"attach", "-meta", side, "-csv", "e.csv", "-o", side}, "would overwrite the -meta file"},
		{[]string{"attach", "-meta", side, "-csv", "e.csv", "-o", "e.parquet", "extra"}, `unexpected argument "extra"`},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			_, err := runArgs(c.args...)
			require.ErrorIs(t, err, cli.ErrUsage)
			assert.ErrorContains(t, err, c.want)
		})
	}
	_, err := runArgs("-h")
	assert.ErrorIs(t, err, flag.ErrHelp)
}

func TestMeta(t *testing.T) {
	tb, dir := files(t)
	side, err := os.ReadFile(filepath.Join(dir, "grpo.csv.meta.json"))
	require.NoError(t, err)
	plain, err := os.ReadFile(filepath.Join(dir, "grpo.csv"))
	require.NoError(t, err)
	// A CSV of earlier versions: the metadata in comment lines.
	var doc struct {
		Metadata map[string]string `json:"metadata"`
	}
	require.NoError(t, json.Unmarshal(side, &doc))
	var legacy bytes.Buffer
	for k, v := range doc.Metadata {
		fmt.Fprintf(&legacy, "# %s=%s\n", k, v)
	}
	legacy.Write(plain)
	old := filepath.Join(dir, "old.csv")
	require.NoError(t, os.WriteFile(old, legacy.Bytes(), 0o644))

	for _, in := range []string{"grpo.csv", "grpo.csv.meta.json", "grpo.parquet", "old.csv"} {
		t.Run(in, func(t *testing.T) {
			out, err := runArgs("meta", filepath.Join(dir, in))
			require.NoError(t, err)
			assert.Equal(t, string(side), out, "the sidecar WriteFile writes, whatever the source")
		})
	}

	// -o writes it; the written sidecar makes the old CSV's rows readable
	// as a plain CSV.
	target := filepath.Join(dir, "copy.csv")
	require.NoError(t, os.WriteFile(target, plain, 0o644))
	out, err := runArgs("meta", "-o", tasks.SidecarPath(target), old)
	require.NoError(t, err)
	assert.Contains(t, out, "task grpo")
	back, err := tasks.ReadFile(target)
	require.NoError(t, err)
	defer back.Release()
	assert.Equal(t, tb.Checksum(), back.Checksum())

	_, err = runArgs("meta", filepath.Join(dir, "missing.parquet"))
	assert.ErrorContains(t, err, "missing.parquet")
	require.NoError(t, os.Remove(filepath.Join(dir, "grpo.csv.meta.json")))
	_, err = runArgs("meta", filepath.Join(dir, "grpo.csv"))
	assert.ErrorContains(t, err, "no metadata")
}

func TestAttach(t *testing.T) {
	tb, dir := files(t)
	side := filepath.Join(dir, "grpo.csv.meta.json")
	plain, err := os.ReadFile(filepath.Join(dir, "grpo.csv"))
	require.NoError(t, err)
	lines := strings.SplitAfter(string(plain), "\n")
	// What a filter in pandas leaves: the header and some rows.
	edited := filepath.Join(dir, "edited.csv")
	require.NoError(t, os.WriteFile(edited, []byte(strings.Join(lines[:len(lines)-101], "")), 0o644))
	same := filepath.Join(dir, "same.csv")
	require.NoError(t, os.WriteFile(same, plain, 0o644))
	indexed := filepath.Join(dir, "indexed.csv")
	require.NoError(t, os.WriteFile(indexed, []byte(","+strings.ReplaceAll(string(plain), "\n", "\n0,")), 0o644))

	cases := []struct {
		name, meta, csv, out string
		rows                 int
		want                 string
	}{
		{"unchanged, sidecar", side, same, "a.parquet", tb.NumRows(), "checksum verified"},
		{"edited, sidecar", side, edited, "b.parquet", tb.NumRows() - 100, "rows differ"},
		{"edited, metadata from Parquet", filepath.Join(dir, "grpo.parquet"), edited, "c.arrow", tb.NumRows() - 100, "rows differ"},
		{"edited, to CSV", side, edited, "d.csv", tb.NumRows() - 100, "its metadata " + filepath.Join(dir, "d.csv.meta.json")},
		{"pandas index kept", side, indexed, "e.parquet", 0, "index=False"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(dir, c.out)
			text, err := runArgs("attach", "-meta", c.meta, "-csv", c.csv, "-o", out)
			if c.rows == 0 {
				require.Error(t, err)
				assert.ErrorContains(t, err, c.want)
				assert.ErrorContains(t, err, c.csv)
				assert.NoFileExists(t, out)
				return
			}
			require.NoError(t, err)
			assert.Contains(t, text, c.want)
			assert.Contains(t, text, fmt.Sprintf("%d rows", c.rows))
			back, err := tasks.ReadFile(out)
			require.NoError(t, err, "the written file carries the metadata and a checksum of its own")
			defer back.Release()
			assert.Equal(t, c.rows, back.NumRows())
			assert.Equal(t, tb.Meta().Columns(), back.Meta().Columns())
			assert.Equal(t, tb.Meta().Provenance, back.Meta().Provenance)
		})
	}
}
