// Package cli is what the commands under cmd/ share: one way to run a
// command's main function, with the exit status a shell expects.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
)

// ErrUsage marks a command-line error: the command prints it and exits
// with status 2.
var ErrUsage = errors.New("usage")

// Run is a command's body: it parses args, writes results to stdout and
// progress to stderr, and stops early when ctx is cancelled.
type Run func(ctx context.Context, args []string, stdout, stderr io.Writer) error

// Main runs run with the process's arguments, cancelling its context on
// an interrupt, and exits: 0 on success or after -h (flag.ErrHelp), 2 for
// an error wrapping ErrUsage, 1 for any other, printing "name: error".
func Main(name string, run Run) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(ExitCode(name, err, os.Stderr))
}

// ExitCode prints err (when it is an error worth printing) to stderr as
// "name: error" and returns the exit status Main uses.
func ExitCode(name string, err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "%s: %v\n", name, err)
	if errors.Is(err, ErrUsage) {
		return 2
	}
	return 1
}
