package pretrain_test

import (
	"fmt"
	"math"
	"strings"

	"github.com/autollmresearch/gym/tasks/pretrain"
)

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
