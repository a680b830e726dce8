package tablefile

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/tasks"
)

// fixture returns the repository's shared test table, testdata/table.csv:
// five experiments of a toy task with a numeric and a level fidelity, a
// configuration dimension of every kind and diverged runs.
func fixture(tb testing.TB) *tasks.Table {
	tb.Helper()
	t, err := tasks.ReadFile(filepath.Join("..", "..", "testdata", "table.csv"))
	require.NoError(tb, err)
	tb.Cleanup(t.Release)
	return t
}

// allFormats are the formats a table round-trips through.
var allFormats = []tasks.Format{tasks.IPC, tasks.IPCStream, tasks.Parquet, tasks.CSV}

// writeFormat writes t to w in format f; a CSV gets only its rows (see
// readFormat).
func writeFormat(w io.Writer, f tasks.Format, t *tasks.Table) error {
	return tasks.Write(w, f, t)
}

// readFormat reads data in format f; a CSV is read under the fixture's
// metadata, as its sidecar would give it.
func readFormat(tb testing.TB, f tasks.Format, data []byte) (*tasks.Table, error) {
	switch f {
	case tasks.IPC:
		return ReadIPC(bytes.NewReader(data))
	case tasks.IPCStream:
		return ReadIPCStream(bytes.NewReader(data))
	case tasks.Parquet:
		return ReadParquet(bytes.NewReader(data))
	case tasks.CSV:
		return tasks.ReadCSVWithMeta(bytes.NewReader(data), fixture(tb).Meta())
	}
	return nil, fmt.Errorf("unknown format %v", f)
}

// requireSameTable checks that two tables have the same metadata and the
// same content: their checksums (tasks.Table.Checksum) hash the metadata
// and every column's name and values, row by row, floats by their bits,
// and everything else a table holds is derived from them.
func requireSameTable(t *testing.T, want, got *tasks.Table) {
	t.Helper()
	require.Equal(t, want.Meta(), got.Meta())
	require.Equal(t, want.NumRows(), got.NumRows())
	require.Equal(t, want.Checksum(), got.Checksum())
}
