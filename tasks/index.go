package tasks

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/autollmresearch/gym/spaces"
)

// FromRecords validates record batches against meta and indexes them into a
// Table. The batches must share one schema holding the canonical columns of
// meta in any order; the experiment column may be a plain or a
// dictionary-encoded string. The table's record has the canonical column
// order and meta as schema metadata; the batches are not modified and stay
// owned by the caller. Every problem found is reported in a
// *ValidationError.
func FromRecords(meta Meta, recs ...arrow.RecordBatch) (*Table, error) {
	if err := meta.Validate(); err != nil {
		return nil, err
	}
	meta = meta.clone()
	var ps problems
	rec, ok := canonicalRecord(meta, recs, &ps)
	if !ok {
		return nil, ps.err()
	}
	t, ok := index(meta, rec, &ps, true)
	if !ok {
		rec.Release()
		return nil, ps.err()
	}
	return t, nil
}

// canonicalRecord checks the schema of recs against meta, reporting missing,
// unexpected and mistyped columns, and joins the batches into one record
// with the canonical column order. It returns false when a problem rules
// out indexing.
func canonicalRecord(meta Meta, recs []arrow.RecordBatch, ps *problems) (arrow.RecordBatch, bool) {
	if !sameSchemas(recs, ps) {
		return nil, false
	}
	first := recs[0].Schema()
	cols := meta.columns()
	found, ok := matchFields(meta, cols, first, ps)
	if !ok {
		return nil, false
	}
	fields, arrs, ok := joinColumns(cols, first, found, recs, ps)
	if !ok {
		return nil, false
	}
	var nrows int64
	for _, r := range recs {
		nrows += r.NumRows()
	}
	md, err := meta.Metadata()
	if err != nil { // meta was validated
		ps.addf("", 0, "%v", err)
		return nil, false
	}
	rec := array.NewRecordBatch(arrow.NewSchema(fields, &md), arrs, nrows)
	for _, a := range arrs {
		a.Release()
	}
	return rec, true
}

// sameSchemas reports whether there is a first record batch and every
// other batch has its schema.
func sameSchemas(recs []arrow.RecordBatch, ps *problems) bool {
	if len(recs) == 0 || recs[0] == nil {
		ps.addf("", 0, "no record batches")
		return false
	}
	first := recs[0].Schema()
	for i, r := range recs[1:] {
		if r == nil || !r.Schema().Equal(first) {
			ps.addf("", 0, "record batch %d has a schema different from the first batch's", i+2)
			return false
		}
	}
	return true
}

// matchFields finds the field of schema holding each canonical column of
// cols, reporting unexpected, repeated, mistyped and missing columns. It
// returns the field index per canonical column, and false when a column
// was wrong.
func matchFields(meta Meta, cols []column, schema *arrow.Schema, ps *problems) ([]int, bool) {
	want := make(map[string]int, len(cols))
	for i, c := range cols {
		want[c.name] = i
	}
	found := make([]int, len(cols))
	for i := range found {
		found[i] = -1
	}
	bad := false
	for i, f := range schema.Fields() {
		j, ok := want[f.Name]
		if !ok {
			ps.add(Problem{Column: f.Name, Msg: unexpectedColumn(meta, f.Name)})
			bad = true
			continue
		}
		if found[j] >= 0 {
			ps.addf(f.Name, 0, "column appears twice (fields %d and %d)", found[j]+1, i+1)
			bad = true
			continue
		}
		found[j] = i
		if !typeAccepted(cols[j].typ, f.Type) {
			ps.addf(f.Name, 0, "column has type %s, want %s", f.Type, typeWant(cols[j].typ))
			bad = true
		}
	}
	for j, c := range cols {
		if found[j] < 0 {
			ps.addf(c.name, 0, "missing column (want %s)", typeWant(c.typ))
			bad = true
		}
	}
	return found, !bad
}

// joinColumns gathers each canonical column of cols, field found[j] of
// every batch of recs (of schema first), into one array, concatenating the
// batches when there are several. It returns the columns' fields and
// arrays, which the caller releases, and false when the batches cannot be
// joined (nothing is then left to release).
func joinColumns(cols []column, first *arrow.Schema, found []int, recs []arrow.RecordBatch, ps *problems) ([]arrow.Field, []arrow.Array, bool) {
	fields := make([]arrow.Field, len(cols))
	arrs := make([]arrow.Array, len(cols))
	for j := range cols {
		f := first.Field(found[j])
		fields[j] = arrow.Field{Name: f.Name, Type: f.Type, Nullable: f.Nullable}
		if len(recs) == 1 {
			arrs[j] = recs[0].Column(found[j])
			arrs[j].Retain()
			continue
		}
		chunks := make([]arrow.Array, len(recs))
		for k, r := range recs {
			chunks[k] = r.Column(found[j])
		}
		a, err := array.Concatenate(chunks, memory.DefaultAllocator)
		if err != nil {
			for _, prev := range arrs[:j] {
				prev.Release()
			}
			ps.addf(cols[j].name, 0, "cannot join the record batches: %v", err)
			return nil, nil, false
		}
		arrs[j] = a
	}
	return fields, arrs, true
}

func unexpectedColumn(meta Meta, name string) string {
	switch {
	case strings.HasPrefix(name, ConfigPrefix):
		return fmt.Sprintf("unexpected column: %q is not a dimension of the space %v", strings.TrimPrefix(name, ConfigPrefix), meta.Space)
	case strings.HasPrefix(name, FidelityPrefix):
		names := make([]string, len(meta.Fidelity))
		for i, f := range meta.Fidelity {
			names[i] = f.Name
		}
		return fmt.Sprintf("unexpected column: %q is not a declared fidelity coordinate (declared: %q)", strings.TrimPrefix(name, FidelityPrefix), names)
	case strings.HasPrefix(name, MetricPrefix):
		return fmt.Sprintf("unexpected column: %q is not a declared metric (declared: %q)", strings.TrimPrefix(name, MetricPrefix), meta.Metrics)
	}
	return "unexpected column (want experiment, fid_*, cfg_*, metric_*, cost_gpu_hours, diverged, seed)"
}

// isString reports whether t is a string type, plain or dictionary-encoded.
func isString(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.STRING, arrow.LARGE_STRING:
		return true
	case arrow.DICTIONARY:
		return isString(t.(*arrow.DictionaryType).ValueType)
	}
	return false
}

func typeAccepted(want, got arrow.DataType) bool {
	if isString(want) {
		return isString(got)
	}
	return arrow.TypeEqual(want, got)
}

func typeWant(t arrow.DataType) string {
	if isString(t) {
		return "string or dictionary of strings"
	}
	return t.String()
}

// stringCodes maps every row of a string-like array to code(value), calling
// code once per dictionary entry for dictionary arrays. Null rows get -1.
func stringCodes(a arrow.Array, code func(string) int32) []int32 {
	out := make([]int32, a.Len())
	type valuer interface{ Value(int) string }
	if d, ok := a.(*array.Dictionary); ok {
		dict := d.Dictionary().(valuer)
		dcodes := make([]int32, d.Dictionary().Len())
		for i := range dcodes {
			if d.Dictionary().IsNull(i) {
				dcodes[i] = -1
			} else {
				dcodes[i] = code(dict.Value(i))
			}
		}
		for i := range out {
			if d.IsNull(i) {
				out[i] = -1
			} else {
				out[i] = dcodes[d.GetValueIndex(i)]
			}
		}
		return out
	}
	v := a.(valuer)
	nulls := a.NullN() > 0
	var prev string
	prevCode := int32(-3) // no previous value yet
	for i := range out {
		if nulls && a.IsNull(i) {
			out[i] = -1
			continue
		}
		// Runs of equal values are common (an experiment's rows, a
		// config's seeds): skip the map for them.
		if s := v.Value(i); prevCode != -3 && s == prev {
			out[i] = prevCode
		} else {
			prev, prevCode = s, code(s)
			out[i] = prevCode
		}
	}
	return out
}

// stringAt returns row i of a string-like array.
func stringAt(a arrow.Array, i int) string {
	if d, ok := a.(*array.Dictionary); ok {
		return d.Dictionary().(interface{ Value(int) string }).Value(d.GetValueIndex(i))
	}
	return a.(interface{ Value(int) string }).Value(i)
}

// checkNulls reports every null of a.
func checkNulls(a arrow.Array, name string, ps *problems) {
	if a.NullN() == 0 {
		return
	}
	for i := 0; i < a.Len(); i++ {
		if a.IsNull(i) {
			ps.addf(name, i+1, "missing value")
		}
	}
}

// expInfo gathers an experiment while indexing.
type expInfo struct {
	id       string
	firstRow int
	fid      []float64 // numeric value or level index per coordinate
	rows     int
}

// index validates rec (canonical columns, checked types) row by row and
// builds the table's index. It returns false when problems were found.
// With reportNulls unset, nulls are taken to stand for problems reported
// already.
//
// The checks run in a fixed order, which is the order of the problems
// reported within one data row: nulls, experiment ids, fidelity
// coordinates, configs, metrics and costs, duplicate seeds; experiments
// without a usable config come last.
func index(meta Meta, rec arrow.RecordBatch, ps *problems, reportNulls bool) (*Table, bool) {
	cols := meta.columns()
	if rec.NumRows() == 0 {
		ps.addf("", 0, "table has no data rows")
		return nil, false
	}
	if reportNulls {
		for j, c := range cols {
			checkNulls(rec.Column(j), c.name, ps)
		}
	}
	exps, expOf := internExperiments(rec.Column(0), ps)
	readFidelities(meta, rec, cols, exps, expOf, ps)
	exps = sortExperiments(exps, expOf, len(meta.Fidelity))

	t := &Table{meta: meta, rec: rec}
	t.refs.Store(1)
	t.initDims()
	vals := t.configValues(cols, ps)
	out := readOutcomes(meta, rec, cols, ps)
	rowCfg := t.group(expOf, vals, len(exps))
	t.summarizeConfigs(rowCfg, out, expOf, exps, ps)
	t.indexExperiments(exps, ps)
	if ps.len() > 0 {
		return nil, false
	}
	return t, true
}

// internExperiments numbers the experiment ids of a in order of first
// appearance, reporting empty ids. It returns the experiments, with their
// first row and row count, and each row's experiment (-1 for a null).
func internExperiments(a arrow.Array, ps *problems) ([]expInfo, []int32) {
	var exps []expInfo
	expIDs := make(map[string]int32)
	expOf := stringCodes(a, func(s string) int32 {
		if k, ok := expIDs[s]; ok {
			return k
		}
		k := int32(len(exps))
		expIDs[s] = k
		exps = append(exps, expInfo{id: strings.Clone(s), firstRow: -1})
		return k
	})
	for r, e := range expOf {
		if e < 0 {
			continue
		}
		if exps[e].id == "" {
			ps.addf(ColExperiment, r+1, "empty experiment id")
		}
		if exps[e].firstRow < 0 {
			exps[e].firstRow = r
		}
		exps[e].rows++
	}
	return exps, expOf
}

// readFidelities sets each experiment's fidelity coordinates (numeric
// value or level index) from its first row, reporting unknown levels,
// values that are not finite, and rows whose fidelity differs from their
// experiment's first row.
func readFidelities(meta Meta, rec arrow.RecordBatch, cols []column, exps []expInfo, expOf []int32, ps *problems) {
	for e := range exps {
		exps[e].fid = make([]float64, len(meta.Fidelity))
	}
	for j, c := range cols {
		if c.kind != colFidelity {
			continue
		}
		f := meta.Fidelity[c.fid]
		get := fidelityValues(f, c.name, rec.Column(j), ps)
		for e := range exps {
			if exps[e].firstRow >= 0 {
				exps[e].fid[c.fid] = get(exps[e].firstRow)
			}
		}
		for r, e := range expOf {
			if e < 0 || r == exps[e].firstRow {
				continue
			}
			if v, w := get(r), exps[e].fid[c.fid]; v != w && !(math.IsNaN(v) && math.IsNaN(w)) {
				ps.addf(c.name, r+1, "experiment %q has %s here but %s in data row %d; an experiment has one fidelity",
					exps[e].id, fidString(f, v), fidString(f, w), exps[e].firstRow+1)
			}
		}
	}
}

// fidelityValues reads the fidelity column a (named name) of coordinate
// f, reporting unknown levels and values that are not finite, and returns
// row r's numeric value or level index (-2 for an unknown level).
func fidelityValues(f FidelityColumn, name string, a arrow.Array, ps *problems) func(r int) float64 {
	if f.Levels == nil {
		vals := a.(*array.Float64).Float64Values()
		for r, v := range vals {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				ps.addf(name, r+1, "fidelity coordinate is %v, want a finite number", v)
			}
		}
		return func(r int) float64 { return vals[r] }
	}
	levels := make(map[string]int32, len(f.Levels))
	for i, l := range f.Levels {
		levels[l] = int32(i)
	}
	codes := stringCodes(a, func(s string) int32 {
		if i, ok := levels[s]; ok {
			return i
		}
		return -2
	})
	for r, k := range codes {
		if k == -2 {
			ps.addf(name, r+1, "unknown level %q (want one of %q)", stringAt(a, r), f.Levels)
		}
	}
	return func(r int) float64 { return float64(codes[r]) }
}

// sortExperiments orders experiments cheap to expensive (by fidelity
// coordinates, then id) and renumbers expOf, in place, to match. It
// returns the experiments in their new order.
func sortExperiments(exps []expInfo, expOf []int32, nfid int) []expInfo {
	order := make([]int, len(exps))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		for k := range nfid {
			if c := cmp.Compare(exps[a].fid[k], exps[b].fid[k]); c != 0 {
				return c
			}
		}
		return strings.Compare(exps[a].id, exps[b].id)
	})
	rankOf := make([]int32, len(exps)) // old experiment code to new index
	for i, e := range order {
		rankOf[e] = int32(i)
	}
	for r, e := range expOf {
		if e >= 0 {
			expOf[r] = rankOf[e]
		}
	}
	sorted := make([]expInfo, len(exps))
	for i, e := range order {
		sorted[i] = exps[e]
	}
	return sorted
}

// configValues returns every row's config values, row-major (t.nvals per
// row), and reports the configs outside the space.
func (t *Table) configValues(cols []column, ps *problems) []float64 {
	n := int(t.rec.NumRows())
	vals := make([]float64, n*t.nvals)
	badCfg := make([]bool, n) // rows whose config needs a closer look
	for j, c := range cols {
		if c.kind == colConfig {
			t.readConfigColumn(c, t.rec.Column(j), vals, badCfg)
		}
	}
	t.checkSimplexSums(vals, badCfg)
	checkConfigs(t.meta, t.rec, cols, badCfg, ps)
	return vals
}

// readConfigColumn writes config column c, array a, into vals (-0 as +0,
// a categorical choice as its index) and marks in badCfg the rows whose
// value is outside its dimension's range.
func (t *Table) readConfigColumn(c column, a arrow.Array, vals []float64, badCfg []bool) {
	d := t.dims[c.dim]
	nv, off := t.nvals, d.off+c.part
	switch d.kind {
	case spaces.Log, spaces.Linear:
		dim, _ := t.meta.Space.Dim(d.name)
		for r, v := range a.(*array.Float64).Float64Values() {
			if !(v >= dim.Low && v <= dim.High) { // also catches NaN
				badCfg[r] = true
			}
			vals[r*nv+off] = v + 0 // -0 becomes +0
		}
	case spaces.Int:
		dim, _ := t.meta.Space.Dim(d.name)
		for r, v := range a.(*array.Int64).Int64Values() {
			f := float64(v)
			if !(f >= dim.Low && f <= dim.High) {
				badCfg[r] = true
			}
			vals[r*nv+off] = f
		}
	case spaces.Categorical:
		codes := stringCodes(a, func(s string) int32 {
			if i, ok := d.choice[s]; ok {
				return int32(i)
			}
			return -2
		})
		for r, k := range codes {
			if k == -2 {
				badCfg[r] = true
			}
			vals[r*nv+off] = float64(k)
		}
	case spaces.Simplex:
		for r, v := range a.(*array.Float64).Float64Values() {
			if !(v >= 0 && v <= 1) {
				badCfg[r] = true
			}
			vals[r*nv+off] = v + 0
		}
	}
}

// checkSimplexSums marks in badCfg the rows with a simplex whose parts do
// not sum to 1 within spaces.SimplexTolerance.
func (t *Table) checkSimplexSums(vals []float64, badCfg []bool) {
	nv := t.nvals
	for _, d := range t.dims {
		if d.kind != spaces.Simplex {
			continue
		}
		for r := range badCfg {
			var sum float64
			for _, v := range vals[r*nv+d.off : r*nv+d.off+d.width] {
				sum += v
			}
			if !(math.Abs(sum-1) <= spaces.SimplexTolerance) {
				badCfg[r] = true
			}
		}
	}
}

// checkConfigs reports, for each row marked in badCfg without a null
// config value (a null was reported already), why the space rejects its
// config.
func checkConfigs(meta Meta, rec arrow.RecordBatch, cols []column, badCfg []bool, ps *problems) {
	var cfgArrs []arrow.Array
	for j, c := range cols {
		if c.kind == colConfig && rec.Column(j).NullN() > 0 {
			cfgArrs = append(cfgArrs, rec.Column(j))
		}
	}
	for r, bad := range badCfg {
		if !bad || anyNull(cfgArrs, r) { // a null was reported already
			continue
		}
		if _, err := meta.Space.Normalize(rawConfig(meta, rec, cols, r)); err != nil {
			configProblems(meta, err, r+1, ps)
		}
	}
}

// outcomes are the outcome columns of a record: metric values (by metric
// index), cost, diverged and seed.
type outcomes struct {
	metrics  [][]float64
	cost     []float64
	diverged *array.Boolean
	seeds    []int64
}

// readOutcomes gathers the outcome columns of rec, reporting metrics and
// costs that are not finite or out of range.
func readOutcomes(meta Meta, rec arrow.RecordBatch, cols []column, ps *problems) outcomes {
	out := outcomes{metrics: make([][]float64, len(meta.Metrics))}
	for j, c := range cols {
		a := rec.Column(j)
		switch c.kind {
		case colMetric:
			out.metrics[c.metric] = a.(*array.Float64).Float64Values()
			checkMetric(c.name, out.metrics[c.metric], ps)
		case colCost:
			out.cost = a.(*array.Float64).Float64Values()
			checkCost(c.name, out.cost, ps)
		case colDiverged:
			out.diverged = a.(*array.Boolean)
		case colSeed:
			out.seeds = a.(*array.Int64).Int64Values()
		}
	}
	return out
}

// checkMetric reports the values of metric column name that are not
// finite or exceed MaxMagnitude.
func checkMetric(name string, vals []float64, ps *problems) {
	for r, v := range vals {
		switch {
		case math.IsNaN(v) || math.IsInf(v, 0):
			ps.addf(name, r+1, "metric is %v, want a finite number", v)
		case math.Abs(v) > MaxMagnitude:
			ps.addf(name, r+1, "metric is %v, want a magnitude of at most %g", v, float64(MaxMagnitude))
		}
	}
}

// checkCost reports the costs of column name that are not finite,
// negative or above MaxMagnitude.
func checkCost(name string, cost []float64, ps *problems) {
	for r, v := range cost {
		switch {
		case math.IsNaN(v) || math.IsInf(v, 0):
			ps.addf(name, r+1, "cost is %v, want a finite number of GPU hours", v)
		case v < 0:
			ps.addf(name, r+1, "cost is negative (%v), want >= 0 GPU hours", v)
		case v > MaxMagnitude:
			ps.addf(name, r+1, "cost is %v, want at most %g GPU hours", v, float64(MaxMagnitude))
		}
	}
}

// rowsByConfig lists the rows of each of ncfg configs, in row order: the
// rows of config g are rows[start[g]:start[g+1]]. Rows with rowCfg -1 are
// left out.
func rowsByConfig(rowCfg []int32, ncfg int) (start, rows []int32) {
	start = make([]int32, ncfg+1)
	for _, g := range rowCfg {
		if g >= 0 {
			start[g+1]++
		}
	}
	for g := range ncfg {
		start[g+1] += start[g]
	}
	rows = make([]int32, start[ncfg])
	fill := slices.Clone(start[:ncfg])
	for r, g := range rowCfg {
		if g >= 0 {
			rows[fill[g]] = int32(r)
			fill[g]++
		}
	}
	return start, rows
}

// summarizeConfigs reports the rows that repeat a config's seed and fills
// each config's outcomes (t.objective, t.cost, t.seeds, t.diverged,
// t.metrics) from its rows, given by rowCfg.
func (t *Table) summarizeConfigs(rowCfg []int32, out outcomes, expOf []int32, exps []expInfo, ps *problems) {
	ncfg := len(t.hashes)
	cfgRowStart, cfgRows := rowsByConfig(rowCfg, ncfg)
	nm := len(t.meta.Metrics)
	objIdx := t.meta.metricIndex(t.meta.Objective)
	t.objective = make([]float64, ncfg)
	t.cost = make([]float64, ncfg)
	t.seeds = make([]int32, ncfg)
	t.diverged = make([]bool, ncfg)
	t.metrics = make([]float64, ncfg*nm)
	for g := range ncfg {
		rows := cfgRows[cfgRowStart[g]:cfgRowStart[g+1]]
		checkSeeds(rows, out.seeds, expOf, exps, ps)
		t.summarizeConfig(g, rows, out, objIdx)
	}
}

// summarizeConfig sets config g's outcomes from its rows: the metrics
// averaged over the seeds that did not diverge (over all seeds when every
// one diverged), the mean cost, the number of seeds, and whether most
// seeds diverged.
func (t *Table) summarizeConfig(g int, rows []int32, out outcomes, objIdx int) {
	nm := len(t.meta.Metrics)
	var ndiv int
	var costSum float64
	for _, r := range rows {
		if out.diverged.Value(int(r)) {
			ndiv++
		}
		costSum += out.cost[r]
	}
	keepDiverged := ndiv == len(rows)
	m := t.metrics[g*nm : (g+1)*nm]
	var used int
	for _, r := range rows {
		if out.diverged.Value(int(r)) != keepDiverged {
			continue
		}
		used++
		for k := range nm {
			m[k] += out.metrics[k][r]
		}
	}
	for k := range m {
		m[k] /= float64(used)
	}
	t.objective[g] = m[objIdx]
	t.cost[g] = costSum / float64(len(rows))
	t.seeds[g] = int32(len(rows))
	t.diverged[g] = 2*ndiv > len(rows)
}

// indexExperiments fills t.exps, t.byID, t.stats and t.lazy from exps,
// in order cheap to expensive, ranking equal fidelities together, and
// reports experiments in which every config diverged.
func (t *Table) indexExperiments(exps []expInfo, ps *problems) {
	t.exps = make([]Experiment, len(exps))
	t.byID = make(map[string]int, len(exps))
	t.stats = make([]Stats, len(exps))
	t.lazy = make([]lazyExp, len(exps))
	rank := -1
	var statsBuf []float64
	for i, e := range exps {
		if i == 0 || !slices.Equal(e.fid, exps[i-1].fid) {
			rank++
		}
		t.exps[i] = Experiment{
			ID: e.id, Index: i, Fidelity: fidelityMap(t.meta, e.fid), Rank: rank,
			NumConfigs: t.cfgStart[i+1] - t.cfgStart[i], NumRows: e.rows,
		}
		t.byID[e.id] = i
		t.stats[i], statsBuf = t.computeStats(i, statsBuf)
		if t.stats[i].Count == 0 {
			ps.addf(ColDiverged, 0, "experiment %q has no config that did not diverge (%d configs, each diverged in most seeds); its regret is undefined",
				e.id, t.stats[i].Diverged)
		}
	}
}

// fidelityMap returns an experiment's fidelity coordinates, fid, by name:
// a level's name or a number. An unknown level is left out.
func fidelityMap(meta Meta, fid []float64) map[string]any {
	m := make(map[string]any, len(meta.Fidelity))
	for k, f := range meta.Fidelity {
		if f.Levels != nil {
			if li := int(fid[k]); li >= 0 && li < len(f.Levels) {
				m[f.Name] = f.Levels[li]
			}
		} else {
			m[f.Name] = fid[k]
		}
	}
	return m
}

// configProblems reports a Normalize error, one problem per faulty
// dimension, blaming the dimension's column (for a simplex, the family
// cfg_<dim>.*).
func configProblems(meta Meta, err error, row int, ps *problems) {
	var ce *spaces.ConfigError
	if !errors.As(err, &ce) || len(ce.Fields) == 0 {
		ps.addf(ConfigPrefix+"*", row, "config outside the space: %v", err)
		return
	}
	for _, f := range ce.Fields {
		col := ConfigPrefix + f.Dim
		if d, ok := meta.Space.Dim(f.Dim); ok && d.Kind == spaces.Simplex {
			col += ".*"
		}
		msg := f.Problem
		if errors.Is(f.Err, spaces.ErrUnknownDim) {
			msg = fmt.Sprintf("%s: not a dimension of the space %v", f.Problem, meta.Space)
		}
		ps.addf(col, row, "%s", msg)
	}
}

func fidString(f FidelityColumn, v float64) string {
	if f.Levels != nil {
		if i := int(v); i >= 0 && i < len(f.Levels) {
			return fmt.Sprintf("%q", f.Levels[i])
		}
		return "an unknown level"
	}
	return fmt.Sprint(v)
}

// checkSeeds reports rows of one config that repeat a seed.
func checkSeeds(rows []int32, seeds []int64, expOf []int32, exps []expInfo, ps *problems) {
	if len(rows) < 2 {
		return
	}
	report := func(first, dup int32) {
		ps.addf(ColSeed, int(dup)+1, "duplicate row: experiment %q, the same config and seed %d as data row %d",
			exps[expOf[dup]].id, seeds[dup], first+1)
	}
	if len(rows) <= 16 {
		for i := 1; i < len(rows); i++ {
			for j := range i {
				if seeds[rows[i]] == seeds[rows[j]] {
					report(rows[j], rows[i])
					break
				}
			}
		}
		return
	}
	first := make(map[int64]int32, len(rows))
	for _, r := range rows {
		if f, ok := first[seeds[r]]; ok {
			report(f, r)
			continue
		}
		first[seeds[r]] = r
	}
}

func anyNull(arrs []arrow.Array, r int) bool {
	for _, a := range arrs {
		if a.IsNull(r) {
			return true
		}
	}
	return false
}

// rawConfig builds row r's config as stored, for error messages.
func rawConfig(meta Meta, rec arrow.RecordBatch, cols []column, r int) spaces.Config {
	c := make(spaces.Config)
	dims := meta.Space.Dims()
	for j, col := range cols {
		if col.kind != colConfig {
			continue
		}
		a := rec.Column(j)
		d := dims[col.dim]
		if a.IsNull(r) {
			continue
		}
		switch d.Kind {
		case spaces.Int:
			c[d.Name] = a.(*array.Int64).Value(r)
		case spaces.Categorical:
			c[d.Name] = stringAt(a, r)
		case spaces.Simplex:
			parts, _ := c[d.Name].([]float64)
			if parts == nil {
				parts = make([]float64, len(d.Parts))
				c[d.Name] = parts
			}
			parts[col.part] = a.(*array.Float64).Value(r)
		default:
			c[d.Name] = a.(*array.Float64).Value(r)
		}
	}
	return c
}

// initDims fills t.dims and t.nvals from the space.
func (t *Table) initDims() {
	dims := t.meta.Space.Dims()
	t.dims = make([]dimInfo, len(dims))
	off := 0
	for i, d := range dims {
		w := 1
		if d.Kind == spaces.Simplex {
			w = len(d.Parts)
		}
		di := dimInfo{name: d.Name, kind: d.Kind, off: off, width: w}
		if d.Kind == spaces.Categorical {
			di.choices = d.Choices
			di.choice = make(map[string]int, len(d.Choices))
			for k, ch := range d.Choices {
				di.choice[ch] = k
			}
		}
		t.dims[i] = di
		off += w
	}
	t.nvals = off
}

// computeStats summarises experiment exp's outcomes, using buf as scratch.
func (t *Table) computeStats(exp int, buf []float64) (Stats, []float64) {
	var s Stats
	ys := buf[:0]
	lo, hi := t.cfgStart[exp], t.cfgStart[exp+1]
	for g := lo; g < hi; g++ {
		if t.diverged[g] {
			s.Diverged++
			continue
		}
		ys = append(ys, t.objective[g])
	}
	s.Count = len(ys)
	if s.Count == 0 {
		s.Best, s.Worst, s.Median = math.NaN(), math.NaN(), math.NaN()
		return s, ys
	}
	slices.Sort(ys)
	best, worst := ys[0], ys[len(ys)-1]
	if t.meta.Direction == Maximize {
		best, worst = worst, best
	}
	s.Best, s.Worst = best, worst
	if m := len(ys) / 2; len(ys)%2 == 1 {
		s.Median = ys[m]
	} else {
		s.Median = (ys[m-1] + ys[m]) / 2
	}
	return s, ys
}
