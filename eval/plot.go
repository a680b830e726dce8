package eval

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/autollmresearch/gym/internal/atomicfile"
)

// Size and resolution of the plots.
const (
	plotWidth  = 7 * vg.Inch
	plotHeight = 4.5 * vg.Inch
	plotDPI    = 150
)

// Plot draws, for every env, the mean best-so-far regret against the
// number of target-fidelity trials k, one line per policy with ±1
// standard error bars, and writes it to dir as basename-<env>.png and
// basename-<env>.svg, where <env> is the env's name reduced to lower-case
// letters, digits and hyphens. It creates dir if needed and returns the
// paths it wrote.
func (r *Result) Plot(dir, basename string) ([]string, error) {
	if basename == "" {
		return nil, errors.New("eval: Plot: basename is empty")
	}
	rows := r.Summary()
	if len(rows) == 0 {
		return nil, errors.New("eval: Plot: the result has no episodes")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("eval: Plot: %w", err)
	}
	var paths []string
	used := map[string]string{}
	for i := 0; i < len(rows); {
		j := i
		for j < len(rows) && rows[j].Env == rows[i].Env {
			j++
		}
		env := rows[i].Env
		slug := slugify(env)
		if other, dup := used[slug]; dup {
			return paths, fmt.Errorf("eval: Plot: envs %q and %q would both be written as %s-%s", other, env, basename, slug)
		}
		used[slug] = env
		p, err := regretPlot(env, rows[i:j])
		if err != nil {
			return paths, fmt.Errorf("eval: Plot: env %q: %w", env, err)
		}
		base := filepath.Join(dir, basename+"-"+slug)
		for _, ext := range []string{".png", ".svg"} {
			if err := savePlot(p, base+ext); err != nil {
				return paths, fmt.Errorf("eval: Plot: env %q: %w", env, err)
			}
			paths = append(paths, base+ext)
		}
		i = j
	}
	return paths, nil
}

// regretPlot draws the regret curves of one env's summary rows, which are
// grouped by policy with K ascending.
func regretPlot(env string, rows []SummaryRow) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = env + ": regret vs target-fidelity trials"
	p.X.Label.Text = "target-fidelity trials k"
	p.Y.Label.Text = "normalised regret (mean ± SE)"
	p.Y.Min = 0
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	p.Legend.Padding = vg.Points(4)

	var policies [][]SummaryRow
	for i := 0; i < len(rows); {
		j := i
		for j < len(rows) && rows[j].Policy == rows[i].Policy {
			j++
		}
		policies = append(policies, rows[i:j])
		i = j
	}
	maxK, top := 1, 0.0
	// Shift each policy's points a little along x so error bars do not
	// hide one another.
	const spread = 0.2
	for n, pr := range policies {
		shift := 0.0
		if len(policies) > 1 {
			shift = spread * (float64(n)/float64(len(policies)-1) - 0.5)
		}
		pts := make(plotter.XYs, len(pr))
		errs := make(plotter.YErrors, len(pr))
		for i, row := range pr {
			se := row.SERegret
			if math.IsNaN(se) {
				se = 0
			}
			pts[i] = plotter.XY{X: float64(row.K) + shift, Y: row.MeanRegret}
			errs[i].Low, errs[i].High = se, se
			maxK = max(maxK, row.K)
			top = max(top, row.MeanRegret+se)
		}
		line, scatter, err := plotter.NewLinePoints(pts)
		if err != nil {
			return nil, fmt.Errorf("policy %q: %w", pr[0].Policy, err)
		}
		col := plotutil.Color(n)
		line.Color = col
		line.Width = vg.Points(1.5)
		line.Dashes = plotutil.Dashes(n)
		scatter.Color = col
		scatter.Shape = plotutil.Shape(n)
		scatter.Radius = vg.Points(3)
		bars, err := plotter.NewYErrorBars(struct {
			plotter.XYs
			plotter.YErrors
		}{pts, errs})
		if err != nil {
			return nil, fmt.Errorf("policy %q: %w", pr[0].Policy, err)
		}
		bars.Color = col
		bars.Width = vg.Points(1)
		p.Add(line, scatter, bars)
		p.Legend.Add(pr[0].Policy, line, scatter)
	}
	p.X.Min, p.X.Max = 1-spread, float64(maxK)+spread
	p.X.Tick.Marker = integerTicks{}
	p.Y.Max = max(top*1.05, 0.05)
	return p, nil
}

// integerTicks labels every whole number of an axis range.
type integerTicks struct{}

// Ticks returns a labelled tick at every integer in [lo, hi].
func (integerTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for v := math.Ceil(lo); v <= hi; v++ {
		ticks = append(ticks, plot.Tick{Value: v, Label: fmt.Sprint(v)})
	}
	return ticks
}

// savePlot renders p to path as PNG or SVG according to its extension.
func savePlot(p *plot.Plot, path string) (err error) {
	var c interface {
		vg.CanvasSizer
		io.WriterTo
	}
	switch filepath.Ext(path) {
	case ".png":
		img := vgimg.NewWith(vgimg.UseWH(plotWidth, plotHeight), vgimg.UseDPI(plotDPI))
		p.Draw(draw.New(img))
		c = vgimg.PngCanvas{Canvas: img}
	case ".svg":
		svg := vgsvg.New(plotWidth, plotHeight)
		p.Draw(draw.New(svg))
		c = svg
	default:
		return fmt.Errorf("cannot write %s: want a .png or .svg file", path)
	}
	err = atomicfile.Write(path, func(w io.Writer) error {
		_, err := c.WriteTo(w)
		return err
	})
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// slugify reduces s to lower-case letters, digits and single hyphens.
func slugify(s string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(s) {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			hyphen = false
		} else {
			hyphen = true
		}
	}
	if b.Len() == 0 {
		return "env"
	}
	return b.String()
}
