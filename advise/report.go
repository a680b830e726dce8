package advise

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/autollmresearch/gym/spaces"
)

// WriteJSON writes the advice as indented JSON (the field names of Advice
// and its parts; numbers that are not identified are null).
func (a *Advice) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(a)
}

// WriteText writes the advice for a person: the recommendations, why they
// follow the estimator they follow, the fitted law, how far the target
// lies beyond the data, every estimator's proposal and the warnings.
func (a *Advice) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("Advice for a %s run at %s (%s)\n", a.Task, formatFid(a.Target.Fidelity), a.Target.Experiment)
	ew.printf("Context: %d experiment(s), %d runs. Candidates: %s.\n", a.Context.Experiments, a.Context.Runs, a.Target.CandidatesFrom)
	for _, l := range a.Context.LeftOut {
		ew.printf("  left out: %s\n", l)
	}
	if len(a.Observed) > 0 {
		ew.printf("Observed at the target: %d run(s)\n", len(a.Observed))
		for _, o := range a.Observed {
			ew.printf("  %s  %s %s\n", formatConfig(o.Config), a.Objective, outcome(o.Objective, o.Diverged))
		}
	}
	ew.printf("\nRecommended target runs (K = %d), in the order %s would run them; %s %s; predictions and 90 %% intervals from the fitted law:\n\n", a.K, a.Follows, a.Direction+"imise", a.Objective)
	tw := tabwriter.NewWriter(ew, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "rank\tconfig\tpredicted %s\t90 %% interval\tproposed by\n", a.Objective)
	for _, r := range a.Recommendations {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", r.Rank, formatConfig(r.Config), predicted(r.Predicted), interval(r.Predicted), strings.Join(r.ProposedBy, ", "))
	}
	ew.err = firstErr(ew.err, tw.Flush())
	ew.printf("\nWhy %s: %s.\n", a.Follows, a.Why)
	preds := "with no fidelity term"
	if len(a.Law.Predictors) > 0 {
		preds = "in log10 of the fidelity coordinates " + strings.Join(a.Law.Predictors, ", ")
	}
	ew.printf("\nFitted law over %d context cells (each cell's best run), %s;\n%s:\n", len(a.Law.Cells), preds, a.Law.Uncertainty)
	for _, f := range append([]Fit{a.Law.Level}, a.Law.Paths...) {
		ew.printf("  %s\n", formatFit(f))
	}
	ew.printf("\nHow far the target lies beyond the context:\n")
	for _, r := range a.Extrapolation {
		switch {
		case r.ContextMax == nil:
		case math.IsNaN(float64(r.Decades)):
			ew.printf("  %s: %v, %d level(s) beyond the context's last (%v)%s\n", r.Coordinate, r.Target, r.Levels, r.ContextMax, farMark(r.Far))
		default:
			ew.printf("  %s: %.4g, %+.2f decades from the context's largest (%.4g)%s\n", r.Coordinate, r.Target, float64(r.Decades), r.ContextMax, farMark(r.Far))
		}
	}
	ew.printf("\nEstimators (first pick; backtest regret of the first pick and of the best of %d):\n\n", a.K)
	tw = tabwriter.NewWriter(ew, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "estimator\tfirst pick\tpredicted\t90 %% interval\tagrees\tbacktest first\tbacktest best of %d\n", a.K)
	for _, e := range a.Estimators {
		first := "–"
		if len(e.Picks) > 0 {
			first = formatConfig(e.Picks[0])
		}
		agree := "no"
		if e.Agrees {
			agree = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Name, first, predicted(e.First), interval(e.First), agree, num(e.Backtest.Regret1), num(e.Backtest.RegretK))
	}
	ew.err = firstErr(ew.err, tw.Flush())
	if len(a.Warnings) > 0 {
		ew.printf("\nWarnings:\n")
		for _, wn := range a.Warnings {
			ew.printf("  - %s\n", wn)
		}
	}
	return ew.err
}

func farMark(far bool) string {
	if far {
		return "  ** far: more than one decade **"
	}
	return ""
}

// formatFit writes a law as "best loss = 10^(0.52 ± 0.03) · params^(-0.071 ± 0.004) · ...".
func formatFit(f Fit) string {
	var b strings.Builder
	if f.Log {
		fmt.Fprintf(&b, "%s = 10^(%s)", f.Quantity, pm(f.Intercept, f.InterceptSE))
		for _, t := range f.Terms {
			fmt.Fprintf(&b, " · %s^(%s)", t.Predictor, pm(t.Exponent, t.SE))
		}
	} else {
		fmt.Fprintf(&b, "%s = %s", f.Quantity, pm(f.Intercept, f.InterceptSE))
		for _, t := range f.Terms {
			fmt.Fprintf(&b, " + (%s)·log10 %s", pm(t.Exponent, t.SE), t.Predictor)
		}
	}
	fmt.Fprintf(&b, "   [R² %s, residual sd %s, %d cells, %d dof, interval inflation ×%s]; at the target %s, 90 %% [%s, %s]",
		num(f.R2), num(f.ResidualSD), f.Points, f.DOF, num(f.Inflation), num(f.AtTarget), num(f.Lo), num(f.Hi))
	return b.String()
}

func pm(v, se Number) string {
	if math.IsNaN(float64(se)) {
		return num(v) + " ± –"
	}
	return num(v) + " ± " + num(se)
}

func num(v Number) string {
	if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
		return "–"
	}
	return fmt.Sprintf("%.4g", float64(v))
}

func predicted(p Prediction) string {
	if p.Diverges {
		return "diverges"
	}
	return num(p.Objective)
}

func interval(p Prediction) string {
	if p.Diverges || math.IsNaN(float64(p.Lo)) {
		return "–"
	}
	return "[" + num(p.Lo) + ", " + num(p.Hi) + "]"
}

func outcome(v Number, diverged bool) string {
	if diverged {
		return "diverged"
	}
	return num(v)
}

// formatConfig writes a config's knobs in name order, "bs=256 lr=0.00195";
// a simplex as its parts above 1 %.
func formatConfig(c spaces.Config) string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		switch v := c[k].(type) {
		case float64:
			parts = append(parts, fmt.Sprintf("%s=%.4g", k, v))
		case []float64:
			var sb []string
			for i, x := range v {
				if x >= 0.01 {
					sb = append(sb, fmt.Sprintf("%d:%.2f", i, x))
				}
			}
			parts = append(parts, fmt.Sprintf("%s={%s}", k, strings.Join(sb, " ")))
		default:
			parts = append(parts, fmt.Sprintf("%s=%v", k, v))
		}
	}
	return strings.Join(parts, " ")
}

func formatFid(f map[string]any) string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		switch v := f[k].(type) {
		case float64:
			parts[i] = fmt.Sprintf("%s=%.4g", k, v)
		default:
			parts[i] = fmt.Sprintf("%s=%v", k, v)
		}
	}
	return strings.Join(parts, ", ")
}

// errWriter remembers the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) { fmt.Fprintf(e, format, args...) }

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
