package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/autollmresearch/gym/internal/realtables"
	"github.com/autollmresearch/gym/prior"
)

// runCheck is "prior check": the prior-predictive table of every real
// table given.
func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("prior check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var src realtables.Sources
	src.Register(fs)
	draws := fs.Int("draws", 1000, "draws from each task's prior")
	seed := fs.Uint64("seed", 1, "seed of the first draw (draws are seed, seed+1, ...)")
	workers := fs.Int("workers", 0, "draws generated at once (0 = GOMAXPROCS)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := checkOptions(&src, *draws, *workers); err != nil {
		return err
	}
	tables, err := src.Load()
	if err != nil {
		return err
	}
	defer realtables.Release(tables)

	samples := map[string]*prior.Sample{}
	var order []string // tasks in the order first met
	fmt.Fprintf(stdout, "Prior-predictive check: each real table's statistics against %d draws of its task's prior (seeds %d to %d). Percentile: share of draws below the real value; inside: within the central 95 %%.\n\n", *draws, *seed, *seed+uint64(*draws)-1)
	fmt.Fprintln(stdout, "| table | statistic | real | percentile | prior 2.5 % | prior median | prior 97.5 % | inside |")
	fmt.Fprintln(stdout, "|---|---|---:|---:|---:|---:|---:|---|")
	outside := 0
	for _, t := range tables {
		task := t.Table.Meta().Task
		s, ok := samples[task]
		if !ok {
			p, err := prior.New(task)
			if err != nil {
				fmt.Fprintf(stderr, "%s: %v; skipped\n", t.Name, err)
				continue
			}
			fmt.Fprintf(stderr, "drawing %d %s worlds...\n", *draws, task)
			if s, err = prior.SampleStatistics(ctx, p, *draws, *seed, *workers); err != nil {
				return err
			}
			samples[task] = s
			order = append(order, task)
		}
		rows, err := s.Check(t.Table)
		if err != nil {
			return fmt.Errorf("%s: %w", t.Name, err)
		}
		outside += writeCheckRows(stdout, t.Name, rows)
	}
	fmt.Fprintf(stdout, "\n%d statistic(s) outside the prior's central 95 %%.\n", outside)
	fmt.Fprintln(stdout)
	writeStatisticDocs(stdout, order, samples)
	return nil
}

// checkOptions reports every bad option of "prior check" as a usage error.
func checkOptions(src *realtables.Sources, draws, workers int) error {
	var errs []error
	if src.Empty() {
		errs = append(errs, errors.New("nothing to check: name real tables with -steplaw, -admire, -hwgpt or -table"))
	}
	if draws < 10 {
		errs = append(errs, fmt.Errorf("-draws is %d, want at least 10", draws))
	}
	if workers < 0 {
		errs = append(errs, fmt.Errorf("-workers is %d, want at least 1 (or 0 for GOMAXPROCS)", workers))
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", errUsage, errors.Join(errs...))
	}
	return nil
}

// writeCheckRows writes the Markdown rows of the named table's check and
// returns how many statistics fall outside the prior's central 95 %.
func writeCheckRows(w io.Writer, table string, rows []prior.CheckRow) (outside int) {
	for _, r := range rows {
		inside := "yes"
		switch {
		case math.IsNaN(r.Percentile):
			inside = "undefined"
		case !r.Inside():
			inside = "**no**"
			outside++
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", table, r.Statistic, num(r.Real), pct(r.Percentile), num(r.Lo), num(r.Median), num(r.Hi), inside)
	}
	return outside
}

// writeStatisticDocs writes one line documenting each statistic of each
// task's sample, tasks in the given order.
func writeStatisticDocs(w io.Writer, order []string, samples map[string]*prior.Sample) {
	for _, task := range order {
		for _, st := range samples[task].Statistics {
			fmt.Fprintf(w, "- %s %s: %s\n", task, st.Name, strings.TrimSuffix(st.Doc, "."))
		}
	}
}

func num(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.4g", v)
}

func pct(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.1f", v)
}
