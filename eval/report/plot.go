package report

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/autollmresearch/gym/eval"
	"github.com/autollmresearch/gym/internal/plotfile"
)

// Size and resolution of the plots.
const (
	plotWidth  = 7 * vg.Inch
	plotHeight = 4.5 * vg.Inch
	plotDPI    = 150
)

var plotSize = plotfile.Size{Width: plotWidth, Height: plotHeight, DPI: plotDPI}

// Plot draws, for every env of r, the mean best-so-far regret against the
// number of target-fidelity trials k, one line per policy with ±1
// standard error bars, and writes it to dir as basename-<env>.png and
// basename-<env>.svg, where <env> is the env's name reduced to lower-case
// letters, digits and hyphens. It creates dir if needed and returns the
// paths it wrote.
func Plot(r *eval.Result, dir, basename string) ([]string, error) {
	if basename == "" {
		return nil, errors.New("report: Plot: basename is empty")
	}
	rows := r.Summary()
	if len(rows) == 0 {
		return nil, errors.New("report: Plot: the result has no episodes")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("report: Plot: %w", err)
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
			return paths, fmt.Errorf("report: Plot: envs %q and %q would both be written as %s-%s", other, env, basename, slug)
		}
		used[slug] = env
		p, err := regretPlot(plotTitle(r, env), rows[i:j])
		if err != nil {
			return paths, fmt.Errorf("report: Plot: env %q: %w", env, err)
		}
		written, err := plotfile.Save(filepath.Join(dir, basename+"-"+slug), plotSize, plotfile.One(p))
		paths = append(paths, written...)
		if err != nil {
			return paths, fmt.Errorf("report: Plot: env %q: %w", env, err)
		}
		i = j
	}
	return paths, nil
}

// plotTitle names the env's task and run in its plot's title.
func plotTitle(r *eval.Result, env string) string {
	for _, e := range r.Envs {
		if e.Name == env {
			return fmt.Sprintf("%s (task %s, %s split, %d target(s) × %d episodes): regret vs target-fidelity trials", env, e.Task, e.Split, len(e.Targets), e.Episodes)
		}
	}
	return env + ": regret vs target-fidelity trials"
}

// symlogDecades is how many decades the positive mean regrets of a plot
// must span before its regret axis turns logarithmic (linear near zero).
const symlogDecades = 1

// RemovePlots deletes the plots a previous Plot(r, dir, basename) wrote,
// basename-*.png and basename-*.svg, so that a new run leaves no plot of
// an env it no longer has. A missing dir is not an error. It returns the
// paths it removed.
func RemovePlots(dir, basename string) ([]string, error) {
	if basename == "" {
		return nil, errors.New("report: RemovePlots: basename is empty")
	}
	var removed []string
	for _, ext := range plotfile.Extensions() {
		matches, err := filepath.Glob(filepath.Join(dir, basename+"-*"+ext))
		if err != nil {
			return removed, fmt.Errorf("report: RemovePlots: %w", err)
		}
		for _, m := range matches {
			if err := os.Remove(m); err != nil && !errors.Is(err, os.ErrNotExist) {
				return removed, fmt.Errorf("report: RemovePlots: %w", err)
			}
			removed = append(removed, m)
		}
	}
	return removed, nil
}

// regretPlot draws the regret curves of one env's summary rows, which are
// grouped by policy with K ascending. When the mean regrets span more than
// a decade the regret axis is symmetric-logarithmic: linear up to a
// threshold below the smallest positive mean, logarithmic above, so that
// good policies are not squeezed against zero.
func regretPlot(title string, rows []eval.SummaryRow) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "target-fidelity trials k"
	p.Y.Label.Text = "normalised regret (mean ± SE)"
	p.Y.Min = 0
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	p.Legend.Padding = vg.Points(4)
	p.Legend.XOffs = -vg.Points(8)

	policies := byPolicy(rows)
	maxK, top := 1, 0.0
	// Shift each policy's points a little along x so error bars do not
	// hide one another.
	const spread = 0.2
	for n, pr := range policies {
		shift := 0.0
		if len(policies) > 1 {
			shift = spread * (float64(n)/float64(len(policies)-1) - 0.5)
		}
		k, t, err := addRegretCurve(p, n, shift, pr)
		if err != nil {
			return nil, err
		}
		maxK, top = max(maxK, k), max(top, t)
	}
	p.X.Min, p.X.Max = 1-spread, float64(maxK)+spread
	p.X.Tick.Marker = integerTicks{}
	p.Y.Max = max(top*1.05, 0.05)
	symlogWhenWide(p, rows)
	return p, nil
}

// byPolicy splits rows, grouped by policy, into one run of rows per policy.
func byPolicy(rows []eval.SummaryRow) [][]eval.SummaryRow {
	var policies [][]eval.SummaryRow
	for i := 0; i < len(rows); {
		j := i
		for j < len(rows) && rows[j].Policy == rows[i].Policy {
			j++
		}
		policies = append(policies, rows[i:j])
		i = j
	}
	return policies
}

// addRegretCurve adds the n-th policy's regret curve to p: a line with
// points and standard-error bars, shifted by shift along x, and its legend
// entry. It returns the largest K and the highest error-bar top of the
// curve.
func addRegretCurve(p *plot.Plot, n int, shift float64, pr []eval.SummaryRow) (maxK int, top float64, err error) {
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
		return 0, 0, fmt.Errorf("policy %q: %w", pr[0].Policy, err)
	}
	col := plotfile.Palette[n%len(plotfile.Palette)]
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
		return 0, 0, fmt.Errorf("policy %q: %w", pr[0].Policy, err)
	}
	bars.Color = col
	bars.Width = vg.Points(1)
	p.Add(line, scatter, bars)
	p.Legend.Add(pr[0].Policy, line, scatter)
	return maxK, top, nil
}

// symlogWhenWide switches p's regret axis to a symmetric-logarithmic scale
// when the positive mean regrets of rows span more than symlogDecades
// decades below p.Y.Max.
func symlogWhenWide(p *plot.Plot, rows []eval.SummaryRow) {
	lo := math.Inf(1)
	for _, row := range rows {
		if row.MeanRegret > 0 {
			lo = min(lo, row.MeanRegret)
		}
	}
	if !math.IsInf(lo, 1) && math.Log10(p.Y.Max/lo) > symlogDecades {
		sl := symlog{c: math.Max(lo/2, 1e-4)}
		p.Y.Scale = sl
		p.Y.Tick.Marker = sl
		p.Y.Label.Text = "normalised regret (mean ± SE, log scale)"
		p.Y.Max *= 1.5 // headroom for the legend above the worst curve
	}
}

// symlog is a symmetric-logarithmic axis: f(x) = log10(1 + x/c), linear
// for x much below c and logarithmic above.
type symlog struct{ c float64 }

func (s symlog) f(x float64) float64 { return math.Copysign(math.Log10(1+math.Abs(x)/s.c), x) }

// Normalize maps x in [lo, hi] to [0, 1] on the symlog scale.
func (s symlog) Normalize(lo, hi, x float64) float64 {
	return (s.f(x) - s.f(lo)) / (s.f(hi) - s.f(lo))
}

// Ticks labels 0 and the powers of ten from c up to hi, with unlabelled
// minor ticks at 2 and 5 times each.
func (s symlog) Ticks(lo, hi float64) []plot.Tick {
	ticks := []plot.Tick{{Value: 0, Label: "0"}}
	for d := math.Pow(10, math.Floor(math.Log10(s.c))); d <= hi; d *= 10 {
		for _, m := range []float64{1, 2, 5} {
			v := d * m
			if v < lo || v > hi || v < s.c/2 {
				continue
			}
			label := ""
			if m == 1 {
				label = strconv.FormatFloat(v, 'g', -1, 64)
			}
			ticks = append(ticks, plot.Tick{Value: v, Label: label})
		}
	}
	return ticks
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
