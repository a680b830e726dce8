package tasks

import (
	"bytes"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// requireSameTable checks that two tables have the same metadata and the
// same rows in the same order with bit-identical values.
func requireSameTable(t *testing.T, want, got *Table) {
	t.Helper()
	require.True(t, want.Record().Schema().Metadata().Equal(got.Record().Schema().Metadata()),
		"metadata differs:\n%v\n%v", want.Record().Schema().Metadata(), got.Record().Schema().Metadata())
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
}

func TestFiles(t *testing.T) {
	withStandInCodecs(t)
	orig := testTable(t)
	dir := t.TempDir()
	for _, name := range []string{"t.arrow", "t.ipc", "t.feather", "t.arrows", "t.parquet", "t.PQ", "t.csv"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			require.NoError(t, WriteFile(path, orig))
			got, err := ReadFile(path)
			require.NoError(t, err)
			defer got.Release()
			requireSameTable(t, orig, got)
		})
	}
	_, err := FormatOf("t.xlsx")
	assert.ErrorContains(t, err, `unknown table format ".xlsx"`)
	assert.Error(t, WriteFile(filepath.Join(dir, "t.txt"), orig))
	_, err = ReadFile(filepath.Join(dir, "absent.csv"))
	assert.ErrorContains(t, err, "absent.csv")

	// A validation error names the file.
	bad := filepath.Join(dir, "bad.csv")
	var buf bytes.Buffer
	require.NoError(t, writeLegacyCSV(&buf, orig))
	require.NoError(t, os.WriteFile(bad, []byte(strings.Replace(buf.String(), "toy-L-2e9,L,2e+09,1e-05", "toy-L-2e9,L,2e+09,7", 1)), 0o644))
	_, err = ReadFile(bad)
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, bad, ve.Source)
	assert.Contains(t, err.Error(), bad)
	requireProblem(t, err, "cfg_lr", 1, "out of range")
	assert.Equal(t, 15, ve.Problems[0].Line)
}
func TestMetadataProblems(t *testing.T) {
	orig := testTable(t)
	md := orig.Record().Schema().Metadata()
	cases := []struct {
		key, value string
		msg        string
	}{
		{KeyVersion, "2", `unsupported schema version "2"`},
		{KeyDirection, "down", `"down" is not a direction`},
		{KeySpace, "{", "not a JSON space description"},
		{KeySpace, `{"type":"box"}`, `want "config"`},
		{KeyFidelity, "[1]", "not a JSON list of {name, levels}"},
		{KeyMetrics, `"loss"`, "not a JSON list of names"},
		{KeyObjective, "bleu", `objective "bleu" is not among the metrics`},
		{KeyTask, "", "task name is empty"},
		{KeyProvenance, "", "provenance"},
	}
	for _, c := range cases {
		t.Run(c.key+"="+c.value, func(t *testing.T) {
			kv := md.ToMap()
			kv[c.key] = c.value
			m := arrow.MetadataFrom(kv)
			_, err := MetaFromSchema(arrow.NewSchema(nil, &m))
			requireProblem(t, err, c.key, 0, c.msg)
		})
	}
	kv := md.ToMap()
	delete(kv, KeySpace)
	m := arrow.MetadataFrom(kv)
	_, err := MetaFromSchema(arrow.NewSchema(nil, &m))
	requireProblem(t, err, KeySpace, 0, "metadata key is missing")
	_, err = MetaFromSchema(nil)
	assert.Error(t, err)
}

func csvOf(t *testing.T, tb *Table) string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, writeLegacyCSV(&buf, tb))
	return buf.String()
}

func TestCSVProblems(t *testing.T) {
	tb, err := buildTable(t, testMeta(), smallRows())
	require.NoError(t, err)
	defer tb.Release()
	text := csvOf(t, tb)
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	const header = 13 // the metadata lines come first; line 14 is the header
	require.True(t, strings.HasPrefix(lines[header], "experiment,"))
	row := func(i int) []string { return strings.Split(lines[header+i], ",") } // data row i
	set := func(i int, col string, v string) string {
		names := strings.Split(lines[header], ",")
		f := row(i)
		for j, n := range names {
			if n == col {
				f[j] = v
			}
		}
		out := append([]string(nil), lines...)
		out[header+i] = strings.Join(f, ",")
		return strings.Join(out, "\n") + "\n"
	}
	cases := []struct {
		name   string
		text   string
		column string
		row    int
		line   int
		msg    string
	}{
		{"not a number", set(2, "metric_loss", "low"), "metric_loss", 2, 16, `"low" is not a number`},
		{"NaN", set(2, "metric_loss", "NaN"), "metric_loss", 2, 16, "NaN, want a finite number"},
		{"huge", set(1, "cost_gpu_hours", "1e999"), "cost_gpu_hours", 1, 15, "out of the float64 range"},
		{"empty number", set(3, "fid_tokens", ""), "fid_tokens", 3, 17, "missing value"},
		{"not an integer", set(4, "seed", "1.5"), "seed", 4, 18, `"1.5" is not an integer`},
		{"int dim not an integer", set(4, "cfg_layers", "2.5"), "cfg_layers", 4, 18, `"2.5" is not an integer`},
		{"not a boolean", set(1, "diverged", "maybe"), "diverged", 1, 15, `"maybe" is not a boolean`},
		{"unknown choice", set(1, "cfg_opt", "rmsprop"), "cfg_opt", 1, 15, `"rmsprop"`},
		{"wrong field count", strings.Replace(text, lines[header+2], lines[header+2]+",extra", 1), "", 2, 16, "row has 17 fields, the header 16"},
		{"unknown column", strings.Replace(text, "cfg_clip", "cfg_clipping", 1), "cfg_clipping", 0, 14, "not a dimension of the space"},
		{"missing column", strings.Replace(text, "cfg_clip", "metric_loss", 1), "cfg_clip", 0, 14, "missing column"},
		{"bad quote", set(2, "experiment", `a"b`), "", 2, 16, "malformed CSV"},
		{"no header", strings.Join(lines[:header], "\n") + "\n", "", 0, 14, "no header row"},
		{"bad JSON value", strings.Replace(text, "# gym.task=toy", `# gym.task="toy`, 1), KeyTask, 0, 2, "not a valid JSON string"},
		{"key twice", strings.Replace(text, "# gym.task=toy", "# gym.task=toy\n# gym.task=toy", 1), KeyTask, 0, 3, "given twice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadCSV(strings.NewReader(c.text))
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			found := false
			for _, p := range ve.Problems {
				if p.Column == c.column && p.Row == c.row && p.Line == c.line && strings.Contains(p.Msg, c.msg) {
					found = true
				}
			}
			assert.True(t, found, "no problem %q/%d/line %d/%q in\n%v", c.column, c.row, c.line, c.msg, err)
		})
	}

	// Data rows after a dropped row keep their numbers.
	bad := strings.Replace(set(4, "cost_gpu_hours", "-3"), lines[header+2], lines[header+2]+",x", 1)
	_, err = ReadCSV(strings.NewReader(bad))
	requireProblem(t, err, "cost_gpu_hours", 4, "negative")
	requireProblem(t, err, "", 2, "fields")
}

func TestCSVWithoutMetadata(t *testing.T) {
	tb := testTable(t)
	text := csvOf(t, tb)
	body := text[strings.Index(text, "experiment,"):]
	_, err := ReadCSV(strings.NewReader(body))
	requireProblem(t, err, "", 0, "give the metadata to ReadCSVWithMeta")

	got, err := ReadCSVWithMeta(strings.NewReader(body), testMeta())
	require.NoError(t, err)
	defer got.Release()
	requireSameTable(t, tb, got)

	// Comment lines are skipped; CRLF line ends and a reordered header are
	// accepted.
	lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	for i, l := range lines {
		f := strings.Split(l, ",")
		f[0], f[len(f)-1] = f[len(f)-1], f[0]
		lines[i] = strings.Join(f, ",")
	}
	crlf := "# exported by hand\r\n" + strings.Join(lines, "\r\n") + "\r\n"
	got2, err := ReadCSVWithMeta(strings.NewReader(crlf), testMeta())
	require.NoError(t, err)
	defer got2.Release()
	assert.Equal(t, tb.Experiments(), got2.Experiments())

	bad := testMeta()
	bad.Objective = "nope"
	_, err = ReadCSVWithMeta(strings.NewReader(body), bad)
	requireProblem(t, err, KeyObjective, 0, "not among the metrics")
}

func TestCSVMetadataQuoting(t *testing.T) {
	meta := testMeta()
	meta.Source = "  padded  "
	meta.Citation = "two\nlines, \"quotes\" and \ttabs"
	meta.Licence = `"starts with a quote`
	meta.CostSource = ""
	tb, err := buildTable(t, meta, smallRows())
	require.NoError(t, err)
	defer tb.Release()
	text := csvOf(t, tb)
	assert.Contains(t, text, "# gym.source=\"  padded  \"\n")
	assert.Contains(t, text, "# gym.cost_source=\n")
	got, err := ReadCSV(strings.NewReader(text))
	require.NoError(t, err)
	defer got.Release()
	m := got.Meta()
	assert.Equal(t, meta.Source, m.Source)
	assert.Equal(t, meta.Citation, m.Citation)
	assert.Equal(t, meta.Licence, m.Licence)
	assert.Equal(t, "", m.CostSource)
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n -= len(p); w.n < 0 {
		return 0, io.ErrShortWrite
	}
	return len(p), nil
}

func TestWriteErrors(t *testing.T) {
	tb := testTable(t)
	assert.Error(t, Write(&failWriter{n: 100}, CSV, tb))
	assert.Error(t, Write(io.Discard, Format(0), tb))
}
