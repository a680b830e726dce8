package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/policy/agent"
)

func TestUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{nil, `-task is ""`},
		{[]string{"-task", "poetry"}, `-task is "poetry"`},
		{[]string{"-task", "arch", "-worlds", "0"}, "Worlds"},
		{[]string{"-pretrained", "-task", "arch"}, "drop -task"},
		{[]string{"-task", "arch", "extra"}, `unexpected argument "extra"`},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			err := run(context.Background(), c.args, &bytes.Buffer{}, &bytes.Buffer{})
			require.Error(t, err)
			assert.ErrorIs(t, err, errUsage)
			assert.Contains(t, err.Error(), c.want)
		})
	}
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
