package tasks

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/spaces"
)

// requireProblem asserts that err is a *ValidationError holding a problem
// with the given column and row whose message contains msg.
func requireProblem(t *testing.T, err error, column string, row int, msg string) *ValidationError {
	t.Helper()
	var ve *ValidationError
	require.True(t, errors.As(err, &ve), "want a *ValidationError, got %v", err)
	for _, p := range ve.Problems {
		if p.Column == column && p.Row == row && strings.Contains(p.Msg, msg) {
			return ve
		}
	}
	t.Fatalf("no problem with column %q, row %d and message containing %q in:\n%v", column, row, msg, err)
	return nil
}

func TestMetaValidation(t *testing.T) {
	cases := []struct {
		name   string
		edit   func(*Meta)
		column string
		msg    string
	}{
		{"empty task", func(m *Meta) { m.Task = " " }, KeyTask, "task name is empty"},
		{"nil space", func(m *Meta) { m.Space = nil }, KeySpace, "nil"},
		{"dimension name with a dot", func(m *Meta) {
			m.Space = spaces.MustConfigSpace(spaces.LogDim("l.r", 1e-5, 1))
		}, KeySpace, `"l.r"`},
		{"simplex part with a space", func(m *Meta) {
			m.Space = spaces.MustConfigSpace(spaces.SimplexDim("mix", "a b", "c"))
		}, KeySpace, `"a b"`},
		{"no metrics", func(m *Meta) { m.Metrics = nil; m.Objective = "" }, KeyMetrics, "no metrics"},
		{"objective not a metric", func(m *Meta) { m.Objective = "bleu" }, KeyObjective, `"bleu" is not among the metrics`},
		{"empty objective", func(m *Meta) { m.Objective = "" }, KeyObjective, "objective is empty"},
		{"bad metric name", func(m *Meta) { m.Metrics = append(m.Metrics, "avg score") }, KeyMetrics, `"avg score" is not valid`},
		{"metric twice", func(m *Meta) { m.Metrics = append(m.Metrics, "acc") }, KeyMetrics, `"acc" declared twice`},
		{"direction unset", func(m *Meta) { m.Direction = 0 }, KeyDirection, "not set"},
		{"provenance unset", func(m *Meta) { m.Provenance = "" }, KeyProvenance, `provenance ""`},
		{"provenance unknown", func(m *Meta) { m.Provenance = "guessed" }, KeyProvenance, `"guessed" is not one of`},
		{"bad fidelity name", func(m *Meta) { m.Fidelity[1].Name = "to kens" }, KeyFidelity, `"to kens" is not valid`},
		{"fidelity twice", func(m *Meta) { m.Fidelity[1].Name = "model" }, KeyFidelity, `"model" declared twice`},
		{"level twice", func(m *Meta) { m.Fidelity[0].Levels = []string{"S", "S"} }, KeyFidelity, `level "S" twice`},
		{"empty level", func(m *Meta) { m.Fidelity[0].Levels = []string{"S", ""} }, KeyFidelity, "empty level"},
		{"empty levels", func(m *Meta) { m.Fidelity[0].Levels = []string{} }, KeyFidelity, "empty list of levels"},
		{"citation not UTF-8", func(m *Meta) { m.Citation = "caf\xe9" }, KeyCitation, "not valid UTF-8"},
		{"level not UTF-8", func(m *Meta) { m.Fidelity[0].Levels = []string{"S", "\xff"} }, KeyFidelity, "not valid UTF-8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := testMeta()
			c.edit(&m)
			_, err := NewBuilder(m)
			ve := requireProblem(t, err, c.column, 0, c.msg)
			assert.Contains(t, ve.Error(), fmt.Sprintf("metadata %q", c.column))
		})
	}
	require.NoError(t, testMeta().Validate())
	assert.Nil(t, Meta{}.Columns())
	_, err := Meta{}.Schema()
	assert.Error(t, err)
}

// smallRows is a valid table of 2 experiments x 2 configs x 1 seed.
func smallRows() []Row {
	var rows []Row
	for e, id := range []string{"a", "b"} {
		for k := range 2 {
			rows = append(rows, Row{
				Experiment:   id,
				Fidelity:     map[string]any{"model": []string{"S", "M"}[e], "tokens": float64(e + 1)},
				Config:       testConfig(k),
				Metrics:      map[string]float64{"loss": 2 + float64(k), "acc": 0.5, "ppl": 7},
				CostGPUHours: 1,
			})
		}
	}
	return rows
}

func TestBuilderValidation(t *testing.T) {
	cases := []struct {
		name   string
		edit   func([]Row) []Row
		column string
		row    int
		msg    string
	}{
		{"empty experiment id", func(r []Row) []Row { r[1].Experiment = ""; return r }, "experiment", 2, "empty experiment id"},
		{"NaN metric", func(r []Row) []Row { r[2].Metrics["loss"] = math.NaN(); return r }, "metric_loss", 3, "NaN, want a finite number"},
		{"Inf metric", func(r []Row) []Row { r[0].Metrics["acc"] = math.Inf(-1); return r }, "metric_acc", 1, "-Inf, want a finite number"},
		{"NaN cost", func(r []Row) []Row { r[3].CostGPUHours = math.NaN(); return r }, "cost_gpu_hours", 4, "NaN"},
		{"Inf cost", func(r []Row) []Row { r[3].CostGPUHours = math.Inf(1); return r }, "cost_gpu_hours", 4, "+Inf"},
		{"negative cost", func(r []Row) []Row { r[1].CostGPUHours = -2; return r }, "cost_gpu_hours", 2, "negative (-2)"},
		{"huge metric", func(r []Row) []Row { r[2].Metrics["loss"] = 1.7e308; return r }, "metric_loss", 3, "metric is 1.7e+308, want a magnitude of at most 1e+150"},
		{"huge negative metric", func(r []Row) []Row { r[0].Metrics["acc"] = -1.7e308; return r }, "metric_acc", 1, "-1.7e+308"},
		{"huge cost", func(r []Row) []Row { r[3].CostGPUHours = 1e200; return r }, "cost_gpu_hours", 4, "want at most 1e+150 GPU hours"},
		{"duplicate row", func(r []Row) []Row { return append(r, r[1]) }, "seed", 5, "same config and seed 0 as data row 2"},
		{"config out of range", func(r []Row) []Row { r[0].Config["lr"] = 5.0; return r }, "cfg_lr", 1, "out of range"},
		{"config unknown choice", func(r []Row) []Row { r[2].Config["opt"] = "rmsprop"; return r }, "cfg_opt", 3, `"rmsprop"`},
		{"config unknown dimension", func(r []Row) []Row { r[2].Config["momentum"] = 0.9; return r }, "cfg_momentum", 3, "not a dimension of the space"},
		{"config missing dimension", func(r []Row) []Row { delete(r[2].Config, "clip"); return r }, "cfg_clip", 3, "missing"},
		{"config simplex off", func(r []Row) []Row { r[1].Config["mix"] = []float64{0.5, 0.5, 0.5}; return r }, "cfg_mix.*", 2, "sum to 1.5"},
		{"no config", func(r []Row) []Row { r[1].Config = nil; return r }, "cfg_*", 2, "no config"},
		{"missing metric", func(r []Row) []Row { delete(r[3].Metrics, "ppl"); return r }, "metric_ppl", 4, `metric "ppl" is missing`},
		{"unknown metric", func(r []Row) []Row { r[3].Metrics["bleu"] = 1; return r }, "metric_bleu", 4, `unknown metric "bleu"`},
		{"unknown fidelity", func(r []Row) []Row { r[0].Fidelity["gpus"] = 8.0; return r }, "fid_gpus", 1, `unknown fidelity coordinate "gpus"`},
		{"missing fidelity", func(r []Row) []Row { delete(r[0].Fidelity, "tokens"); return r }, "fid_tokens", 1, `"tokens" is missing`},
		{"fidelity wrong type", func(r []Row) []Row { r[0].Fidelity["tokens"] = "many"; return r }, "fid_tokens", 1, "string, want a number"},
		{"level wrong type", func(r []Row) []Row { r[0].Fidelity["model"] = 3.0; return r }, "fid_model", 1, "float64, want a string"},
		{"unknown level", func(r []Row) []Row { r[3].Fidelity["model"] = "XL"; return r }, "fid_model", 4, `unknown level "XL"`},
		{"NaN fidelity", func(r []Row) []Row { r[0].Fidelity["tokens"] = math.NaN(); return r }, "fid_tokens", 1, "want a finite number"},
		{"inconsistent fidelity", func(r []Row) []Row { r[3].Fidelity["tokens"] = 9.0; return r }, "fid_tokens", 4, `experiment "b" has 9 here but 2 in data row 3`},
		{"inconsistent level", func(r []Row) []Row { r[1].Fidelity["model"] = "M"; return r }, "fid_model", 2, `experiment "a" has "M" here but "S" in data row 1`},
		{"all configs diverged", func(r []Row) []Row { r[2].Diverged, r[3].Diverged = true, true; return r }, "diverged", 0, `experiment "b" has no config that did not diverge`},
		{"no rows", func([]Row) []Row { return nil }, "", 0, "no data rows"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := buildTable(t, testMeta(), c.edit(smallRows()))
			ve := requireProblem(t, err, c.column, c.row, c.msg)
			if c.row > 0 {
				assert.Contains(t, ve.Error(), fmt.Sprintf("data row %d, column %q", c.row, c.column))
			}
		})
	}
}

func TestEveryProblemReported(t *testing.T) {
	rows := smallRows()
	rows[0].CostGPUHours = -1
	rows[1].Metrics["loss"] = math.NaN()
	rows[2].Config["layers"] = 1000
	rows[3].Fidelity["model"] = "XXL"
	_, err := buildTable(t, testMeta(), rows)
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	require.Len(t, ve.Problems, 4, "%v", err)
	for i, col := range []string{"cost_gpu_hours", "metric_loss", "cfg_layers", "fid_model"} {
		assert.Equal(t, col, ve.Problems[i].Column)
		assert.Equal(t, i+1, ve.Problems[i].Row)
	}
	assert.Equal(t, 5, strings.Count(ve.Error(), "\n")+1)
}

func TestErrorIsCapped(t *testing.T) {
	rows := testRows()
	for i := range rows {
		rows[i].CostGPUHours = -1
	}
	_, err := buildTable(t, testMeta(), rows)
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Len(t, ve.Problems, len(rows))
	msg := ve.Error()
	assert.Contains(t, msg, fmt.Sprintf("%d problems", len(rows)))
	assert.Contains(t, msg, fmt.Sprintf("... and %d more", len(rows)-maxProblemLines))
	assert.Equal(t, maxProblemLines+2, strings.Count(msg, "\n")+1)
}

func TestBuilderIsReusable(t *testing.T) {
	b, err := NewBuilder(testMeta())
	require.NoError(t, err)
	bad := smallRows()
	bad[0].CostGPUHours = -1
	for _, r := range bad {
		b.Add(r)
	}
	assert.Equal(t, 4, b.Len())
	_, err = b.Build()
	require.Error(t, err)
	assert.Zero(t, b.Len())
	for _, r := range smallRows() {
		b.Add(r)
	}
	tb, err := b.Build()
	require.NoError(t, err)
	defer tb.Release()
	assert.Equal(t, 4, tb.NumRows())
}

// editRecord returns a copy of rec's columns and fields, for tests that
// break the schema.
func editRecord(rec arrow.RecordBatch, edit func(fields []arrow.Field, cols []arrow.Array) ([]arrow.Field, []arrow.Array)) arrow.RecordBatch {
	fields := append([]arrow.Field(nil), rec.Schema().Fields()...)
	cols := append([]arrow.Array(nil), rec.Columns()...)
	fields, cols = edit(fields, cols)
	md := rec.Schema().Metadata()
	return array.NewRecordBatch(arrow.NewSchema(fields, &md), cols, rec.NumRows())
}

func columnIndex(fields []arrow.Field, name string) int {
	for i, f := range fields {
		if f.Name == name {
			return i
		}
	}
	panic("no column " + name)
}

func TestFromRecordsSchemaValidation(t *testing.T) {
	tb, err := buildTable(t, testMeta(), smallRows())
	require.NoError(t, err)
	defer tb.Release()
	rec := tb.Record()
	n := int(rec.NumRows())
	ints := func() arrow.Array {
		b := array.NewInt64Builder(memory.DefaultAllocator)
		defer b.Release()
		for i := range n {
			b.Append(int64(i))
		}
		return b.NewArray()
	}
	withNull := func(a arrow.Array, row int) arrow.Array {
		b := array.NewFloat64Builder(memory.DefaultAllocator)
		defer b.Release()
		for i, v := range a.(*array.Float64).Float64Values() {
			if i == row {
				b.AppendNull()
			} else {
				b.Append(v)
			}
		}
		return b.NewArray()
	}
	cases := []struct {
		name   string
		edit   func([]arrow.Field, []arrow.Array) ([]arrow.Field, []arrow.Array)
		column string
		row    int
		msg    string
	}{
		{"missing column", func(f []arrow.Field, c []arrow.Array) ([]arrow.Field, []arrow.Array) {
			i := columnIndex(f, "cfg_clip")
			return append(f[:i], f[i+1:]...), append(c[:i], c[i+1:]...)
		}, "cfg_clip", 0, "missing column (want float64)"},
		{"cfg column not in the space", func(f []arrow.Field, c []arrow.Array) ([]arrow.Field, []arrow.Array) {
			f[columnIndex(f, "cfg_clip")].Name = "cfg_clip_range"
			return f, c
		}, "cfg_clip_range", 0, `"clip_range" is not a dimension of the space`},
		{"metric column not declared", func(f []arrow.Field, c []arrow.Array) ([]arrow.Field, []arrow.Array) {
			f[columnIndex(f, "metric_ppl")].Name = "metric_bleu"
			return f, c
		}, "metric_bleu", 0, `"bleu" is not a declared metric`},
		{"fid column not declared", func(f []arrow.Field, c []arrow.Array) ([]arrow.Field, []arrow.Array) {
			f[columnIndex(f, "fid_tokens")].Name = "fid_steps"
			return f, c
		}, "fid_steps", 0, `"steps" is not a declared fidelity coordinate`},
		{"unexpected column", func(f []arrow.Field, c []arrow.Array) ([]arrow.Field, []arrow.Array) {
			return append(f, arrow.Field{Name: "notes", Type: arrow.PrimitiveTypes.Int64}), append(c, ints())
		}, "notes", 0, "unexpected column"},
		{"column twice", func(f []arrow.Field, c []arrow.Array) ([]arrow.Field, []arrow.Array) {
			i := columnIndex(f, "seed")
			return append(f, f[i]), append(c, c[i])
		}, "seed", 0, "column appears twice"},
		{"wrong type", func(f []arrow.Field, c []arrow.Array) ([]arrow.Field, []arrow.Array) {
			i := columnIndex(f, "cost_gpu_hours")
			f[i].Type, c[i] = arrow.PrimitiveTypes.Int64, ints()
			return f, c
		}, "cost_gpu_hours", 0, "type int64, want float64"},
		{"string column of numbers", func(f []arrow.Field, c []arrow.Array) ([]arrow.Field, []arrow.Array) {
			i := columnIndex(f, "cfg_opt")
			f[i].Type, c[i] = arrow.PrimitiveTypes.Int64, ints()
			return f, c
		}, "cfg_opt", 0, "want string or dictionary of strings"},
		{"null value", func(f []arrow.Field, c []arrow.Array) ([]arrow.Field, []arrow.Array) {
			i := columnIndex(f, "metric_acc")
			c[i] = withNull(c[i], 2)
			return f, c
		}, "metric_acc", 3, "missing value"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bad := editRecord(rec, c.edit)
			defer bad.Release()
			_, err := FromRecords(testMeta(), bad)
			requireProblem(t, err, c.column, c.row, c.msg)
		})
	}

	_, err = FromRecords(testMeta())
	requireProblem(t, err, "", 0, "no record batches")
	other := editRecord(rec, func(f []arrow.Field, c []arrow.Array) ([]arrow.Field, []arrow.Array) { return f[1:], c[1:] })
	defer other.Release()
	_, err = FromRecords(testMeta(), rec, other)
	requireProblem(t, err, "", 0, "record batch 2 has a schema different")
}

func TestFromRecordsPlainStringsAndColumnOrder(t *testing.T) {
	tb := testTable(t)
	rec := tb.Record()
	// Plain (not dictionary) experiment ids and reversed column order.
	plain := editRecord(rec, func(f []arrow.Field, c []arrow.Array) ([]arrow.Field, []arrow.Array) {
		b := array.NewStringBuilder(memory.DefaultAllocator)
		defer b.Release()
		for i := range c[0].Len() {
			b.Append(stringAt(c[0], i))
		}
		f[0] = arrow.Field{Name: ColExperiment, Type: arrow.BinaryTypes.String}
		c[0] = b.NewArray()
		for i, j := 0, len(f)-1; i < j; i, j = i+1, j-1 {
			f[i], f[j] = f[j], f[i]
			c[i], c[j] = c[j], c[i]
		}
		return f, c
	})
	defer plain.Release()
	got, err := FromRecords(tb.Meta(), plain)
	require.NoError(t, err)
	defer got.Release()
	requireSameTable(t, tb, got)
	// Several batches are joined.
	parts := []arrow.RecordBatch{rec.NewSlice(0, 7), rec.NewSlice(7, 30), rec.NewSlice(30, 40)}
	defer func() {
		for _, p := range parts {
			p.Release()
		}
	}()
	got2, err := FromRecords(tb.Meta(), parts...)
	require.NoError(t, err)
	defer got2.Release()
	requireSameTable(t, tb, got2)
}
