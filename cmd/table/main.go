// Command table keeps an outcome table's metadata through tools that do
// not carry it, such as pandas, polars, DuckDB or a spreadsheet.
//
// A CSV table is plain (a header row and data rows) and its metadata (task,
// configuration space, fidelities, metrics, objective, provenance,
// checksum) lives in a sidecar next to it, FILE.csv.meta.json (see package
// tasks). A table that goes through pandas and back comes out without it:
//
//	go run ./examples/tables -task pretrain -out pretrain.csv
//	python3 -c 'import pandas as pd; df = pd.read_csv("pretrain.csv"); df[df.seed == 0].to_csv("edited.csv", index=False)'
//	go run ./cmd/table attach -meta pretrain.csv.meta.json -csv edited.csv -o edited.parquet
//
// Commands:
//
//	meta [-o FILE] TABLE
//	    print the metadata of TABLE (.parquet, .arrow, .arrows, .csv with its
//	    sidecar or the comment lines of earlier versions, or a .meta.json
//	    sidecar) as a sidecar document, or write it to FILE: this extracts
//	    the metadata of a Parquet or Arrow file before it goes through a tool
//	    that drops it, and turns an old CSV's comment lines into a sidecar.
//	attach -meta FILE -csv EDITED.csv -o OUT
//	    read the plain CSV EDITED.csv under the metadata of FILE (a sidecar,
//	    or any table file), validate it in full and write it to OUT in the
//	    format of OUT's extension, with a new checksum (a .csv OUT gets its
//	    sidecar). It says whether the rows are those the metadata was
//	    written with (the checksum matches) or were changed.
//
// Run "table <command> -h" for a command's flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/autollmresearch/gym/internal/atomicfile"
	"github.com/autollmresearch/gym/internal/cli"
	"github.com/autollmresearch/gym/tasks"
	_ "github.com/autollmresearch/gym/tasks/tablefile" // reads and writes .arrow, .arrows and .parquet tables
)

func main() { cli.Main("table", run) }

const usage = `usage: table <command> [flags]

commands:
  meta    print (or write with -o) a table's metadata as a sidecar document
  attach  read an edited plain CSV under a table's metadata and write it out

Run "table <command> -h" for a command's flags.`

func run(_ context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return fmt.Errorf("%w: no command given (want meta or attach)", cli.ErrUsage)
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(stdout, usage)
		return flag.ErrHelp
	case "meta":
		return runMeta(args[1:], stdout, stderr)
	case "attach":
		return runAttach(args[1:], stdout, stderr)
	}
	return fmt.Errorf("%w: unknown command %q (want meta or attach)", cli.ErrUsage, args[0])
}

// parse parses fs, wrapping errors in cli.ErrUsage, and returns the
// positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v", cli.ErrUsage, err)
	}
	return fs.Args(), nil
}

// isSidecar reports whether path names a sidecar document.
func isSidecar(path string) bool {
	return strings.HasSuffix(strings.ToLower(path), ".json")
}

// readSource reads the metadata of path: a sidecar document, or a table
// file of any format, which is validated in full.
func readSource(path string) (tasks.Sidecar, error) {
	if isSidecar(path) {
		f, err := os.Open(path)
		if err != nil {
			return tasks.Sidecar{}, err
		}
		defer f.Close()
		sc, err := tasks.ReadSidecar(f)
		return sc, withSource(err, path)
	}
	t, err := tasks.ReadFile(path)
	if err != nil {
		return tasks.Sidecar{}, err
	}
	defer t.Release()
	return tasks.Sidecar{Meta: t.Meta(), Checksum: t.Checksum()}, nil
}

// withSource names path in a validation error without a source.
func withSource(err error, path string) error {
	var ve *tasks.ValidationError
	if errors.As(err, &ve) && ve.Source == "" {
		ve.Source = path
	}
	return err
}

func runMeta(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("table meta", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "write the sidecar document to this file (FILE.csv.meta.json sits next to FILE.csv) instead of printing it")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: table meta [-o FILE] TABLE\n\nprint the metadata of TABLE (.parquet, .arrow, .arrows, .csv, or a .meta.json sidecar) as a sidecar document")
		fs.PrintDefaults()
	}
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(rest) == 0:
		return fmt.Errorf("%w: no table file given (table meta [-o FILE] TABLE)", cli.ErrUsage)
	case len(rest) > 1:
		return fmt.Errorf("%w: unexpected argument %q after the table file (flags go before it)", cli.ErrUsage, rest[1])
	}
	src, err := readSource(rest[0])
	if err != nil {
		return err
	}
	if *out == "" {
		return src.Write(stdout)
	}
	if err := atomicfile.Write(*out, src.Write); err != nil {
		return fmt.Errorf("writing %s: %w", *out, err)
	}
	fmt.Fprintf(stdout, "wrote the metadata of %s (task %s) to %s\n", rest[0], src.Meta.Task, *out)
	return nil
}

func runAttach(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("table attach", flag.ContinueOnError)
	fs.SetOutput(stderr)
	metaPath := fs.String("meta", "", "the metadata: a sidecar (FILE.csv.meta.json, or what \"table meta\" wrote) or any table file")
	csvPath := fs.String("csv", "", "the plain CSV to read under it (as pandas writes with to_csv(path, index=False)); leading comment lines are skipped")
	out := fs.String("o", "", "the table file to write (.parquet, .arrow, .arrows, or .csv with its sidecar)")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	var errs []error
	if len(rest) > 0 {
		errs = append(errs, fmt.Errorf("unexpected argument %q (every option is a flag; see -h)", rest[0]))
	}
	for _, f := range []struct{ name, v string }{{"-meta", *metaPath}, {"-csv", *csvPath}, {"-o", *out}} {
		if f.v == "" {
			errs = append(errs, fmt.Errorf("%s is missing", f.name))
		}
	}
	if *out != "" {
		if _, err := tasks.FormatOf(*out); err != nil {
			errs = append(errs, fmt.Errorf("-o: %w", err))
		}
		if filepath.Clean(*out) == filepath.Clean(*metaPath) {
			errs = append(errs, fmt.Errorf("-o %s would overwrite the -meta file", *out))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", cli.ErrUsage, errors.Join(errs...))
	}
	src, err := readSource(*metaPath)
	if err != nil {
		return err
	}
	in, err := os.Open(*csvPath)
	if err != nil {
		return err
	}
	defer in.Close()
	t, err := tasks.ReadCSVWithMeta(in, src.Meta)
	if err != nil {
		return withSource(err, *csvPath)
	}
	defer t.Release()
	if err := tasks.WriteFile(*out, t); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d rows, %d experiments of task %s under the metadata of %s\n", *csvPath, t.NumRows(), t.NumExperiments(), src.Meta.Task, *metaPath)
	switch {
	case src.Checksum == "":
		fmt.Fprintln(stdout, "the metadata records no checksum: whether the rows changed is unknown")
	case src.Checksum == t.Checksum():
		fmt.Fprintln(stdout, "the rows are those the metadata was written with (checksum verified)")
	default:
		fmt.Fprintln(stdout, "the rows differ from those the metadata was written with (edited, or floats written with fewer digits); the new file records their own checksum")
	}
	if f, _ := tasks.FormatOf(*out); f == tasks.CSV {
		fmt.Fprintf(stdout, "wrote %s and its metadata %s\n", *out, tasks.SidecarPath(*out))
	} else {
		fmt.Fprintf(stdout, "wrote %s\n", *out)
	}
	return nil
}
