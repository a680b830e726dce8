package tablefile

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/tasks"
)

// readAs reads data in format f.
func readAs(f tasks.Format, data []byte) (*tasks.Table, error) {
	switch f {
	case tasks.IPC:
		return ReadIPC(bytes.NewReader(data))
	case tasks.IPCStream:
		return ReadIPCStream(bytes.NewReader(data))
	case tasks.Parquet:
		return ReadParquet(bytes.NewReader(data))
	}
	return tasks.ReadCSV(bytes.NewReader(data))
}

func TestSingleBitFlipsNeverChangeContentSilently(t *testing.T) {
	orig := fixture(t)
	want := orig.Checksum()
	for _, f := range []tasks.Format{tasks.Parquet, tasks.IPC, tasks.IPCStream} {
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
					if errors.Is(err, tasks.ErrChecksum) {
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
