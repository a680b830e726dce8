package advise

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/autollmresearch/gym/internal/plotfile"
)

// Size and resolution of one panel of the plots.
const (
	panelWidth  = 5 * vg.Inch
	panelHeight = 3.5 * vg.Inch
	plotDPI     = 150
)

var (
	colourData   = plotfile.Palette[0]
	colourFit    = color.RGBA{R: 0x55, G: 0x55, B: 0x55, A: 0xff}
	colourBand   = color.NRGBA{R: 0x99, G: 0x99, B: 0x99, A: 0x50}
	colourTarget = plotfile.Palette[1]
	colourRec    = plotfile.Palette[3]
)

// Plot draws the extrapolation picture and writes it to dir as
// basename.png and basename.svg, returning the paths. For a task whose
// knobs have optimum paths (pretrain's lr and bs), one panel per knob and
// fidelity predictor: each context cell's best value, the fitted law along
// the line from the cheapest context cell to the target with its 90 %
// band, the predicted optimum at the target and the recommended configs.
// For a simplex knob (mixtures), the recommended weights against the
// best ones of the nearest context cell. Otherwise, each cell's best
// objective against the fidelity, with the predicted target.
func (a *Advice) Plot(dir, basename string) ([]string, error) {
	if basename == "" {
		return nil, errors.New("advise: Plot: basename is empty")
	}
	var panels []*plot.Plot
	var cols int
	var err error
	switch {
	case len(a.Law.Paths) > 0 && len(a.Law.Predictors) > 0:
		panels, cols, err = a.pathPanels()
	case a.simplexDim() != "":
		var p *plot.Plot
		p, err = a.weightsPanel()
		panels, cols = []*plot.Plot{p}, 1
	default:
		var p *plot.Plot
		p, err = a.levelPanel()
		panels, cols = []*plot.Plot{p}, 1
	}
	if err != nil {
		return nil, fmt.Errorf("advise: Plot: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("advise: Plot: %w", err)
	}
	rows := (len(panels) + cols - 1) / cols
	size := plotfile.Size{Width: panelWidth * vg.Length(cols), Height: panelHeight * vg.Length(rows), DPI: plotDPI}
	pad := vg.Millimeter
	fig := plotfile.Grid(panels, cols, draw.Tiles{PadX: pad, PadY: pad, PadTop: pad, PadBottom: pad, PadLeft: pad, PadRight: pad})
	paths, err := plotfile.Save(filepath.Join(dir, basename), size, fig)
	if err != nil {
		return paths, fmt.Errorf("advise: Plot: %w", err)
	}
	return paths, nil
}

// pathPanels draws one panel per (knob path, predictor).
func (a *Advice) pathPanels() ([]*plot.Plot, int, error) {
	preds := a.Law.Predictors
	var out []*plot.Plot
	for _, f := range a.Law.Paths {
		knob := f.Quantity[len("optimal "):]
		for j, pred := range preds {
			p := plot.New()
			p.Title.Text = fmt.Sprintf("%s: %s against %s", a.Task, f.Quantity, pred)
			p.X.Label.Text, p.Y.Label.Text = pred, f.Quantity
			p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: 3}
			if f.Log {
				p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: 3}
			}
			cells := make(plotter.XYs, len(a.Law.Cells))
			for i, c := range a.Law.Cells {
				cells[i].X, _ = c.Fidelity[pred].(float64)
				cells[i].Y = toFloat(c.Config[knob])
			}
			line, band := a.pathAlongRay(f, j)
			poly, err := plotter.NewPolygon(band)
			if err != nil {
				return nil, 0, err
			}
			poly.Color, poly.LineStyle.Width = colourBand, 0
			l, err := plotter.NewLine(line)
			if err != nil {
				return nil, 0, err
			}
			l.Color = colourFit
			sc, err := plotter.NewScatter(cells)
			if err != nil {
				return nil, 0, err
			}
			sc.Color, sc.Shape = colourData, draw.CircleGlyph{}
			p.Add(poly, l, sc)
			p.Legend.Add("law from the cheapest cell to the target, 90 % band", l, poly)
			p.Legend.Add("context cell's best run", sc)
			tx, _ := a.Target.Fidelity[pred].(float64)
			if err := a.markTarget(p, tx, f.AtTarget, f.Lo, f.Hi, func(r Recommendation) float64 { return toFloat(r.Config[knob]) }); err != nil {
				return nil, 0, err
			}
			p.Legend.Top, p.Legend.Left = true, true
			p.Legend.TextStyle.Font.Size = vg.Points(8)
			if len(out) > 0 { // one legend, on the first panel
				p.Legend = plot.NewLegend()
			}
			out = append(out, p)
		}
	}
	cols := len(preds)
	if cols == 1 { // one predictor: the knobs side by side, three to a row
		cols = min(3, len(out))
	}
	return out, cols, nil
}

// pathAlongRay evaluates fit f on the line, in log fidelity, from the
// cheapest context cell to the target, returning the law against
// predictor j and its 90 % band (inflated as the law's interval is) as a
// closed polygon.
func (a *Advice) pathAlongRay(f Fit, j int) (plotter.XYs, plotter.XYs) {
	start := predictorValues(a.Law.Predictors, a.Law.Cells[0].Fidelity)
	end := predictorValues(a.Law.Predictors, a.Target.Fidelity)
	const steps = 40
	line := make(plotter.XYs, steps+1)
	lo := make(plotter.XYs, steps+1)
	hi := make(plotter.XYs, steps+1)
	t := tQuantile(f.ols.dof)
	x := make([]float64, len(start))
	for s := range steps + 1 {
		for k := range x {
			x[k] = start[k] + float64(s)/steps*(end[k]-start[k])
		}
		m, half := f.ols.value(x), t*math.Sqrt(f.ols.predictVar(x))*float64(f.Inflation)
		xv := math.Pow(10, x[j])
		line[s] = plotter.XY{X: xv, Y: f.untransform(m)}
		lo[s] = plotter.XY{X: xv, Y: f.untransform(m - half)}
		hi[s] = plotter.XY{X: xv, Y: f.untransform(m + half)}
		if math.IsNaN(half) {
			lo[s].Y, hi[s].Y = line[s].Y, line[s].Y
		}
	}
	slices.Reverse(hi)
	return line, append(lo, hi...)
}

// markTarget adds the predicted value at the target with its interval and
// the recommended configs' values (value reads one).
func (a *Advice) markTarget(p *plot.Plot, x float64, at, lo, hi Number, value func(Recommendation) float64) error {
	if !math.IsNaN(float64(at)) {
		pt := plotter.XYs{{X: x, Y: float64(at)}}
		sc, err := plotter.NewScatter(pt)
		if err != nil {
			return err
		}
		sc.Color, sc.Shape, sc.Radius = colourTarget, draw.BoxGlyph{}, vg.Points(4)
		p.Add(sc)
		p.Legend.Add("predicted at the target", sc)
		if !math.IsNaN(float64(lo)) {
			eb, err := plotter.NewYErrorBars(errorPoint{x: x, y: float64(at), lo: float64(at - lo), hi: float64(hi - at)})
			if err != nil {
				return err
			}
			eb.Color = colourTarget
			p.Add(eb)
		}
	}
	var recs plotter.XYs
	for _, r := range a.Recommendations {
		if v := value(r); !math.IsNaN(v) {
			recs = append(recs, plotter.XY{X: x, Y: v})
		}
	}
	if len(recs) > 0 {
		sc, err := plotter.NewScatter(recs)
		if err != nil {
			return err
		}
		sc.Color, sc.Shape, sc.Radius = colourRec, draw.PyramidGlyph{}, vg.Points(4)
		p.Add(sc)
		p.Legend.Add(fmt.Sprintf("recommended (%s)", a.Follows), sc)
	}
	return nil
}

// errorPoint is one point with asymmetric y errors.
type errorPoint struct{ x, y, lo, hi float64 }

// Len, XY and YError make an errorPoint a plotter.XYer and YErrorer.
func (e errorPoint) Len() int                      { return 1 }
func (e errorPoint) XY(int) (float64, float64)     { return e.x, e.y }
func (e errorPoint) YError(int) (float64, float64) { return e.lo, e.hi }

// simplexDim returns the name of the space's simplex knob in the
// recommendations, or "".
func (a *Advice) simplexDim() string {
	if len(a.Recommendations) == 0 {
		return ""
	}
	for name, v := range a.Recommendations[0].Config {
		if _, ok := v.([]float64); ok {
			return name
		}
	}
	return ""
}

// weightsPanel draws the first recommendation's mixture weights beside
// the best mixture of the context's most expensive cell.
func (a *Advice) weightsPanel() (*plot.Plot, error) {
	dim := a.simplexDim()
	rec, _ := a.Recommendations[0].Config[dim].([]float64)
	last := a.Law.Cells[len(a.Law.Cells)-1] // the context's most expensive cell
	best, _ := last.Config[dim].([]float64)
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s: recommended %s against the best at %s", a.Task, dim, last.Experiment)
	p.X.Label.Text, p.Y.Label.Text = dim+" part (index)", "weight"
	w := vg.Points(6)
	b1, err := plotter.NewBarChart(plotter.Values(best), w)
	if err != nil {
		return nil, err
	}
	b1.Color, b1.LineStyle.Width, b1.Offset = colourData, 0, -w/2
	b2, err := plotter.NewBarChart(plotter.Values(rec), w)
	if err != nil {
		return nil, err
	}
	b2.Color, b2.LineStyle.Width, b2.Offset = colourRec, 0, w/2
	p.Add(b1, b2)
	p.X.Min, p.X.Max = -1, float64(max(len(best), len(rec)))
	p.Legend.Add("best at "+last.Experiment, b1)
	p.Legend.Add(fmt.Sprintf("recommended #1 (%s)", a.Follows), b2)
	p.Legend.Top = true
	return p, nil
}

// levelPanel draws each context cell's best objective against the cell's
// position on the fidelity ladder, with the predicted target.
func (a *Advice) levelPanel() (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s: best %s per fidelity, and the target", a.Task, a.Objective)
	p.Y.Label.Text = a.Objective
	p.X.Label.Text = "context cell (cheap to expensive); the target last"
	pts := make(plotter.XYs, len(a.Law.Cells))
	for i, c := range a.Law.Cells {
		pts[i] = plotter.XY{X: float64(i), Y: float64(c.Objective)}
	}
	sc, err := plotter.NewScatter(pts)
	if err != nil {
		return nil, err
	}
	sc.Color, sc.Shape = colourData, draw.CircleGlyph{}
	p.Add(sc)
	p.Legend.Add("context cell's best run", sc)
	x := float64(len(a.Law.Cells))
	f := a.Law.Level
	if err := a.markTarget(p, x, f.AtTarget, f.Lo, f.Hi, func(r Recommendation) float64 { return float64(r.Predicted.Objective) }); err != nil {
		return nil, err
	}
	p.Legend.Top = true
	return p, nil
}
