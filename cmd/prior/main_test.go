package main

import (
	"bytes"
	"context"
	"flag"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/internal/cli/clitest"
	"github.com/autollmresearch/gym/internal/shareddata"
	"github.com/autollmresearch/gym/tasks"
)

func TestUsageErrors(t *testing.T) {
	clitest.CheckUsage(t, run, errUsage, []clitest.Usage{
		{Want: []string{"no command given"}},
		{Args: []string{"sample"}, Want: []string{`unknown command "sample"`}},
		{Args: []string{"check"}, Want: []string{"nothing to check"}},
		{Args: []string{"check", "-table", "x.csv", "-draws", "3"}, Want: []string{"-draws is 3"}},
		{Args: []string{"baselines", "-tasks", "poetry"}, Want: []string{`no prior for task "poetry"`}},
		{Args: []string{"baselines", "-draws", "0"}, Want: []string{"-draws 0"}},
		{Args: []string{"baselines", "-policies", "oracle"}, Want: []string{`unknown policy "oracle"`}},
		{Args: []string{"draw"}, Want: []string{"-out is empty"}},
		{Args: []string{"draw", "-out", "x.txt"}, Want: []string{"x.txt"}},
		{Args: []string{"draw", "-task", "poetry", "-out", "x.csv"}, Want: []string{`"poetry"`}},
		{Args: []string{"draw", "-out", "x.csv", "extra"}, Want: []string{`unexpected argument "extra"`}},
	})
}

func TestHelp(t *testing.T) {
	var out bytes.Buffer
	assert.ErrorIs(t, run(context.Background(), []string{"-h"}, &out, &bytes.Buffer{}), flag.ErrHelp)
	assert.Contains(t, out.String(), "baselines")
	assert.ErrorIs(t, run(context.Background(), []string{"draw", "-h"}, &out, &bytes.Buffer{}), flag.ErrHelp)
}

func TestDrawThenCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "world.parquet")
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"draw", "-task", "mixture", "-seed", "5", "-out", path}, &out, &bytes.Buffer{}))
	assert.Contains(t, out.String(), "mixture world 5:")
	tb, err := tasks.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, tasks.Synthetic, tb.Meta().Provenance)
	tb.Release()

	out.Reset()
	require.NoError(t, run(context.Background(), []string{"check", "-table", path, "-draws", "40"}, &out, &bytes.Buffer{}))
	report := out.String()
	assert.Contains(t, report, "| world | spearman_adjacent |")
	assert.Contains(t, report, "| world | effective_sources |")
	assert.Contains(t, report, "statistic(s) outside the prior's central 95 %")
}

func TestBaselinesOnDraws(t *testing.T) {
	var out, progress bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"baselines", "-draws", "4", "-policies", "random,scaling-law", "-k", "2"}, &out, &progress))
	report := out.String()
	for _, w := range []string{"## pretrain: 4 worlds", "## mixture: 4 worlds", "Mean over 4 env(s)", "| scaling-law |", "wins k=2"} {
		assert.Contains(t, report, w)
	}
	assert.Contains(t, progress.String(), "pretrain: 4/4 worlds")
}

func TestCheckRealTables(t *testing.T) {
	steplaw := shareddata.Require(t, shareddata.StepLaw)
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"check", "-steplaw", steplaw, "-draws", "100"}, &out, &bytes.Buffer{}))
	assert.Contains(t, out.String(), "| steplaw | law_residual_octaves |")
	assert.Contains(t, out.String(), "0 statistic(s) outside")
}
