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

	var (
		runs   []importedRun
		params = make(map[string]float64)
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
	if len(problems) > 0 {
		if len(problems) >= maxProblems {
			problems = append(problems, fmt.Sprintf("(stopped after %d problems)", len(problems)))
		}
		return nil, fail(errors.New(strings.Join(problems, "\n")))
	}
	if len(runs) == 0 {
		return nil, fail(errors.New("no runs: the file has a header but no data lines"))
	}

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
		return nil, fail(err)
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
	t, err := b.Build()
	if err != nil {
		return nil, fail(err)
	}
	return t, nil
}

// parseRun reads one data line; it returns the problems found, each naming
// the line and column.
func parseRun(rec, header []string, c columns, line int, params map[string]float64) (importedRun, []string) {
	var problems []string
	at := func(col int, format string, a ...any) {
		problems = append(problems, fmt.Sprintf("line %d, column %s: %s", line, strings.TrimSpace(header[col]), fmt.Sprintf(format, a...)))
	}
	if len(rec) != len(header) {
		return importedRun{}, []string{fmt.Sprintf("line %d: %d fields, want %d as in the header", line, len(rec), len(header))}
	}
	num := func(col int) (float64, bool) {
		s := strings.TrimSpace(rec[col])
		if s == "" {
			at(col, "empty, want a number")
			return 0, false
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			at(col, "%q is not a number", s)
			return 0, false
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			at(col, "%q is not a finite number", s)
			return 0, false
		}
		return v, true
	}
	fraction := func(col int) (float64, bool) {
		v, ok := num(col)
		if ok && (v < 0 || v > 1) {
			at(col, "%g is outside [0, 1], want a fraction", v)
			return 0, false
		}
		return v, ok
	}

	run := importedRun{
		model:   strings.TrimSpace(rec[c.model]),
		ratio:   make([]float64, len(sources)),
		metrics: make(map[string]float64, len(benchmarks)+3),
	}
	if run.model == "" {
		at(c.model, "empty, want a model name such as Qwen2.5-0.5B")
	} else if _, seen := params[run.model]; !seen {
		n, err := ModelParams(run.model)
		if err != nil {
			at(c.model, "%v", err)
		} else {
			params[run.model] = n
		}
	}

	ok := true
	var sum float64
	for s, col := range c.ratio {
		v, good := fraction(col)
		ok = ok && good
		run.ratio[s] = v
		sum += v
	}
	if ok {
		switch d := math.Abs(sum - 1); {
		case d > RatioTolerance:
			problems = append(problems, fmt.Sprintf("line %d: the %s columns sum to %.6g, want 1 (within %g)", line, ratioPrefix+"*", sum, RatioTolerance))
		case d > exactSum: // rounding drift: renormalise
			for s := range run.ratio {
				run.ratio[s] /= sum
			}
		}
	}

	var id, ood, all float64
	nood := numOOD()
	for k, col := range c.bench {
		v, _ := fraction(col)
		run.metrics[benchmarks[k].Name] = v
		all += v
		if benchmarks[k].OOD {
			ood += v
		} else {
			id += v
		}
	}
	avg := func(col int, name string, computed float64) {
		if col < 0 {
			run.metrics[name] = computed
			return
		}
		v, _ := fraction(col)
		run.metrics[name] = v
	}
	avg(c.avgID, AvgID, id/float64(len(benchmarks)-nood))
	avg(c.avgOOD, AvgOOD, ood/float64(nood))
	avg(c.avgAll, Objective, all/float64(len(benchmarks)))

	if minutes, good := num(c.trainTime); good {
		if minutes < 0 {
			at(c.trainTime, "%g is negative, want the training time in minutes", minutes)
		}
		run.cost = minutes / 60 * GPUsPerRun
	}
	return run, problems
}
