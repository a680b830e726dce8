package mixture

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/fidelity"
	"github.com/autollmresearch/gym/internal/shareddata"
	"github.com/autollmresearch/gym/tasks"
)

// publishedHeader is the column order of the published runs file.
func publishedHeader() []string {
	h := []string{colModel}
	for _, s := range sources {
		h = append(h, ratioPrefix+s)
	}
	for _, b := range benchmarks {
		h = append(h, b.Column)
	}
	return append(h, colTrainTime, colAvgAll, colAvgID, colAvgOOD)
}

// fixture is a small runs file in the published format, one map per line.
type fixture struct {
	header []string
	rows   []map[string]string
}

// fixtureRun makes one line: mixture kind 0 puts 0.1 on the first source
// and 0.05 on the others, kind 1 puts (i+1)/190 on source i; scores are
// base + 0.01·k for benchmark k.
func fixtureRun(model string, kind int, base, minutes float64) map[string]string {
	row := map[string]string{colModel: model, colTrainTime: strconv.FormatFloat(minutes, 'g', -1, 64)}
	for i, s := range sources {
		x := 0.05
		switch {
		case kind == 1:
			x = float64(i+1) / 190
		case i == 0:
			x = 0.1
		}
		row[ratioPrefix+s] = strconv.FormatFloat(x, 'f', 6, 64)
	}
	var id, ood float64
	for k, b := range benchmarks {
		y := base + 0.01*float64(k)
		row[b.Column] = strconv.FormatFloat(y, 'g', -1, 64)
		if b.OOD {
			ood += y
		} else {
			id += y
		}
	}
	row[colAvgID] = strconv.FormatFloat(id/10, 'g', -1, 64)
	row[colAvgOOD] = strconv.FormatFloat(ood/7, 'g', -1, 64)
	row[colAvgAll] = strconv.FormatFloat((id+ood)/17, 'g', -1, 64)
	return row
}

func newFixture() *fixture {
	return &fixture{
		header: publishedHeader(),
		rows: []map[string]string{
			fixtureRun("Qwen2.5-1.5B", 0, 0.40, 120),
			fixtureRun("Qwen2.5-0.5B", 0, 0.20, 90),
			fixtureRun("Qwen2.5-0.5B", 1, 0.25, 96),
			fixtureRun("Qwen2.5-0.5B", 0, 0.22, 93), // a replicate of line 3
		},
	}
}

func (f *fixture) String() string {
	var b strings.Builder
	b.WriteString(strings.Join(f.header, ","))
	for _, row := range f.rows {
		b.WriteByte('\n')
		for i, h := range f.header {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(row[h])
		}
	}
	b.WriteByte('\n')
	return b.String()
}

func TestImportFixture(t *testing.T) {
	tb, err := Import(strings.NewReader(newFixture().String()))
	require.NoError(t, err)
	m := tb.Meta()
	assert.Equal(t, tasks.Measured, m.Provenance)
	assert.Equal(t, Licence, m.Licence)
	assert.Contains(t, m.Citation, "2508.11551")
	assert.Contains(t, m.CostSource, "measured")
	assert.Equal(t, []string{"Qwen2.5-0.5B", "Qwen2.5-1.5B"}, m.Fidelity[0].Levels, "levels ordered by the size in the name")

	exps := tb.Experiments()
	require.Len(t, exps, 2)
	small, large := exps[0], exps[1]
	assert.Equal(t, ExperimentID("Qwen2.5-0.5B"), small.ID)
	assert.Equal(t, 0.5e9, small.Fidelity[FidParams])
	assert.Equal(t, 1.5e9, large.Fidelity[FidParams])
	assert.Equal(t, 2, small.NumConfigs)
	assert.Equal(t, 3, small.NumRows)
	assert.Equal(t, 1, large.NumConfigs)

	// The replicated mixture averages its two seeds.
	i, ok := tb.Lookup(small.Index, tb.Configs(large.Index)[0])
	require.True(t, ok)
	out := tb.Outcome(small.Index, i)
	assert.Equal(t, 2, out.Seeds)
	assert.InDelta(t, 0.21+0.08, out.Objective, 1e-12)
	assert.InDelta(t, (90+93)/2.0/60*GPUsPerRun, out.CostGPUHours, 1e-12)
	assert.InDelta(t, 0.21, out.Metrics[0], 1e-12)

	// Ratios written with six decimals are renormalised to sum to 1.
	for _, cfg := range tb.Configs(small.Index) {
		var sum float64
		for _, x := range cfg[Ratio].([]float64) {
			sum += x
		}
		assert.InDelta(t, 1, sum, 1e-12)
	}
}

func TestImportColumnOrderAndOptionalColumns(t *testing.T) {
	f := newFixture()
	// Reverse the columns, drop the averages and add unrelated columns.
	f.header = slices.DeleteFunc(f.header, func(h string) bool { return strings.HasPrefix(h, "metric_avg") })
	slices.Reverse(f.header)
	f.header = append(f.header, "run_id", "notes")
	for i, row := range f.rows {
		row["run_id"] = strconv.Itoa(i)
		row["notes"] = "x"
		if row[ratioPrefix+sources[3]] == "0.050000" {
			row[ratioPrefix+sources[3]] = "0.0505" // drift within tolerance
		}
	}
	tb, err := Import(strings.NewReader(f.String()))
	require.NoError(t, err)
	exp, ok := tb.Experiment(ExperimentID("Qwen2.5-1.5B"))
	require.True(t, ok)
	out := tb.Outcome(exp.Index, 0)
	names := Metrics()
	get := func(name string) float64 { return out.Metrics[slices.Index(names, name)] }
	assert.InDelta(t, 0.40+0.08, get(Objective), 1e-12, "the mean of all 17 is computed when absent")
	assert.InDelta(t, 0.40+0.045, get(AvgID), 1e-12)
	assert.InDelta(t, 0.40+0.13, get(AvgOOD), 1e-12)
}

func TestImportMalformed(t *testing.T) {
	// cell returns an edit that sets one value of one line (0-based run).
	cell := func(run int, col, val string) func(*fixture) {
		return func(f *fixture) { f.rows[run][col] = val }
	}
	gsm := benchmarks[1].Column
	cases := []struct {
		name string
		edit func(*fixture)
		raw  string // used instead of the fixture when set
		want []string
	}{
		{name: "empty input", raw: " ", want: []string{"missing column(s) model"}},
		{name: "nothing", raw: "-", want: []string{"missing column(s)"}},
		{name: "header only", edit: func(f *fixture) { f.rows = nil }, want: []string{"no runs"}},
		{name: "missing column", edit: func(f *fixture) {
			f.header = slices.DeleteFunc(f.header, func(h string) bool { return h == "ratio_coconot_converted" })
		},
			want: []string{"missing column(s) ratio_coconot_converted"}},
		{name: "missing train_time", edit: func(f *fixture) {
			f.header = slices.DeleteFunc(f.header, func(h string) bool { return h == colTrainTime })
		},
			want: []string{"missing column(s) train_time"}},
		{name: "duplicate column", edit: func(f *fixture) { f.header = append(f.header, gsm) }, want: []string{`column "metric_gsm8k::tulu" appears twice`}},
		{name: "unknown source", edit: func(f *fixture) { f.header = append(f.header, "ratio_extra") }, want: []string{`unknown mixture column "ratio_extra"`}},
		{name: "short line", raw: strings.Join(publishedHeader(), ",") + "\nQwen2.5-0.5B,0.5,0.5\n", want: []string{"line 2: 3 fields, want 41"}},
		{name: "not a number", edit: cell(0, gsm, "abc"), want: []string{`line 2, column metric_gsm8k::tulu: "abc" is not a number`}},
		{name: "NaN score", edit: cell(1, gsm, "NaN"), want: []string{`line 3, column metric_gsm8k::tulu: "NaN" is not a finite number`}},
		{name: "infinite time", edit: cell(1, colTrainTime, "+Inf"), want: []string{`line 3, column train_time: "+Inf" is not a finite number`}},
		{name: "empty ratio", edit: cell(2, "ratio_oasst1_converted", ""), want: []string{"line 4, column ratio_oasst1_converted: empty, want a number"}},
		{name: "negative ratio", edit: cell(0, "ratio_oasst1_converted", "-0.05"), want: []string{"line 2, column ratio_oasst1_converted: -0.05 is outside [0, 1]"}},
		{name: "ratios do not sum to 1", edit: cell(0, "ratio_oasst1_converted", "0.5"), want: []string{"line 2: the ratio_* columns sum to 1.45, want 1 (within 0.01)"}},
		{name: "score above 1", edit: cell(3, gsm, "41.5"), want: []string{"line 5, column metric_gsm8k::tulu: 41.5 is outside [0, 1], want a fraction"}},
		{name: "published average out of range", edit: cell(0, colAvgAll, "2"), want: []string{"line 2, column metric_avg_id+ood: 2 is outside [0, 1]"}},
		{name: "model without size", edit: cell(0, colModel, "Qwen2.5"), want: []string{`line 2, column model: cannot read a model size from "Qwen2.5"`}},
		{name: "empty model", edit: cell(0, colModel, " "), want: []string{"line 2, column model: empty, want a model name"}},
		{name: "negative time", edit: cell(0, colTrainTime, "-3"), want: []string{"line 2, column train_time: -3 is negative"}},
		{name: "several problems", edit: func(f *fixture) {
			f.rows[0][gsm] = "x"
			f.rows[2][colTrainTime] = "y"
		}, want: []string{"line 2, column metric_gsm8k::tulu", "line 4, column train_time"}},
		{name: "bare quote", edit: cell(1, colModel, `Qwen"2.5-0.5B`), want: []string{"line 3", `bare "`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.raw
			if in == "" {
				f := newFixture()
				tc.edit(f)
				in = f.String()
			}
			tb, err := Import(strings.NewReader(in))
			require.Error(t, err)
			assert.Nil(t, tb)
			assert.True(t, strings.HasPrefix(err.Error(), "mixture: import: "), err.Error())
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestImportEmptyAndFiles(t *testing.T) {
	_, err := Import(strings.NewReader(""))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "empty input")

	dir := t.TempDir()
	path := filepath.Join(dir, "runs.csv")
	f := newFixture()
	f.rows[1][colTrainTime] = "soon"
	require.NoError(t, os.WriteFile(path, []byte(f.String()), 0o644))
	_, err = ImportFile(path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "mixture: "+path+": line 3, column train_time")

	_, err = ImportFile(filepath.Join(dir, "absent.csv"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "absent.csv")
}

// writeRuns writes a mixture table in the published runs format, with the
// train time recovered from the cost.
func writeRuns(t testing.TB, tb *tasks.Table) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString(strings.Join(publishedHeader(), ","))
	names := Metrics()
	for _, e := range tb.Experiments() {
		for c, cfg := range tb.Configs(e.Index) {
			out := tb.Outcome(e.Index, c)
			fmt.Fprintf(&b, "\n%s", e.Fidelity[FidModel])
			for _, x := range cfg[Ratio].([]float64) {
				fmt.Fprintf(&b, ",%v", x)
			}
			for k := range benchmarks {
				fmt.Fprintf(&b, ",%v", out.Metrics[k])
			}
			fmt.Fprintf(&b, ",%v", out.CostGPUHours*60/GPUsPerRun)
			for _, name := range []string{Objective, AvgID, AvgOOD} {
				fmt.Fprintf(&b, ",%v", out.Metrics[slices.Index(names, name)])
			}
		}
	}
	b.WriteByte('\n')
	return b.Bytes()
}

func TestImportRoundTrip(t *testing.T) {
	def, err := Default()
	require.NoError(t, err)
	tb, err := Import(bytes.NewReader(writeRuns(t, def)))
	require.NoError(t, err)
	require.Equal(t, def.NumRows(), tb.NumRows())
	require.Equal(t, def.Meta().Fidelity[0].Levels, tb.Meta().Fidelity[0].Levels)
	for _, e := range def.Experiments() {
		got, ok := tb.Experiment(e.ID)
		require.True(t, ok, e.ID)
		for c, cfg := range def.Configs(e.Index) {
			i, ok := tb.Lookup(got.Index, cfg)
			if !assert.True(t, ok, "%s config %d", e.ID, c) {
				continue
			}
			want, have := def.Outcome(e.Index, c), tb.Outcome(got.Index, i)
			assert.InDeltaSlice(t, want.Metrics, have.Metrics, 1e-12)
			assert.InDelta(t, want.CostGPUHours, have.CostGPUHours, 1e-9)
		}
	}
}

func TestImportRealData(t *testing.T) {
	tb, err := ImportFile(shareddata.Require(t, shareddata.Admire))
	require.NoError(t, err)
	assert.Equal(t, 460, tb.NumRows())
	assert.Equal(t, Models(), tb.Meta().Fidelity[0].Levels)
	exps := tb.Experiments()
	require.Len(t, exps, 3)

	var hours float64
	for _, e := range exps {
		s := tb.Stats(e.Index)
		t.Logf("%s: %d runs, %d mixtures, %s best %.4f median %.4f worst %.4f",
			e.ID, e.NumRows, e.NumConfigs, Objective, s.Best, s.Median, s.Worst)
		for c := range e.NumConfigs {
			out := tb.Outcome(e.Index, c)
			hours += out.CostGPUHours * float64(out.Seeds)
			require.True(t, out.Objective > 0 && out.Objective < 1)
		}
	}
	t.Logf("total cost %.0f GPU hours", hours)
	assert.True(t, hours > 13000 && hours < 14000, "the paper reports over 13,000 GPU hours; got %.0f", hours)
	for i := 1; i < len(exps); i++ {
		assert.Greater(t, tb.Stats(i).Median, tb.Stats(i-1).Median, "bigger models score higher")
		for _, cfg := range tb.Configs(i) {
			_, ok := tb.Lookup(i-1, cfg)
			assert.True(t, ok, "%s mixtures are a subset of %s ones", exps[i].ID, exps[i-1].ID)
		}
	}
	for k, p := range [][2]int{{0, 1}, {0, 2}, {1, 2}} {
		x, y := shared(t, tb, p[0], p[1])
		rho, err := fidelity.Spearman(x, y)
		require.NoError(t, err)
		t.Logf("Spearman %s vs %s over %d shared mixtures: %.3f", models[p[0]], models[p[1]], len(x), rho)
		assert.True(t, rho > 0.3 && rho < 0.9, "pair %d", k)
	}
}

func BenchmarkImport(b *testing.B) {
	def, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	data := writeRuns(b, def)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		tb, err := Import(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		tb.Release()
	}
}
