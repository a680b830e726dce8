package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/internal/cli/clitest"
	"github.com/autollmresearch/gym/policy/agent"
	"github.com/autollmresearch/gym/prior"
	"github.com/autollmresearch/gym/tasks"
)

func TestUsageErrors(t *testing.T) {
	clitest.CheckUsage(t, run, errUsage, []clitest.Usage{
		{Want: []string{`-task is ""`}},
		{Args: []string{"-task", "poetry"}, Want: []string{`-task is "poetry"`}},
		{Args: []string{"-task", "arch", "-worlds", "0"}, Want: []string{"Worlds"}},
		{Args: []string{"-pretrained", "-task", "arch", "-worlds", "5"}, Want: []string{"-pretrained takes no -task, -worlds"}},
		{Args: []string{"-finetune", "x.gymagent", "-rounds", "2", "-out", "y"}, Want: []string{"-finetune takes no -rounds"}},
		{Args: []string{"-task", "arch", "extra"}, Want: []string{`unexpected argument "extra"`}},
	})
	assert.ErrorIs(t, run(context.Background(), []string{"-h"}, &bytes.Buffer{}, &bytes.Buffer{}), flag.ErrHelp)
}

func TestTrainWritesAgentAndCurves(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "arch.gymagent")
	var stdout, stderr bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-task", "arch", "-worlds", "3", "-rounds", "1", "-grpo-worlds", "2",
		"-out", out, "-curves", dir}, &stdout, &stderr))
	a, err := agent.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, "arch", a.Task())
	for _, f := range []string{"arch-grpo.csv", "arch-grpo.png", "arch-grpo.svg"} {
		st, err := os.Stat(filepath.Join(dir, f))
		require.NoError(t, err, f)
		assert.Positive(t, st.Size())
	}
	assert.Contains(t, stderr.String(), "agent arch round 1/1")
	assert.Contains(t, stderr.String(), "grpo update 1")
}

func TestFineTuneOnATable(t *testing.T) {
	dir := t.TempDir()
	p, err := prior.New("arch")
	require.NoError(t, err)
	tb, err := p.Draw(4)
	require.NoError(t, err)
	table := filepath.Join(dir, "arch.parquet")
	require.NoError(t, tasks.WriteFile(table, tb))
	tb.Release()
	base := filepath.Join(dir, "base.gymagent")
	a, err := agent.Pretrained("arch")
	require.NoError(t, err)
	require.NoError(t, a.WriteFile(base))

	out := filepath.Join(dir, "tuned.gymagent")
	var stdout, stderr bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-finetune", base, "-table", table, "-grpo-worlds", "2", "-out", out}, &stdout, &stderr))
	tuned, err := agent.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, "arch", tuned.Task())
	assert.Contains(t, stderr.String(), "on the train split of arch")

	err = run(context.Background(), []string{"-finetune", base, "-out", out}, &bytes.Buffer{}, &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "exactly one table")
	err = run(context.Background(), []string{"-task", "arch", "-table", table}, &bytes.Buffer{}, &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "training takes no -table")
}
