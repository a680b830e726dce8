package report

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/eval"
	"github.com/autollmresearch/gym/eval/internal/evaltest"
)

func TestWriteParquet(t *testing.T) {
	res := evaltest.HandResult()
	var b bytes.Buffer
	require.NoError(t, WriteParquet(&b, res))
	tbl, err := pqarrow.ReadTable(context.Background(), bytes.NewReader(b.Bytes()), nil, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	require.NoError(t, err)
	defer tbl.Release()
	assert.EqualValues(t, 9, tbl.NumRows())
	var names []string
	for _, f := range tbl.Schema().Fields() {
		names = append(names, f.Name)
	}
	assert.Equal(t, eval.Columns(), names)

	rec := res.Record(memory.DefaultAllocator)
	defer rec.Release()
	for i := range int(rec.NumCols()) {
		col := tbl.Column(i).Data()
		require.Len(t, col.Chunks(), 1)
		assert.True(t, array.Equal(rec.Column(i), col.Chunk(0)), "column %s round-trips", names[i])
	}
	regret := rec.Column(7).(*array.Float64)
	assert.Equal(t, []float64{0.5, 0.2, 0.3, 0.3, 0.1, 0.1, 0.4, 0, 0.7}, regret.Float64Values())
}

func TestPlot(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "plots")
	paths, err := Plot(evaltest.HandResult(), dir, "regret")
	require.NoError(t, err)
	assert.Equal(t, []string{
		filepath.Join(dir, "regret-x.png"), filepath.Join(dir, "regret-x.svg"),
		filepath.Join(dir, "regret-y.png"), filepath.Join(dir, "regret-y.svg"),
	}, paths)
	for _, p := range paths {
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		require.NotEmpty(t, data, p)
		switch filepath.Ext(p) {
		case ".png":
			img, err := png.Decode(bytes.NewReader(data))
			require.NoError(t, err, p)
			assert.Equal(t, 7*plotDPI, img.Bounds().Dx(), p)
			assert.Equal(t, int(4.5*plotDPI), img.Bounds().Dy(), p)
		case ".svg":
			s := string(data)
			assert.Contains(t, s, "<svg", p)
			assert.True(t, strings.HasSuffix(strings.TrimSpace(s), "</svg>"), p)
			assert.Contains(t, s, "regret vs target-fidelity trials", "title")
			assert.Contains(t, s, "target-fidelity trials k", "x label")
		}
	}
	svg, err := os.ReadFile(filepath.Join(dir, "regret-x.svg"))
	require.NoError(t, err)
	for _, legend := range []string{">a<", ">b<"} {
		assert.Contains(t, string(svg), legend, "legend entry")
	}
}

func TestPlotErrors(t *testing.T) {
	_, err := Plot(&eval.Result{}, t.TempDir(), "r")
	assert.EqualError(t, err, "report: Plot: the result has no episodes")
	_, err = Plot(evaltest.HandResult(), t.TempDir(), "")
	assert.EqualError(t, err, "report: Plot: basename is empty")

	r := evaltest.HandResult()
	r.Episodes = append(r.Episodes, eval.Episode{Env: "X!", Policy: "a", Regret: []float64{0.1}, GPUHours: []float64{1}})
	_, err = Plot(r, t.TempDir(), "r")
	assert.EqualError(t, err, `report: Plot: envs "x" and "X!" would both be written as r-x`)

	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	_, err = Plot(evaltest.HandResult(), file, "r")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "report: Plot: ")
}

func TestSlugify(t *testing.T) {
	for in, want := range map[string]string{
		"pretrain":                "pretrain",
		"pretrain (steplaw real)": "pretrain-steplaw-real",
		"  Mixture/ADMIRE--v0 ":   "mixture-admire-v0",
		"é?":                      "env",
	} {
		assert.Equal(t, want, slugify(in), in)
	}
}

func TestSymlog(t *testing.T) {
	s := symlog{c: 0.001}
	assert.InDelta(t, 0, s.Normalize(0, 1, 0), 1e-12)
	assert.InDelta(t, 1, s.Normalize(0, 1, 1), 1e-12)
	assert.Less(t, s.Normalize(0, 1, 0.001), s.Normalize(0, 1, 0.01))
	// a decade above c takes about as much room as the next decade
	d1 := s.Normalize(0, 1, 0.1) - s.Normalize(0, 1, 0.01)
	d2 := s.Normalize(0, 1, 1) - s.Normalize(0, 1, 0.1)
	assert.InDelta(t, d1, d2, 0.05)
	var labels []string
	for _, tk := range s.Ticks(0, 1) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	assert.Equal(t, []string{"0", "0.001", "0.01", "0.1", "1"}, labels)
}

func TestRemovePlots(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"regret-old.png", "regret-old.svg", "regret-keep.csv", "other-x.png"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644))
	}
	removed, err := RemovePlots(dir, "regret")
	require.NoError(t, err)
	assert.Len(t, removed, 2)
	left, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range left {
		names = append(names, e.Name())
	}
	assert.ElementsMatch(t, []string{"regret-keep.csv", "other-x.png"}, names)
	_, err = RemovePlots(filepath.Join(dir, "absent"), "regret")
	require.NoError(t, err)
	_, err = RemovePlots(dir, "")
	require.Error(t, err)
}
