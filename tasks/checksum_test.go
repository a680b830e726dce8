package tasks

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestChecksumMismatchIsNamed(t *testing.T) {
	orig := testTable(t)
	var buf bytes.Buffer
	require.NoError(t, writeLegacyCSV(&buf, orig))
	text := buf.String()
	require.Contains(t, text, "# "+KeyChecksum+"=sha256:")
	// A changed metric that still validates.
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "toy-") {
			f := strings.Split(l, ",")
			for j := range f {
				if strings.Contains(f[j], ".") && !strings.Contains(f[j], "e") {
					f[j] += "1"
					break
				}
			}
			lines[i] = strings.Join(f, ",")
			break
		}
	}
	changed := strings.Join(lines, "\n")
	require.NotEqual(t, text, changed)
	_, err := ReadCSV(strings.NewReader(changed))
	require.ErrorIs(t, err, ErrChecksum)

	// Without a checksum (a table from another tool) it loads.
	var kept []string
	for _, l := range strings.Split(changed, "\n") {
		if !strings.HasPrefix(l, "# "+KeyChecksum+"=") {
			kept = append(kept, l)
		}
	}
	tb, err := ReadCSV(strings.NewReader(strings.Join(kept, "\n")))
	require.NoError(t, err)
	assert.NotEqual(t, orig.Checksum(), tb.Checksum())
	tb.Release()
}
