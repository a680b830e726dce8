// Package progress draws the live progress line of a stage of a long
// command (training, simulation, evaluation): done/total, percentage, time
// elapsed and an estimate of the time left.
//
// On a terminal the line is rewritten in place with a carriage return;
// when the output is a file or a pipe (a log, CI), a line is printed when
// the stage starts, at most every 10 seconds while it runs, and when it is
// done, so that logs stay short. A stage's own per-step output (a trainer's
// update lines) can be fed to Line.Writer, which turns each line into the
// progress line's count and detail instead of printing it.
//
//	l := progress.New(os.Stderr, "[pretrain] 4/5 GRPO", 100, "updates", progress.Options{})
//	defer l.Done()
//	g, _ := rl.NewGRPO(envs, cfg, rl.Options{Progress: l.Writer()})
package progress
