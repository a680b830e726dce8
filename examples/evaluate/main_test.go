package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/eval"
	"github.com/autollmresearch/gym/internal/cli/clitest"
	"github.com/autollmresearch/gym/internal/shareddata"
)

func TestFlagErrors(t *testing.T) {
	clitest.CheckUsage(t, run, errUsage, []clitest.Usage{
		{Args: []string{"-tasks", "pretrain,nope"}, Want: []string{`-tasks: unknown task "nope" (want some of pretrain, arch, mixture, grpo)`}},
		{Args: []string{"-tasks", "arch,arch"}, Want: []string{`-tasks: "arch" is listed twice`}},
		{Args: []string{"-tasks", ""}, Want: []string{"nothing to evaluate"}},
		{Args: []string{"-policies", "random,oracle"}, Want: []string{`-policies: unknown policy "oracle"`, "gp-ei-warm"}},
		{Args: []string{"-policies", " , "}, Want: []string{"-policies is empty"}},
		{Args: []string{"-k", "0", "-episodes", "-3", "-workers", "-1"}, Want: []string{"-k is 0", "-episodes is -3", "-workers is -1"}},
		{Args: []string{"-setting", "fast"}, Want: []string{`-setting is "fast", want extrapolate or multi-fidelity`}},
		{Args: []string{"-out", ""}, Want: []string{"-out is empty"}},
		{Args: []string{"-k", "many"}, Want: []string{`invalid value "many" for flag -k`}},
		{Args: []string{"-bogus"}, Want: []string{"flag provided but not defined: -bogus"}},
		{Args: []string{"pretrain"}, Want: []string{`unexpected argument "pretrain"`}},
	})
}

func TestMissingFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "dense_lr_bs_loss.csv")
	err := run(context.Background(), []string{"-tasks", "", "-steplaw", missing, "-out", t.TempDir()}, &bytes.Buffer{}, &bytes.Buffer{})
	require.Error(t, err)
	assert.False(t, errors.Is(err, errUsage))
	assert.Contains(t, err.Error(), "pretrain (steplaw real): ")
	assert.Contains(t, err.Error(), missing)
}

func TestRunWritesResults(t *testing.T) {
	out := filepath.Join(t.TempDir(), "evaluate")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{
		"-tasks", "arch,grpo", "-policies", "random,transfer", "-k", "2", "-episodes", "2", "-workers", "2", "-out", out,
	}, &stdout, &stderr)
	require.NoError(t, err, stderr.String())

	assert.Contains(t, stdout.String(), "Setting extrapolate, test split, K = 2, seed 1.")
	assert.Contains(t, stdout.String(), "| env | policy | k=1 | k=2 | GPU hours | episodes | failed |")
	for _, row := range []string{"| arch | random |", "| arch | transfer |", "| grpo | random |", "| grpo | transfer |"} {
		assert.Contains(t, stdout.String(), row)
	}
	assert.Contains(t, stderr.String(), "episodes (100%)")

	f, err := os.Open(filepath.Join(out, "results.csv"))
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	assert.Equal(t, eval.Columns(), recs[0])
	assert.Greater(t, len(recs), 1)

	for _, name := range []string{"results.parquet", "results.md", "regret-arch.svg", "regret-grpo.svg"} {
		info, err := os.Stat(filepath.Join(out, name))
		require.NoError(t, err)
		assert.Positive(t, info.Size(), name)
	}
	for _, name := range []string{"regret-arch.png", "regret-grpo.png"} {
		data, err := os.ReadFile(filepath.Join(out, name))
		require.NoError(t, err)
		_, err = png.Decode(bytes.NewReader(data))
		require.NoError(t, err, name)
	}
}

func TestRealTables(t *testing.T) {
	steplaw := shareddata.Require(t, shareddata.StepLaw)
	admire := shareddata.Require(t, shareddata.Admire)
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{
		"-tasks", "", "-steplaw", steplaw, "-admire", admire,
		"-policies", "random,transfer", "-k", "3", "-episodes", "1", "-out", t.TempDir(),
	}, &stdout, &stderr)
	require.NoError(t, err, stderr.String())
	assert.Contains(t, stdout.String(), "| pretrain (steplaw real) | transfer |")
	assert.Contains(t, stdout.String(), "| mixture (admire real) | transfer |")
	assert.NotContains(t, stdout.String(), "| pretrain | ", "-tasks \"\" leaves the defaults out")
}
