package mixture

import (
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/autollmresearch/gym/spaces"
	"github.com/autollmresearch/gym/tasks"
)

// Import conventions for the ADMIRE IFT runs file.
const (
	// RatioTolerance is how far a run's ratios may sum from 1 and still be
	// accepted; accepted ratios are renormalised to sum to exactly 1. The
	// published file rounds ratios to four decimals, so sums drift by up to
	// about 1e-3.
	RatioTolerance = 0.01
	// GPUsPerRun converts train_time, the wall-clock training time of a run
	// in minutes, into GPU hours: cost = train_time / 60 · GPUsPerRun. The
	// runs file does not state the GPU count; 8 is inferred from the paper's
	// total of over 13,000 GPU hours for the 460 runs, whose train_time adds
	// up to about 1,640 hours.
	GPUsPerRun = 8
)

// Column names of the ADMIRE IFT runs file besides the ratio_<source> and
// benchmark columns.
const (
	colModel     = "model"
	colTrainTime = "train_time"
	colAvgID     = "metric_avg_id"
	colAvgOOD    = "metric_avg_ood"
	colAvgAll    = "metric_avg_id+ood"
	ratioPrefix  = "ratio_"
	maxProblems  = 10
	// exactSum is the float rounding below which ratios are kept as given,
	// so that mixtures written at full precision read back bit for bit.
	exactSum = 1e-12
)

// Import reads the ADMIRE IFT runs CSV as published
// (admire_ift_runs/admire_ift_runs.csv): one run per line with the model
// name, the 19 ratio_<source> columns, the 17 benchmark columns, train_time
// and, optionally, the three averages metric_avg_id, metric_avg_ood and
// metric_avg_id+ood (computed from the benchmarks when absent). Columns may
// come in any order and unrelated extra columns are ignored; an unknown
// ratio_ column is an error, since its share of the mixture would be lost.
//
// Each model name is one experiment; the "model" levels are ordered by the
// size read from the name (see ModelParams), so any sizes the file holds are
// accepted. Ratios must be non-negative and sum to 1 within RatioTolerance
// (they are renormalised), scores must be fractions in [0, 1] and
// train_time a non-negative number of minutes, converted to GPU hours with
// GPUsPerRun. Repeated runs of one mixture on one model become seeds 0, 1, ...
// in file order. Errors name the line and column.
func Import(r io.Reader) (*tasks.Table, error) {
	return importRuns(r, "import")
}

// ImportFile is Import on the named file; errors name the file.
func ImportFile(path string) (*tasks.Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("mixture: %w", err)
	}
	defer f.Close()
	return importRuns(f, path)
}

// columns locates the columns of the runs file.
type columns struct {
	model, trainTime int
	ratio            []int // per source
	bench            []int // per benchmark
	avgID, avgOOD    int   // -1 when absent
	avgAll           int
}

func locate(header []string) (columns, []string) {
	idx := make(map[string]int, len(header))
	var problems []string
	for i, h := range header {
		h = strings.TrimSpace(h)
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff")
		}
		if j, dup := idx[h]; dup {
			problems = append(problems, fmt.Sprintf("header: column %q appears twice (columns %d and %d)", h, j+1, i+1))
			continue
		}
		idx[h] = i
	}
	var missing []string
	need := func(name string) int {
		i, ok := idx[name]
		if !ok {
			missing = append(missing, name)
			return -1
		}
		return i
	}
	optional := func(name string) int {
		if i, ok := idx[name]; ok {
			return i
		}
		return -1
	}
	c := columns{
		model:     need(colModel),
		ratio:     make([]int, len(sources)),
		bench:     make([]int, len(benchmarks)),
		avgID:     optional(colAvgID),
		avgOOD:    optional(colAvgOOD),
		avgAll:    optional(colAvgAll),
		trainTime: -1,
	}
	known := make(map[string]bool, len(sources))
	for s, name := range sources {
		c.ratio[s] = need(ratioPrefix + name)
		known[ratioPrefix+name] = true
	}
	for b, bench := range benchmarks {
		c.bench[b] = need(bench.Column)
	}
	c.trainTime = need(colTrainTime)
	if len(missing) > 0 {
		problems = append(problems, fmt.Sprintf("header: missing column(s) %s; the ADMIRE IFT runs format has %s, %d %s<source> columns, %d benchmark columns and %s",
			strings.Join(missing, ", "), colModel, len(sources), ratioPrefix, len(benchmarks), colTrainTime))
	}
	for _, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if strings.HasPrefix(h, ratioPrefix) && !known[h] {
			problems = append(problems, fmt.Sprintf("header: unknown mixture column %q: the sources are %s", h, strings.Join(sources, ", ")))
		}
	}
	return c, problems
}

// importedRun is one parsed line.
type importedRun struct {
	model   string
	ratio   []float64
	metrics map[string]float64
	cost    float64
}

// importRuns reads the runs file from r into a table; name prefixes errors.
func importRuns(r io.Reader, name string) (*tasks.Table, error) {
	fail := func(err error) error { return fmt.Errorf("mixture: %s: %w", name, err) }
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err == io.EOF {
		return nil, fail(errors.New("empty input: want a header line naming the columns"))
	}
	if err != nil {
		return nil, fail(err)
	}
	header = slices.Clone(header)
	cols, problems := locate(header)
	if len(problems) > 0 {
		return nil, fail(errors.New(strings.Join(problems, "\n")))
	}
	runs, params, problems := readRuns(cr, header, cols)
	if len(problems) > 0 {
		return nil, fail(errors.New(strings.Join(problems, "\n")))
	}
	if len(runs) == 0 {
		return nil, fail(errors.New("no runs: the file has a header but no data lines"))
	}
	t, err := buildRuns(runs, params)
	if err != nil {
		return nil, fail(err)
	}
	return t, nil
}

// readRuns parses the data lines after the header, stopping at
// maxProblems problems or at malformed quoting. It returns the runs, the
// parameter count of each model name, and the problems found.
func readRuns(cr *csv.Reader, header []string, cols columns) ([]importedRun, map[string]float64, []string) {
	var (
		runs     []importedRun
		problems []string
		params   = make(map[string]float64)
	)
	for len(problems) < maxProblems {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil { // malformed quoting: the rest of the file cannot be trusted
			problems = append(problems, err.Error())
			break
		}
		line, _ := cr.FieldPos(0)
		run, bad := parseRun(rec, header, cols, line, params)
		if len(bad) > 0 {
			problems = append(problems, bad...)
			continue
		}
		runs = append(runs, run)
	}
	if len(problems) >= maxProblems {
		problems = append(problems, fmt.Sprintf("(stopped after %d problems)", len(problems)))
	}
	return runs, params, problems
}

// buildRuns builds the measured table of runs, one experiment per model
// name ordered by size, numbering repeated runs of one mixture on one
// model as seeds 0, 1, ... in order.
func buildRuns(runs []importedRun, params map[string]float64) (*tasks.Table, error) {
	levels := make([]string, 0, len(params))
	for m := range params {
		levels = append(levels, m)
	}
	slices.SortFunc(levels, func(a, b string) int {
		return cmp.Or(cmp.Compare(params[a], params[b]), strings.Compare(a, b))
	})
	md := meta(levels)
	md.Provenance = tasks.Measured
	md.CostSource = fmt.Sprintf("measured: train_time (wall-clock minutes) / 60 · %d GPUs per run (GPU count inferred from the paper's total of over 13,000 GPU hours)", GPUsPerRun)

	b, err := tasks.NewBuilder(md)
	if err != nil {
		return nil, err
	}
	seeds := make(map[string]int64)
	var key []byte
	for _, run := range runs {
		key = append(key[:0], run.model...)
		for _, x := range run.ratio {
			key = strconv.AppendUint(append(key, ','), math.Float64bits(x), 16)
		}
		seed := seeds[string(key)]
		seeds[string(key)] = seed + 1
		b.Add(tasks.Row{
			Experiment:   ExperimentID(run.model),
			Fidelity:     map[string]any{FidModel: run.model, FidParams: params[run.model]},
			Config:       spaces.Config{Ratio: run.ratio},
			Metrics:      run.metrics,
			CostGPUHours: run.cost,
			Seed:         seed,
		})
	}
	return b.Build()
}

// parseRun reads one data line; it returns the problems found, each naming
// the line and column. A model name not yet in params is added with its
// parameter count.
func parseRun(rec, header []string, c columns, line int, params map[string]float64) (importedRun, []string) {
	if len(rec) != len(header) {
		return importedRun{}, []string{fmt.Sprintf("line %d: %d fields, want %d as in the header", line, len(rec), len(header))}
	}
	l := &runLine{rec: rec, header: header, line: line}
	run := importedRun{model: l.model(c.model, params)}
	run.ratio = l.ratio(c.ratio)
	run.metrics = l.metrics(c)
	run.cost = l.cost(c.trainTime)
	return run, l.problems
}

// runLine holds the fields of one data line and the problems found in it.
type runLine struct {
	rec, header []string
	line        int
	problems    []string
}

// at records a problem in column col.
func (l *runLine) at(col int, format string, a ...any) {
	l.problems = append(l.problems, fmt.Sprintf("line %d, column %s: %s", l.line, strings.TrimSpace(l.header[col]), fmt.Sprintf(format, a...)))
}

// num reads column col as a finite number; ok is false after a problem.
func (l *runLine) num(col int) (v float64, ok bool) {
	s := strings.TrimSpace(l.rec[col])
	if s == "" {
		l.at(col, "empty, want a number")
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		l.at(col, "%q is not a number", s)
		return 0, false
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		l.at(col, "%q is not a finite number", s)
		return 0, false
	}
	return v, true
}

// fraction reads column col as a number in [0, 1]; ok is false after a
// problem.
func (l *runLine) fraction(col int) (v float64, ok bool) {
	v, ok = l.num(col)
	if ok && (v < 0 || v > 1) {
		l.at(col, "%g is outside [0, 1], want a fraction", v)
		return 0, false
	}
	return v, ok
}

// model reads the model name in column col and, the first time a name is
// seen, records its parameter count in params.
func (l *runLine) model(col int, params map[string]float64) string {
	model := strings.TrimSpace(l.rec[col])
	if model == "" {
		l.at(col, "empty, want a model name such as Qwen2.5-0.5B")
	} else if _, seen := params[model]; !seen {
		n, err := ModelParams(model)
		if err != nil {
			l.at(col, "%v", err)
		} else {
			params[model] = n
		}
	}
	return model
}

// ratio reads the mixture ratios from the columns cols, one per source,
// and checks that they sum to 1 within RatioTolerance, renormalising
// rounding drift.
func (l *runLine) ratio(cols []int) []float64 {
	ratio := make([]float64, len(sources))
	ok := true
	var sum float64
	for s, col := range cols {
		v, good := l.fraction(col)
		ok = ok && good
		ratio[s] = v
		sum += v
	}
	if ok {
		switch d := math.Abs(sum - 1); {
		case d > RatioTolerance:
			l.problems = append(l.problems, fmt.Sprintf("line %d: the %s columns sum to %.6g, want 1 (within %g)", l.line, ratioPrefix+"*", sum, RatioTolerance))
		case d > exactSum: // rounding drift: renormalise
			for s := range ratio {
				ratio[s] /= sum
			}
		}
	}
	return ratio
}

// metrics reads the benchmark scores and the three averages, computing
// each average from the benchmarks when its column is absent.
func (l *runLine) metrics(c columns) map[string]float64 {
	metrics := make(map[string]float64, len(benchmarks)+3)
	var id, ood, all float64
	nood := numOOD()
	for k, col := range c.bench {
		v, _ := l.fraction(col)
		metrics[benchmarks[k].Name] = v
		all += v
		if benchmarks[k].OOD {
			ood += v
		} else {
			id += v
		}
	}
	avg := func(col int, name string, computed float64) {
		if col < 0 {
			metrics[name] = computed
			return
		}
		v, _ := l.fraction(col)
		metrics[name] = v
	}
	avg(c.avgID, AvgID, id/float64(len(benchmarks)-nood))
	avg(c.avgOOD, AvgOOD, ood/float64(nood))
	avg(c.avgAll, Objective, all/float64(len(benchmarks)))
	return metrics
}

// cost reads train_time from column col, in minutes, and returns the run's
// cost in GPU hours (0 after a problem).
func (l *runLine) cost(col int) float64 {
	minutes, ok := l.num(col)
	if !ok {
		return 0
	}
	if minutes < 0 {
		l.at(col, "%g is negative, want the training time in minutes", minutes)
	}
	return minutes / 60 * GPUsPerRun
}
