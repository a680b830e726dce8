package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/nn"
)

// quick are flags for a short run.
func quick(out string, extra ...string) []string {
	return append([]string{"-out", out, "-prompts", "3", "-group", "4", "-hidden", "16", "-eval", "10"}, extra...)
}

func TestTrainToy(t *testing.T) {
	out := t.TempDir()
	var stdout bytes.Buffer
	require.NoError(t, run(context.Background(), quick(out, "-updates", "3", "-v"), &stdout, io.Discard))
	text := stdout.String()
	assert.Contains(t, text, "GRPO on toy/grid-search-v0: 3 prompts × 4 episodes per update on 2 envs, 3 updates, policy [7 16 16 64], masked actions: false")
	assert.Contains(t, text, "3/3 update 3  step 360")
	assert.Contains(t, text, "evaluation over 10 fresh episodes")
	for _, name := range []string{"checkpoint.bin", "metrics.csv", "metrics.jsonl", "learning_curves.png", "learning_curves.svg"} {
		info, err := os.Stat(filepath.Join(out, name))
		require.NoError(t, err, name)
		assert.Positive(t, info.Size(), name)
	}
	curves := filepath.Join(out, "learning_curves")
	assert.Contains(t, text, "wrote "+curves+".png, "+curves+".svg\n")
	png, err := os.ReadFile(curves + ".png")
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(png, []byte("\x89PNG")))
	svg, err := os.ReadFile(curves + ".svg")
	require.NoError(t, err)
	for _, s := range []string{"GRPO on toy/grid-search-v0", "mean episode return", "final regret", "random actions"} {
		assert.Contains(t, string(svg), s)
	}
	csvData, err := os.ReadFile(filepath.Join(out, "metrics.csv"))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(csvData)), "\n")
	require.Len(t, lines, 4, "header and three updates")
	assert.True(t, strings.HasPrefix(lines[0], "update,global_step,"), lines[0])
	assert.True(t, strings.HasPrefix(lines[3], "3,360,"), lines[3])

	// The checkpoint holds the trained policy.
	c, err := nn.ReadFile(filepath.Join(out, "checkpoint.bin"))
	require.NoError(t, err)
	actor, err := c.NewMLPFrom("actor")
	require.NoError(t, err)
	assert.Equal(t, []int{7, 16, 16, 64}, actor.Config().Sizes)

	// The same seed gives the same run, whatever the number of envs.
	var again bytes.Buffer
	out2 := t.TempDir()
	require.NoError(t, run(context.Background(), quick(out2, "-updates", "3", "-envs", "1"), &again, io.Discard))
	a, err := os.ReadFile(filepath.Join(out, "metrics.jsonl"))
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(out2, "metrics.jsonl"))
	require.NoError(t, err)
	assert.Equal(t, withoutSpeed(t, string(a)), withoutSpeed(t, string(b)))
}

// withoutSpeed drops the wall-clock field from JSON-lines logs.
func withoutSpeed(t *testing.T, jsonl string) []string {
	t.Helper()
	var out []string
	for line := range strings.SplitSeq(strings.TrimSpace(jsonl), "\n") {
		i := strings.Index(line, `"steps_per_second":`)
		require.GreaterOrEqual(t, i, 0, line)
		j := strings.Index(line[i:], ",")
		out = append(out, line[:i]+line[i+j+1:])
	}
	return out
}

func TestTrainResearchViews(t *testing.T) {
	for _, tc := range []struct{ id, want string }{
		{"pretrain/steplaw-discrete-v0", "masked actions: true"},
		{"pretrain/steplaw-numeric-v0", "policy [88 16 16 2], masked actions: false"},
	} {
		t.Run(tc.id, func(t *testing.T) {
			var stdout bytes.Buffer
			out := t.TempDir()
			err := run(context.Background(), quick(out, "-env", tc.id, "-updates", "2", "-eval", "0", "-v"), &stdout, io.Discard)
			require.NoError(t, err)
			assert.Contains(t, stdout.String(), tc.want)
			assert.Contains(t, stdout.String(), "2/2 update 2")
			assert.Contains(t, stdout.String(), "final_regret")
			svg, err := os.ReadFile(filepath.Join(out, "learning_curves.svg"))
			require.NoError(t, err)
			assert.Contains(t, string(svg), "final regret")
			assert.NotContains(t, string(svg), "random actions", "no evaluation, no reference")
			assert.FileExists(t, filepath.Join(out, "learning_curves.png"))
		})
	}
}

func TestInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out := t.TempDir()
	var stdout bytes.Buffer
	require.NoError(t, run(ctx, quick(out, "-updates", "3"), &stdout, io.Discard))
	assert.Contains(t, stdout.String(), "interrupted after update 0")
	_, err := os.Stat(filepath.Join(out, "checkpoint.bin"))
	assert.NoError(t, err)
}

func TestFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-envs", "0"}, "-envs is 0, want at least 1"},
		{[]string{"-eval", "-1"}, "-eval is -1"},
		{[]string{"-hidden", "0"}, "-hidden is 0"},
		{[]string{"-group", "1"}, "GroupSize is 1, want at least 2"},
		{[]string{"-updates", "0"}, "Updates is 0"},
		{[]string{"extra"}, `unexpected arguments ["extra"]`},
		{[]string{"-nope"}, "flag provided but not defined: -nope"},
		{[]string{"-env", "toy/nothing-v0"}, "toy/nothing-v0"},
		{[]string{"-env", "pretrain/steplaw-text-v0"}, "has observations of type string; GRPO needs []float64"},
		{[]string{"-env", "pretrain/steplaw-v0"}, "GRPO needs []float64"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			err := run(context.Background(), append([]string{"-out", t.TempDir()}, tc.args...), io.Discard, io.Discard)
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

// TestHelpIsNotAFailure: -h returns flag.ErrHelp, which main turns into
// exit status 0.
func TestHelpIsNotAFailure(t *testing.T) {
	err := run(context.Background(), []string{"-h"}, io.Discard, io.Discard)
	require.ErrorIs(t, err, flag.ErrHelp)
}

func TestProgressLineWithoutV(t *testing.T) {
	var stdout bytes.Buffer
	require.NoError(t, run(context.Background(), quick(t.TempDir(), "-updates", "3"), &stdout, io.Discard))
	text := stdout.String()
	assert.NotContains(t, text, "update 1 ", "no line per update without -v")
	assert.Contains(t, text, "GRPO training\n")
	assert.Contains(t, text, "GRPO training: done in ")
	assert.Contains(t, text, "policy, greedy ")
}

func TestReport(t *testing.T) {
	// Paired returns: random, sampled, greedy.
	random := []float64{0.90, 0.95, 0.92, 0.97}
	shift := func(d float64, noise ...float64) []float64 {
		out := make([]float64, len(random))
		for i, r := range random {
			out[i] = r + d + noise[i]
		}
		return out
	}
	cases := []struct {
		name   string
		greedy []float64
		want   string
	}{
		{"beats", shift(0.02, 0.001, -0.001, 0.002, 0), "the trained policy (greedy) beats random actions by 0.0205 ± 0.0006"},
		{"worse", shift(-0.03, 0.001, -0.001, 0.002, 0), "is worse than random actions by 0.0295 ± 0.0006: it has not learned a search here"},
		{"no better", shift(0, 0.01, -0.01, 0.002, -0.001), "is no better than random actions (+0.0003 ± 0.0041)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			report(&b, [][]float64{random, random, c.greedy})
			assert.Contains(t, b.String(), "evaluation over 4 fresh episodes")
			assert.Contains(t, b.String(), "  random actions   0.9350 ± 0.0155\n")
			assert.Contains(t, b.String(), "  policy, sampled  0.9350 ± 0.0155   vs random actions +0.0000 ± 0.0000\n")
			assert.Contains(t, b.String(), c.want)
		})
	}
}
