package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/autollmresearch/gym/prior"
	"github.com/autollmresearch/gym/tasks"
)

// runDraw is "prior draw": one world's table, written to a file.
func runDraw(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("prior draw", flag.ContinueOnError)
	fs.SetOutput(stderr)
	task := fs.String("task", "pretrain", "task whose prior to draw from: one of "+fmt.Sprint(prior.Tasks()))
	seed := fs.Uint64("seed", 1, "the world's seed")
	out := fs.String("out", "", "file to write the table to (.parquet, .arrow, .arrows or .csv)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("%w: -out is empty, want a file name", errUsage)
	}
	if _, err := tasks.FormatOf(*out); err != nil {
		return fmt.Errorf("%w: -out: %v", errUsage, err)
	}
	p, err := prior.New(*task)
	if err != nil {
		return fmt.Errorf("%w: -task: %v", errUsage, err)
	}
	t, err := p.Draw(*seed)
	if err != nil {
		return err
	}
	defer t.Release()
	if err := tasks.WriteFile(*out, t); err != nil {
		return errors.Join(fmt.Errorf("writing %s", *out), err)
	}
	fmt.Fprintf(stdout, "%s world %d: %d experiments, %d runs, written to %s\n", *task, *seed, t.NumExperiments(), t.NumRows(), *out)
	return nil
}
