package pretrain

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/autollmresearch/gym/fidelity"
	"github.com/autollmresearch/gym/spaces"
	"github.com/autollmresearch/gym/tasks"
)

// Task is the task family name.
const Task = "pretrain"

// Names of the configuration knobs, fidelity coordinates and metrics.
const (
	// LR is the peak learning rate.
	LR = "lr"
	// BS is the batch size in sequences of SeqLen tokens.
	BS = "bs"
	// Compute is the training compute 6·N·D in FLOPs, the first fidelity
	// coordinate, so experiments are ordered by it.
	Compute = "compute"
	// Params is N, the number of non-embedding parameters.
	Params = "params"
	// Tokens is D, the number of training tokens.
	Tokens = "tokens"
	// Loss is the smoothed final training loss, the objective.
	Loss = "loss"
	// FinalLoss is the last recorded, unsmoothed training loss.
	FinalLoss = "final_loss"
	// TotalParams is the total parameter count of a mixture-of-experts
	// model, a fourth fidelity coordinate of sparse tables; Params then
	// counts the active parameters.
	TotalParams = "total_params"
)

// Bounds of the configuration space, wide enough for the default grids and
// the published Step Law grids with room for other grids of the same kind.
const (
	MinLR, MaxLR = 1e-5, 1.0
	MinBS, MaxBS = 1.0, 65536.0
)

// Citations of the published results the task builds on.
const (
	stepLawCitation    = "Houyi Li et al., Predictable Scale: Part I — Optimal Hyperparameter Scaling Law in Large Language Model Pretraining, arXiv:2503.04715, 2025"
	chinchillaCitation = "Jordan Hoffmann et al., Training Compute-Optimal Large Language Models, arXiv:2203.15556, 2022"
	stepLawSource      = "Step Law dense runs: github.com/step-law/steplaw, data/dense_lr_bs_loss.csv"
)

var space = spaces.MustConfigSpace(
	spaces.LogDim(LR, MinLR, MaxLR),
	spaces.LogDim(BS, MinBS, MaxBS),
)

// Space returns the configuration space: lr, log-scaled in [MinLR, MaxLR],
// and bs, log-scaled in [MinBS, MaxBS] sequences. Each experiment's grid is
// a subset of it.
func Space() *spaces.ConfigSpace { return space }

// meta returns the table metadata shared by the default and imported
// tables; a sparse (mixture-of-experts) table has a fourth fidelity
// coordinate, TotalParams.
func meta(p tasks.Provenance, acc fidelity.Accelerator, sparse bool) tasks.Meta {
	fid := []tasks.FidelityColumn{{Name: Compute}, {Name: Params}, {Name: Tokens}}
	if sparse {
		fid = append(fid, tasks.FidelityColumn{Name: TotalParams})
	}
	return tasks.Meta{
		Task:       Task,
		Space:      space,
		Fidelity:   fid,
		Metrics:    []string{Loss, FinalLoss},
		Objective:  Loss,
		Direction:  tasks.Minimize,
		Provenance: p,
		CostSource: acc.CostSource(),
	}
}

// ExperimentID returns the id of the experiment at n non-embedding
// parameters and d tokens, e.g. "pretrain/N=2.15e8,D=4.00e9", with three
// significant digits. Import and Generate use more digits for all cells
// when three would give two distinct cells the same id.
func ExperimentID(n, d float64) string { return experimentID(n, d, 3) }

func experimentID(n, d float64, digits int) string {
	return fmt.Sprintf("%s/N=%s,D=%s", Task, sci(n, digits), sci(d, digits))
}

// sci formats v in scientific notation with the given significant digits
// and a bare exponent: 2.15e8 rather than 2.15e+08.
func sci(v float64, digits int) string {
	s := strconv.FormatFloat(v, 'e', digits-1, 64)
	mant, exp, ok := strings.Cut(s, "e")
	if !ok {
		return s
	}
	e, err := strconv.Atoi(exp)
	if err != nil {
		return s
	}
	return mant + "e" + strconv.Itoa(e)
}

// run is one training run before it becomes a table row.
type run struct {
	n, d        float64
	lr, bs      float64
	loss, final float64
	diverged    bool
	seed        int64
}

// build turns runs into a table, naming each experiment with the fewest
// significant digits (at least three) that keep distinct cells apart. A
// sparsity above 1 adds the TotalParams coordinate, N·sparsity; compute and
// cost count the active parameters.
func build(m tasks.Meta, runs []run, acc fidelity.Accelerator, sparsity float64) (*tasks.Table, error) {
	ids := cellIDs(runs)
	b, err := tasks.NewBuilder(m)
	if err != nil {
		return nil, err
	}
	for _, r := range runs {
		fid := map[string]any{Compute: fidelity.TrainingFLOPs(r.n, r.d), Params: r.n, Tokens: r.d}
		if sparsity > 1 {
			fid[TotalParams] = r.n * sparsity
		}
		b.Add(tasks.Row{
			Experiment:   ids[[2]float64{r.n, r.d}],
			Fidelity:     fid,
			Config:       spaces.Config{LR: r.lr, BS: r.bs},
			Metrics:      map[string]float64{Loss: r.loss, FinalLoss: r.final},
			CostGPUHours: acc.TrainingHours(r.n, r.d),
			Diverged:     r.diverged,
			Seed:         r.seed,
		})
	}
	return b.Build()
}

func cellIDs(runs []run) map[[2]float64]string {
	for digits := 3; ; digits++ {
		ids := make(map[[2]float64]string)
		used := make(map[string]bool)
		clash := false
		for _, r := range runs {
			key := [2]float64{r.n, r.d}
			if _, ok := ids[key]; ok {
				continue
			}
			id := experimentID(r.n, r.d, digits)
			if used[id] {
				clash = true
				break
			}
			used[id] = true
			ids[key] = id
		}
		if !clash || digits >= 17 {
			return ids
		}
	}
}

// finite reports whether v is neither NaN nor infinite.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
