package tasks

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readAs reads data in format f.
func readAs(f Format, data []byte) (*Table, error) {
	switch f {
	case IPC:
		return ReadIPC(bytes.NewReader(data))
	case IPCStream:
		return ReadIPCStream(bytes.NewReader(data))
	case Parquet:
		return ReadParquet(bytes.NewReader(data))
	}
	return ReadCSV(bytes.NewReader(data))
}

func TestSingleBitFlipsNeverChangeContentSilently(t *testing.T) {
	orig := testTable(t)
	want := orig.Checksum()
	for _, f := range []Format{Parquet, IPC, IPCStream, CSV} {
		t.Run(f.String(), func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, writeFormat(&buf, f, orig))
			valid := buf.Bytes()
			back, err := readAs(f, valid)
			require.NoError(t, err)
			assert.Equal(t, want, back.Checksum(), "the checksum does not depend on the format")
			back.Release()

			const flips = 400
			stride := max(len(valid)*8/flips, 1)
			var accepted, refused, checksum int
			for bit := 0; bit < len(valid)*8; bit += stride {
				data := bytes.Clone(valid)
				data[bit/8] ^= 1 << (bit % 8)
				got, err := readAs(f, data)
				if err != nil {
					refused++
					if errors.Is(err, ErrChecksum) {
						checksum++
					}
					continue
				}
				accepted++
				if got.Checksum() != want {
					t.Errorf("bit %d: accepted with changed content", bit)
				}
				got.Release()
			}
			t.Logf("%s: %d flips: %d refused (%d by the checksum), %d accepted with the same content",
				f, accepted+refused, refused, checksum, accepted)
		})
	}
}

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
