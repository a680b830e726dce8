// Command train_grpo trains a policy by group relative policy optimisation
// (GRPO) on a registered env with vector observations: by default the toy
// grid search, where it learns to beat random search in well under a
// minute on two cores.
//
//	go run ./examples/train_grpo
//	go run ./examples/train_grpo -env pretrain/steplaw-discrete-v0 -updates 50
//	go run ./examples/train_grpo -group 16 -prompts 4 -seed 2
//
// Every update draws -prompts reset seeds and runs a group of -group
// episodes from each, on -envs envs in parallel; an episode's advantage is
// its return relative to its group's. The env may be any registered id of
// type env.Env[[]float64, int] (categorical policy; envs that report an
// ActionMask, such as the discrete research views, are masked) or
// env.Env[[]float64, []float64] (Gaussian policy).
//
// It prints one line per update and writes, under -out:
//
//	metrics.csv, metrics.jsonl   the statistics of every update
//	checkpoint.bin               the run at the end (or when interrupted)
//	learning_curves.png, .svg    mean episode return and final regret against env steps
//
// After training it evaluates the policy on fresh episodes against random
// actions, whose mean return the learning curve shows as a reference.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/autollmresearch/gym"
	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/internal/curves"
	"github.com/autollmresearch/gym/rl"
	"github.com/autollmresearch/gym/spaces"
	_ "github.com/autollmresearch/gym/tasks/tablefile" // reads and writes .arrow, .arrows and .parquet tables
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0) // -h printed the usage, as asked
		}
		fmt.Fprintln(os.Stderr, "train_grpo:", err)
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	envID   string
	updates int
	prompts int
	group   int
	envs    int
	seed    uint64
	lr      float64
	beta    float64
	hidden  int
	out     string
	eval    int
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("train_grpo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.envID, "env", gym.ToyGridSearch, "registered env id, of type Env[[]float64, int] or Env[[]float64, []float64]")
	fs.IntVar(&o.updates, "updates", 150, "number of GRPO updates")
	fs.IntVar(&o.prompts, "prompts", 8, "prompts (reset seeds) per update")
	fs.IntVar(&o.group, "group", 8, "episodes per prompt (the group size, at least 2)")
	fs.IntVar(&o.envs, "envs", 2, "envs running episodes in parallel (same results)")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the run")
	fs.Float64Var(&o.lr, "lr", 1e-2, "Adam learning rate")
	fs.Float64Var(&o.beta, "beta", 0.01, "weight of the KL penalty to the initial policy")
	fs.IntVar(&o.hidden, "hidden", 32, "width of the policy's two hidden layers")
	fs.StringVar(&o.out, "out", filepath.Join("out", "train_grpo"), "output directory")
	fs.IntVar(&o.eval, "eval", 1000, "evaluation episodes after training (0 to skip)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	switch {
	case o.envs < 1:
		return o, fmt.Errorf("-envs is %d, want at least 1", o.envs)
	case o.eval < 0:
		return o, fmt.Errorf("-eval is %d, want 0 or more", o.eval)
	case o.hidden < 1:
		return o, fmt.Errorf("-hidden is %d, want at least 1", o.hidden)
	}
	return o, nil
}

// run parses args and trains; progress goes to stdout, flag usage to
// stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	info, ok := env.Lookup(o.envID)
	if !ok {
		_, err := env.Make[[]float64, int](o.envID, nil) // for the registry's message naming what exists
		return err
	}
	if info.ObservationType != "[]float64" {
		return fmt.Errorf("env %s has observations of type %s; GRPO needs []float64", o.envID, info.ObservationType)
	}
	switch info.ActionType {
	case "int":
		return train[int](ctx, o, stdout)
	case "[]float64":
		return train[[]float64](ctx, o, stdout)
	}
	return fmt.Errorf("env %s has actions of type %s; GRPO needs int (Discrete) or []float64 (Box)", o.envID, info.ActionType)
}

// config returns the run's hyperparameters from the flags.
func config(o options) rl.GRPOConfig {
	cfg := rl.DefaultGRPOConfig()
	cfg.Seed = o.seed
	cfg.Updates = o.updates
	cfg.Prompts = o.prompts
	cfg.GroupSize = o.group
	cfg.LR = o.lr
	cfg.KLCoef = o.beta
	cfg.Hidden = []int{o.hidden, o.hidden}
	return cfg
}

// makeEnvs builds n envs of id, closing those made when one fails.
func makeEnvs[A any](id string, n int) ([]env.Env[[]float64, A], error) {
	envs := make([]env.Env[[]float64, A], n)
	for i := range envs {
		e, err := env.Make[[]float64, A](id, nil)
		if err != nil {
			closeAll(envs[:i])
			return nil, err
		}
		envs[i] = e
	}
	return envs, nil
}

func closeAll[A any](envs []env.Env[[]float64, A]) {
	for _, e := range envs {
		_ = e.Close() // nothing to report: the run is over
	}
}

func train[A any](ctx context.Context, o options, stdout io.Writer) error {
	cfg := config(o)
	if err := cfg.Validate(); err != nil {
		return err
	}
	envs, err := makeEnvs[A](o.envID, o.envs)
	if err != nil {
		return err
	}
	defer closeAll(envs)

	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	logger, err := rl.CreateLogger(filepath.Join(o.out, "metrics"), false)
	if err != nil {
		return err
	}
	defer logger.Close()
	ckptPath := filepath.Join(o.out, "checkpoint.bin")
	gopts := rl.Options{
		EpisodeMetrics: []rl.EpisodeMetric{rl.InfoMetric("final_regret", "regret")},
		Logger:         logger,
		Progress:       stdout,
		CheckpointPath: ckptPath,
	}
	masked := false
	if _, discrete := any(envs[0].ActionSpace()).(*spaces.Discrete); discrete {
		if _, ok := env.As[rl.ActionMasker](envs[0]); ok {
			if gopts.ActionMask, err = rl.EnvMasks(envs); err != nil {
				return err
			}
			masked = true
		}
	}
	g, err := rl.NewGRPO(envs, cfg, gopts)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "GRPO on %s: %d prompts × %d episodes per update on %d envs, %d updates, policy %v, masked actions: %v\n",
		o.envID, cfg.Prompts, cfg.GroupSize, o.envs, cfg.Updates, g.Actor().Config().Sizes, masked)

	_, err = g.Train(ctx)
	if errors.Is(err, context.Canceled) {
		if serr := g.Save(ckptPath); serr != nil {
			return errors.Join(err, serr)
		}
		fmt.Fprintf(stdout, "interrupted after update %d; saved %s\n", g.UpdatesDone(), ckptPath)
		return nil
	}
	if err != nil {
		return err
	}
	if err := logger.Close(); err != nil { // puts the logs in place
		return err
	}
	fmt.Fprintf(stdout, "wrote %s, %s.{csv,jsonl}\n", ckptPath, filepath.Join(o.out, "metrics"))
	random := math.NaN()
	if o.eval > 0 {
		var sampled, greedy float64
		if random, sampled, greedy, err = evaluate(g, o); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "evaluation over %d fresh episodes: mean return %.4f sampling the policy, %.4f greedy, %.4f random actions\n",
			o.eval, sampled, greedy, random)
	}
	return plotCurves(o, random, stdout)
}

// plotCurves draws the mean episode return logged in metrics.csv and,
// when the env reports it, the final regret against env steps, with the
// random agent's mean return as a reference when known (not NaN), as
// learning_curves.png and .svg.
func plotCurves(o options, random float64, stdout io.Writer) error {
	opts := curves.Options{
		Title: "GRPO on " + o.envID,
		Y:     []string{"episode_return", "final_regret"},
		Name:  "GRPO",
		Labels: map[string]string{
			"global_step":    "env steps",
			"episode_return": "mean episode return",
			"final_regret":   "final regret",
		},
		ReferenceLabel: "random actions",
		SkipEmpty:      true,
	}
	if !math.IsNaN(random) {
		opts.Reference = map[string]float64{"episode_return": random}
	}
	paths, err := curves.Plot(filepath.Join(o.out, "metrics.csv"), filepath.Join(o.out, "learning_curves"), opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", strings.Join(paths, ", "))
	return nil
}

// evaluate runs o.eval episodes of a fresh env (seeds 1e6, 1e6+1, ...)
// with uniformly random (allowed) actions, the policy sampled, and the
// policy's most likely actions, and returns the mean returns.
func evaluate[A any](g *rl.GRPO[A], o options) (random, sampled, greedy float64, err error) {
	e, err := env.Make[[]float64, A](o.envID, nil)
	if err != nil {
		return 0, 0, 0, err
	}
	defer e.Close()
	masker, _ := env.As[rl.ActionMasker](e)
	space := e.ActionSpace()
	discrete, _ := any(space).(*spaces.Discrete)
	rng := rand.New(rand.NewPCG(o.seed, 0xe7a1))
	agents := []func(obs []float64, mask []bool) (A, error){
		func(_ []float64, mask []bool) (A, error) {
			if mask != nil && discrete != nil {
				i, err := discrete.SampleMasked(rng, mask)
				a, _ := any(i).(A)
				return a, err
			}
			return space.Sample(rng), nil
		},
		func(obs []float64, mask []bool) (A, error) { return g.Act(obs, mask, rng) },
		func(obs []float64, mask []bool) (A, error) { return g.Act(obs, mask, nil) },
	}
	means := make([]float64, len(agents))
	for k, agent := range agents {
		for ep := range o.eval {
			obs, _, err := e.Reset(env.SeedOf(1_000_000+uint64(ep)), nil)
			if err != nil {
				return 0, 0, 0, fmt.Errorf("evaluation episode %d: %w", ep, err)
			}
			for {
				var mask []bool
				if masker != nil {
					mask = masker.ActionMask()
				}
				a, err := agent(obs, mask)
				if err != nil {
					return 0, 0, 0, fmt.Errorf("evaluation episode %d: %w", ep, err)
				}
				res, err := e.Step(a)
				if err != nil {
					return 0, 0, 0, fmt.Errorf("evaluation episode %d: %w", ep, err)
				}
				means[k] += res.Reward / float64(o.eval)
				obs = res.Obs
				if res.Done() {
					break
				}
			}
		}
	}
	return means[0], means[1], means[2], nil
}
