package tasks

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWrittenCSVIsPlain(t *testing.T) {
	tb := testTable(t)
	path := filepath.Join(t.TempDir(), "runs.csv")
	require.NoError(t, WriteFile(path, tb))
	data, err := os.ReadFile(path)
	require.NoError(t, err)

	for i, line := range strings.Split(string(data), "\n") {
		assert.False(t, strings.HasPrefix(line, "#"), "line %d is a comment: %q", i+1, line)
	}
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll() // equal field counts enforced
	require.NoError(t, err)
	header := tb.Meta().Columns()
	require.Equal(t, header, recs[0], "the first line is the header")
	require.Len(t, recs, int(tb.NumRows())+1, "a single header row, then one line per row")
	for i, r := range recs[1:] {
		assert.NotEqual(t, header, r, "data row %d repeats the header", i+1)
	}

	side, err := os.ReadFile(SidecarPath(path))
	require.NoError(t, err)
	var doc struct {
		Format   string            `json:"format"`
		Metadata map[string]string `json:"metadata"`
	}
	require.NoError(t, json.Unmarshal(side, &doc))
	assert.Equal(t, SidecarFormat, doc.Format)
	assert.Equal(t, tb.Meta().Task, doc.Metadata[KeyTask])
	assert.Equal(t, tb.Checksum(), doc.Metadata[KeyChecksum])

	back, err := ReadFile(path)
	require.NoError(t, err)
	defer back.Release()
	requireSameTable(t, tb, back)
}

// csvFiles writes the test table's plain CSV and sidecar into a new
// directory and returns the CSV's path.
func csvFiles(t *testing.T, tb *Table) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "runs.csv")
	require.NoError(t, WriteFile(path, tb))
	return path
}

func TestReadFileCSVMetadataSources(t *testing.T) {
	tb := testTable(t)
	var legacy bytes.Buffer
	require.NoError(t, writeLegacyCSV(&legacy, tb))
	// A metric changed by hand: the data still validates, the checksum not.
	edit := func(path string) {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		lines := strings.Split(string(data), "\n")
		col := slices.Index(strings.Split(lines[0], ","), "metric_loss")
		f := strings.Split(lines[1], ",")
		f[col] += "1" // 3.2 becomes 3.21
		lines[1] = strings.Join(f, ",")
		require.NoError(t, os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644))
	}
	cases := []struct {
		name    string
		prepare func(path string) // from the files WriteFile wrote
		want    []string          // error text; none: the table loads
		source  string            // the file the error names: "csv" or "sidecar"
	}{
		{name: "sidecar", prepare: func(string) {}},
		{name: "legacy comment lines, no sidecar", prepare: func(path string) {
			require.NoError(t, os.Remove(SidecarPath(path)))
			require.NoError(t, os.WriteFile(path, legacy.Bytes(), 0o644))
		}},
		{name: "no metadata", prepare: func(path string) {
			require.NoError(t, os.Remove(SidecarPath(path)))
		}, want: []string{"no metadata", "no sidecar", SidecarExt, KeyTask, KeySpace, KeyFidelity, KeyMetrics, KeyObjective, KeyProvenance, "ReadCSVWithMeta"}, source: "csv"},
		{name: "edited after writing", prepare: edit, want: []string{"checksum", "cmd/table attach"}},
		{name: "sidecar not JSON", prepare: func(path string) {
			require.NoError(t, os.WriteFile(SidecarPath(path), []byte("gym.task=toy\n"), 0o644))
		}, want: []string{"metadata sidecar", "not a JSON object"}, source: "sidecar"},
		{name: "sidecar of another format", prepare: func(path string) {
			require.NoError(t, os.WriteFile(SidecarPath(path), []byte(`{"format":"csvw","metadata":{"gym.task":"toy"}}`), 0o644))
		}, want: []string{`format is "csvw"`}, source: "sidecar"},
		{name: "sidecar without a key", prepare: func(path string) {
			side, err := os.ReadFile(SidecarPath(path))
			require.NoError(t, err)
			var doc map[string]any
			require.NoError(t, json.Unmarshal(side, &doc))
			delete(doc["metadata"].(map[string]any), KeySpace)
			side, err = json.Marshal(doc)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(SidecarPath(path), side, 0o644))
		}, want: []string{KeySpace, "missing"}, source: "sidecar"},
		{name: "sidecar with a bad row in the CSV", prepare: func(path string) {
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(path, append(data, "x,1\n"...), 0o644))
		}, want: []string{"fields"}, source: "csv"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := csvFiles(t, tb)
			c.prepare(path)
			got, err := ReadFile(path)
			if len(c.want) == 0 {
				require.NoError(t, err)
				defer got.Release()
				requireSameTable(t, tb, got)
				return
			}
			require.Error(t, err)
			assert.Nil(t, got)
			for _, w := range c.want {
				assert.Contains(t, err.Error(), w)
			}
			var ve *ValidationError
			switch c.source {
			case "csv":
				require.ErrorAs(t, err, &ve)
				assert.Equal(t, path, ve.Source)
			case "sidecar":
				require.ErrorAs(t, err, &ve)
				assert.Equal(t, SidecarPath(path), ve.Source)
			}
		})
	}
}

func TestReadCSVSidecar(t *testing.T) {
	tb := testTable(t)
	var plain, side bytes.Buffer
	require.NoError(t, WriteCSV(&plain, tb))
	require.NoError(t, WriteSidecar(&side, tb))

	got, err := ReadCSVSidecar(bytes.NewReader(plain.Bytes()), bytes.NewReader(side.Bytes()))
	require.NoError(t, err)
	requireSameTable(t, tb, got)
	got.Release()

	sc, err := ReadSidecar(bytes.NewReader(side.Bytes()))
	require.NoError(t, err)
	assert.Equal(t, tb.Checksum(), sc.Checksum)
	assert.Equal(t, tb.Meta().Columns(), sc.Meta.Columns())

	// Rows dropped (as after a filter in pandas): the checksum refuses
	// them, ReadCSVWithMeta with the sidecar's Meta reads them.
	lines := strings.SplitAfter(plain.String(), "\n")
	fewer := strings.Join(lines[:len(lines)-3], "")
	_, err = ReadCSVSidecar(strings.NewReader(fewer), bytes.NewReader(side.Bytes()))
	require.ErrorIs(t, err, ErrChecksum)
	kept, err := ReadCSVWithMeta(strings.NewReader(fewer), sc.Meta)
	require.NoError(t, err)
	assert.Equal(t, tb.NumRows()-2, kept.NumRows())
	kept.Release()

	// A sidecar without a checksum (written by hand) verifies nothing.
	var doc map[string]any
	require.NoError(t, json.Unmarshal(side.Bytes(), &doc))
	delete(doc["metadata"].(map[string]any), KeyChecksum)
	noSum, err := json.Marshal(doc)
	require.NoError(t, err)
	kept, err = ReadCSVSidecar(strings.NewReader(fewer), bytes.NewReader(noSum))
	require.NoError(t, err)
	kept.Release()
}

// pandasPython returns a Python interpreter that imports pandas, or ""
// (GYM_PYTHON first, then python3 on the PATH, then Debian's, where the
// python3-pandas package installs).
func pandasPython() string {
	for _, p := range []string{os.Getenv("GYM_PYTHON"), "python3", "/usr/bin/python3"} {
		if p == "" {
			continue
		}
		if exec.Command(p, "-c", "import pandas").Run() == nil {
			return p
		}
	}
	return ""
}

func TestPandasReadsTheCSV(t *testing.T) {
	py := pandasPython()
	if py == "" {
		t.Skip("no Python 3 with pandas (set GYM_PYTHON, or apt-get install python3-pandas): the pandas round trip is not checked")
	}
	tb := testTable(t)
	path := csvFiles(t, tb)
	dir := filepath.Dir(path)
	// pandas opens the CSV with no options; it writes it back with its
	// defaults (floats to 16 significant digits: the checksum no longer
	// matches) and losslessly (17 digits, read back exactly).
	script := `import json, sys
import pandas as pd
df = pd.read_csv(sys.argv[1])
df.to_csv(sys.argv[2], index=False)
pd.read_csv(sys.argv[1], float_precision="round_trip").to_csv(sys.argv[3], index=False, float_format="%.17g")
print(json.dumps({"rows": len(df), "columns": list(df.columns),
                  "seed": str(df["seed"].dtype), "diverged": str(df["diverged"].dtype)}))`
	lossy, exact := filepath.Join(dir, "lossy.csv"), filepath.Join(dir, "exact.csv")
	out, err := exec.Command(py, "-c", script, path, lossy, exact).CombinedOutput()
	require.NoError(t, err, "%s", out)
	var got struct {
		Rows     int      `json:"rows"`
		Columns  []string `json:"columns"`
		Seed     string   `json:"seed"`
		Diverged string   `json:"diverged"`
	}
	require.NoError(t, json.Unmarshal(out, &got), "%s", out)
	assert.Equal(t, int(tb.NumRows()), got.Rows)
	assert.Equal(t, tb.Meta().Columns(), got.Columns)
	assert.Equal(t, "int64", got.Seed)
	assert.Equal(t, "bool", got.Diverged)

	read := func(csvPath string) (*Table, error) {
		csvIn, err := os.Open(csvPath)
		require.NoError(t, err)
		defer csvIn.Close()
		sideIn, err := os.Open(SidecarPath(path))
		require.NoError(t, err)
		defer sideIn.Close()
		return ReadCSVSidecar(csvIn, sideIn)
	}
	back, err := read(exact)
	require.NoError(t, err, "the lossless round trip keeps the checksum")
	requireSameTable(t, tb, back)
	back.Release()

	_, err = read(lossy)
	require.ErrorIs(t, err, ErrChecksum, "pandas' default float format drops digits")
	sideIn, err := os.Open(SidecarPath(path))
	require.NoError(t, err)
	defer sideIn.Close()
	sc, err := ReadSidecar(sideIn)
	require.NoError(t, err)
	csvIn, err := os.Open(lossy)
	require.NoError(t, err)
	defer csvIn.Close()
	near, err := ReadCSVWithMeta(csvIn, sc.Meta)
	require.NoError(t, err, "the sidecar's metadata still reads it")
	defer near.Release()
	assert.Equal(t, tb.NumRows(), near.NumRows())
	assert.Equal(t, tb.Experiments(), near.Experiments())
}
