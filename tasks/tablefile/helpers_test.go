package tablefile

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
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
// same rows in the same order with bit-identical values.
func requireSameTable(t *testing.T, want, got *tasks.Table) {
	t.Helper()
	require.Equal(t, want.Meta(), got.Meta())
	require.Equal(t, want.NumRows(), got.NumRows())
	wr, gr := want.Record(), got.Record()
	require.Equal(t, wr.NumCols(), gr.NumCols())
	for j := range int(wr.NumCols()) {
		require.Equal(t, wr.ColumnName(j), gr.ColumnName(j))
		wa, ga := wr.Column(j), gr.Column(j)
		for r := range want.NumRows() {
			switch wa := wa.(type) {
			case *array.Float64:
				w, g := wa.Value(r), ga.(*array.Float64).Value(r)
				require.Equal(t, math.Float64bits(w), math.Float64bits(g), "column %s row %d: %v != %v", wr.ColumnName(j), r, w, g)
			case *array.Int64:
				require.Equal(t, wa.Value(r), ga.(*array.Int64).Value(r))
			case *array.Boolean:
				require.Equal(t, wa.Value(r), ga.(*array.Boolean).Value(r))
			default:
				require.Equal(t, stringAt(wa, r), stringAt(ga, r), "column %s row %d", wr.ColumnName(j), r)
			}
		}
	}
	require.Equal(t, want.Experiments(), got.Experiments())
	for e := range want.NumExperiments() {
		require.Equal(t, want.Configs(e), got.Configs(e))
		for k := range want.NumConfigs(e) {
			require.Equal(t, want.Outcome(e, k), got.Outcome(e, k))
		}
		require.Equal(t, want.Stats(e), got.Stats(e))
	}
	require.Equal(t, want.Checksum(), got.Checksum())
}

// stringAt returns row i of a string-like array.
func stringAt(a arrow.Array, i int) string {
	if d, ok := a.(*array.Dictionary); ok {
		return d.Dictionary().(interface{ Value(int) string }).Value(d.GetValueIndex(i))
	}
	return a.(interface{ Value(int) string }).Value(i)
}
