// Command train_ppo trains a PPO agent on a registered env with vector
// observations: by default the toy grid search, where it learns to beat
// random search in about a minute on two cores.
//
//	go run ./examples/train_ppo
//	go run ./examples/train_ppo -env pretrain/steplaw-discrete-v0 -updates 100
//	go run ./examples/train_ppo -resume out/train_ppo/checkpoint.bin -updates 400
//
// The env may be any registered id of type env.Env[[]float64, int]
// (categorical policy; envs that report an ActionMask, such as the
// discrete research views, are masked) or env.Env[[]float64, []float64]
// (Gaussian policy), e.g. toy/grid-search-v0, pretrain/steplaw-numeric-v0
// or pretrain/steplaw-discrete-v0.
//
// It prints one line per update and writes, under -out:
//
//	metrics.csv, metrics.jsonl   the statistics of every update
//	checkpoint.bin               the run, every -checkpoint-every updates and at the end
//	learning_curve.png, .svg     mean episode return against env steps
//
// After training it evaluates the policy on fresh episodes against random
// actions. Interrupting it (Ctrl-C) saves a checkpoint to resume from.
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
		fmt.Fprintln(os.Stderr, "train_ppo:", err)
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	envID           string
	updates         int
	updatesSet      bool
	envs            int
	steps           int
	seed            uint64
	lr              float64
	hidden          int
	out             string
	resume          string
	checkpointEvery int
	eval            int
	parallel        bool
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("train_ppo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.envID, "env", gym.ToyGridSearch, "registered env id, of type Env[[]float64, int] or Env[[]float64, []float64]")
	fs.IntVar(&o.updates, "updates", 300, "total number of PPO updates (with -resume: the new total)")
	fs.IntVar(&o.envs, "envs", 8, "number of envs stepped together")
	fs.IntVar(&o.steps, "steps", 128, "steps per env in each rollout")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the run")
	fs.Float64Var(&o.lr, "lr", 3e-3, "Adam learning rate (annealed to 0)")
	fs.IntVar(&o.hidden, "hidden", 64, "width of the two hidden layers of the actor and the critic")
	fs.StringVar(&o.out, "out", filepath.Join("out", "train_ppo"), "output directory")
	fs.StringVar(&o.resume, "resume", "", "checkpoint to resume from (its configuration is used; -updates may extend it)")
	fs.IntVar(&o.checkpointEvery, "checkpoint-every", 25, "save a checkpoint every this many updates (0: only at the end)")
	fs.IntVar(&o.eval, "eval", 1000, "evaluation episodes after training (0 to skip)")
	fs.BoolVar(&o.parallel, "parallel", false, "step the envs on parallel goroutines (same results)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	fs.Visit(func(f *flag.Flag) { o.updatesSet = o.updatesSet || f.Name == "updates" })
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
		return fmt.Errorf("env %s has observations of type %s; PPO needs []float64", o.envID, info.ObservationType)
	}
	switch info.ActionType {
	case "int":
		return train[int](ctx, o, stdout)
	case "[]float64":
		return train[[]float64](ctx, o, stdout)
	}
	return fmt.Errorf("env %s has actions of type %s; PPO needs int (Discrete) or []float64 (Box)", o.envID, info.ActionType)
}

// config returns the run's hyperparameters: the checkpoint's when
// resuming, otherwise defaults tuned for the toy env.
func config(o options) (rl.PPOConfig, error) {
	if o.resume != "" {
		cfg, err := rl.CheckpointConfig(o.resume)
		if err != nil {
			return cfg, err
		}
		if o.updatesSet {
			cfg.Updates = o.updates
		}
		return cfg, nil
	}
	cfg := rl.DefaultPPOConfig()
	cfg.Seed = o.seed
	cfg.Updates = o.updates
	cfg.NumSteps = o.steps
	cfg.LR = o.lr
	cfg.Hidden = []int{o.hidden, o.hidden}
	cfg.EntCoef = 0
	cfg.NumMinibatches = 8
	cfg.CheckpointEvery = o.checkpointEvery
	return cfg, nil
}

// maskers returns each env's ActionMasker, or nil unless every env has
// one.
func maskers[A any](envs []env.Env[[]float64, A]) []rl.ActionMasker {
	out := make([]rl.ActionMasker, len(envs))
	for i, e := range envs {
		m, ok := env.As[rl.ActionMasker](e)
		if !ok {
			return nil
		}
		out[i] = m
	}
	return out
}

// train trains PPO on o.envs envs of o.envID, whose actions are of type
// A, then evaluates the policy and plots the learning curve. An
// interrupted run saves a checkpoint and stops there.
func train[A any](ctx context.Context, o options, stdout io.Writer) error {
	cfg, err := config(o)
	if err != nil {
		return err
	}
	envs, vec, err := makeVector[A](o)
	if err != nil {
		return err
	}
	defer vec.Close()

	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	logger, err := rl.CreateLogger(filepath.Join(o.out, "metrics"), o.resume != "")
	if err != nil {
		return err
	}
	defer logger.Close()
	ckptPath := filepath.Join(o.out, "checkpoint.bin")
	ppo, err := newPPO(o, cfg, envs, vec, logger, ckptPath, stdout)
	if err != nil {
		return err
	}
	if finished, err := runPPO(ctx, ppo, ckptPath, stdout); err != nil || !finished {
		return err
	}
	if err := logger.Close(); err != nil { // puts the logs in place
		return err
	}
	fmt.Fprintf(stdout, "wrote %s, %s.{csv,jsonl}\n", ckptPath, filepath.Join(o.out, "metrics"))
	return evaluateAndPlot(ppo, o, stdout)
}

// makeVector makes o.envs envs of o.envID and the vector env that steps
// them together. When an env cannot be made, those made before it are
// closed.
func makeVector[A any](o options) ([]env.Env[[]float64, A], *env.Vector[[]float64, A], error) {
	envs := make([]env.Env[[]float64, A], o.envs)
	for i := range envs {
		e, err := env.Make[[]float64, A](o.envID, nil)
		if err != nil {
			for _, made := range envs[:i] {
				_ = made.Close() // reporting the Make error
			}
			return nil, nil, err
		}
		envs[i] = e
	}
	vec, err := env.NewVector(envs, env.VectorOptions{Parallel: o.parallel, Autoreset: env.NextStep})
	if err != nil {
		return nil, nil, err
	}
	return envs, vec, nil
}

// newPPO builds the PPO learner over vec: it logs the final regret of
// every episode to logger, prints progress to stdout, saves checkpoints to
// ckptPath and, for discrete actions when every env reports an action
// mask, masks the actions. When resuming, it loads the checkpoint
// o.resume. It prints a line describing the run.
func newPPO[A any](o options, cfg rl.PPOConfig, envs []env.Env[[]float64, A], vec *env.Vector[[]float64, A], logger *rl.Logger, ckptPath string, stdout io.Writer) (*rl.PPO[A], error) {
	ropts := rl.Options{
		EpisodeMetrics: []rl.EpisodeMetric{rl.InfoMetric("final_regret", "regret")},
		Logger:         logger,
		Progress:       stdout,
		CheckpointPath: ckptPath,
	}
	masked := false
	if _, discrete := any(vec.ActionSpace()).(*spaces.Discrete); discrete {
		if ms := maskers(envs); ms != nil {
			var err error
			if ropts.ActionMask, err = rl.EnvMasks(envs); err != nil {
				return nil, err
			}
			masked = true
		}
	}
	ppo, err := rl.NewPPO(vec, cfg, ropts)
	if err != nil {
		return nil, err
	}
	if o.resume != "" {
		if err := ppo.Resume(o.resume); err != nil {
			return nil, err
		}
		fmt.Fprintf(stdout, "resumed %s at update %d of %d\n", o.resume, ppo.UpdatesDone(), cfg.Updates)
	}
	fmt.Fprintf(stdout, "PPO on %s: %d envs × %d steps, %d updates, actor %v, masked actions: %v\n",
		o.envID, o.envs, cfg.NumSteps, cfg.Updates, ppo.Actor().Config().Sizes, masked)
	return ppo, nil
}

// runPPO trains ppo and reports whether training finished. When ctx is
// cancelled (Ctrl-C), it saves a checkpoint to ckptPath, says how to
// resume from it, and returns false and no error.
func runPPO[A any](ctx context.Context, ppo *rl.PPO[A], ckptPath string, stdout io.Writer) (finished bool, err error) {
	_, err = ppo.Train(ctx)
	if errors.Is(err, context.Canceled) {
		if serr := ppo.Save(ckptPath); serr != nil {
			return false, errors.Join(err, serr)
		}
		fmt.Fprintf(stdout, "interrupted after update %d; resume with -resume %s\n", ppo.UpdatesDone(), ckptPath)
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, nil
}

// evaluateAndPlot evaluates the trained policy against random actions
// over o.eval fresh episodes (none when 0), printing the mean returns, and
// plots the learning curve.
func evaluateAndPlot[A any](ppo *rl.PPO[A], o options, stdout io.Writer) error {
	random := math.NaN()
	if o.eval > 0 {
		var policy, greedy float64
		var err error
		if random, policy, greedy, err = evaluate(ppo, o); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "evaluation over %d fresh episodes: mean return %.4f sampling the policy, %.4f greedy, %.4f random actions\n",
			o.eval, policy, greedy, random)
	}
	return plotCurve(o, random, stdout)
}

// plotCurve draws the mean episode return logged in metrics.csv against
// env steps, with the random agent's mean return as a reference when
// known (not NaN), as learning_curve.png and .svg.
func plotCurve(o options, random float64, stdout io.Writer) error {
	opts := curves.Options{
		Title:          "PPO on " + o.envID,
		Name:           "PPO",
		Labels:         map[string]string{"global_step": "env steps", "episode_return": "mean episode return (recent episodes)"},
		ReferenceLabel: "random actions",
	}
	if !math.IsNaN(random) {
		opts.Reference = map[string]float64{"episode_return": random}
	}
	paths, err := curves.Plot(filepath.Join(o.out, "metrics.csv"), filepath.Join(o.out, "learning_curve"), opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", strings.Join(paths, ", "))
	return nil
}

// evaluate runs o.eval episodes of a fresh env (seeds 1e6, 1e6+1, ...)
// with the policy sampled, the policy's most likely actions, and uniformly
// random (allowed) actions, and returns the mean returns.
func evaluate[A any](ppo *rl.PPO[A], o options) (random, policy, greedy float64, err error) {
	e, err := env.Make[[]float64, A](o.envID, nil)
	if err != nil {
		return 0, 0, 0, err
	}
	defer e.Close()
	masker, _ := env.As[rl.ActionMasker](e)
	space := e.ActionSpace()
	discrete, _ := any(space).(*spaces.Discrete)
	rng := rand.New(rand.NewPCG(o.seed, 0xe7a1))
	episode := func(ep int, act func(obs []float64, mask []bool) (A, error)) (float64, error) {
		obs, _, err := e.Reset(env.SeedOf(1_000_000+uint64(ep)), nil)
		if err != nil {
			return 0, err
		}
		total := 0.0
		for {
			var mask []bool
			if masker != nil {
				mask = masker.ActionMask()
			}
			a, err := act(obs, mask)
			if err != nil {
				return 0, err
			}
			res, err := e.Step(a)
			if err != nil {
				return 0, err
			}
			total += res.Reward
			obs = res.Obs
			if res.Done() {
				return total, nil
			}
		}
	}
	agents := []func(obs []float64, mask []bool) (A, error){
		func(_ []float64, mask []bool) (A, error) {
			if mask != nil && discrete != nil {
				i, err := discrete.SampleMasked(rng, mask)
				a, _ := any(i).(A)
				return a, err
			}
			return space.Sample(rng), nil
		},
		func(obs []float64, mask []bool) (A, error) { return ppo.Act(obs, mask, rng) },
		func(obs []float64, mask []bool) (A, error) { return ppo.Act(obs, mask, nil) },
	}
	means := make([]float64, len(agents))
	for k, agent := range agents {
		for ep := range o.eval {
			r, err := episode(ep, agent)
			if err != nil {
				return 0, 0, 0, fmt.Errorf("evaluation episode %d: %w", ep, err)
			}
			means[k] += r / float64(o.eval)
		}
	}
	return means[0], means[1], means[2], nil
}
