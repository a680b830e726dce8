// Package clitest checks, in the commands' tests, the command-line
// behaviour they share.
package clitest

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/internal/cli"
)

// Usage is a command line that must be refused as a usage error, and the
// phrases its message must contain.
type Usage struct {
	Args []string
	Want []string
}

// CheckUsage runs each command line through run, in a subtest named by
// its arguments, and checks that it fails with an error wrapping usage
// (the command's usage error), whose message contains every wanted
// phrase, and that it writes nothing to stdout.
func CheckUsage(t *testing.T, run cli.Run, usage error, cases []Usage) {
	t.Helper()
	for _, c := range cases {
		t.Run(strings.Join(c.Args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), c.Args, &stdout, &stderr)
			require.Error(t, err)
			assert.ErrorIs(t, err, usage)
			for _, w := range c.Want {
				assert.Contains(t, err.Error(), w)
			}
			assert.Empty(t, stdout.String())
		})
	}
}
