// Command tables lists the outcome tables of the built-in tasks (their
// experiments, fidelities and sizes) and writes a table to Parquet, Arrow
// IPC or CSV so that it can be opened in pandas, polars or DuckDB.
//
// Usage:
//
//	go run ./examples/tables                      # summary of every task
//	go run ./examples/tables -task pretrain       # one task, experiment by experiment
//	go run ./examples/tables -task arch -out arch.parquet
//	go run ./examples/tables -in my_results.csv   # check and list a table of your own
//
// The output format follows the extension of -out: .parquet, .arrow (IPC
// file), .arrows (IPC stream) or .csv. A .csv is plain (pandas.read_csv and
// DuckDB open it as is); its metadata goes to a sidecar next to it,
// FILE.csv.meta.json, which "go run ./cmd/table" reads and attaches again
// after an edit.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	_ "github.com/autollmresearch/gym" // registers the built-in tasks with package research
	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/tasks"
	_ "github.com/autollmresearch/gym/tasks/tablefile" // reads and writes .arrow, .arrows and .parquet tables
)

func main() {
	task := flag.String("task", "", "built-in task to list or write (arch, grpo, mixture, pretrain); empty lists all")
	in := flag.String("in", "", "a table file to validate and list instead of a built-in task")
	out := flag.String("out", "", "write the table to this file (.parquet, .arrow, .arrows or .csv)")
	flag.Parse()
	if err := run(os.Stdout, *task, *in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "tables:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, task, in, out string) error {
	if in != "" {
		if task != "" {
			return errors.New("give -task or -in, not both")
		}
		t, err := tasks.ReadFile(in)
		if err != nil {
			return err
		}
		defer t.Release()
		return listAndWrite(w, t, out)
	}
	if task == "" {
		if out != "" {
			return errors.New("-out needs -task (or -in) to say which table to write")
		}
		for _, name := range sortedTasks() {
			t, err := research.DefaultTable(name)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			summary(w, t)
		}
		return nil
	}
	if !slices.Contains(research.Tasks(), task) {
		return fmt.Errorf("unknown task %q (want one of %s)", task, strings.Join(sortedTasks(), ", "))
	}
	t, err := research.DefaultTable(task) // shared: not ours to Release
	if err != nil {
		return fmt.Errorf("%s: %w", task, err)
	}
	return listAndWrite(w, t, out)
}

func sortedTasks() []string {
	names := research.Tasks()
	slices.Sort(names)
	return names
}

// summary prints one paragraph about a table.
func summary(w io.Writer, t *tasks.Table) {
	m := t.Meta()
	ncfg := 0
	for _, e := range t.Experiments() {
		ncfg += e.NumConfigs
	}
	fid := make([]string, len(m.Fidelity))
	for i, f := range m.Fidelity {
		fid[i] = f.Name
		if f.Levels != nil {
			fid[i] += "{" + strings.Join(f.Levels, "<") + "}"
		}
	}
	fmt.Fprintf(w, "%s: %d experiments, %d configs, %d rows (%s)\n", m.Task, t.NumExperiments(), ncfg, t.NumRows(), m.Provenance)
	fmt.Fprintf(w, "  objective %s (%v) of metrics %s; fidelity %s\n", m.Objective, m.Direction, strings.Join(m.Metrics, ", "), strings.Join(fid, ", "))
	fmt.Fprintf(w, "  space %v\n", m.Space)
	fmt.Fprintf(w, "  cost: %s\n  source: %s\n", orNone(m.CostSource), orNone(m.Source))
}

func orNone(s string) string {
	if s == "" {
		return "(none given)"
	}
	return s
}

// listAndWrite prints the summary and one line per experiment, then writes
// the table to out if given.
func listAndWrite(w io.Writer, t *tasks.Table, out string) error {
	summary(w, t)
	{
		m := t.Meta()
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "rank\texperiment\tfidelity\tconfigs\trows\tbest\tmedian\tdiverged\t")
		for _, e := range t.Experiments() {
			s := t.Stats(e.Index)
			fid := make([]string, len(m.Fidelity))
			for i, f := range m.Fidelity {
				fid[i] = fmt.Sprintf("%s=%v", f.Name, e.Fidelity[f.Name])
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%.4g\t%.4g\t%d\t\n",
				e.Rank, e.ID, strings.Join(fid, " "), e.NumConfigs, e.NumRows, s.Best, s.Median, s.Diverged)
		}
		tw.Flush()
	}
	if out == "" {
		return nil
	}
	if err := tasks.WriteFile(out, t); err != nil {
		return err
	}
	if f, _ := tasks.FormatOf(out); f == tasks.CSV {
		fmt.Fprintf(w, "wrote %d rows to %s, its metadata to %s\n", t.NumRows(), out, tasks.SidecarPath(out))
		return nil
	}
	fmt.Fprintf(w, "wrote %d rows to %s\n", t.NumRows(), out)
	return nil
}
