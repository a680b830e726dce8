// Command advise recommends the next expensive run from a practitioner's
// own small runs: the K configs to run at a target fidelity, each with its
// predicted objective and 90 % interval, and the reasons (the fitted law
// with its exponents and their standard errors, how far beyond the data
// the target lies, what every estimator proposes and which one the advice
// follows and why). See package advise.
//
//	go run ./cmd/advise -steplaw ../shared/data/steplaw/dense_lr_bs_loss.csv \
//		-target largest -holdout params -plot out/advise
//	go run ./cmd/advise -table myruns.parquet -target params=7e9,tokens=2e12 -k 5
//	go run ./cmd/advise -admire ../shared/data/admire/admire_ift_runs.csv -target Qwen2.5-7B -json
//	go run ./cmd/advise -table myruns.csv -target params=7e9,tokens=2e12 -observed made.csv
//
// The runs come from one table (-table, any format tasks.ReadFile reads, or
// a real upstream file through -steplaw, -admire or -hwgpt). Rows at the
// target's fidelity are never used as context; -holdout params leaves out
// every row at or beyond the target's params as well. -observed adds the
// target runs made since (a CSV of the knobs and the objective), and the
// next advice uses them. The advice is text on stdout, or JSON with -json;
// -plot writes the extrapolation picture (PNG and SVG).
//
// With -calibrate the command instead measures the advice on every table
// given, at the held-out targets the scoreboard plays: the regret of its
// first recommendation and of the best of five, and the coverage of its
// intervals, as a Markdown table (and CSV with -csv).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/autollmresearch/gym/advise"
	"github.com/autollmresearch/gym/internal/atomicfile"
	"github.com/autollmresearch/gym/internal/cli"
	"github.com/autollmresearch/gym/internal/realtables"
	_ "github.com/autollmresearch/gym/tasks/tablefile" // reads and writes .arrow, .arrows and .parquet tables
)

// errUsage marks a command-line error (exit status 2).
var errUsage = cli.ErrUsage

func main() { cli.Main("advise", run) }

// config is the parsed command line.
type config struct {
	sources   realtables.Sources
	target    advise.TargetSpec
	holdout   []string
	k         int
	seed      uint64
	observed  string
	json      bool
	plot      string
	calibrate bool
	csv       string
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("advise", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c.sources.Register(fs)
	target := fs.String("target", "", `fidelity of the run to plan: name=value pairs ("params=7e9,tokens=2e12"), a level such as a model name ("Qwen2.5-7B"), or "largest" (the table's most expensive experiment)`)
	holdout := fs.String("holdout", "", "comma-separated fidelity coordinates: rows at or beyond the target's value of any of them are left out of the context (e.g. \"params\")")
	fs.IntVar(&c.k, "k", advise.DefaultK, "target runs to recommend (the runs you can afford)")
	fs.Uint64Var(&c.seed, "seed", 1, "seed of every random choice")
	fs.StringVar(&c.observed, "observed", "", "CSV of target runs made since: the knobs, the objective and optionally diverged")
	fs.BoolVar(&c.json, "json", false, "write the advice as JSON")
	fs.StringVar(&c.plot, "plot", "", "directory to write the extrapolation plot to (PNG and SVG)")
	fs.BoolVar(&c.calibrate, "calibrate", false, "measure the advice on every table's held-out targets instead (Markdown on stdout)")
	fs.StringVar(&c.csv, "csv", "", "with -calibrate: also write the rows as CSV to this file")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	var errs []error
	if fs.NArg() > 0 {
		errs = append(errs, fmt.Errorf("unexpected argument %q (every option is a flag; see -h)", fs.Arg(0)))
	}
	n := len(c.sources.Tables)
	for _, s := range []string{c.sources.StepLaw, c.sources.Admire, c.sources.HWGPT} {
		if s != "" {
			n++
		}
	}
	switch {
	case n == 0:
		errs = append(errs, errors.New("no runs: name a table with -table, -steplaw, -admire or -hwgpt"))
	case n > 1 && !c.calibrate:
		errs = append(errs, fmt.Errorf("%d tables named; advise reads one (several only with -calibrate)", n))
	}
	if c.k < 1 || c.k > advise.MaxK {
		errs = append(errs, fmt.Errorf("-k is %d, want 1 to %d", c.k, advise.MaxK))
	}
	if c.calibrate {
		for name, set := range map[string]bool{"-target": *target != "", "-holdout": *holdout != "", "-observed": c.observed != "", "-json": c.json, "-plot": c.plot != ""} {
			if set {
				errs = append(errs, fmt.Errorf("%s does not apply with -calibrate (it chooses the held-out targets itself)", name))
			}
		}
	} else {
		if c.csv != "" {
			errs = append(errs, errors.New("-csv applies only with -calibrate"))
		}
		spec, err := advise.ParseTarget(*target)
		if err != nil {
			errs = append(errs, fmt.Errorf("-target: %w", err))
		}
		c.target = spec
	}
	for _, h := range strings.Split(*holdout, ",") {
		if h = strings.TrimSpace(h); h != "" {
			c.holdout = append(c.holdout, h)
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: %w", errUsage, errors.Join(sortErrs(errs)...))
	}
	return c, nil
}

// sortErrs orders errors by text so that messages do not depend on map
// order.
func sortErrs(errs []error) []error {
	for i := 1; i < len(errs); i++ {
		for j := i; j > 0 && errs[j].Error() < errs[j-1].Error(); j-- {
			errs[j], errs[j-1] = errs[j-1], errs[j]
		}
	}
	return errs
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	tables, err := c.sources.Load()
	if err != nil {
		return err
	}
	defer realtables.Release(tables)
	if c.calibrate {
		return calibrate(ctx, c, tables, stdout, stderr)
	}
	tbl := tables[0]
	req := advise.Request{Table: tbl.Table, Target: c.target, Holdout: c.holdout, K: c.k, Seed: c.seed}
	if c.observed != "" {
		f, err := os.Open(c.observed)
		if err != nil {
			return fmt.Errorf("-observed: %w", err)
		}
		req.Observed, err = advise.ReadObserved(f, c.observed, tbl.Table.Meta())
		f.Close()
		if err != nil {
			return err
		}
	}
	a, err := advise.Advise(ctx, req)
	if err != nil {
		return fmt.Errorf("%s: %w", tbl.Name, err)
	}
	if c.json {
		err = a.WriteJSON(stdout)
	} else {
		err = a.WriteText(stdout)
	}
	if err != nil {
		return err
	}
	if c.plot != "" {
		paths, err := a.Plot(c.plot, "advise-"+tbl.Name)
		for _, p := range paths {
			fmt.Fprintln(stderr, "wrote", p)
		}
		return err
	}
	return nil
}

// calibrate runs advise.Calibrate over the tables.
func calibrate(ctx context.Context, c *config, tables []realtables.Named, stdout, stderr io.Writer) error {
	var nts []advise.NamedTable
	for _, t := range tables {
		nts = append(nts, advise.NamedTable{Name: t.Name, Table: t.Table})
	}
	rows, err := advise.Calibrate(ctx, nts, c.k, c.seed)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "# Calibration of advise\n\nEach table's held-out targets (the research env's test split, as the scoreboard plays them), advised from the experiments below the target only; K = %d, seed %d. Regret is normalised as the env normalises it (0 best, 1 worst or diverged); coverage counts the recommendations the target has whose objective falls inside their stated 90 %% interval.\n\n", c.k, c.seed)
	if err := advise.WriteCalibrationMarkdown(stdout, rows); err != nil {
		return err
	}
	if c.csv != "" {
		if err := atomicfile.Write(c.csv, func(w io.Writer) error { return advise.WriteCalibrationCSV(w, rows) }); err != nil {
			return err
		}
		fmt.Fprintln(stderr, "wrote", c.csv)
	}
	return nil
}
