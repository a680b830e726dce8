package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/eval"
	"github.com/autollmresearch/gym/eval/report"
	"github.com/autollmresearch/gym/internal/atomicfile"
	"github.com/autollmresearch/gym/internal/curves"
	"github.com/autollmresearch/gym/nn"
	"github.com/autollmresearch/gym/policy"
	"github.com/autollmresearch/gym/policy/agent"
	"github.com/autollmresearch/gym/rl"
	"github.com/autollmresearch/gym/rl/simulate"
	"github.com/autollmresearch/gym/tasks"
)

// pipeline runs every stage on one task's table: on generated worlds
// (worldsPipeline) or, with -train table, on the table's own train split.
func pipeline(ctx context.Context, c *config, task string, tbl *tasks.Table, stdout, stderr io.Writer) error {
	if c.train == trainWorlds {
		return worldsPipeline(ctx, c, task, tbl, stdout, stderr)
	}
	workers := c.workers
	if workers == 0 {
		workers = max(1, min(4, runtime.GOMAXPROCS(0)))
	}
	trainOpts := research.Options{Setting: research.Extrapolate, Split: research.Train, Trials: c.k}
	testOpts := trainOpts
	testOpts.Split = research.Test
	r := &tableRun{
		c: c, task: task, workers: workers, dir: filepath.Join(c.out, task), stdout: stdout, stderr: stderr,
		newTrain: func() (*research.Env, error) { return research.New(tbl, trainOpts) },
		newTest:  func() (*research.Env, error) { return research.New(tbl, testOpts) },
	}
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		return err
	}
	defer r.close()
	if err := r.curate(); err != nil {
		return err
	}
	distilled, logStd, err := r.distil(ctx)
	if err != nil {
		return err
	}
	agents, err := r.reinforce(ctx, distilled, logStd)
	if err != nil {
		return err
	}
	spec, err := r.evaluate(ctx, agents[len(agents)-1])
	if err != nil {
		return err
	}
	if c.ablation {
		if err := r.ablate(ctx, spec, agents); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "[%s] wrote %s\n", task, r.dir)
	return nil
}

// tableRun is the per-table pipeline of one task: its stages share the
// train and test envs, the output directory and the progress output.
type tableRun struct {
	c                 *config
	task, dir         string
	workers           int
	newTrain, newTest func() (*research.Env, error)
	trainEnv, testEnv *research.Env
	stdout, stderr    io.Writer
}

// close closes the envs curate opened.
func (r *tableRun) close() {
	for _, e := range []*research.Env{r.trainEnv, r.testEnv} {
		if e != nil {
			_ = e.Close() // the results are written; closing frees memory only
		}
	}
}

// curate is stage 1: it opens the train and test envs and reports their
// targets.
func (r *tableRun) curate() error {
	st := stage(r.c, r.stderr, r.task, 1, "curate the train/test split", 0, "")
	var err error
	if r.trainEnv, err = r.newTrain(); err != nil {
		return err
	}
	if r.testEnv, err = r.newTest(); err != nil {
		return err
	}
	st.Info("[%s]     train targets: %s", r.task, strings.Join(r.trainEnv.Targets(), ", "))
	st.Info("[%s]     test targets (held out): %s", r.task, strings.Join(r.testEnv.Targets(), ", "))
	st.Done()
	return nil
}

// distil is stages 2 and 3: it simulates the oracle teacher on the train
// split, clones it into a fresh network and runs the DAgger rounds. It
// returns the network and the log standard deviations GRPO explores with.
func (r *tableRun) distil(ctx context.Context) (*nn.MLP, []float64, error) {
	c := r.c
	st := stage(c, r.stderr, r.task, 2, fmt.Sprintf("simulate %d oracle-teacher episodes on the train split", c.simEps), 0, "")
	traj, err := simulate.Run(ctx, simulate.Options{
		Env: r.newTrain, Teacher: policy.NewOracle, Episodes: c.simEps, Seed: c.seed, Workers: r.workers,
	})
	if err != nil {
		return nil, nil, err
	}
	data, err := traj.ToDataset(rl.BoxActions)
	if err != nil {
		return nil, nil, err
	}
	st.Info("[%s]     %d steps, observation %d values, action %d", r.task, data.Len(), traj.ObsDim, traj.ActDim)
	st.Done()

	st = stage(c, r.stderr, r.task, 3, fmt.Sprintf("behaviour-clone a %d-%d-%d-%d network (%d epochs)", traj.ObsDim, c.hidden, c.hidden, traj.ActDim, c.bcEpochs), 1+c.dagger, "fits")
	distilled, err := nn.NewMLP(nn.MLPConfig{Sizes: []int{traj.ObsDim, c.hidden, c.hidden, traj.ActDim}, Activation: nn.Tanh, Skip: c.skip},
		rand.New(rand.NewPCG(c.seed, 0x64697374696c)))
	if err != nil {
		return nil, nil, err
	}
	bc := rl.DefaultBCConfig()
	bc.Seed, bc.Epochs = c.seed, c.bcEpochs
	bc.WeightDecay = c.wd
	_, err = simulate.DAgger(ctx, distilled, traj, simulate.DAggerOptions{
		Env: r.newTrain, Teacher: policy.NewOracle, Rounds: c.dagger, Episodes: c.simEps, Seed: c.seed, Workers: r.workers,
		Kind: rl.BoxActions, BC: bc,
		Fitted: func(round, steps int, fit rl.BCStats) {
			last := len(fit.TrainLoss) - 1
			if round == 0 {
				st.Step("loss: train %.4f → %.4f, validation %.4f → %.4f", fit.TrainLoss[0], fit.TrainLoss[last], fit.ValLoss[0], fit.ValLoss[last])
				return
			}
			st.Step("DAgger round %d: %d steps, loss: train %.4f, validation %.4f", round, steps, fit.TrainLoss[last], fit.ValLoss[last])
		},
	})
	if err != nil {
		return nil, nil, err
	}
	st.Done()

	ls := c.logStd
	if ls == 0 {
		ls = math.Log(r.trainEnv.ConfigSpacing())
		fmt.Fprintf(r.stderr, "[%s]     GRPO exploration: log std %.2f (the median distance between neighbouring configs)\n", r.task, ls)
	}
	return distilled, slices.Repeat([]float64{ls}, traj.ActDim), nil
}

// reinforce is stage 4: GRPO from the distilled network (and, with
// -ablation, from a fresh one). It returns the agents to evaluate, the
// final one last.
func (r *tableRun) reinforce(ctx context.Context, distilled *nn.MLP, logStd []float64) ([]trainedNet, error) {
	c := r.c
	agents := []trainedNet{{name: agentDistil, actor: distilled, logStd: logStd}}
	if c.updates == 0 {
		fmt.Fprintf(r.stderr, "[%s] 4/5 RL skipped (-updates 0)\n", r.task)
		return agents, nil
	}
	st := stage(c, r.stderr, r.task, 4, fmt.Sprintf("GRPO fine-tuning from the distilled network (%d updates × %d prompts × %d episodes)", c.updates, c.prompts, c.group), c.updates, "updates")
	final, err := trainGRPO(ctx, c, r.newTrain, distilled, logStd, r.workers, filepath.Join(r.dir, "grpo-distil-metrics"), st)
	if err != nil {
		return nil, err
	}
	final.name = agentDistilRL
	st.Done()
	if c.ablation {
		st = stage(c, r.stderr, r.task, 4, "ablation: GRPO from a fresh network of the same shape", c.updates, "updates")
		fresh, err := nn.NewMLP(distilled.Config(), rand.New(rand.NewPCG(c.seed, 0x6672657368)))
		if err != nil {
			return nil, err
		}
		a, err := trainGRPO(ctx, c, r.newTrain, fresh, logStd, r.workers, filepath.Join(r.dir, "grpo-fresh-metrics"), st)
		if err != nil {
			return nil, err
		}
		a.name = agentRL
		agents = append(agents, a)
		st.Done()
	}
	return append(agents, final), nil
}

// evaluate is stage 5: it saves the final agent and evaluates it, the
// baselines and the meta-trained agent on the held-out test split. It
// returns the evaluation's spec for the ablation.
func (r *tableRun) evaluate(ctx context.Context, final trainedNet) (eval.Spec, error) {
	c := r.c
	st := stage(c, r.stderr, r.task, 5, "evaluate on the held-out test split", 0, "episodes")
	if err := saveAgent(filepath.Join(r.dir, "policy.ckpt"), final, r.task); err != nil {
		return eval.Spec{}, err
	}
	n := c.episodes
	if n == 0 {
		n = max(20, int(math.Ceil(60/float64(len(r.testEnv.Targets())))))
	}
	spec := eval.Spec{
		Envs:     []eval.EnvSpec{{Name: r.task, New: r.newTest}},
		Episodes: n,
		Seed:     c.seed,
		Workers:  c.workers,
		Progress: st.Writer(),
	}
	f, err := policy.NewNeuralFactory(final.actor, r.testEnv, policy.NeuralOptions{Name: final.name})
	if err != nil {
		return eval.Spec{}, err
	}
	if c.baselines {
		spec.Policies = append(spec.Policies, baselines...)
	}
	spec.Policies = append(spec.Policies, eval.NamedFactory{Name: final.name, New: f})
	if meta, err := agent.Pretrained(r.task); err == nil {
		// The agent meta-trained on the task's world prior, never on
		// this table: the zero-shot comparison.
		spec.Policies = append(spec.Policies, eval.NamedFactory{Name: metaAgent, New: meta.NewPolicy})
	}
	if err := r.report(ctx, spec, "## "+r.task, "regret"); err != nil {
		return eval.Spec{}, err
	}
	st.Done()
	return spec, nil
}

// ablate evaluates distil only, RL only and distil+RL side by side.
func (r *tableRun) ablate(ctx context.Context, spec eval.Spec, agents []trainedNet) error {
	st := stage(r.c, r.stderr, r.task, 5, "ablation: evaluate distil only, RL only, distil+RL", 0, "episodes")
	spec.Progress = st.Writer()
	spec.Policies = nil
	for _, name := range []string{agentDistil, agentRL, agentDistilRL} {
		i := slices.IndexFunc(agents, func(a trainedNet) bool { return a.name == name })
		f, err := policy.NewNeuralFactory(agents[i].actor, r.testEnv, policy.NeuralOptions{Name: name})
		if err != nil {
			return err
		}
		spec.Policies = append(spec.Policies, eval.NamedFactory{Name: name, New: f})
	}
	if err := r.report(ctx, spec, "\n## "+r.task+" ablation", "ablation"); err != nil {
		return err
	}
	st.Done()
	return nil
}

// report runs spec, prints its table under heading and writes its files
// with names starting with base.
func (r *tableRun) report(ctx context.Context, spec eval.Spec, heading, base string) error {
	res, err := eval.Run(ctx, spec)
	if err != nil {
		return err
	}
	fmt.Fprintf(r.stdout, "%s: setting %s, test split, K = %d, %d episodes per target, seed %d\n\n", heading, research.Extrapolate, r.c.k, spec.Episodes, r.c.seed)
	if err := res.WriteMarkdown(r.stdout); err != nil {
		return err
	}
	return writeResults(r.dir, base, res)
}

// trainedNet is a trained network and its Gaussian's log standard deviations.
type trainedNet struct {
	name   string
	actor  *nn.MLP
	logStd []float64
}

// trainGRPO fine-tunes actor (a fresh network when nil) with GRPO on
// Numeric views of the train split.
func trainGRPO(ctx context.Context, c *config, newTrain func() (*research.Env, error), actor *nn.MLP, logStd []float64, workers int, logPrefix string, st *stageLog) (trainedNet, error) {
	envs := make([]env.Env[[]float64, []float64], 0, workers)
	defer func() {
		for _, e := range envs {
			_ = e.Close() // training results do not depend on closing
		}
	}()
	for range workers {
		core, err := newTrain()
		if err != nil {
			return trainedNet{}, err
		}
		view, err := research.NewNumeric(core)
		if err != nil {
			_ = core.Close()
			return trainedNet{}, err
		}
		if c.anytime {
			envs = append(envs, &anytime{Env: view, k: c.k})
		} else {
			envs = append(envs, view)
		}
	}
	cfg := rl.DefaultGRPOConfig()
	cfg.Seed = c.seed
	cfg.Updates = c.updates
	cfg.Prompts = c.prompts
	cfg.GroupSize = c.group
	cfg.LR = c.lr
	cfg.KLCoef = c.beta
	cfg.Hidden = []int{c.hidden, c.hidden}
	logger, err := rl.CreateLogger(logPrefix, false)
	if err != nil {
		return trainedNet{}, err
	}
	defer logger.Close() // closed explicitly below on success
	g, err := rl.NewGRPO(envs, cfg, rl.Options{
		Actor:          actor,
		LogStd:         logStd,
		EpisodeMetrics: []rl.EpisodeMetric{rl.InfoMetric("final_regret", "regret")},
		Logger:         logger,
		Progress:       st.Writer(),
	})
	if err != nil {
		return trainedNet{}, err
	}
	if _, err := g.Train(ctx); err != nil {
		return trainedNet{}, err
	}
	if err := logger.Close(); err != nil {
		return trainedNet{}, err
	}
	plots, err := curves.Plot(logPrefix+".csv", logPrefix, curves.Options{
		Title:  "GRPO on the train split",
		Y:      []string{"episode_return", "final_regret", "kl_ref"},
		Name:   "GRPO",
		Labels: map[string]string{"global_step": "env steps", "episode_return": "mean episode return", "final_regret": "mean final regret", "kl_ref": "KL to the reference policy"},
	})
	if err != nil {
		return trainedNet{}, err
	}
	st.Info("    learning curves: %s", strings.Join(plots, ", "))
	return trainedNet{actor: g.Actor().Clone(), logStd: slices.Clone(g.LogStd())}, nil
}

// saveAgent writes a's network and log standard deviations to path as an
// nn checkpoint.
func saveAgent(path string, a trainedNet, task string) error {
	meta, err := json.Marshal(map[string]string{"task": task, "agent": a.name})
	if err != nil {
		return err
	}
	ck := &nn.Checkpoint{Meta: meta}
	ck.PutMLP("actor", a.actor)
	ck.PutVector("log_std", a.logStd)
	return nn.WriteFile(path, ck)
}

// writeResults writes res as CSV and Markdown and its regret plots under
// dir, with file names starting with base.
func writeResults(dir, base string, res *eval.Result) error {
	files := []struct {
		name  string
		write func(io.Writer) error
	}{
		{base + ".csv", res.WriteCSV},
		{base + ".md", res.WriteMarkdown},
	}
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		if err := atomicfile.Write(path, f.write); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	_, err := report.Plot(res, dir, base)
	return err
}
