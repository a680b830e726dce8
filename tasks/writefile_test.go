package tasks

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// failingWriter fails once n bytes have been written.
type failingWriter struct {
	w io.Writer
	n int
}

var errDiskFull = errors.New("disk full")

func (f *failingWriter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		k, _ := f.w.Write(p[:f.n])
		f.n = 0
		return k, errDiskFull
	}
	f.n -= len(p)
	return f.w.Write(p)
}

func TestFailedOverwriteKeepsThePreviousTable(t *testing.T) {
	withStandInCodecs(t)
	tbl := testTable(t)
	for _, name := range []string{"t.parquet", "t.arrow", "t.arrows", "t.csv"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, name)
			require.NoError(t, WriteFile(path, tbl))
			before, err := os.ReadFile(path)
			require.NoError(t, err)

			writeHook = func(w io.Writer) io.Writer { return &failingWriter{w: w, n: len(before) / 2} }
			defer func() { writeHook = func(w io.Writer) io.Writer { return w } }()
			err = WriteFile(path, tbl)
			require.ErrorIs(t, err, errDiskFull)
			assert.ErrorContains(t, err, path)

			after, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, before, after, "the previous table is intact")
			es, err := os.ReadDir(dir)
			require.NoError(t, err)
			want := []string{name}
			if filepath.Ext(name) == ".csv" {
				want = append(want, name+SidecarExt)
			}
			var names []string
			for _, e := range es {
				names = append(names, e.Name())
			}
			assert.Equal(t, want, names, "no temporary file is left")
			back, err := ReadFile(path)
			require.NoError(t, err)
			back.Release()
		})
	}
}
