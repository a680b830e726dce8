package pretrain

import (
	"fmt"
	"io"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"

	"github.com/autollmresearch/gym/fidelity"
	"github.com/autollmresearch/gym/tasks"
)

// CellCalibration compares a Model with one experiment of a pretraining
// table, typically an imported (measured) one.
type CellCalibration struct {
	// Experiment is the experiment id.
	Experiment string
	// Params and Tokens are the cell's N and D.
	Params, Tokens float64
	// Configs counts the cell's configurations and Diverged those whose
	// outcome diverged.
	Configs, Diverged int
	// BestLR and BestBS are the configuration with the best objective among
	// those that did not diverge.
	BestLR, BestBS float64
	// ModelLR and ModelBS are the model's optimum, Model.OptimalLR and
	// Model.OptimalBatch.
	ModelLR, ModelBS float64
	// Spearman is the rank correlation between the model's noise-free loss
	// and the table's objective over the configurations that did not
	// diverge; NaN when it is undefined (fewer than two such
	// configurations, or constant losses).
	Spearman float64
	// Scale is the slope of the least-squares line of the table's objective
	// on the model's loss over the configurations where neither diverged: 1
	// when the model's basin is as deep as the data's, below 1 when the
	// model's is deeper. NaN when undefined.
	Scale float64
}

// LRRatio is BestLR/ModelLR.
func (c CellCalibration) LRRatio() float64 { return c.BestLR / c.ModelLR }

// BSRatio is BestBS/ModelBS.
func (c CellCalibration) BSRatio() float64 { return c.BestBS / c.ModelBS }

// Calibrate compares m with every experiment of t, which must have the
// pretrain task's fidelity coordinates and knobs. Experiments whose runs
// all diverged are skipped.
func Calibrate(t *tasks.Table, m Model) ([]CellCalibration, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	md := t.Meta()
	if md.Task != Task {
		return nil, fmt.Errorf("pretrain: calibrate: table is of task %q, want %q", md.Task, Task)
	}
	var out []CellCalibration
	for _, e := range t.Experiments() {
		n, okN := e.Fidelity[Params].(float64)
		d, okD := e.Fidelity[Tokens].(float64)
		if !okN || !okD {
			return nil, fmt.Errorf("pretrain: calibrate: experiment %q lacks numeric %q and %q fidelity coordinates", e.ID, Params, Tokens)
		}
		c := CellCalibration{Experiment: e.ID, Params: n, Tokens: d, ModelLR: m.OptimalLR(n, d), ModelBS: m.OptimalBatch(n, d)}
		var real, model, realOK, modelOK []float64
		best := math.Inf(1)
		for i, cfg := range t.Configs(e.Index) {
			c.Configs++
			o := t.Outcome(e.Index, i)
			if o.Diverged {
				c.Diverged++
				continue
			}
			lr, okLR := cfg[LR].(float64)
			bs, okBS := cfg[BS].(float64)
			if !okLR || !okBS {
				return nil, fmt.Errorf("pretrain: calibrate: experiment %q config %d lacks numeric %q and %q", e.ID, i, LR, BS)
			}
			if md.Direction.Better(o.Objective, best) {
				best, c.BestLR, c.BestBS = o.Objective, lr, bs
			}
			y, div := m.Loss(n, d, lr, bs)
			real = append(real, o.Objective)
			model = append(model, y)
			if !div {
				realOK = append(realOK, o.Objective)
				modelOK = append(modelOK, y)
			}
		}
		if len(real) == 0 {
			continue
		}
		rho, err := fidelity.Spearman(model, real)
		if err != nil {
			rho = math.NaN()
		}
		c.Spearman = rho
		c.Scale = math.NaN()
		if len(realOK) > 1 {
			if _, slope := stat.LinearRegression(modelOK, realOK, nil, false); finite(slope) {
				c.Scale = slope
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// CalibrationSummary condenses a calibration.
type CalibrationSummary struct {
	// Cells is the number of cells compared.
	Cells int
	// LRWithin2x and BSWithin2x count the cells whose best learning rate
	// (batch size) is within a factor of two of the model's optimum.
	LRWithin2x, BSWithin2x int
	// MedianSpearman and MinSpearman summarise the per-cell rank
	// correlations, ignoring undefined ones.
	MedianSpearman, MinSpearman float64
}

// Summarize condenses per-cell calibrations.
func Summarize(cells []CellCalibration) CalibrationSummary {
	s := CalibrationSummary{Cells: len(cells), MedianSpearman: math.NaN(), MinSpearman: math.NaN()}
	var rhos []float64
	for _, c := range cells {
		if within2x(c.LRRatio()) {
			s.LRWithin2x++
		}
		if within2x(c.BSRatio()) {
			s.BSWithin2x++
		}
		if !math.IsNaN(c.Spearman) {
			rhos = append(rhos, c.Spearman)
		}
	}
	if len(rhos) > 0 {
		slices.Sort(rhos)
		s.MinSpearman = rhos[0]
		s.MedianSpearman = rhos[len(rhos)/2]
		if len(rhos)%2 == 0 {
			s.MedianSpearman = (rhos[len(rhos)/2-1] + rhos[len(rhos)/2]) / 2
		}
	}
	return s
}

func within2x(r float64) bool { return r >= 0.5 && r <= 2 }

// WriteCalibration writes cells as a Markdown table followed by their
// summary.
func WriteCalibration(w io.Writer, cells []CellCalibration) error {
	ew := &errWriter{w: w}
	ew.printf("| N | D | configs | diverged | best lr | model lr* | lr ratio | best bs | model bs* | bs ratio | Spearman ρ | depth scale |\n")
	ew.printf("|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, c := range cells {
		ew.printf("| %.3g | %.3g | %d | %d | %.3g | %.3g | %.2f | %g | %.0f | %.2f | %.3f | %.2f |\n",
			c.Params, c.Tokens, c.Configs, c.Diverged, c.BestLR, c.ModelLR, c.LRRatio(), c.BestBS, c.ModelBS, c.BSRatio(), c.Spearman, c.Scale)
	}
	s := Summarize(cells)
	ew.printf("\nOptimal lr within 2x of the model in %d of %d cells; optimal bs within 2x in %d of %d; Spearman ρ median %.3f, minimum %.3f.\n",
		s.LRWithin2x, s.Cells, s.BSWithin2x, s.Cells, s.MedianSpearman, s.MinSpearman)
	return ew.err
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, a ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, a...)
	}
}
