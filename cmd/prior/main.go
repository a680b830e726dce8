// Command prior inspects the world priors of package prior: it checks that
// real tables look like draws from them, measures the baselines on many
// draws, and writes single draws to files.
//
//	go run ./cmd/prior check -steplaw ../shared/data/steplaw/dense_lr_bs_loss.csv \
//		-admire ../shared/data/admire/admire_ift_runs.csv
//	go run ./cmd/prior baselines -draws 1000
//	go run ./cmd/prior draw -task pretrain -seed 7 -out world7.parquet
//
// check prints, for every statistic of every real table, the real value,
// its percentile among -draws draws of the table's task prior and the
// prior's central 95 %. baselines evaluates every baseline on the held-out
// targets of -draws draws per task and prints the mean regret over draws at
// each k with how often each baseline is the best; if one baseline won
// nearly everywhere, the prior would be too narrow. Run "prior <command>
// -h" for each command's flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/autollmresearch/gym/internal/cli"
	_ "github.com/autollmresearch/gym/tasks/tablefile" // reads and writes .arrow, .arrows and .parquet tables
)

// errUsage marks a command-line error (exit status 2).
var errUsage = cli.ErrUsage

// commands are the subcommands, by name.
var commands = map[string]func(ctx context.Context, args []string, stdout, stderr io.Writer) error{
	"check":     runCheck,
	"baselines": runBaselines,
	"draw":      runDraw,
}

func main() { cli.Main("prior", run) }

const usage = `usage: prior <command> [flags]

commands:
  check      place real tables' statistics in their task prior's distribution
  baselines  evaluate the baselines on many draws of each task's prior
  draw       write one world's table to a file

Run "prior <command> -h" for a command's flags.`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return fmt.Errorf("%w: no command given (want check, baselines or draw)", errUsage)
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(stdout, usage)
		return flag.ErrHelp
	}
	cmd, ok := commands[args[0]]
	if !ok {
		return fmt.Errorf("%w: unknown command %q (want check, baselines or draw)", errUsage, args[0])
	}
	return cmd(ctx, args[1:], stdout, stderr)
}

// parse parses fs, wrapping errors in errUsage and rejecting positional
// arguments.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q (every option is a flag; see -h)", errUsage, fs.Arg(0))
	}
	return nil
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
