package advise

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/tasks"
)

// NamedTable is a table with the name it is reported under.
type NamedTable struct {
	Name  string
	Table *tasks.Table
}

// CalibrationRow is the advice's record at one held-out target.
type CalibrationRow struct {
	// Table and Target name the table and the held-out experiment.
	Table  string `json:"table"`
	Target string `json:"target"`
	// Follows is the estimator the advice followed.
	Follows string `json:"follows"`
	// Regret1 is the normalised regret of the first recommendation and
	// RegretBest5 of the best of the first five (or of all K when K < 5),
	// normalised as the env and the scoreboard normalise it.
	Regret1     float64 `json:"regret_1"`
	RegretBest5 float64 `json:"regret_best5"`
	// Covered of Checked recommendations that the target has (and that
	// have an interval) fell inside their stated 90 % interval.
	Covered int `json:"covered"`
	Checked int `json:"checked"`
}

// Coverage is Covered / Checked, NaN when nothing was checked.
func (r CalibrationRow) Coverage() float64 {
	if r.Checked == 0 {
		return math.NaN()
	}
	return float64(r.Covered) / float64(r.Checked)
}

// Calibrate measures the advice on every table's held-out targets (the
// research env's test split, as the scoreboard plays them): for each, it
// advises from the experiments below the target only, then looks the
// recommendations up in the target's rows.
func Calibrate(ctx context.Context, tables []NamedTable, k int, seed uint64) ([]CalibrationRow, error) {
	var out []CalibrationRow
	for _, nt := range tables {
		e, err := research.New(nt.Table, research.Options{Split: research.Test})
		if err != nil {
			return nil, fmt.Errorf("advise: calibrate %s: %w", nt.Name, err)
		}
		targets := e.Targets()
		e.Close()
		for _, id := range targets {
			row, err := calibrateOne(ctx, nt, id, k, seed)
			if err != nil {
				return nil, fmt.Errorf("advise: calibrate %s at %s: %w", nt.Name, id, err)
			}
			out = append(out, row)
		}
	}
	return out, nil
}

func calibrateOne(ctx context.Context, nt NamedTable, id string, k int, seed uint64) (CalibrationRow, error) {
	t := nt.Table
	exp, _ := t.ExperimentIndex(id)
	var spec TargetSpec
	for _, col := range t.Meta().Fidelity {
		v := t.ExperimentAt(exp).Fidelity[col.Name]
		s := fmt.Sprint(v)
		if f, ok := v.(float64); ok {
			s = strconv.FormatFloat(f, 'g', -1, 64)
		}
		spec.Coords = append(spec.Coords, Coord{Name: col.Name, Value: s})
	}
	a, err := Advise(ctx, Request{Table: t, Target: spec, K: k, Seed: seed})
	if err != nil {
		return CalibrationRow{}, err
	}
	if a.Target.Experiment != id {
		return CalibrationRow{}, fmt.Errorf("the target resolved to %s", a.Target.Experiment)
	}
	row := CalibrationRow{Table: nt.Name, Target: id, Follows: a.Follows, Regret1: 1, RegretBest5: 1}
	for n, r := range a.Recommendations {
		j, ok := t.Lookup(exp, r.Config)
		if !ok {
			return row, fmt.Errorf("recommendation %s is not a config of the target", formatConfig(r.Config))
		}
		o := t.Outcome(exp, j)
		reg := t.Regret(exp, o.Objective, o.Diverged)
		if n == 0 {
			row.Regret1 = reg
		}
		if n < 5 {
			row.RegretBest5 = math.Min(row.RegretBest5, reg)
		}
		p := r.Predicted
		if p.Diverges || math.IsNaN(float64(p.Lo)) {
			continue
		}
		row.Checked++
		if !o.Diverged && float64(p.Lo) <= o.Objective && o.Objective <= float64(p.Hi) {
			row.Covered++
		}
	}
	return row, nil
}

// WriteCalibrationMarkdown writes the rows as a Markdown table with one
// mean row per table.
func WriteCalibrationMarkdown(w io.Writer, rows []CalibrationRow) error {
	ew := &errWriter{w: w}
	ew.printf("| table | held-out target | follows | regret, first | regret, best of 5 | 90 %% coverage |\n|---|---|---|---:|---:|---:|\n")
	for i := 0; i < len(rows); {
		j := i
		var r1, r5 float64
		var cov, chk int
		for ; j < len(rows) && rows[j].Table == rows[i].Table; j++ {
			r := rows[j]
			ew.printf("| %s | %s | %s | %.4f | %.4f | %s |\n", r.Table, r.Target, r.Follows, r.Regret1, r.RegretBest5, coverage(r.Covered, r.Checked))
			r1 += r.Regret1
			r5 += r.RegretBest5
			cov += r.Covered
			chk += r.Checked
		}
		n := float64(j - i)
		ew.printf("| **%s, mean of %d** | | | **%.4f** | **%.4f** | **%s** |\n", rows[i].Table, j-i, r1/n, r5/n, coverage(cov, chk))
		i = j
	}
	return ew.err
}

func coverage(covered, checked int) string {
	if checked == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f (%d/%d)", float64(covered)/float64(checked), covered, checked)
}

// WriteCalibrationCSV writes the rows as CSV with the header table,
// target, follows, regret_1, regret_best5, covered, checked, coverage.
func WriteCalibrationCSV(w io.Writer, rows []CalibrationRow) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"table", "target", "follows", "regret_1", "regret_best5", "covered", "checked", "coverage"}); err != nil {
		return err
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for _, r := range rows {
		if err := cw.Write([]string{r.Table, r.Target, r.Follows, f(r.Regret1), f(r.RegretBest5), strconv.Itoa(r.Covered), strconv.Itoa(r.Checked), f(r.Coverage())}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
