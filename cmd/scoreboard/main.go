// Command scoreboard evaluates every baseline on every real table it is
// given and reports, per table, the normalised regret after k = 1..K
// target trials (mean ± standard error over the table's held-out targets
// and several seeds), and the mean over tables, the number that decides
// which agent extrapolates best across real experiments.
//
//	go run ./cmd/scoreboard -steplaw ../shared/data/steplaw/dense_lr_bs_loss.csv \
//		-admire ../shared/data/admire/admire_ift_runs.csv -hwgpt ../shared/data/hwgpt
//
// Any number of canonical tables can be added with -table (repeatable), and
// any trained agent with -agent file (repeatable, one per task; "-agent
// pretrained" evaluates the agents embedded in the module).
// Every table is evaluated in the Extrapolate setting on its test split
// (the most expensive experiments, never trained on). The report goes to
// stdout; progress to stderr; per-episode rows (CSV, Parquet), the per-table
// and mean tables (Markdown, CSV) and one regret plot per table (PNG, SVG)
// to -out. Run with -h for every flag.
package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/eval"
	"github.com/autollmresearch/gym/eval/report"
	"github.com/autollmresearch/gym/internal/atomicfile"
	"github.com/autollmresearch/gym/internal/cli"
	"github.com/autollmresearch/gym/internal/realtables"
	"github.com/autollmresearch/gym/policy/agent"
	_ "github.com/autollmresearch/gym/tasks/tablefile" // reads and writes .arrow, .arrows and .parquet tables
)

// minSeeds is the fewest seeds a scoreboard reports standard errors over.
const minSeeds = 5

// errUsage marks a command-line error (exit status 2).
var errUsage = cli.ErrUsage

func main() { cli.Main("scoreboard", run) }

// config is the parsed command line.
type config struct {
	sources  realtables.Sources
	k, seeds int
	workers  int
	seed     uint64
	out      string
	policies []eval.NamedFactory
	agents   []string
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("scoreboard", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c.sources.Register(fs)
	fs.IntVar(&c.k, "k", research.DefaultTrials, "target-fidelity trials per episode (K)")
	fs.IntVar(&c.seeds, "seeds", 10, fmt.Sprintf("episodes (seeds) per held-out target and policy, at least %d", minSeeds))
	fs.IntVar(&c.workers, "workers", 0, "episodes run at once (0 = GOMAXPROCS)")
	fs.Uint64Var(&c.seed, "seed", 1, "root seed of every episode")
	fs.StringVar(&c.out, "out", filepath.Join("out", "scoreboard"), "directory for the results")
	policies := fs.String("policies", "", "comma-separated baselines to evaluate (empty: all; \"none\": only the -agent ones)")
	fs.Func("agent", "a trained agent file (see policy/agent), evaluated as \"agent\" on the tables of its task; repeat for other tasks; \"pretrained\" for the agents embedded in the module", func(v string) error {
		if v == "" {
			return errors.New("empty path")
		}
		c.agents = append(c.agents, v)
		return nil
	})
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
	if c.sources.Empty() {
		errs = append(errs, errors.New("nothing to evaluate: name real tables with -steplaw, -admire, -hwgpt or -table"))
	}
	if c.k < 1 {
		errs = append(errs, fmt.Errorf("-k is %d, want at least 1", c.k))
	}
	if c.seeds < minSeeds {
		errs = append(errs, fmt.Errorf("-seeds is %d, want at least %d so that every standard error rests on several seeds", c.seeds, minSeeds))
	}
	if c.workers < 0 {
		errs = append(errs, fmt.Errorf("-workers is %d, want at least 1 (or 0 for GOMAXPROCS)", c.workers))
	}
	if c.out == "" {
		errs = append(errs, errors.New("-out is empty, want a directory"))
	}
	switch *policies {
	case "none":
		if len(c.agents) == 0 {
			errs = append(errs, errors.New("-policies none leaves nothing to evaluate without -agent"))
		}
	default:
		var err error
		if c.policies, err = eval.SelectBaselines(*policies); err != nil {
			errs = append(errs, fmt.Errorf("-policies: %w", err))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: %w", errUsage, errors.Join(errs...))
	}
	return c, nil
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
	if len(c.agents) > 0 {
		set, err := loadAgents(c.agents)
		if err != nil {
			return err
		}
		for _, t := range tables {
			if _, ok := set.Agent(t.Table.Meta().Task); !ok {
				return fmt.Errorf("table %s is of task %q, for which no -agent was given (agents for %v)", t.Name, t.Table.Meta().Task, set.Tasks())
			}
		}
		c.policies = append(c.policies, eval.NamedFactory{Name: "agent", New: set.NewPolicy})
	}
	opts := research.Options{Split: research.Test, Trials: c.k}
	spec := eval.Spec{Policies: c.policies, Episodes: c.seeds, Seed: c.seed, Workers: c.workers, Progress: stderr}
	for _, t := range tables {
		tbl := t.Table
		e, err := research.New(tbl, opts)
		if err != nil {
			return fmt.Errorf("%s: %w", t.Name, err)
		}
		n := len(e.Targets())
		e.Close()
		fmt.Fprintf(stderr, "%s (%s): %d held-out target(s) × %d seeds × %d policies\n", t.Name, tbl.Meta().Task, n, c.seeds, len(c.policies))
		spec.Envs = append(spec.Envs, eval.EnvSpec{
			Name: t.Name,
			New:  func() (*research.Env, error) { return research.New(tbl, opts) },
		})
	}
	res, err := eval.Run(ctx, spec)
	if err != nil {
		return err
	}
	if err := writeScoreboard(stdout, res, c); err != nil {
		return err
	}
	paths, err := write(res, c)
	fmt.Fprintln(stderr, "wrote:")
	for _, p := range paths {
		fmt.Fprintln(stderr, " ", p)
	}
	return err
}

// loadAgents reads the agent files into one set; the name "pretrained"
// stands for every agent embedded in the module.
func loadAgents(paths []string) (*agent.Set, error) {
	var agents []*agent.Agent
	for _, p := range paths {
		if p == "pretrained" {
			for _, task := range agent.PretrainedTasks() {
				a, err := agent.Pretrained(task)
				if err != nil {
					return nil, err
				}
				agents = append(agents, a)
			}
			continue
		}
		a, err := agent.ReadFile(p)
		if err != nil {
			return nil, err
		}
		agents = append(agents, a)
	}
	return agent.NewSet(agents...)
}

// writeScoreboard prints the per-table regret tables and the mean over tables.
func writeScoreboard(w io.Writer, res *eval.Result, c *config) error {
	fmt.Fprintf(w, "# Scoreboard\n\nExtrapolate setting, held-out test targets, K = %d, %d seeds per target, seed %d.\n\n## Per table\n\n", c.k, c.seeds, c.seed)
	for _, e := range res.Envs {
		fmt.Fprintf(w, "- %s (%s): %d held-out target(s)", e.Name, e.Task, len(e.Targets))
		if len(e.Targets) == 1 {
			fmt.Fprint(w, ": one target, so its figures are one experiment's, not a verdict")
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
	if err := res.WriteMarkdown(w); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n## Mean over tables\n\n")
	return res.WriteBoard(w, eval.OverSeeds)
}

// write writes the result files under c.out and returns their paths.
func write(res *eval.Result, c *config) ([]string, error) {
	if err := os.MkdirAll(c.out, 0o755); err != nil {
		return nil, err
	}
	files := []struct {
		name  string
		write func(io.Writer) error
	}{
		{"results.csv", res.WriteCSV},
		{"results.parquet", func(w io.Writer) error { return report.WriteParquet(w, res) }},
		{"scoreboard.md", func(w io.Writer) error { return writeScoreboard(w, res, c) }},
		{"board.csv", func(w io.Writer) error { return writeBoardCSV(w, res.Board()) }},
	}
	var paths []string
	for _, f := range files {
		path := filepath.Join(c.out, f.name)
		if err := atomicfile.Write(path, f.write); err != nil {
			return paths, err
		}
		paths = append(paths, path)
	}
	if _, err := report.RemovePlots(c.out, "regret"); err != nil { // the previous run's, for envs this one may not have
		return paths, err
	}
	plots, err := report.Plot(res, c.out, "regret")
	return append(paths, plots...), err
}

// writeBoardCSV writes the mean-over-tables rows in long format.
func writeBoardCSV(w io.Writer, rows []eval.BoardRow) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"policy", "k", "mean_regret", "se_regret", "tables", "wins"}); err != nil {
		return err
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for _, r := range rows {
		if err := cw.Write([]string{r.Policy, strconv.Itoa(r.K), f(r.MeanRegret), f(r.SERegret), strconv.Itoa(r.Envs), f(r.Wins)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
