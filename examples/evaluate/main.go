// Command evaluate measures the baseline policies on the research envs and
// writes a regret-versus-K report.
//
// With no flags it evaluates every baseline on the embedded default table
// of every task, in the Extrapolate setting on the held-out test split with
// K = 5 target-fidelity trials, prints progress and the Markdown regret
// table, and writes the per-episode rows (CSV, Parquet), the table
// (Markdown) and one regret plot per task (PNG, SVG) under -out:
//
//	go run ./examples/evaluate
//
// Real published data can be evaluated alongside the defaults, as envs
// named "pretrain (steplaw real)" and "mixture (admire real)":
//
//	go run ./examples/evaluate -steplaw ../shared/data/steplaw/dense_lr_bs_loss.csv \
//		-admire ../shared/data/admire/admire_ift_runs.csv
//
// Run with -h for every flag.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"

	_ "github.com/autollmresearch/gym" // registers the built-in tasks with package research
	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/eval"
	"github.com/autollmresearch/gym/eval/report"
	"github.com/autollmresearch/gym/internal/atomicfile"
	"github.com/autollmresearch/gym/tasks"
	"github.com/autollmresearch/gym/tasks/mixture"
	"github.com/autollmresearch/gym/tasks/pretrain"
	_ "github.com/autollmresearch/gym/tasks/tablefile" // reads and writes .arrow, .arrows and .parquet tables
)

// baselines are the policies -policies chooses from, in report order.
var baselines = eval.Baselines()

// Episode counts chosen when -episodes is 0: at least minSeeds seeds per
// target, and at least episodesPerEnv episodes per (env, policy) in all,
// so that tasks with a single test target get more seeds.
const (
	minSeeds       = 20
	episodesPerEnv = 60
)

// errUsage marks a command-line error; the flag package has printed the
// usage already or the message says what to fix.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "evaluate:", err)
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// config is the parsed command line.
type config struct {
	tasks    []string
	k        int
	episodes int
	setting  research.Setting
	policies []eval.NamedFactory
	workers  int
	seed     uint64
	out      string
	steplaw  string
	admire   string
}

// parseFlags reads the command line; errors wrap errUsage.
func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("evaluate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	taskNames := research.Tasks()
	var policyNames []string
	for _, b := range baselines {
		policyNames = append(policyNames, b.Name)
	}
	taskList := fs.String("tasks", strings.Join(taskNames, ","), "comma-separated tasks whose embedded default table to evaluate on (\"\" for none)")
	k := fs.Int("k", research.DefaultTrials, "target-fidelity trials per episode (K)")
	episodes := fs.Int("episodes", 0, fmt.Sprintf("episodes per (env, policy, target); 0 picks at least %d per target and %d per env", minSeeds, episodesPerEnv))
	setting := fs.String("setting", research.Extrapolate.String(), "decision process: extrapolate or multi-fidelity")
	policyList := fs.String("policies", strings.Join(policyNames, ","), "comma-separated policies to evaluate")
	workers := fs.Int("workers", 0, "episodes run at once (0 = GOMAXPROCS)")
	seed := fs.Uint64("seed", 1, "root seed of every episode")
	out := fs.String("out", filepath.Join("out", "evaluate"), "directory for the results")
	steplaw := fs.String("steplaw", "", "path of the published Step Law dense_lr_bs_loss.csv, evaluated as \"pretrain (steplaw real)\"")
	admire := fs.String("admire", "", "path of the published ADMIRE admire_ift_runs.csv, evaluated as \"mixture (admire real)\"")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("%w: unexpected argument %q (every option is a flag; see -h)", errUsage, fs.Arg(0))
	}

	c := &config{k: *k, episodes: *episodes, workers: *workers, seed: *seed, out: *out, steplaw: *steplaw, admire: *admire}
	var errs, bad []error
	c.tasks, errs = pickTasks(*taskList, taskNames)
	c.policies, bad = pickPolicies(*policyList, policyNames)
	errs = append(errs, bad...)
	if len(splitList(*taskList)) == 0 && c.steplaw == "" && c.admire == "" {
		errs = append(errs, errors.New("nothing to evaluate: -tasks is empty and neither -steplaw nor -admire is given"))
	}
	errs = append(errs, c.numberFaults()...)
	s, err := research.ParseSetting(*setting)
	if err != nil {
		errs = append(errs, fmt.Errorf("-setting is %q, want extrapolate or multi-fidelity", *setting))
	}
	c.setting = s
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: %w", errUsage, errors.Join(errs...))
	}
	return c, nil
}

// pickTasks returns the tasks of the comma-separated list, each one of
// known, reporting unknown and repeated names.
func pickTasks(list string, known []string) ([]string, []error) {
	var (
		picked []string
		errs   []error
	)
	for _, t := range splitList(list) {
		switch {
		case !slices.Contains(known, t):
			errs = append(errs, fmt.Errorf("-tasks: unknown task %q (want some of %s)", t, strings.Join(known, ", ")))
		case slices.Contains(picked, t):
			errs = append(errs, fmt.Errorf("-tasks: %q is listed twice", t))
		default:
			picked = append(picked, t)
		}
	}
	return picked, errs
}

// pickPolicies returns the baselines named in the comma-separated list,
// reporting unknown and repeated names and an empty list; known are the
// baselines' names, for the messages.
func pickPolicies(list string, known []string) ([]eval.NamedFactory, []error) {
	var (
		picked []eval.NamedFactory
		seen   []string
		errs   []error
	)
	for _, p := range splitList(list) {
		i := slices.IndexFunc(baselines, func(b eval.NamedFactory) bool { return b.Name == p })
		switch {
		case i < 0:
			errs = append(errs, fmt.Errorf("-policies: unknown policy %q (want some of %s)", p, strings.Join(known, ", ")))
		case slices.Contains(seen, p):
			errs = append(errs, fmt.Errorf("-policies: %q is listed twice", p))
		default:
			seen = append(seen, p)
			picked = append(picked, baselines[i])
		}
	}
	if len(splitList(list)) == 0 {
		errs = append(errs, errors.New("-policies is empty, want at least one policy"))
	}
	return picked, errs
}

// numberFaults reports a bad -k, -episodes, -workers or -out.
func (c *config) numberFaults() []error {
	var errs []error
	if c.k < 1 {
		errs = append(errs, fmt.Errorf("-k is %d, want at least 1", c.k))
	}
	if c.episodes < 0 {
		errs = append(errs, fmt.Errorf("-episodes is %d, want at least 1 (or 0 to choose per task)", c.episodes))
	}
	if c.workers < 0 {
		errs = append(errs, fmt.Errorf("-workers is %d, want at least 1 (or 0 for GOMAXPROCS)", c.workers))
	}
	if c.out == "" {
		errs = append(errs, errors.New("-out is empty, want a directory"))
	}
	return errs
}

// splitList splits a comma-separated list, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// source is one table to evaluate on; owned tables are released after the
// run.
type source struct {
	name  string
	table *tasks.Table
	owned bool
}

// releaseSources releases the tables that sources own.
func releaseSources(sources []source) {
	for _, s := range sources {
		if s.owned {
			s.table.Release()
		}
	}
}

// loadSources returns the embedded default tables of c.tasks, in task
// order, followed by the real tables c names. On an error it releases the
// tables it loaded.
func loadSources(c *config) ([]source, error) {
	var sources []source
	for _, task := range research.Tasks() {
		if !slices.Contains(c.tasks, task) {
			continue
		}
		tbl, err := research.DefaultTable(task)
		if err != nil {
			releaseSources(sources)
			return nil, err
		}
		sources = append(sources, source{name: task, table: tbl})
	}
	imports := []struct {
		path, name string
		read       func(string) (*tasks.Table, error)
	}{
		{c.steplaw, "pretrain (steplaw real)", pretrain.ImportFile},
		{c.admire, "mixture (admire real)", mixture.ImportFile},
	}
	for _, im := range imports {
		if im.path == "" {
			continue
		}
		tbl, err := im.read(im.path)
		if err != nil {
			releaseSources(sources)
			return nil, fmt.Errorf("%s: %w", im.name, err)
		}
		sources = append(sources, source{name: im.name, table: tbl, owned: true})
	}
	return sources, nil
}

// envSpecs returns one env per source with the env options opts, each with
// c.episodes episodes or, when that is 0, enough for minSeeds per test
// target and episodesPerEnv in all. It reports each env's size on stderr.
func envSpecs(c *config, sources []source, opts research.Options, stderr io.Writer) ([]eval.EnvSpec, error) {
	var envs []eval.EnvSpec
	for _, s := range sources {
		e, err := research.New(s.table, opts)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		targets := len(e.Targets())
		e.Close()
		n := c.episodes
		if n == 0 {
			n = max(minSeeds, int(math.Ceil(float64(episodesPerEnv)/float64(targets))))
		}
		fmt.Fprintf(stderr, "%s: %d test target(s) × %d episodes × %d policies\n", s.name, targets, n, len(c.policies))
		tbl := s.table
		envs = append(envs, eval.EnvSpec{
			Name:     s.name,
			New:      func() (*research.Env, error) { return research.New(tbl, opts) },
			Episodes: n,
		})
	}
	return envs, nil
}

// run is the command: it parses args, evaluates, prints the table to
// stdout and progress to stderr, and writes the result files.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	sources, err := loadSources(c)
	if err != nil {
		return err
	}
	defer releaseSources(sources)

	opts := research.Options{Setting: c.setting, Split: research.Test, Trials: c.k}
	envs, err := envSpecs(c, sources, opts, stderr)
	if err != nil {
		return err
	}
	res, err := eval.Run(ctx, eval.Spec{
		Envs:     envs,
		Policies: c.policies,
		Episodes: c.episodes,
		Seed:     c.seed,
		Workers:  c.workers,
		Progress: stderr,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Setting %s, test split, K = %d, seed %d.\n\n", c.setting, c.k, c.seed)
	if err := res.WriteMarkdown(stdout); err != nil {
		return err
	}
	paths, err := writeResults(res, c)
	if err != nil {
		return err
	}
	fmt.Fprintln(stderr, "wrote:")
	for _, p := range paths {
		fmt.Fprintln(stderr, " ", p)
	}
	return nil
}

// writeResults writes the result files under c.out and returns their
// paths.
func writeResults(res *eval.Result, c *config) ([]string, error) {
	if err := os.MkdirAll(c.out, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	files := []struct {
		name  string
		write func(io.Writer) error
	}{
		{"results.csv", res.WriteCSV},
		{"results.parquet", func(w io.Writer) error { return report.WriteParquet(w, res) }},
		{"results.md", func(w io.Writer) error {
			if _, err := fmt.Fprintf(w, "# Evaluation\n\nSetting %s, test split, K = %d, seed %d.\n\n", c.setting, c.k, c.seed); err != nil {
				return err
			}
			return res.WriteMarkdown(w)
		}},
	}
	for _, f := range files {
		path := filepath.Join(c.out, f.name)
		if err := atomicfile.Write(path, f.write); err != nil { // a failed write leaves the previous file
			return paths, fmt.Errorf("%s: %w", path, err)
		}
		paths = append(paths, path)
	}
	if _, err := report.RemovePlots(c.out, "regret"); err != nil { // the previous run's, for envs this one may not have
		return paths, err
	}
	plots, err := report.Plot(res, c.out, "regret")
	paths = append(paths, plots...)
	return paths, err
}
