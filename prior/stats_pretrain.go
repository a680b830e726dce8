package prior

import (
	"math"

	"github.com/autollmresearch/gym/tasks"
	"github.com/autollmresearch/gym/tasks/pretrain"
)

// PretrainStatistics are the prior-predictive statistics of a pretraining
// table: how the optimum drifts with N and D, how wide and how noisy the
// basins are, how often runs diverge, and how well one power law fitted
// to the smaller cells predicts the largest one's optimum. Every one is
// computed from the measured configs of each cell alone (its optimum is
// the mean of the configs within 0.3% of its best loss), so it means the
// same on real and generated tables.
func PretrainStatistics() []Statistic {
	return []Statistic{
		{"lr_drift_N", "change of log10 optimal lr per decade of N, at fixed D (least squares over cells; a cell's optimum is the mean of its configs within 0.3% of its best loss)", cellFit(func(c cell) float64 { return c.lr }, 1)},
		{"lr_drift_D", "change of log10 optimal lr per decade of D, at fixed N", cellFit(func(c cell) float64 { return c.lr }, 2)},
		{"bs_drift_N", "change of log10 optimal bs per decade of N, at fixed D", cellFit(func(c cell) float64 { return c.bs }, 1)},
		{"bs_drift_D", "change of log10 optimal bs per decade of D, at fixed N", cellFit(func(c cell) float64 { return c.bs }, 2)},
		{"basin_lr_octaves", "median over cells of the span, in octaves of lr, of the configs within 1% of the best loss", basinWidth(func(c cell) []float64 { return c.near.lr })},
		{"basin_bs_octaves", "median over cells of the span, in octaves of bs, of the configs within 1% of the best loss", basinWidth(func(c cell) []float64 { return c.near.bs })},
		{"noise", "median over cells of the residual sd of a quadratic fit in (log lr, log bs) to the configs within 2% of the best loss", RunNoise},
		{"diverged_fraction", "fraction of configs that diverged", DivergedFraction},
		{"law_residual_octaves", "distance, in octaves of (lr, bs), between the largest cell's optimum and a power law in (N, D) fitted to the other cells' optima", LawResidual},
	}
}

// optimumBand is the excess loss, relative to the best, of the configs
// whose mean locates a cell's optimum: a mean over the few best configs
// moves less with run noise than the best config alone.
const optimumBand = 0.003

// cell is one pretraining experiment summarised by its optimum.
type cell struct {
	// n and d are log10 N and log10 D; lr and bs the mean log10 lr and bs
	// of the configs within optimumBand of the best loss, loss.
	n, d, lr, bs, loss float64
	near               struct{ lr, bs, loss []float64 }
}

// cells summarises every experiment of a pretrain table that has a config
// that did not diverge; nil when the table lacks the pretrain coordinates.
func cells(t *tasks.Table) []cell {
	space := t.Meta().Space
	if _, ok := space.Dim(pretrain.LR); !ok {
		return nil
	}
	if _, ok := space.Dim(pretrain.BS); !ok {
		return nil
	}
	var out []cell
	for _, e := range t.Experiments() {
		n, okN := e.Fidelity[pretrain.Params].(float64)
		d, okD := e.Fidelity[pretrain.Tokens].(float64)
		b := best(t, e.Index)
		if !okN || !okD || b < 0 || !(n > 0) || !(d > 0) {
			continue
		}
		cfg := t.Config(e.Index, b)
		lr, _ := cfg[pretrain.LR].(float64)
		bs, _ := cfg[pretrain.BS].(float64)
		c := cell{n: math.Log10(n), d: math.Log10(d), lr: math.Log10(lr), bs: math.Log10(bs), loss: t.Outcome(e.Index, b).Objective}
		var sumLR, sumBS float64
		top := 0
		for k := range t.NumConfigs(e.Index) {
			o := t.Outcome(e.Index, k)
			if o.Diverged || o.Objective > c.loss*1.02 {
				continue
			}
			cfg := t.Config(e.Index, k)
			lr, _ := cfg[pretrain.LR].(float64)
			bs, _ := cfg[pretrain.BS].(float64)
			c.near.lr = append(c.near.lr, math.Log2(lr))
			c.near.bs = append(c.near.bs, math.Log2(bs))
			c.near.loss = append(c.near.loss, o.Objective)
			if o.Objective <= c.loss*(1+optimumBand) {
				sumLR, sumBS = sumLR+math.Log10(lr), sumBS+math.Log10(bs)
				top++
			}
		}
		c.lr, c.bs = sumLR/float64(top), sumBS/float64(top)
		out = append(out, c)
	}
	return out
}

// fitCells fits y(c) ≈ β0 + β1·log10 N + β2·log10 D over cs and returns
// the coefficients, or nil when the fit is undetermined: fewer than four
// cells, or N and D collinear (a single model size, a single token budget,
// or a single ratio D/N), so that the statistics built on it are NaN.
func fitCells(cs []cell, y func(cell) float64) []float64 {
	if len(cs) < 4 {
		return nil
	}
	x := make([][]float64, len(cs))
	ys := make([]float64, len(cs))
	for i, c := range cs {
		x[i] = []float64{1, c.n, c.d}
		ys[i] = y(c)
	}
	return lstsq(x, ys)
}

// cellFit is the statistic "coefficient k of fitCells".
func cellFit(y func(cell) float64, k int) func(*tasks.Table) float64 {
	return func(t *tasks.Table) float64 {
		beta := fitCells(cells(t), y)
		if beta == nil {
			return math.NaN()
		}
		return beta[k]
	}
}

// basinWidth is the statistic "median over cells of the span of the
// configs within 1% of the best loss", on the axis that axis picks.
func basinWidth(axis func(cell) []float64) func(*tasks.Table) float64 {
	return func(t *tasks.Table) float64 {
		var widths []float64
		for _, c := range cells(t) {
			v := axis(c)
			lo, hi := math.Inf(1), math.Inf(-1)
			for i, x := range v {
				if c.near.loss[i] <= c.loss*1.01 {
					lo, hi = min(lo, x), max(hi, x)
				}
			}
			widths = append(widths, hi-lo)
		}
		return median(widths)
	}
}

// RunNoise estimates the run-to-run noise of a pretraining table: in each
// cell, the residual standard deviation of a least-squares quadratic in
// (log lr, log bs) fitted to the configs within 2% of the best loss (at
// least 10 of them), and the median over cells.
func RunNoise(t *tasks.Table) float64 {
	var sds []float64
	for _, c := range cells(t) {
		m := len(c.near.loss)
		if m < 10 {
			continue
		}
		x := make([][]float64, m)
		for i := range m {
			u, v := c.near.lr[i], c.near.bs[i]
			x[i] = []float64{1, u, v, u * u, v * v, u * v}
		}
		beta := lstsq(x, c.near.loss)
		if beta == nil {
			continue
		}
		var ss float64
		for i := range m {
			var f float64
			for k, b := range beta {
				f += b * x[i][k]
			}
			r := c.near.loss[i] - f
			ss += r * r
		}
		sds = append(sds, math.Sqrt(ss/float64(m-len(beta))))
	}
	return median(sds)
}

// LawResidual fits log lr* and log bs* (each cell's optimum: the mean of
// its configs within 0.3 % of its best loss) as power laws in N and D over
// every cell but the most expensive one, and returns
// the Euclidean distance in octaves between the law's prediction at the
// most expensive cell and that cell's best config: how far a single power
// law misses when it extrapolates.
func LawResidual(t *tasks.Table) float64 {
	cs := cells(t)
	if len(cs) < 5 {
		return math.NaN()
	}
	target := cs[len(cs)-1] // experiments are ordered cheap to expensive
	rest := cs[:len(cs)-1]
	var miss [2]float64
	for k, y := range []func(cell) float64{func(c cell) float64 { return c.lr }, func(c cell) float64 { return c.bs }} {
		beta := fitCells(rest, y)
		if beta == nil {
			return math.NaN()
		}
		pred := beta[0] + beta[1]*target.n + beta[2]*target.d
		miss[k] = (pred - y(target)) / math.Log10(2)
	}
	return math.Hypot(miss[0], miss[1])
}
