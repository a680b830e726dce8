// Command agent meta-trains research agents on the world priors and
// writes them as agent files (see package policy/agent).
//
//	go run ./cmd/agent -task pretrain -out pretrain.gymagent
//	go run ./cmd/agent -pretrained      # rebuild the agents embedded in the module
//
// Training never reads a real table: the agent learns from -worlds draws of
// the task's prior. Evaluate the result on real tables with
//
//	go run ./cmd/scoreboard -steplaw dense_lr_bs_loss.csv -agent pretrain.gymagent
//
// -finetune continues an agent's training by GRPO on the train split of one
// real table (never its held-out targets), to measure how far zero-shot
// play is from play tuned to the table:
//
//	go run ./cmd/agent -finetune pretrain.gymagent -steplaw dense_lr_bs_loss.csv -out tuned.gymagent
//
// -pretrained trains every task's agent with agent.PretrainedRecipe and
// writes it under policy/agent/pretrained, bit for bit what the module
// embeds (training is deterministic whatever the number of cores). Run with
// -h for every flag.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/internal/cli"
	"github.com/autollmresearch/gym/internal/curves"
	"github.com/autollmresearch/gym/internal/realtables"
	"github.com/autollmresearch/gym/policy/agent"
	"github.com/autollmresearch/gym/prior"
	_ "github.com/autollmresearch/gym/tasks/tablefile" // reads and writes .arrow, .arrows and .parquet tables
)

// errUsage marks a command-line error (exit status 2).
var errUsage = cli.ErrUsage

func main() { cli.Main("agent", run) }

// run parses args and trains one agent, rebuilds the pretrained agents or
// fine-tunes an agent on a real table, as the flags ask.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("agent", flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := agent.DefaultTrainConfig()
	task := fs.String("task", "", "task to train an agent for: one of "+strings.Join(prior.Tasks(), ", "))
	out := fs.String("out", "", "agent file to write (default <task>.gymagent)")
	pretrained := fs.Bool("pretrained", false, "train every task's agent with its embedded configuration and write them to -dir")
	dir := fs.String("dir", filepath.Join("policy", "agent", "pretrained"), "directory of the embedded agents, with -pretrained")
	worlds := fs.Int("worlds", def.Worlds, "prior draws to learn from")
	rounds := fs.Int("rounds", def.Rounds, "data-collection rounds (the first with scaling-law acting, then DAgger)")
	seed := fs.Uint64("seed", def.Seed, "training seed")
	distil := fs.Bool("distil", true, "fit the network to the teacher's labels (false: keep it random, for RL alone)")
	grpoWorlds := fs.Int("grpo-worlds", agent.DefaultGRPOConfig().Worlds, "worlds of GRPO fine-tuning after distillation (0: none)")
	finetune := fs.String("finetune", "", "an agent file to fine-tune by GRPO on the train split of the one real table given (-steplaw, -admire, -hwgpt or -table), for comparison with its zero-shot play")
	var src realtables.Sources
	src.Register(fs)
	curves := fs.String("curves", "", "directory for the GRPO learning curves (CSV, PNG, SVG); empty: none")
	workers := fs.Int("workers", 0, "worlds rolled out at once (0 = GOMAXPROCS); the agent does not depend on it")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q (every option is a flag; see -h)", errUsage, fs.Arg(0))
	}
	if err := checkModeFlags(fs, *finetune != "", *pretrained); err != nil {
		return err
	}
	if *finetune != "" {
		if *out == "" {
			return fmt.Errorf("%w: -finetune needs -out for the fine-tuned agent", errUsage)
		}
		cfg := agent.DefaultGRPOConfig()
		cfg.Worlds, cfg.Seed, cfg.Workers, cfg.Split = *grpoWorlds, *seed, *workers, research.Train
		return fineTune(ctx, *finetune, &src, cfg, *out, *curves, stdout, stderr)
	}
	if *pretrained {
		return trainPretrained(ctx, *dir, *curves, *workers, stdout, stderr)
	}
	if !slices.Contains(prior.Tasks(), *task) {
		return fmt.Errorf("%w: -task is %q, want one of %s", errUsage, *task, strings.Join(prior.Tasks(), ", "))
	}
	cfg := agent.Recipe{Distil: def, GRPO: agent.DefaultGRPOConfig()}
	cfg.Distil.Worlds, cfg.Distil.Rounds, cfg.Distil.Seed, cfg.Distil.Workers = *worlds, *rounds, *seed, *workers
	if !*distil {
		cfg.Distil.Rounds, cfg.Distil.Epochs = 1, 0
	}
	cfg.GRPO.Worlds, cfg.GRPO.Seed, cfg.GRPO.Workers = *grpoWorlds, *seed, *workers
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *out == "" {
		*out = *task + ".gymagent"
	}
	return train(ctx, *task, cfg, *out, *curves, stdout, stderr)
}

// checkModeFlags checks that every flag set on fs is one the mode uses:
// fine-tuning, rebuilding the pretrained agents, or training one agent.
// Each mode uses its own flags; a flag given to a mode that ignores it is
// an error, so that nobody believes it took effect.
func checkModeFlags(fs *flag.FlagSet, finetune, pretrained bool) error {
	mode, uses := "training", []string{"task", "out", "worlds", "rounds", "seed", "distil", "grpo-worlds", "curves", "workers"}
	switch {
	case finetune:
		mode, uses = "-finetune", []string{"finetune", "out", "seed", "grpo-worlds", "curves", "workers", "steplaw", "admire", "hwgpt", "table"}
	case pretrained:
		mode, uses = "-pretrained", []string{"pretrained", "dir", "curves", "workers"}
	}
	var unused []string
	fs.Visit(func(f *flag.Flag) {
		if !slices.Contains(uses, f.Name) {
			unused = append(unused, "-"+f.Name)
		}
	})
	if len(unused) > 0 {
		return fmt.Errorf("%w: %s takes no %s (it uses %s)", errUsage, mode, strings.Join(unused, ", "), "-"+strings.Join(uses, ", -"))
	}
	return nil
}

// trainPretrained trains every task's embedded agent by its recipe and
// writes it to dir, rolling out workers worlds at once.
func trainPretrained(ctx context.Context, dir, curves string, workers int, stdout, stderr io.Writer) error {
	for _, t := range agent.PretrainedTasks() {
		cfg, err := agent.PretrainedRecipe(t)
		if err != nil {
			return err
		}
		cfg.Distil.Workers, cfg.GRPO.Workers = workers, workers
		if err := train(ctx, t, cfg, filepath.Join(dir, t+".gymagent"), curves, stdout, stderr); err != nil {
			return err
		}
	}
	return nil
}

// train trains one agent by recipe r and writes it to path.
func train(ctx context.Context, task string, r agent.Recipe, path, curves string, stdout, stderr io.Writer) error {
	p, err := prior.New(task)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "training the %s agent: %d worlds, %d rounds of distillation, %d worlds of GRPO, seed %d\n",
		task, r.Distil.Worlds, r.Distil.Rounds, r.GRPO.Worlds, r.Distil.Seed)
	a, log, err := r.Train(ctx, p, stderr)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := a.WriteFile(path); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", path)
	if curves == "" {
		return nil
	}
	paths, err := writeCurves(filepath.Join(curves, task), task, log)
	for _, p := range paths {
		fmt.Fprintf(stdout, "wrote %s\n", p)
	}
	return err
}

// fineTune fine-tunes the agent at path on the train split of the one table
// src names and writes it to out.
func fineTune(ctx context.Context, path string, src *realtables.Sources, cfg agent.GRPOConfig, out, curves string, stdout, stderr io.Writer) error {
	a, err := agent.ReadFile(path)
	if err != nil {
		return err
	}
	tables, err := src.Load()
	if err != nil {
		return err
	}
	defer realtables.Release(tables)
	if len(tables) != 1 {
		return fmt.Errorf("%w: -finetune takes exactly one table, got %d", errUsage, len(tables))
	}
	t := tables[0]
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	fmt.Fprintf(stderr, "fine-tuning %s on the train split of %s: %d passes of GRPO\n", path, t.Name, cfg.Worlds)
	updates, err := agent.FineTune(ctx, agent.TableWorlds{T: t.Table}, a, cfg, stderr)
	if err != nil {
		return err
	}
	if err := a.WriteFile(out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", out)
	if curves == "" {
		return nil
	}
	paths, err := writeCurves(filepath.Join(curves, t.Name+"-finetune"), t.Name, &agent.Log{Updates: updates})
	for _, p := range paths {
		fmt.Fprintf(stdout, "wrote %s\n", p)
	}
	return err
}

// writeCurves writes the GRPO updates of log as prefix-grpo.csv and plots
// their return and regrets against the episodes played.
func writeCurves(prefix, task string, log *agent.Log) ([]string, error) {
	return curves.WriteGRPO(prefix+"-grpo.csv", prefix+"-grpo", "GRPO on "+task+" worlds", log.Updates)
}
