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
)

// quick are flags for a short run.
func quick(out string, extra ...string) []string {
	return append([]string{"-out", out, "-envs", "2", "-steps", "16", "-hidden", "16", "-eval", "10"}, extra...)
}

func TestTrainToyAndResume(t *testing.T) {
	out := t.TempDir()
	var stdout bytes.Buffer
	require.NoError(t, run(context.Background(), quick(out, "-updates", "3", "-checkpoint-every", "2"), &stdout, io.Discard))
	text := stdout.String()
	assert.Contains(t, text, "PPO on toy/grid-search-v0: 2 envs × 16 steps, 3 updates, actor [7 16 16 64], masked actions: false")
	assert.Contains(t, text, "3/3 update 3  step 96")
	assert.Contains(t, text, "evaluation over 10 fresh episodes")
	for _, name := range []string{"checkpoint.bin", "metrics.csv", "metrics.jsonl", "learning_curve.png", "learning_curve.svg"} {
		info, err := os.Stat(filepath.Join(out, name))
		require.NoError(t, err, name)
		assert.Positive(t, info.Size(), name)
	}
	png, err := os.ReadFile(filepath.Join(out, "learning_curve.png"))
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(png, []byte("\x89PNG")))
	curve := filepath.Join(out, "learning_curve")
	assert.Contains(t, text, "wrote "+curve+".png, "+curve+".svg\n")
	svg, err := os.ReadFile(curve + ".svg")
	require.NoError(t, err)
	assert.Contains(t, string(svg), "random actions", "the random agent's return is the reference")

	stdout.Reset()
	ckpt := filepath.Join(out, "checkpoint.bin")
	require.NoError(t, run(context.Background(), quick(out, "-resume", ckpt, "-updates", "5", "-eval", "0"), &stdout, io.Discard))
	assert.Contains(t, stdout.String(), "resumed "+ckpt+" at update 3 of 5")
	assert.Contains(t, stdout.String(), "5/5 update 5  step 160")
	assert.NotContains(t, stdout.String(), "evaluation over")
	svg, err = os.ReadFile(curve + ".svg")
	require.NoError(t, err)
	assert.NotContains(t, string(svg), "random actions", "no evaluation, no reference")
	csvData, err := os.ReadFile(filepath.Join(out, "metrics.csv"))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(csvData)), "\n")
	require.Len(t, lines, 6, "header and five updates, the resumed ones appended")
	assert.True(t, strings.HasPrefix(lines[5], "5,160,"), lines[5])
}

func TestTrainResearchViews(t *testing.T) {
	for _, tc := range []struct{ id, want string }{
		{"pretrain/steplaw-numeric-v0", "actor [88 16 16 2], masked actions: false"},
		{"pretrain/steplaw-discrete-v0", "masked actions: true"},
	} {
		t.Run(tc.id, func(t *testing.T) {
			var stdout bytes.Buffer
			err := run(context.Background(), quick(t.TempDir(), "-env", tc.id, "-updates", "2"), &stdout, io.Discard)
			require.NoError(t, err)
			assert.Contains(t, stdout.String(), tc.want)
			assert.Contains(t, stdout.String(), "2/2 update 2")
			assert.Contains(t, stdout.String(), "evaluation over 10 fresh episodes")
		})
	}
}

func TestInterrupted(t *testing.T) {
	out := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout bytes.Buffer
	require.NoError(t, run(ctx, quick(out, "-updates", "3"), &stdout, io.Discard))
	assert.Contains(t, stdout.String(), "interrupted after update 0; resume with -resume")
	_, err := os.Stat(filepath.Join(out, "checkpoint.bin"))
	assert.NoError(t, err)
}

func TestErrors(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown env", []string{"-env", "nope/nothing-v0"}, `env "nope/nothing-v0" not found`},
		{"text env", []string{"-env", "pretrain/steplaw-text-v0"}, "has observations of type string; PPO needs []float64"},
		{"programmatic env", []string{"-env", "pretrain/steplaw-v0"}, "has observations of type *research.Observation"},
		{"no envs", []string{"-envs", "0"}, "-envs is 0, want at least 1"},
		{"bad flag", []string{"-bogus"}, "flag provided but not defined: -bogus"},
		{"extra args", []string{"train"}, `unexpected arguments ["train"]`},
		{"missing checkpoint", []string{"-resume", filepath.Join(t.TempDir(), "none.bin")}, "no such file"},
		{"bad config", []string{"-updates", "0"}, "Updates is 0, want at least 1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
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
