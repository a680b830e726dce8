package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/internal/cli/clitest"
	"github.com/autollmresearch/gym/internal/shareddata"
	"github.com/autollmresearch/gym/policy/agent"
	"github.com/autollmresearch/gym/prior"
	"github.com/autollmresearch/gym/tasks"
)

func TestFlagErrors(t *testing.T) {
	clitest.CheckUsage(t, run, errUsage, []clitest.Usage{
		{Want: []string{"nothing to evaluate"}},
		{Args: []string{"-table", "x.parquet", "-seeds", "3", "-k", "0", "-workers", "-2"}, Want: []string{"-seeds is 3, want at least 5", "-k is 0", "-workers is -2"}},
		{Args: []string{"-table", "x.parquet", "-policies", "random,oracle"}, Want: []string{`unknown policy "oracle"`}},
		{Args: []string{"-table", "x.parquet", "extra"}, Want: []string{`unexpected argument "extra"`}},
		{Args: []string{"-table", "x.parquet", "-policies", "none"}, Want: []string{"-policies none leaves nothing"}},
		{Args: []string{"-bogus"}, Want: []string{"flag provided but not defined: -bogus"}},
	})
}

func TestHelpIsNotAnError(t *testing.T) {
	err := run(context.Background(), []string{"-h"}, &bytes.Buffer{}, &bytes.Buffer{})
	assert.ErrorIs(t, err, flag.ErrHelp)
}

func TestMissingTable(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "gone.parquet")
	err := run(context.Background(), []string{"-table", missing, "-out", t.TempDir()}, &bytes.Buffer{}, &bytes.Buffer{})
	require.Error(t, err)
	assert.False(t, errors.Is(err, errUsage))
	assert.Contains(t, err.Error(), missing)
}

// TestScoreboardOnCanonicalTables runs the board on two tables written by
// the world priors, as a user would with their own files.
func TestScoreboardOnCanonicalTables(t *testing.T) {
	dir := t.TempDir()
	var args []string
	for i, task := range prior.Tasks() {
		p, err := prior.New(task)
		require.NoError(t, err)
		tb, err := p.Draw(uint64(i + 3))
		require.NoError(t, err)
		path := filepath.Join(dir, task+".parquet")
		require.NoError(t, tasks.WriteFile(path, tb))
		tb.Release()
		args = append(args, "-table", path)
	}
	out := filepath.Join(dir, "out")
	require.NoError(t, os.MkdirAll(out, 0o755))
	stale := filepath.Join(out, "regret-a-table-of-an-earlier-run.png")
	require.NoError(t, os.WriteFile(stale, []byte("old"), 0o644))
	args = append(args, "-seeds", "5", "-policies", "random,transfer,scaling-law", "-out", out, "-workers", "2")
	var stdout, stderr bytes.Buffer
	require.NoError(t, run(context.Background(), args, &stdout, &stderr))
	report := stdout.String()
	assert.Contains(t, report, "## Mean over tables")
	assert.Contains(t, report, fmt.Sprintf("Mean over %d env(s)", len(prior.Tasks())))
	for _, name := range []string{"| pretrain | scaling-law |", "| mixture | transfer |", "| random |"} {
		assert.Contains(t, report, name)
	}
	for _, f := range []string{"results.csv", "results.parquet", "scoreboard.md", "board.csv", "regret-pretrain.png", "regret-mixture.svg"} {
		st, err := os.Stat(filepath.Join(out, f))
		require.NoError(t, err, f)
		assert.Positive(t, st.Size(), f)
	}
	_, err := os.Stat(stale)
	assert.True(t, errors.Is(err, os.ErrNotExist), "the previous run's plot is gone")
	board, err := os.ReadFile(filepath.Join(out, "board.csv"))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(board), "policy,k,mean_regret,se_regret,tables,wins\n"))
	assert.Equal(t, 1+3*5, strings.Count(string(board), "\n"), "a row per policy and k")
}

func TestScoreboardOnRealTables(t *testing.T) {
	steplaw := shareddata.Require(t, shareddata.StepLaw)
	admire := shareddata.Require(t, shareddata.Admire)
	var stdout bytes.Buffer
	err := run(context.Background(), []string{"-steplaw", steplaw, "-admire", admire, "-seeds", "5",
		"-policies", "transfer,scaling-law", "-out", t.TempDir()}, &stdout, &bytes.Buffer{})
	require.NoError(t, err)
	assert.Contains(t, stdout.String(), "admire (mixture): 1 held-out target(s): one target, so its figures are one experiment's, not a verdict")
	assert.Contains(t, stdout.String(), "| steplaw | scaling-law |")
}

func TestScoreboardWithAgents(t *testing.T) {
	dir := t.TempDir()
	p, err := prior.New("pretrain")
	require.NoError(t, err)
	tb, err := p.Draw(9)
	require.NoError(t, err)
	path := filepath.Join(dir, "world.parquet")
	require.NoError(t, tasks.WriteFile(path, tb))
	tb.Release()

	var stdout bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-table", path, "-agent", "pretrained", "-seeds", "5",
		"-policies", "scaling-law", "-out", filepath.Join(dir, "out")}, &stdout, &bytes.Buffer{}))
	assert.Contains(t, stdout.String(), "| world | agent |")

	mix, err := prior.New("mixture")
	require.NoError(t, err)
	mt, err := mix.Draw(9)
	require.NoError(t, err)
	mpath := filepath.Join(dir, "mix.parquet")
	require.NoError(t, tasks.WriteFile(mpath, mt))
	mt.Release()
	agentPath := filepath.Join(dir, "pretrain.gymagent")
	a, err := agent.Pretrained("pretrain")
	require.NoError(t, err)
	require.NoError(t, a.WriteFile(agentPath))
	err = run(context.Background(), []string{"-table", mpath, "-agent", agentPath, "-out", filepath.Join(dir, "out2")}, &bytes.Buffer{}, &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `task "mixture", for which no -agent was given`)

	err = run(context.Background(), []string{"-table", mpath, "-agent", filepath.Join(dir, "missing.gymagent"), "-out", filepath.Join(dir, "out3")}, &bytes.Buffer{}, &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "missing.gymagent")
}
