// Command calibrate compares the pretrain task's default loss model with
// the published Step Law dense runs and prints the comparison as Markdown:
// per (N, D) cell, where the data's best learning rate and batch size lie
// against the model's optimum, and the Spearman rank correlation between
// the model's loss and the measured loss over the runs that did not
// diverge.
//
// Usage:
//
//	go run ./tasks/pretrain/calibrate [-data dense_lr_bs_loss.csv]
//
// Without -data it looks for ../shared/data/steplaw/dense_lr_bs_loss.csv
// next to the module root (the directory holding go.mod, searched upwards
// from the working directory).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/autollmresearch/gym/internal/shareddata"
	"github.com/autollmresearch/gym/tasks/pretrain"
)

func main() {
	data := flag.String("data", "", "path to the Step Law dense_lr_bs_loss.csv (default: ../shared/data/steplaw/ next to the module root)")
	flag.Parse()
	if err := run(*data); err != nil {
		fmt.Fprintln(os.Stderr, "calibrate:", err)
		os.Exit(1)
	}
}

func run(path string) error {
	if path == "" {
		p, err := defaultPath()
		if err != nil {
			return err
		}
		path = p
	}
	t, err := pretrain.ImportFile(path)
	if err != nil {
		return err
	}
	cells, err := pretrain.Calibrate(t, pretrain.DefaultModel())
	if err != nil {
		return err
	}
	fmt.Printf("Calibration of the pretrain default model against %s (%d runs)\n\n", filepath.Base(path), t.NumRows())
	return pretrain.WriteCalibration(os.Stdout, cells)
}

// defaultPath is the Step Law file under ../shared/data beside the module
// root.
func defaultPath() (string, error) {
	dir, err := shareddata.Dir()
	if err != nil {
		return "", fmt.Errorf("%w; pass -data", err)
	}
	return filepath.Join(dir, shareddata.StepLaw), nil
}
