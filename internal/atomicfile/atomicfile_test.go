package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// entries lists the names in dir.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteReplacesTheFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "table.csv")
	require.NoError(t, WriteFile(path, []byte("old")))
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(Perm), fi.Mode().Perm())
	require.NoError(t, os.Chmod(path, 0o600))
	require.NoError(t, WriteFile(path, []byte("new")))
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "new", string(got))
	fi, err = os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "a replaced file keeps its permission")
	assert.Equal(t, []string{"table.csv"}, entries(t, dir))
}

func TestAWriterThatFailsMidwayKeepsTheOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "results.parquet")
	require.NoError(t, WriteFile(path, []byte("the previous good content")))
	diskFull := errors.New("disk full")
	err := Write(path, func(w io.Writer) error {
		if _, err := w.Write([]byte("half of the new")); err != nil {
			return err
		}
		return diskFull
	})
	require.ErrorIs(t, err, diskFull)
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "the previous good content", string(got))
	assert.Equal(t, []string{"results.parquet"}, entries(t, dir), "no temporary file is left")
}

func TestCommitAndAbort(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.bin")
	f, err := Create(path)
	require.NoError(t, err)
	assert.Equal(t, path, f.Path())
	_, err = f.Write([]byte("abc"))
	require.NoError(t, err)
	_, err = os.Stat(path)
	assert.ErrorIs(t, err, os.ErrNotExist, "nothing is at the path before Commit")
	require.NoError(t, f.Commit())
	require.NoError(t, f.Abort(), "Abort after Commit does nothing")
	assert.Error(t, f.Commit(), "a second Commit is an error")
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "abc", string(got))

	f, err = Create(path)
	require.NoError(t, err)
	_, err = f.Write([]byte("dropped"))
	require.NoError(t, err)
	require.NoError(t, f.Abort())
	got, err = os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "abc", string(got))
	assert.Equal(t, []string{"x.bin"}, entries(t, dir))
}

func TestCreateErrors(t *testing.T) {
	_, err := Create(filepath.Join(t.TempDir(), "missing", "x.csv"))
	assert.ErrorIs(t, err, os.ErrNotExist)
	_, err = Create(t.TempDir() + string(filepath.Separator))
	assert.ErrorContains(t, err, "names a directory")
	// A failed rename (the target is a directory) leaves no temporary file.
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "taken"), 0o755))
	err = WriteFile(filepath.Join(dir, "taken"), []byte("x"))
	assert.Error(t, err)
	assert.Equal(t, []string{"taken"}, entries(t, dir))
}
