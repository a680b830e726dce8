package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/eval"
	"github.com/autollmresearch/gym/internal/curves"
	"github.com/autollmresearch/gym/policy/agent"
	"github.com/autollmresearch/gym/prior"
	"github.com/autollmresearch/gym/tasks"
)

// Training modes of -train.
const (
	trainWorlds = "worlds"
	trainTable  = "table"
)

// worldAgent is the name of the meta-trained agent in the tables.
const worldAgent = "agent (worlds)"

// worldsPipeline is the pipeline of -train worlds on one table: the agent
// learns from generated worlds of the table's task alone and is evaluated
// zero-shot on the table's held-out targets.
//
//  1. curate: the table's held-out test split, which training never sees;
//  2. simulate and distil: roll out episodes on the held-out targets of
//     generated worlds (prior.New), the scaling-law baseline acting first and
//     then the agent itself (DAgger), every candidate labelled with its true
//     regret, and fit the agent's network to the labels (agent.Train);
//  3. RL: multi-turn GRPO on other worlds (agent.FineTune);
//  4. evaluate: the agent and every baseline on the table's test split.
//
// A task not in -retrain takes its embedded agent (agent.Pretrained), built
// by the same recipe: stages 2 and 3 are skipped.
func worldsPipeline(ctx context.Context, c *config, name string, tbl *tasks.Table, stdout, stderr io.Writer) error {
	task := tbl.Meta().Task
	dir := filepath.Join(c.out, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	st := stage(c, stderr, name, 1, "curate: the held-out test split", 0, "")
	opts := research.Options{Setting: research.Extrapolate, Split: research.Test, Trials: c.k}
	testEnv, err := research.New(tbl, opts)
	if err != nil {
		return err
	}
	targets := len(testEnv.Targets())
	testEnv.Close()
	st.Info("    %d held-out target(s)", targets)
	st.Done()

	a, err := worldAgentFor(ctx, c, name, task, dir, stderr)
	if err != nil {
		return err
	}
	st = stage(c, stderr, name, 4, "save the agent", 0, "")
	if err := a.WriteFile(filepath.Join(dir, "agent.gymagent")); err != nil {
		return err
	}
	st.Done()

	st = stage(c, stderr, name, 5, "evaluate on the held-out test split", 0, "episodes")
	n := c.episodes
	if n == 0 {
		n = max(20, int(math.Ceil(60/float64(targets))))
	}
	spec := eval.Spec{
		Envs:     []eval.EnvSpec{{Name: name, New: func() (*research.Env, error) { return research.New(tbl, opts) }}},
		Episodes: n, Seed: c.seed, Workers: c.workers, Progress: st.Writer(),
	}
	if c.baselines {
		spec.Policies = append(spec.Policies, baselines...)
	}
	spec.Policies = append(spec.Policies, eval.NamedFactory{Name: worldAgent, New: a.NewPolicy})
	res, err := eval.Run(ctx, spec)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "## %s: setting %s, test split, K = %d, %d episodes per target, seed %d; the agent trained on %s worlds only\n\n", name, research.Extrapolate, c.k, n, c.seed, task)
	if err := res.WriteMarkdown(stdout); err != nil {
		return err
	}
	if err := writeResults(dir, "regret", res); err != nil {
		return err
	}
	st.Done()
	fmt.Fprintf(stderr, "[%s] wrote %s\n", name, dir)
	return nil
}

// worldAgentFor is stages 2 and 3 of -train worlds: a task in -retrain
// trains its agent on generated worlds by the embedded agent's recipe
// (distillation, then GRPO on other worlds, whose curves go to dir);
// another takes its embedded agent.
func worldAgentFor(ctx context.Context, c *config, name, task, dir string, stderr io.Writer) (*agent.Agent, error) {
	if !slices.Contains(c.retrain, task) {
		a, err := agent.Pretrained(task)
		if err != nil {
			return nil, fmt.Errorf("%w (add %s to -retrain to train one)", err, task)
		}
		fmt.Fprintf(stderr, "[%s] 2/5 and 3/5 simulate, distil and RL: the embedded %s agent (agent.Pretrained), trained the same way on its worlds\n", name, task)
		return a, nil
	}
	p, err := prior.New(task)
	if err != nil {
		return nil, err
	}
	recipe, err := agent.PretrainedRecipe(task)
	if err != nil {
		return nil, err
	}
	recipe.Distil.Seed, recipe.GRPO.Seed = c.seed, c.seed
	recipe.Distil.Workers, recipe.GRPO.Workers = c.workers, c.workers
	if c.worlds > 0 {
		recipe.Distil.Worlds = c.worlds
	}
	recipe.GRPO.Worlds = c.grpoWorlds
	st := stage(c, stderr, name, 2, fmt.Sprintf("simulate and distil on %d generated %s worlds (never this table)", recipe.Distil.Worlds, task), recipe.Distil.Rounds, "rounds")
	a, _, err := agent.Train(ctx, p, recipe.Distil, st.Writer())
	if err != nil {
		return nil, err
	}
	st.Done()
	if recipe.GRPO.Worlds == 0 {
		fmt.Fprintf(stderr, "[%s] 3/5 RL skipped (-grpo-worlds 0)\n", name)
		return a, nil
	}
	st = stage(c, stderr, name, 3, fmt.Sprintf("RL: GRPO on %d other worlds", recipe.GRPO.Worlds), recipe.GRPO.Worlds, "worlds")
	updates, err := agent.FineTune(ctx, p, a, recipe.GRPO, st.Writer())
	if err != nil {
		return nil, err
	}
	if err := writeGRPOCurves(filepath.Join(dir, "grpo-worlds"), task, updates); err != nil {
		return nil, err
	}
	st.Done()
	return a, nil
}

// writeGRPOCurves writes GRPO updates as prefix-metrics.csv with their
// learning curves.
func writeGRPOCurves(prefix, task string, updates []agent.GRPOReport) error {
	_, err := curves.WriteGRPO(prefix+"-metrics.csv", prefix+"-metrics", "GRPO on "+task+" worlds", updates)
	return err
}
