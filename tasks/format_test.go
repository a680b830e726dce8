package tasks

import (
	"bytes"
	"maps"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withStandInCodecs registers, for the binary formats, a stand-in codec
// that stores the legacy CSV (the metadata in comment lines): enough to
// test how Write, WriteFile and ReadFile dispatch by extension and write
// atomically. Package tablefile's tests check the real formats. The
// registry is restored when t ends.
func withStandInCodecs(t testing.TB) {
	codecsMu.Lock()
	saved := maps.Clone(codecs)
	for _, f := range []Format{IPC, IPCStream, Parquet} {
		codecs[f] = codec{read: func(r ReadAtSeeker) (*Table, error) { return ReadCSV(r) }, write: writeLegacyCSV}
	}
	codecsMu.Unlock()
	t.Cleanup(func() {
		codecsMu.Lock()
		codecs = saved
		codecsMu.Unlock()
	})
}

// TestBinaryFormatsNeedTablefile checks that without package tablefile
// the binary formats fail with ErrFormatUnavailable, naming the package to
// import, and that CSV needs nothing.
func TestBinaryFormatsNeedTablefile(t *testing.T) {
	codecsMu.Lock()
	saved := codecs
	codecs = map[Format]codec{}
	codecsMu.Unlock()
	defer func() {
		codecsMu.Lock()
		codecs = saved
		codecsMu.Unlock()
	}()
	tb := testTable(t)
	dir := t.TempDir()
	for _, name := range []string{"t.arrow", "t.arrows", "t.parquet"} {
		path := filepath.Join(dir, name)
		err := WriteFile(path, tb)
		require.ErrorIs(t, err, ErrFormatUnavailable)
		assert.ErrorContains(t, err, `import _ "github.com/autollmresearch/gym/tasks/tablefile"`)
		_, err = ReadFile(path)
		require.ErrorIs(t, err, ErrFormatUnavailable)
		assert.ErrorContains(t, err, path)
		f, _ := FormatOf(path)
		require.ErrorIs(t, Write(&bytes.Buffer{}, f, tb), ErrFormatUnavailable)
	}
	path := filepath.Join(dir, "t.csv")
	require.NoError(t, WriteFile(path, tb))
	back, err := ReadFile(path)
	require.NoError(t, err)
	back.Release()
}
