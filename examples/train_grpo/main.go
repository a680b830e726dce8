// Command train_grpo trains a policy by group relative policy optimisation
// (GRPO) on a registered env with vector observations: by default the toy
// grid search (a noisy quadratic on an 8×8 grid, 10 probes per episode),
// where in about 5 seconds on two cores it learns a search that beats
// random probing: at the defaults (400 updates, seed 1) its greedy policy
// returns 0.986 on 1,000 fresh episodes against 0.961 for random actions
// (over seeds 1 to 5, 0.976 to 0.989 against 0.961 to 0.964). With the
// KL penalty to the initial policy of earlier defaults (-beta 0.01) and
// 150 updates the greedy policy stayed below random (0.957): the penalty
// held the policy near the uniform initial one, which sampled well but
// whose most likely action repeats the same probe.
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
// It shows one live progress line (-v: one line per update) and writes,
// under -out:
//
//	metrics.csv, metrics.jsonl   the statistics of every update
//	checkpoint.bin               the run at the end (or when interrupted)
//	learning_curves.png, .svg    mean episode return and final regret against env steps
//
// After training it evaluates, on the same -eval fresh episodes, random
// actions, the policy sampled and the policy's most likely (greedy)
// actions, and prints each one's mean return with its standard error and
// the paired difference from random actions, then says whether the greedy
// policy beats random actions by more than two standard errors. The
// learning curve shows the random actions' mean return as a reference.
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
	"github.com/autollmresearch/gym/internal/progress"
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
	verbose bool
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("train_grpo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.envID, "env", gym.ToyGridSearch, "registered env id, of type Env[[]float64, int] or Env[[]float64, []float64]")
	fs.IntVar(&o.updates, "updates", 400, "number of GRPO updates")
	fs.IntVar(&o.prompts, "prompts", 8, "prompts (reset seeds) per update")
	fs.IntVar(&o.group, "group", 8, "episodes per prompt (the group size, at least 2)")
	fs.IntVar(&o.envs, "envs", 2, "envs running episodes in parallel (same results)")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the run")
	fs.Float64Var(&o.lr, "lr", 1e-2, "Adam learning rate")
	fs.Float64Var(&o.beta, "beta", 0, "weight of the KL penalty to the initial policy (0: none; the toy env's uniform initial policy is no prior worth staying near)")
	fs.IntVar(&o.hidden, "hidden", 32, "width of the policy's two hidden layers")
	fs.StringVar(&o.out, "out", filepath.Join("out", "train_grpo"), "output directory")
	fs.IntVar(&o.eval, "eval", 1000, "evaluation episodes after training (0 to skip)")
	fs.BoolVar(&o.verbose, "v", false, "print one line per update instead of a live progress line")
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
		CheckpointPath: ckptPath,
	}
	updates := &forward{} // set below, once the run is announced
	gopts.Progress = updates
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
	var line *progress.Line
	if o.verbose {
		updates.w = stdout
	} else {
		line = progress.New(stdout, "GRPO training", cfg.Updates, "updates", progress.Options{})
		updates.w = line.Writer()
	}

	_, err = g.Train(ctx)
	if line != nil {
		line.Done()
	}
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
		returns, err := evaluate(g, o)
		if err != nil {
			return err
		}
		random = mean(returns[0])
		report(stdout, returns)
	}
	return plotCurves(o, random, stdout)
}

// forward writes to w, set after it is handed out.
type forward struct{ w io.Writer }

func (f *forward) Write(p []byte) (int, error) { return f.w.Write(p) }

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

// evalNames name the agents evaluate plays, in order.
var evalNames = []string{"random actions", "policy, sampled", "policy, greedy"}

// report prints the evaluation: each agent's mean return ± standard
// error, its paired difference from random actions (the same reset seeds)
// and whether the greedy policy beats random actions.
func report(w io.Writer, returns [][]float64) {
	fmt.Fprintf(w, "evaluation over %d fresh episodes (the same reset seeds for each), mean return ± standard error:\n", len(returns[0]))
	for k, r := range returns {
		fmt.Fprintf(w, "  %-16s %.4f ± %.4f", evalNames[k], mean(r), stdErr(r))
		if k > 0 {
			d := diffs(r, returns[0])
			fmt.Fprintf(w, "   vs random actions %+.4f ± %.4f", mean(d), stdErr(d))
		}
		fmt.Fprintln(w)
	}
	d := diffs(returns[2], returns[0])
	switch m, se := mean(d), stdErr(d); {
	case m > 2*se:
		fmt.Fprintf(w, "the trained policy (greedy) beats random actions by %.4f ± %.4f\n", m, se)
	case m < -2*se:
		fmt.Fprintf(w, "the trained policy (greedy) is worse than random actions by %.4f ± %.4f: it has not learned a search here (more -updates, another -lr?)\n", -m, se)
	default:
		fmt.Fprintf(w, "the trained policy (greedy) is no better than random actions (%+.4f ± %.4f)\n", m, se)
	}
}

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// stdErr is the standard error of the mean of xs (0 for fewer than 2).
func stdErr(xs []float64) float64 {
	if len(xs) < 2 {
		return 0
	}
	m, ss := mean(xs), 0.0
	for _, x := range xs {
		ss += (x - m) * (x - m)
	}
	return math.Sqrt(ss / float64(len(xs)-1) / float64(len(xs)))
}

// diffs returns a[i] - b[i].
func diffs(a, b []float64) []float64 {
	d := make([]float64, len(a))
	for i := range a {
		d[i] = a[i] - b[i]
	}
	return d
}

// evaluate runs o.eval episodes of a fresh env (seeds 1e6, 1e6+1, ...)
// with uniformly random (allowed) actions, the policy sampled, and the
// policy's most likely actions, and returns each one's episode returns,
// in the order of evalNames.
func evaluate[A any](g *rl.GRPO[A], o options) ([][]float64, error) {
	e, err := env.Make[[]float64, A](o.envID, nil)
	if err != nil {
		return nil, err
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
	returns := make([][]float64, len(agents))
	for k, agent := range agents {
		returns[k] = make([]float64, o.eval)
		for ep := range o.eval {
			obs, _, err := e.Reset(env.SeedOf(1_000_000+uint64(ep)), nil)
			if err != nil {
				return nil, fmt.Errorf("evaluation episode %d: %w", ep, err)
			}
			for {
				var mask []bool
				if masker != nil {
					mask = masker.ActionMask()
				}
				a, err := agent(obs, mask)
				if err != nil {
					return nil, fmt.Errorf("evaluation episode %d: %w", ep, err)
				}
				res, err := e.Step(a)
				if err != nil {
					return nil, fmt.Errorf("evaluation episode %d: %w", ep, err)
				}
				returns[k][ep] += res.Reward
				obs = res.Obs
				if res.Done() {
					break
				}
			}
		}
	}
	return returns, nil
}
