package pretrain_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/autollmresearch/gym/tasks/pretrain"
)

// realDataPath returns the published Step Law CSV under ../shared/data next
// to the module root, skipping the test when it is absent.
func realDataPath(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("no go.mod above the working directory; cannot locate ../shared/data")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "data", "steplaw", "dense_lr_bs_loss.csv")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("real Step Law data not available (%v); put data/dense_lr_bs_loss.csv of github.com/step-law/steplaw at %s to run this test", err, p)
	}
	return p
}

// shape is an architecture in the Step Law parameterisation.
type shape struct{ h, ffnh, numh, numl float64 }

func (s shape) params() float64 { return (4*s.h*s.h + 3*s.h*s.ffnh) * s.numl }

// stepLawCSV writes runs of the model in the published Step Law format, one
// cell per (shape, D) pair, over the given learning rates and batch sizes.
func stepLawCSV(m pretrain.Model, shapes []shape, tokens, lrs, bss []float64) string {
	var b strings.Builder
	b.WriteString("h,ffnh,numh,numl,lr,bs,ti,loss,smooth loss,exp_name,D,N,D/N\n")
	for _, s := range shapes {
		n := s.params()
		for _, d := range tokens {
			for _, lr := range lrs {
				for _, bs := range bss {
					ti := math.Round(d / (bs * pretrain.SeqLen))
					smooth, _ := m.Loss(n, d, lr, bs)
					fmt.Fprintf(&b, "%g,%g,%g,%g,%g,%g,%g,%g,%g,run_h%g_lr%g_bs%g,%g,%g,%g\n",
						s.h, s.ffnh, s.numh, s.numl, lr, bs, ti, smooth+0.01, smooth, s.h, lr, bs, d, n, d/n)
				}
			}
		}
	}
	return b.String()
}
