package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/eval"
	"github.com/autollmresearch/gym/prior"
	"github.com/autollmresearch/gym/tasks"
)

// batchWorlds is how many worlds are held in memory and evaluated at once.
const batchWorlds = 25

// runBaselines is "prior baselines": every baseline on the held-out
// targets of many draws of each task's prior.
func runBaselines(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("prior baselines", flag.ContinueOnError)
	fs.SetOutput(stderr)
	taskList := fs.String("tasks", strings.Join(prior.Tasks(), ","), "comma-separated tasks whose prior to draw from")
	draws := fs.Int("draws", 1000, "worlds per task")
	seed := fs.Uint64("seed", 1, "seed of the first world (worlds are seed, seed+1, ...) and root seed of the episodes")
	k := fs.Int("k", research.DefaultTrials, "target-fidelity trials per episode (K)")
	episodes := fs.Int("episodes", 1, "episodes per (world, held-out target, policy)")
	workers := fs.Int("workers", 0, "episodes run at once (0 = GOMAXPROCS)")
	policyList := fs.String("policies", "", "comma-separated baselines (empty: all)")
	if err := parse(fs, args); err != nil {
		return err
	}
	var errs []error
	var taskNames []string
	for _, t := range splitList(*taskList) {
		if !slices.Contains(prior.Tasks(), t) {
			errs = append(errs, fmt.Errorf("-tasks: no prior for task %q (want some of %v)", t, prior.Tasks()))
		} else if !slices.Contains(taskNames, t) {
			taskNames = append(taskNames, t)
		}
	}
	if len(taskNames) == 0 && len(errs) == 0 {
		errs = append(errs, errors.New("-tasks is empty"))
	}
	if *draws < 1 || *k < 1 || *episodes < 1 || *workers < 0 {
		errs = append(errs, fmt.Errorf("-draws %d, -k %d, -episodes %d, -workers %d: want positive counts (workers 0 for GOMAXPROCS)", *draws, *k, *episodes, *workers))
	}
	policies, err := eval.SelectBaselines(*policyList)
	if err != nil {
		errs = append(errs, fmt.Errorf("-policies: %w", err))
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", errUsage, errors.Join(errs...))
	}
	opts := research.Options{Split: research.Test, Trials: *k}
	for _, task := range taskNames {
		p, err := prior.New(task)
		if err != nil {
			return err
		}
		res, err := evaluateDraws(ctx, p, policies, opts, *draws, *seed, *episodes, *workers, stderr)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "## %s: %d worlds of the prior (seeds %d to %d), held-out targets, K = %d\n\n", task, *draws, *seed, *seed+uint64(*draws)-1, *k)
		if err := res.WriteBoard(stdout, eval.OverEnvs); err != nil {
			return err
		}
		if n := len(res.Failures()); n > 0 {
			fmt.Fprintf(stdout, "\n%d episode(s) failed; the first: %s / %s: %s\n", n, res.Failures()[0].Env, res.Failures()[0].Policy, res.Failures()[0].Error)
		}
		fmt.Fprintln(stdout)
	}
	return nil
}

// evaluateDraws evaluates policies on draws worlds of p, batchWorlds at a
// time, and merges the results. Each world is one env named
// "<task>/world-<seed>".
func evaluateDraws(ctx context.Context, p prior.Prior, policies []eval.NamedFactory, opts research.Options,
	draws int, seed uint64, episodes, workers int, progress io.Writer) (*eval.Result, error) {
	all := &eval.Result{}
	start := time.Now()
	for lo := 0; lo < draws; lo += batchWorlds {
		hi := min(draws, lo+batchWorlds)
		var tables []*tasks.Table
		release := func() {
			for _, t := range tables {
				t.Release()
			}
		}
		spec := eval.Spec{Policies: policies, Episodes: episodes, Seed: seed, Workers: workers}
		for i := lo; i < hi; i++ {
			s := seed + uint64(i)
			t, err := p.Draw(s)
			if err != nil {
				release()
				return nil, err
			}
			tables = append(tables, t)
			spec.Envs = append(spec.Envs, eval.EnvSpec{
				Name: fmt.Sprintf("%s/world-%d", p.Task(), s),
				New:  func() (*research.Env, error) { return research.New(t, opts) },
			})
		}
		res, err := eval.Run(ctx, spec)
		release()
		if err != nil {
			return nil, err
		}
		if err := all.Merge(res); err != nil {
			return nil, err
		}
		el := time.Since(start)
		eta := time.Duration(float64(el) / float64(hi) * float64(draws-hi))
		fmt.Fprintf(progress, "%s: %d/%d worlds, %s elapsed, about %s left\n", p.Task(), hi, draws, el.Round(time.Second), eta.Round(time.Second))
	}
	return all, nil
}
