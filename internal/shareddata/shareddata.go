// Package shareddata locates the published real data that tests and
// evaluations read from ../shared/data beside the module root. The files
// are never part of the module: a test that needs one skips, saying what is
// missing and where to put it, when the folder is absent.
package shareddata

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// The real files, relative to the data folder.
const (
	// StepLaw is the Step Law dense runs (github.com/step-law/steplaw,
	// data/dense_lr_bs_loss.csv).
	StepLaw = "steplaw/dense_lr_bs_loss.csv"
	// Admire is the ADMIRE IFT runs (github.com/xo28/ADMIRE-BayesOpt,
	// admire_ift_runs/admire_ift_runs.csv).
	Admire = "admire/admire_ift_runs.csv"
	// HWGPT is the folder of HW-GPT-Bench perplexity surrogates.
	HWGPT = "hwgpt"
)

// Dir returns the data folder, ../shared/data beside the root of the module
// that contains the working directory.
func Dir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "data"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory; cannot locate ../shared/data")
		}
		dir = parent
	}
}

// Path returns the path of rel (one of the constants) in the data folder,
// or an error saying why it is not there.
func Path(rel string) (string, error) {
	dir, err := Dir()
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, rel)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("real data not available (%v); put the published file at %s", err, p)
	}
	return p, nil
}

// Require returns the path of rel, skipping tb when it is absent.
func Require(tb testing.TB, rel string) string {
	tb.Helper()
	p, err := Path(rel)
	if err != nil {
		tb.Skip(err)
	}
	return p
}
