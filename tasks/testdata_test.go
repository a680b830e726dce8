package tasks

import (
	"flag"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the repository's shared test table, testdata/table.csv, from testTable")

// sharedTable is the repository's shared test table: a small canonical
// table (CSV with its metadata sidecar) that tests of other packages,
// examples and the README read.
var sharedTable = filepath.Join("..", "testdata", "table.csv")

// TestSharedTableIsTheTestTable checks that testdata/table.csv holds the
// table this package's tests build (testTable); go test -run
// SharedTable -update rewrites it.
func TestSharedTableIsTheTestTable(t *testing.T) {
	want := testTable(t)
	if *update {
		require.NoError(t, WriteFile(sharedTable, want))
	}
	got, err := ReadFile(sharedTable)
	require.NoError(t, err, "go test ./tasks -run SharedTable -update writes it")
	defer got.Release()
	requireSameTable(t, want, got)
	require.Equal(t, want.Checksum(), got.Checksum())
}
