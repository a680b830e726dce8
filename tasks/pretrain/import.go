package pretrain

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/autollmresearch/gym/fidelity"
	"github.com/autollmresearch/gym/tasks"
)

// DivergenceRatio decides which imported runs diverged: a run whose
// smoothed loss exceeds DivergenceRatio times the best smoothed loss of its
// (N, D) cell. In the published Step Law dense grids every converged run is
// within 1.2 times its cell's best and every blown-up run above 2.3 times,
// so the rule does not depend on the exact ratio.
const DivergenceRatio = 1.5

// Tolerances of the consistency checks on the published N and D columns.
const (
	paramsTolerance = 1e-6 // relative; N is an exact integer formula
	tokensTolerance = 0.01 // relative; the published D is rounded
)

// maxImportProblems is how many problems an import reports before giving
// up on the rest of the input.
const maxImportProblems = 20

// Columns of the published Step Law CSV that the importer reads. Others
// (numh, exp_name, D/N, or any extra column) are ignored, and the order is
// free.
var importColumns = []string{"h", "ffnh", "numl", "lr", "bs", "ti", "loss", "smooth loss", "N", "D"}

// ImportFile reads a Step Law dense-runs CSV (data/dense_lr_bs_loss.csv of
// github.com/step-law/steplaw) from path. See Import.
func ImportFile(path string) (*tasks.Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("pretrain: %w", err)
	}
	defer f.Close()
	return importCSV(f, path)
}

// Import reads a Step Law dense-runs CSV as published: a header naming at
// least the columns h, ffnh, numl, lr, bs, ti, loss, smooth loss, N and D
// (in any order, case and surrounding space ignored, other columns
// ignored), then one run per line.
//
// Runs are grouped into experiments by their (N, D) columns. Each row must
// agree with the published formulas N = (4h² + 3h·ffnh)·numl (non-embedding
// parameters) and D = bs·2048·ti (tokens, within 1% since D is rounded). The
// objective "loss" is the smoothed loss, "final_loss" the raw one; a run is
// diverged when its smoothed loss exceeds DivergenceRatio times its cell's
// best. Repeated (lr, bs) pairs in a cell become seeds 0, 1, ... in file
// order. Costs are estimated with fidelity.DefaultAccelerator.
//
// Malformed input (missing or repeated columns, a wrong number of fields,
// an empty, unparsable, NaN, infinite or non-positive value, a value outside
// Space, or N or D disagreeing with the formulas) gives an error naming the
// line and column of each problem.
func Import(r io.Reader) (*tasks.Table, error) { return importCSV(r, "") }

type importProblems struct {
	source string
	list   []string
}

func (p *importProblems) addf(line int, column, format string, a ...any) {
	var b strings.Builder
	if line > 0 {
		fmt.Fprintf(&b, "line %d", line)
	}
	if column != "" {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "column %q", column)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, format, a...)
	p.list = append(p.list, b.String())
}

func (p *importProblems) full() bool { return len(p.list) >= maxImportProblems }

func (p *importProblems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	prefix := "pretrain: import"
	if p.source != "" {
		prefix += " " + p.source
	}
	if len(p.list) == 1 {
		return fmt.Errorf("%s: %s", prefix, p.list[0])
	}
	more := ""
	if p.full() {
		more = " (stopped after the first " + strconv.Itoa(maxImportProblems) + ")"
	}
	return fmt.Errorf("%s: %d problems%s:\n\t%s", prefix, len(p.list), more, strings.Join(p.list, "\n\t"))
}

func importCSV(r io.Reader, source string) (*tasks.Table, error) {
	ps := &importProblems{source: source}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		ps.addf(0, "", "empty input; want a header line naming the columns %s", strings.Join(importColumns, ", "))
		return nil, ps.err()
	}
	if err != nil {
		ps.addf(0, "", "reading the header: %v", err)
		return nil, ps.err()
	}
	col, ok := headerIndex(header, ps)
	if !ok {
		return nil, ps.err()
	}

	var runs []run
	values := make(map[string]float64, len(importColumns))
	for !ps.full() {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				ps.addf(0, "", "reading: %v", err)
				break
			}
			ps.addf(pe.StartLine, "", "%v", pe.Err)
			continue
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			ps.addf(line, "", "%d fields, want %d as in the header", len(rec), len(header))
			continue
		}
		bad := false
		for _, name := range importColumns {
			v, ok := parseValue(rec[col[name]], line, name, ps)
			bad = bad || !ok
			values[name] = v
		}
		if bad {
			continue
		}
		if r, ok := checkRun(values, line, ps); ok {
			runs = append(runs, r)
		}
	}
	if len(ps.list) == 0 && len(runs) == 0 {
		ps.addf(0, "", "no data rows after the header")
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	markDivergence(runs)

	acc := fidelity.DefaultAccelerator()
	m := meta(tasks.Measured, acc, false)
	m.Source = stepLawSource
	m.Citation = stepLawCitation
	m.Licence = "no licence upstream: do not redistribute"
	t, err := build(m, runs, acc, 0)
	if err != nil {
		if source != "" {
			return nil, fmt.Errorf("pretrain: import %s: %w", source, err)
		}
		return nil, fmt.Errorf("pretrain: import: %w", err)
	}
	return t, nil
}

// headerIndex maps each needed column to its field position.
func headerIndex(header []string, ps *importProblems) (map[string]int, bool) {
	byName := make(map[string]int, len(header))
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff")
		}
		key := strings.ToLower(strings.TrimSpace(h))
		if _, dup := byName[key]; dup && key != "" {
			ps.addf(1, "", "column %q appears twice in the header", strings.TrimSpace(h))
			continue
		}
		byName[key] = i
	}
	col := make(map[string]int, len(importColumns))
	var missing []string
	for _, name := range importColumns {
		i, ok := byName[strings.ToLower(name)]
		if !ok {
			missing = append(missing, strconv.Quote(name))
			continue
		}
		col[name] = i
	}
	if len(missing) > 0 {
		ps.addf(1, "", "header lacks column(s) %s; want the Step Law columns %s (found %s)",
			strings.Join(missing, ", "), strings.Join(importColumns, ", "), strings.Join(header, ", "))
	}
	return col, len(ps.list) == 0
}

// parseValue parses one positive, finite number.
func parseValue(s string, line int, name string, ps *importProblems) (float64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		ps.addf(line, name, "missing value")
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		ps.addf(line, name, "cannot parse %q as a number", s)
		return 0, false
	}
	if !finite(v) {
		ps.addf(line, name, "%s, want a finite number", s)
		return 0, false
	}
	if v <= 0 {
		ps.addf(line, name, "%s, want a positive number", s)
		return 0, false
	}
	return v, true
}

// checkRun cross-checks one row's values and turns them into a run.
func checkRun(v map[string]float64, line int, ps *importProblems) (run, bool) {
	ok := true
	h, ffnh, numl := v["h"], v["ffnh"], v["numl"]
	if n := (4*h*h + 3*h*ffnh) * numl; math.Abs(n-v["N"]) > paramsTolerance*v["N"] {
		ps.addf(line, "N", "%g disagrees with (4h²+3h·ffnh)·numl = %g for h=%g, ffnh=%g, numl=%g", v["N"], n, h, ffnh, numl)
		ok = false
	}
	if d := v["bs"] * SeqLen * v["ti"]; math.Abs(d-v["D"]) > tokensTolerance*v["D"] {
		ps.addf(line, "D", "%g disagrees with bs·2048·ti = %g for bs=%g, ti=%g", v["D"], d, v["bs"], v["ti"])
		ok = false
	}
	if lr := v["lr"]; lr < MinLR || lr > MaxLR {
		ps.addf(line, "lr", "%g is outside the space's [%g, %g]", lr, MinLR, MaxLR)
		ok = false
	}
	if bs := v["bs"]; bs < MinBS || bs > MaxBS {
		ps.addf(line, "bs", "%g is outside the space's [%g, %g]", bs, MinBS, MaxBS)
		ok = false
	}
	return run{n: v["N"], d: v["D"], lr: v["lr"], bs: v["bs"], loss: v["smooth loss"], final: v["loss"]}, ok
}

// markDivergence flags runs whose loss exceeds DivergenceRatio times their
// cell's best, and numbers repeated (lr, bs) pairs within a cell as seeds.
func markDivergence(runs []run) {
	type cell struct{ n, d float64 }
	type point struct {
		c      cell
		lr, bs float64
	}
	best := make(map[cell]float64)
	for _, r := range runs {
		c := cell{r.n, r.d}
		if b, ok := best[c]; !ok || r.loss < b {
			best[c] = r.loss
		}
	}
	seen := make(map[point]int64)
	for i := range runs {
		r := &runs[i]
		c := cell{r.n, r.d}
		r.diverged = r.loss > DivergenceRatio*best[c]
		p := point{c, r.lr, r.bs}
		r.seed = seen[p]
		seen[p]++
	}
}
