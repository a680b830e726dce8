package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestExitCode(t *testing.T) {
	cases := []struct {
		err  error
		code int
		out  string
	}{
		{nil, 0, ""},
		{flag.ErrHelp, 0, ""},
		{fmt.Errorf("%w: -k is 0", ErrUsage), 2, "tool: usage: -k is 0\n"},
		{errors.New("disk full"), 1, "tool: disk full\n"},
	}
	for _, c := range cases {
		var buf bytes.Buffer
		assert.Equal(t, c.code, ExitCode("tool", c.err, &buf), "%v", c.err)
		assert.Equal(t, c.out, buf.String())
	}
}
