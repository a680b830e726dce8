package tasks

import (
	"errors"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/autollmresearch/gym/spaces"
)

// Builder collects rows into a Table. Add converts each row into Arrow
// columns straight away, so the Builder keeps no reference to the row's
// maps. A Builder is not safe for concurrent use.
type Builder struct {
	meta   Meta
	schema *arrow.Schema
	cols   []column
	rb     *array.RecordBuilder
	fidIdx map[string]int
	metIdx map[string]int
	ps     problems
	rows   int
}

// NewBuilder returns a Builder for a table with metadata meta, which it
// checks first (see Meta.Validate).
func NewBuilder(meta Meta) (*Builder, error) {
	if err := meta.Validate(); err != nil {
		return nil, err
	}
	meta = meta.clone()
	schema, err := meta.Schema()
	if err != nil {
		return nil, err
	}
	b := &Builder{
		meta:   meta,
		schema: schema,
		cols:   meta.columns(),
		fidIdx: make(map[string]int, len(meta.Fidelity)),
		metIdx: make(map[string]int, len(meta.Metrics)),
	}
	for i, f := range meta.Fidelity {
		b.fidIdx[f.Name] = i
	}
	for i, m := range meta.Metrics {
		b.metIdx[m] = i
	}
	b.reset()
	return b, nil
}

func (b *Builder) reset() {
	b.rb = array.NewRecordBuilder(memory.DefaultAllocator, b.schema)
	b.ps = problems{}
	b.rows = 0
}

// Len is the number of rows added since the last Build.
func (b *Builder) Len() int { return b.rows }

// Add appends a row. Problems with the row (unknown or missing fidelity
// coordinates or metrics, values of the wrong type, a config outside the
// space) are collected and reported by Build, naming the row by its
// 1-based position among the rows added.
func (b *Builder) Add(r Row) {
	b.rows++
	row := b.rows
	var cfg spaces.Config
	var cfgErr error
	if r.Config == nil {
		cfgErr = errors.New("no config given")
	} else {
		cfg, cfgErr = b.meta.Space.Normalize(r.Config)
	}
	if cfgErr != nil {
		configProblems(b.meta, cfgErr, row, &b.ps)
	}
	for _, name := range sortedKeys(r.Fidelity) {
		if _, ok := b.fidIdx[name]; !ok {
			b.ps.addf(FidelityPrefix+name, row, "unknown fidelity coordinate %q (declared: %q)", name, fidelityNames(b.meta))
		}
	}
	for _, name := range sortedKeys(r.Metrics) {
		if _, ok := b.metIdx[name]; !ok {
			b.ps.addf(MetricPrefix+name, row, "unknown metric %q (declared: %q)", name, b.meta.Metrics)
		}
	}
	dims := b.meta.Space.Dims()
	for j, c := range b.cols {
		fb := b.rb.Field(j)
		switch c.kind {
		case colExperiment:
			if r.Experiment == "" {
				b.ps.addf(c.name, row, "empty experiment id")
			}
			_ = fb.(*array.BinaryDictionaryBuilder).AppendString(r.Experiment)
		case colFidelity:
			b.appendFidelity(fb, c, r.Fidelity, row)
		case colConfig:
			if cfgErr != nil {
				fb.AppendNull()
				continue
			}
			d := dims[c.dim]
			switch v := cfg[d.Name].(type) {
			case float64:
				fb.(*array.Float64Builder).Append(v)
			case int:
				fb.(*array.Int64Builder).Append(int64(v))
			case string:
				fb.(*array.StringBuilder).Append(v)
			case []float64:
				fb.(*array.Float64Builder).Append(v[c.part])
			default:
				b.ps.addf(c.name, row, "normalised value has unexpected type %T", v)
				fb.AppendNull()
			}
		case colMetric:
			name := b.meta.Metrics[c.metric]
			v, ok := r.Metrics[name]
			if !ok {
				b.ps.addf(c.name, row, "metric %q is missing", name)
				fb.AppendNull()
				continue
			}
			fb.(*array.Float64Builder).Append(v)
		case colCost:
			fb.(*array.Float64Builder).Append(r.CostGPUHours)
		case colDiverged:
			fb.(*array.BooleanBuilder).Append(r.Diverged)
		case colSeed:
			fb.(*array.Int64Builder).Append(r.Seed)
		}
	}
}

func (b *Builder) appendFidelity(fb array.Builder, c column, fid map[string]any, row int) {
	f := b.meta.Fidelity[c.fid]
	v, ok := fid[f.Name]
	if !ok {
		b.ps.addf(c.name, row, "fidelity coordinate %q is missing", f.Name)
		fb.AppendNull()
		return
	}
	if f.Levels != nil {
		s, ok := v.(string)
		if !ok {
			b.ps.addf(c.name, row, "fidelity level is %T, want a string (one of %q)", v, f.Levels)
			fb.AppendNull()
			return
		}
		fb.(*array.StringBuilder).Append(s)
		return
	}
	var x float64
	switch v := v.(type) {
	case float64:
		x = v
	case float32:
		x = float64(v)
	case int:
		x = float64(v)
	case int64:
		x = float64(v)
	default:
		b.ps.addf(c.name, row, "fidelity coordinate is %T, want a number", v)
		fb.AppendNull()
		return
	}
	fb.(*array.Float64Builder).Append(x)
}

// Build validates every row added and returns the indexed Table, or a
// *ValidationError listing every problem (rows are numbered from 1 in the
// order they were added). Either way the Builder is emptied and may be
// reused for another table with the same metadata.
func (b *Builder) Build() (*Table, error) {
	rec := b.rb.NewRecordBatch()
	ps := b.ps
	b.rb.Release()
	b.reset()
	defer rec.Release()
	// Every null in rec stands for a problem Add reported already.
	t, ok := index(b.meta, rec, &ps, false)
	if !ok {
		return nil, ps.err()
	}
	rec.Retain() // the table's reference
	return t, nil
}

func fidelityNames(m Meta) []string {
	out := make([]string, len(m.Fidelity))
	for i, f := range m.Fidelity {
		out[i] = f.Name
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
