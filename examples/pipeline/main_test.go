package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/internal/cli/clitest"
	"github.com/autollmresearch/gym/nn"
	"github.com/autollmresearch/gym/tasks"
	"github.com/autollmresearch/gym/tasks/grpo"
)

func TestFlagErrors(t *testing.T) {
	clitest.CheckUsage(t, run, errUsage, []clitest.Usage{
		{Args: []string{"-tasks", "pretrain,nope"}, Want: []string{`-tasks: unknown task "nope"`}},
		{Args: []string{"-tasks", "arch,arch"}, Want: []string{`-tasks: "arch" is listed twice`}},
		{Args: []string{"-tasks", " "}, Want: []string{"nothing to run: -tasks is empty and none of -table, -steplaw, -admire is given"}},
		{Args: []string{"-k", "0", "-group", "1", "-updates", "-1"}, Want: []string{"-k is 0", "-group is 1", "-updates is -1"}},
		{Args: []string{"-lr", "0", "-beta", "-1"}, Want: []string{"-lr is 0", "-beta is -1"}},
		{Args: []string{"-ablation", "-updates", "0"}, Want: []string{"-ablation needs RL"}},
		{Args: []string{"-out", ""}, Want: []string{"-out is empty"}},
		{Args: []string{"-bogus"}, Want: []string{"flag provided but not defined: -bogus"}},
		{Args: []string{"pretrain"}, Want: []string{`unexpected argument "pretrain"`}},
	})
}

func TestSmokeRun(t *testing.T) {
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	args := []string{
		"-train", "table", "-tasks", "pretrain", "-out", out, "-sim-episodes", "20", "-bc-epochs", "2", "-updates", "2", "-prompts", "2", "-group", "2",
		"-hidden", "8", "-episodes", "1", "-workers", "2", "-ablation",
	}
	require.NoError(t, run(context.Background(), args, &stdout, &stderr), stderr.String())

	tables := stdout.String()
	for _, name := range []string{"random", "gp-ei-warm", agentDistil, agentRL, agentDistilRL} {
		assert.Contains(t, tables, "| pretrain | "+name+" |")
	}
	assert.Contains(t, tables, "ablation")
	for _, stage := range []string{"1/5", "2/5", "3/5", "4/5", "5/5"} {
		assert.Contains(t, stderr.String(), "[pretrain] "+stage)
	}

	dir := filepath.Join(out, "pretrain")
	for _, f := range []string{"regret.csv", "regret.md", "ablation.csv", "ablation.md", "policy.ckpt",
		"grpo-distil-metrics.csv", "grpo-distil-metrics.jsonl", "grpo-distil-metrics.png", "grpo-distil-metrics.svg",
		"grpo-fresh-metrics.csv", "grpo-fresh-metrics.png"} {
		info, err := os.Stat(filepath.Join(dir, f))
		require.NoError(t, err, f)
		assert.Positive(t, info.Size(), f)
	}
	ck, err := nn.ReadFile(filepath.Join(dir, "policy.ckpt"))
	require.NoError(t, err)
	actor, err := ck.NewMLPFrom("actor")
	require.NoError(t, err)
	assert.Equal(t, 8, actor.Config().Sizes[1])
	logStd, err := ck.Vector("log_std")
	require.NoError(t, err)
	assert.Len(t, logStd, actor.Out())
	assert.Contains(t, string(ck.Meta), agentDistilRL)
}

// TestTableFile runs the pipeline on an outcome table read from a file,
// as a user would on an imported real table.
func TestTableFile(t *testing.T) {
	tbl, err := research.DefaultTable(grpo.Task)
	require.NoError(t, err)
	dir := t.TempDir()
	path := filepath.Join(dir, "mine.parquet")
	require.NoError(t, tasks.WriteFile(path, tbl))

	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	args := []string{
		"-train", "table", "-tasks", "", "-table", path, "-out", out, "-sim-episodes", "10", "-bc-epochs", "1", "-updates", "1",
		"-prompts", "2", "-group", "2", "-hidden", "4", "-episodes", "1", "-baselines=false",
	}
	require.NoError(t, run(context.Background(), args, &stdout, &stderr), stderr.String())
	assert.Contains(t, stdout.String(), "| grpo-mine | "+agentDistilRL+" |")
	_, err = os.Stat(filepath.Join(out, "grpo-mine", "regret.csv"))
	require.NoError(t, err)

	stdout.Reset()
	err = run(context.Background(), []string{"-tasks", "", "-table", filepath.Join(dir, "absent.parquet"), "-out", out}, &stdout, &stderr)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "absent.parquet")
}

// TestWorldsRun runs the default pipeline: the arch agent trained on a few
// generated worlds, the grpo agent taken from the embedded ones.
func TestWorldsRun(t *testing.T) {
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	args := []string{"-tasks", "arch,grpo", "-retrain", "arch", "-worlds", "3", "-grpo-worlds", "2", "-episodes", "1", "-workers", "2", "-out", out}
	require.NoError(t, run(context.Background(), args, &stdout, &stderr), stderr.String())
	for _, w := range []string{"| arch | " + worldAgent + " |", "| arch | scaling-law |", "| grpo | " + worldAgent + " |"} {
		assert.Contains(t, stdout.String(), w)
	}
	assert.Contains(t, stderr.String(), "[arch] 2/5 simulate and distil on 3 generated arch worlds")
	assert.Contains(t, stderr.String(), "[grpo] 2/5 and 3/5 simulate, distil and RL: the embedded grpo agent")
	// Not on a terminal and without -v: a few lines per stage, none per
	// distillation round or GRPO update.
	// The trainers' own lines ("agent arch grpo update 1 ...") never appear
	// as lines of their own; a progress line printed when a stage runs for
	// more than 10 s (the race detector slows it so) may quote the latest.
	log := stderr.String()
	assert.NotContains(t, log, "\r")
	for _, l := range strings.Split(log, "\n") {
		assert.False(t, strings.HasPrefix(l, "agent "), "a trainer's line printed on its own: %q", l)
	}
	assert.Contains(t, log, "[arch] 3/5 RL: GRPO on 2 other worlds: done in ")
	assert.LessOrEqual(t, strings.Count(log, "\n"), 25, log)
	for _, f := range []string{"arch/agent.gymagent", "arch/regret.csv", "arch/grpo-worlds-metrics.csv", "arch/grpo-worlds-metrics.png", "grpo/agent.gymagent"} {
		info, err := os.Stat(filepath.Join(out, f))
		require.NoError(t, err, f)
		assert.Positive(t, info.Size(), f)
	}
	err := run(context.Background(), []string{"-train", "sky"}, &bytes.Buffer{}, &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `-train is "sky"`)
}

// TestProgressModes checks the three forms of the stage reports: -v (a
// line per round and update), a log (a few lines per stage) and a
// terminal (one line rewritten in place per stage).
func TestProgressModes(t *testing.T) {
	args := []string{"-tasks", "arch", "-retrain", "arch", "-worlds", "2", "-grpo-worlds", "2", "-episodes", "1", "-workers", "2", "-baselines=false"}
	cases := []struct {
		name     string
		flags    []string
		terminal int
		has      []string
		hasNot   []string
	}{
		{"verbose", []string{"-v"}, 0, []string{"agent arch round 1/", "agent arch grpo update 1 (", "eval: ", "[arch]     done in "}, []string{"\r", "ETA"}},
		{"log", nil, -1, []string{"[arch] 3/5 RL: GRPO on 2 other worlds\n", "[arch] 3/5 RL: GRPO on 2 other worlds: done in "}, []string{"\r", "grpo update"}},
		{"terminal", nil, 1, []string{"\r[arch] 2/5 simulate and distil", "rounds (", "\r[arch] 3/5 RL: GRPO on 2 other worlds: 2/2 worlds (100%)", ": done in "}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			cfg, err := parseFlags(append(append([]string{"-out", t.TempDir()}, args...), c.flags...), &stderr)
			require.NoError(t, err)
			cfg.progress.Terminal = c.terminal
			cfg.progress.Redraw = -1
			tbl, err := research.DefaultTable("arch")
			require.NoError(t, err)
			require.NoError(t, pipeline(context.Background(), cfg, "arch", tbl, &stdout, &stderr), stderr.String())
			for _, h := range c.has {
				assert.Contains(t, stderr.String(), h)
			}
			for _, h := range c.hasNot {
				assert.NotContains(t, stderr.String(), h)
			}
		})
	}
}
