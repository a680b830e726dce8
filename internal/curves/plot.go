package curves

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/autollmresearch/gym/internal/plotfile"
)

// Options configures [Plot]. The zero value plots episode_return
// against global_step, as logged by rl.PPO.
type Options struct {
	// Title is written above the top panel.
	Title string
	// X is the column on the horizontal axis. Default "global_step".
	X string
	// Y are the columns to plot, one panel each, stacked from top to
	// bottom. Default {"episode_return"}.
	Y []string
	// Name names the curve in the legend of a panel with a reference
	// line, e.g. "PPO". Default: the column's axis label.
	Name string
	// Labels are axis labels by column name, e.g. "global_step": "env
	// steps". A column without one is labelled by its name.
	Labels map[string]string
	// Reference draws a dashed horizontal line at the given value in the
	// panel of each column it names, such as the mean return of random
	// actions. Every key must be one of Y.
	Reference map[string]float64
	// ReferenceLabel names the reference lines in the legend. Default
	// "reference".
	ReferenceLabel string
	// SkipEmpty leaves out Y columns without a single value (the metric
	// was never reported) instead of failing; at least one panel must
	// remain.
	SkipEmpty bool
}

// Curve sizes: the width, the height of a lone panel and of each of
// several stacked ones.
const (
	curveWidth       = 16 * vg.Centimeter
	curveHeight      = 10 * vg.Centimeter
	curvePanelHeight = 7 * vg.Centimeter
)

var (
	curveColor     = plotfile.Palette[0]
	referenceColor = plotfile.Palette[1]
)

// Plot reads a metrics CSV written by an rl.Logger and draws
// each column of opts.Y against opts.X, one panel per column stacked
// vertically over the same X range, saving the figure as prefix+".png" and prefix+".svg"
// (creating the directory as needed). It returns the paths written.
//
// Rows where a Y column is empty (no episode had ended yet) are left out
// of that column's curve. A missing column, a cell that is not a finite
// number, a file without rows, or a Y column without values (unless
// opts.SkipEmpty) is an error.
func Plot(csvPath, prefix string, opts Options) ([]string, error) {
	if prefix == "" {
		return nil, errors.New("curves: Plot: empty output prefix")
	}
	opts = opts.withDefaults()
	series, err := readCurves(csvPath, opts)
	if err != nil {
		return nil, err
	}
	plots, err := curvePlots(series, opts)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(prefix), 0o755); err != nil {
		return nil, fmt.Errorf("curves: creating the plot directory: %w", err)
	}
	size := plotfile.Size{Width: curveWidth, Height: curveHeight}
	fig := plotfile.One(plots[0])
	if len(plots) > 1 {
		size.Height = curvePanelHeight * vg.Length(len(plots))
		fig = plotfile.Grid(plots, 1, draw.Tiles{PadY: vg.Millimeter * 3, PadTop: vg.Millimeter, PadBottom: vg.Millimeter})
	}
	paths, err := plotfile.Save(prefix, size, fig)
	if err != nil {
		return paths, fmt.Errorf("curves: saving the learning curves: %w", err)
	}
	return paths, nil
}

// withDefaults fills in the defaults of unset fields.
func (o Options) withDefaults() Options {
	if o.X == "" {
		o.X = "global_step"
	}
	if len(o.Y) == 0 {
		o.Y = []string{"episode_return"}
	}
	if o.ReferenceLabel == "" {
		o.ReferenceLabel = "reference"
	}
	return o
}

// label returns the axis label of column.
func (o Options) label(column string) string {
	if l, ok := o.Labels[column]; ok {
		return l
	}
	return column
}

// curve is the points of one Y column.
type curve struct {
	column string
	xys    plotter.XYs
}

// readCurves reads the points of every Y column of the CSV at path,
// leaving out the columns without values when opts.SkipEmpty.
func readCurves(path string, opts Options) ([]curve, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("curves: reading the metrics: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.ReuseRecord = true
	xCol, yCols, err := columns(r, path, opts)
	if err != nil {
		return nil, err
	}
	curves := make([]curve, len(opts.Y))
	for k, y := range opts.Y {
		curves[k].column = y
	}
	rows := 0
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("curves: reading %s: %w", path, err)
		}
		rows++
		line, _ := r.FieldPos(0)
		if err := addRow(curves, rec, path, line, opts.X, xCol, yCols); err != nil {
			return nil, err
		}
	}
	if rows == 0 {
		return nil, fmt.Errorf("curves: %s has a header but no rows: no metrics to plot", path)
	}
	return keep(curves, path, rows, opts)
}

// check reports the first column of o.Y that is empty or repeated, and the
// first reference line that names no plotted column or is not finite.
func (o Options) check() error {
	for i, y := range o.Y {
		if y == "" {
			return fmt.Errorf("curves: Plot: Options.Y[%d] is empty", i)
		}
		if slices.Index(o.Y, y) != i {
			return fmt.Errorf("curves: Plot: column %q is in Options.Y twice", y)
		}
	}
	for _, col := range slices.Sorted(maps.Keys(o.Reference)) {
		ref := o.Reference[col]
		if !slices.Contains(o.Y, col) {
			return fmt.Errorf("curves: Plot: Options.Reference names column %q, which is not one of Y %q", col, o.Y)
		}
		if math.IsNaN(ref) || math.IsInf(ref, 0) {
			return fmt.Errorf("curves: Plot: Options.Reference[%q] is %v, want a finite number", col, ref)
		}
	}
	return nil
}

// columns reads the header of the CSV at path and returns the indices of
// the X column and of each Y column.
func columns(r *csv.Reader, path string, opts Options) (xCol int, yCols []int, err error) {
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return 0, nil, fmt.Errorf("curves: %s is empty: no metrics to plot", path)
	}
	if err != nil {
		return 0, nil, fmt.Errorf("curves: reading %s: %w", path, err)
	}
	header = slices.Clone(header)
	index := func(col string) (int, error) {
		i := slices.Index(header, col)
		if i < 0 {
			return 0, fmt.Errorf("curves: %s has no column %q (columns %q)", path, col, header)
		}
		return i, nil
	}
	if xCol, err = index(opts.X); err != nil {
		return 0, nil, err
	}
	yCols = make([]int, len(opts.Y))
	for k, y := range opts.Y {
		if yCols[k], err = index(y); err != nil {
			return 0, nil, err
		}
	}
	return xCol, yCols, nil
}

// addRow appends the point of record rec (on the given line) to each curve
// whose cell is not empty, reading x only when some curve needs it.
func addRow(curves []curve, rec []string, path string, line int, xName string, xCol int, yCols []int) error {
	var x float64
	xRead := false
	for k, col := range yCols {
		if rec[col] == "" {
			continue
		}
		if !xRead {
			var err error
			if x, err = parseCell(path, line, xName, rec[xCol]); err != nil {
				return err
			}
			xRead = true
		}
		y, err := parseCell(path, line, curves[k].column, rec[col])
		if err != nil {
			return err
		}
		curves[k].xys = append(curves[k].xys, plotter.XY{X: x, Y: y})
	}
	return nil
}

// keep drops the curves without a point when opts.SkipEmpty allows it, and
// fails when one must stay or none is left.
func keep(curves []curve, path string, rows int, opts Options) ([]curve, error) {
	kept := curves[:0]
	for _, c := range curves {
		switch {
		case len(c.xys) > 0:
			kept = append(kept, c)
		case !opts.SkipEmpty:
			return nil, fmt.Errorf("curves: %s: column %q has no values in its %d rows (no episode ended?)", path, c.column, rows)
		}
	}
	if len(kept) == 0 {
		return nil, fmt.Errorf("curves: %s: none of the columns %q has a value in its %d rows: nothing to plot", path, opts.Y, rows)
	}
	return kept, nil
}

// parseCell parses the cell of column on the given line of the file at
// path as a finite number.
func parseCell(path string, line int, column, cell string) (float64, error) {
	if cell == "" {
		return 0, fmt.Errorf("curves: %s line %d, column %q: empty, want a number", path, line, column)
	}
	v, err := strconv.ParseFloat(cell, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("curves: %s line %d, column %q: %q is not a finite number", path, line, column, cell)
	}
	return v, nil
}

// curvePlots builds one plot per curve, all over the same X range; the
// title goes on the first and the X label on the last.
func curvePlots(curves []curve, opts Options) ([]*plot.Plot, error) {
	xMin, xMax := math.Inf(1), math.Inf(-1)
	for _, c := range curves {
		for _, xy := range c.xys {
			xMin, xMax = min(xMin, xy.X), max(xMax, xy.X)
		}
	}
	plots := make([]*plot.Plot, len(curves))
	for k, c := range curves {
		p := plot.New()
		if k == 0 {
			p.Title.Text = opts.Title
		}
		if k == len(curves)-1 {
			p.X.Label.Text = opts.label(opts.X)
		}
		p.Y.Label.Text = opts.label(c.column)
		line, err := plotter.NewLine(c.xys)
		if err != nil {
			return nil, fmt.Errorf("curves: plotting column %q: %w", c.column, err)
		}
		line.Color = curveColor
		line.Width = vg.Points(1.5)
		p.Add(plotter.NewGrid(), line)
		if ref, ok := opts.Reference[c.column]; ok {
			refLine, err := plotter.NewLine(plotter.XYs{{X: xMin, Y: ref}, {X: xMax, Y: ref}})
			if err != nil {
				return nil, fmt.Errorf("curves: plotting the reference of column %q: %w", c.column, err)
			}
			refLine.Color = referenceColor
			refLine.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			p.Add(refLine)
			name := opts.Name
			if name == "" {
				name = opts.label(c.column)
			}
			p.Legend.Add(name, line)
			p.Legend.Add(opts.ReferenceLabel, refLine)
			p.Legend.Top = true
			p.Legend.Left = true
		}
		p.X.Min, p.X.Max = xMin, xMax
		plots[k] = p
	}
	return plots, nil
}
