package advise

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/spaces"
	"github.com/autollmresearch/gym/tasks"
)

// gapCells is the number of context cells nearest to the target whose
// basins predict a config's excess over the target's optimum.
const gapCells = 3

// Uncertainty says where the standard errors and intervals come from.
const Uncertainty = "standard errors from the least-squares covariance s²(XᵀX)⁻¹; 90 % intervals are Student-t prediction intervals of the level law, inflated by its out-of-sample record along the context's fidelity ladder and widened by the spread of the basin across the nearest context cells"

// Fit is one fitted law: response = Intercept + Σ Exponent_j · log10(x_j)
// over the predictors, where response is log10 of the quantity when
// Log is true (so that the law is a power law), the quantity itself
// otherwise.
type Fit struct {
	// Quantity names what is fitted: "best loss", "optimal lr", ...
	Quantity string `json:"quantity"`
	// Log says the response is log10 of the quantity.
	Log bool `json:"log"`
	// Intercept and its standard error.
	Intercept   Number `json:"intercept"`
	InterceptSE Number `json:"intercept_se"`
	// Terms are the exponents, one per predictor.
	Terms []Term `json:"terms"`
	// R2 is the coefficient of determination, ResidualSD the residual
	// standard deviation of the response, Points the context cells
	// fitted and DOF the residual degrees of freedom.
	R2         Number `json:"r2"`
	ResidualSD Number `json:"residual_sd"`
	Points     int    `json:"points"`
	DOF        int    `json:"dof"`
	// Inflation is the factor the law's prediction intervals are widened
	// by: the root mean square of its standardised errors when each
	// context cell is predicted from the cheaper cells before it (the
	// law's record out of sample, along the fidelity ladder), at least 1.
	Inflation Number `json:"inflation"`
	// AtTarget is the law's prediction at the target and Lo, Hi its 90 %
	// prediction interval (in the quantity's units).
	AtTarget Number `json:"at_target"`
	Lo       Number `json:"lo"`
	Hi       Number `json:"hi"`

	ols ols
}

// Term is one predictor's exponent in a Fit.
type Term struct {
	// Predictor is the fidelity coordinate, e.g. "params".
	Predictor string `json:"predictor"`
	// Exponent and its standard error SE.
	Exponent Number `json:"exponent"`
	SE       Number `json:"se"`
}

// Law is what the context says about the target: how the optimum's level
// and location move with the fidelity, fitted across the context cells.
type Law struct {
	// Predictors are the fidelity coordinates the laws are fitted in
	// (log10), chosen from the last numeric coordinate to the first,
	// skipping any that is constant or collinear with those chosen, while
	// at least one residual degree of freedom remains.
	Predictors []string `json:"predictors"`
	// Level is the law of each cell's best objective.
	Level Fit `json:"level"`
	// Paths are the laws of each numeric knob's per-cell best value.
	Paths []Fit `json:"paths"`
	// Uncertainty says how standard errors and intervals are computed.
	Uncertainty string `json:"uncertainty"`
	// Cells are the context cells the laws are fitted to.
	Cells []CellBest `json:"cells"`
}

// CellBest is one context cell's best run.
type CellBest struct {
	Experiment string         `json:"experiment"`
	Fidelity   map[string]any `json:"fidelity"`
	Config     spaces.Config  `json:"config"`
	Objective  Number         `json:"objective"`
	Runs       int            `json:"runs"`
}

// model is the fitted law with what predicting a config's outcome needs.
type model struct {
	Law
	space    *spaces.ConfigSpace
	dir      tasks.Direction
	logY     bool
	ctx      *research.Context
	target   research.Fidelity
	xT       []float64 // predictors at the target
	optT     []float64 // encoded predicted optimum at the target
	optC     [][]float64
	nearest  []int // context cells nearest the target, nearest first
	tq       float64
	levelVar float64 // prediction variance of the level at the target
}

// predictors returns the log10 predictor values of a fidelity.
func predictorValues(names []string, coords map[string]any) []float64 {
	x := make([]float64, len(names))
	for j, n := range names {
		v, _ := coords[n].(float64)
		x[j] = math.Log10(v)
	}
	return x
}

// fitModel fits the laws to the context of obs.
func fitModel(meta tasks.Meta, obs *research.Observation) (*model, error) {
	ctx := obs.Context
	m := &model{space: obs.Space, dir: obs.Direction, ctx: ctx, target: obs.Target}
	var best []int
	var cells []int
	for i := range ctx.Len() {
		if b := ctx.Best(i); b >= 0 {
			best = append(best, b)
			cells = append(cells, i)
		}
	}
	if len(cells) == 0 {
		return nil, fmt.Errorf("advise: every run of the context diverged; nothing to fit")
	}
	m.logY = true
	for k, i := range cells {
		o := ctx.Outcome(i, best[k])
		m.Cells = append(m.Cells, CellBest{Experiment: ctx.Fidelity(i).Experiment, Fidelity: ctx.Fidelity(i).Coords,
			Config: ctx.Configs(i)[best[k]], Objective: Number(o.Objective), Runs: len(ctx.Configs(i))})
		m.logY = m.logY && o.Objective > 0
	}
	m.Predictors = choosePredictors(meta.Fidelity, m.Cells, obs.Target.Coords)
	m.Uncertainty = Uncertainty
	m.xT = predictorValues(m.Predictors, obs.Target.Coords)
	xs := make([][]float64, len(m.Cells))
	for k, c := range m.Cells {
		xs[k] = predictorValues(m.Predictors, c.Fidelity)
	}
	level := make([]float64, len(m.Cells))
	for k, c := range m.Cells {
		level[k] = float64(c.Objective)
	}
	var err error
	if m.Level, err = m.fit("best "+meta.Objective, xs, level, m.logY); err != nil {
		return nil, err
	}
	m.tq = tQuantile(m.Level.DOF)
	m.levelVar = m.Level.ols.predictVar(m.xT) * float64(m.Level.Inflation*m.Level.Inflation)
	// The optimum's path, knob by knob; the predicted optimum starts at
	// the nearest cell's best config.
	m.nearest = nearestCells(ctx, cells, obs.Target)
	opt := obs.Space.Clone(ctx.Configs(m.nearest[0])[ctx.Best(m.nearest[0])])
	for _, d := range obs.Space.Dims() {
		if d.Kind != spaces.Log && d.Kind != spaces.Linear && d.Kind != spaces.Int {
			continue
		}
		v := make([]float64, len(m.Cells))
		positive := true
		for k, c := range m.Cells {
			v[k] = toFloat(c.Config[d.Name])
			positive = positive && v[k] > 0
		}
		f, err := m.fit("optimal "+d.Name, xs, v, positive)
		if err != nil {
			return nil, err
		}
		m.Paths = append(m.Paths, f)
		if !math.IsNaN(float64(f.AtTarget)) {
			opt[d.Name] = clampKnob(d, float64(f.AtTarget))
		}
	}
	m.optT = make([]float64, obs.Space.EncodedDim())
	if err := obs.Space.Encode(opt, m.optT); err != nil {
		return nil, fmt.Errorf("advise: encoding the predicted optimum: %w", err)
	}
	m.optC = make([][]float64, ctx.Len())
	for i := range ctx.Len() {
		if b := ctx.Best(i); b >= 0 {
			m.optC[i] = ctx.Candidates(i).Point(b)
		}
	}
	return m, nil
}

// fit fits one law and fills its prediction at the target.
func (m *model) fit(quantity string, xs [][]float64, y []float64, logY bool) (Fit, error) {
	ty := slices.Clone(y)
	if logY {
		for i := range ty {
			ty[i] = math.Log10(ty[i])
		}
	}
	o, err := fitOLS(xs, ty)
	if err != nil {
		return Fit{}, fmt.Errorf("advise: fitting the law of %s over %d cells: %w", quantity, len(y), err)
	}
	f := Fit{Quantity: quantity, Log: logY, Intercept: Number(o.coef[0]), InterceptSE: Number(o.se(0)),
		R2: Number(o.r2), ResidualSD: Number(math.Sqrt(o.s2)), Points: o.n, DOF: o.dof, ols: o}
	for j, p := range m.Predictors {
		f.Terms = append(f.Terms, Term{Predictor: p, Exponent: Number(o.coef[j+1]), SE: Number(o.se(j + 1))})
	}
	mean := o.value(m.xT)
	f.Inflation = Number(inflation(xs, ty))
	half := tQuantile(o.dof) * math.Sqrt(o.predictVar(m.xT)) * float64(f.Inflation)
	f.AtTarget, f.Lo, f.Hi = Number(f.untransform(mean)), Number(f.untransform(mean-half)), Number(f.untransform(mean+half))
	return f, nil
}

// untransform maps a response back to the quantity.
func (f Fit) untransform(v float64) float64 {
	if f.Log {
		return math.Pow(10, v)
	}
	return v
}

// inflation predicts each cell k (in the context's order, cheap to
// expensive) from the cells before it, by the law refitted to them, and
// returns the root mean square of the standardised errors
// (y_k − ŷ_k)/√Var(ŷ_k), each first mapped through its Student-t
// distribution (the refit's degrees of freedom) to the normal quantile of
// the same probability, so that refits on few cells, whose t tails are
// heavy, weigh as much as the others and no more. It returns 1 when that
// is below 1 or no cell can be predicted (too few cells before it to leave
// a degree of freedom).
func inflation(xs [][]float64, ty []float64) float64 {
	var sum float64
	n := 0
	for k := range xs {
		if k < len(xs[0])+2 || !identified(xs[:k]) {
			continue
		}
		o, err := fitOLS(xs[:k], ty[:k])
		if err != nil || o.dof < 1 {
			continue
		}
		v := o.predictVar(xs[k])
		if !(v > 0) {
			continue
		}
		z := (ty[k] - o.value(xs[k])) / math.Sqrt(v)
		p := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(o.dof)}.CDF(z)
		p = math.Min(math.Max(p, 1e-12), 1-1e-12)
		q := distuv.UnitNormal.Quantile(p)
		sum += q * q
		n++
	}
	if n == 0 {
		return 1
	}
	return math.Max(1, math.Sqrt(sum/float64(n)))
}

// choosePredictors picks the numeric fidelity coordinates the laws use,
// from the last to the first, skipping those that are constant over the
// cells or collinear with those already chosen, while at least one
// residual degree of freedom remains. It returns them in table order.
func choosePredictors(cols []tasks.FidelityColumn, cells []CellBest, target map[string]any) []string {
	var chosen []string
	for k := len(cols) - 1; k >= 0; k-- {
		c := cols[k]
		if len(c.Levels) > 0 || len(chosen)+2 >= len(cells) {
			continue
		}
		if v, ok := target[c.Name].(float64); !ok || !(v > 0) {
			continue
		}
		try := append([]string{c.Name}, chosen...)
		xs := make([][]float64, len(cells))
		ok := true
		for i, cell := range cells {
			xs[i] = predictorValues(try, cell.Fidelity)
			for _, v := range xs[i] {
				ok = ok && !math.IsNaN(v) && !math.IsInf(v, 0)
			}
		}
		if ok && identified(xs) {
			chosen = try
		}
	}
	return chosen
}

// nearestCells orders the context cells with a best run by the distance
// of their fidelity features from the target's, nearest first (ties to
// the more expensive).
func nearestCells(ctx *research.Context, cells []int, target research.Fidelity) []int {
	out := slices.Clone(cells)
	dist := func(i int) float64 {
		f := ctx.Fidelity(i).Features
		d := 0.0
		for j, v := range f {
			d += (v - target.Features[j]) * (v - target.Features[j])
		}
		return d
	}
	slices.SortStableFunc(out, func(a, b int) int {
		if c := cmpFloat(dist(a), dist(b)); c != 0 {
			return c
		}
		return b - a
	})
	return out
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// toFloat reads a numeric knob's value.
func toFloat(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int:
		return float64(x)
	case int64:
		return float64(x)
	}
	return math.NaN()
}

// clampKnob brings v into d's bounds, rounded for an int knob.
func clampKnob(d spaces.Dim, v float64) any {
	v = math.Max(d.Low, math.Min(d.High, v))
	if d.Kind == spaces.Int {
		return int(math.Round(v))
	}
	return v
}

// Prediction is the predicted outcome of one config at the target.
type Prediction struct {
	// Objective is the predicted objective and Lo, Hi its 90 % interval.
	Objective Number `json:"objective"`
	Lo        Number `json:"lo"`
	Hi        Number `json:"hi"`
	// Diverges says the config's counterparts in most of the nearest
	// context cells diverged: it is predicted to blow up.
	Diverges bool `json:"diverges"`
}

// predict predicts config cfg's outcome at the target: the level law's
// best objective plus the config's excess over the optimum in the
// nearest context cells, each cell's basin moved so that its optimum sits
// at the predicted target optimum (numeric knobs only).
func (m *model) predict(cfg spaces.Config) (Prediction, error) {
	u := make([]float64, m.space.EncodedDim())
	if err := m.space.Encode(cfg, u); err != nil {
		return Prediction{}, err
	}
	shifted := make([]float64, len(u))
	var gaps []float64
	diverged, used := 0, 0
	for _, i := range m.nearest[:min(gapCells, len(m.nearest))] {
		for j := range u {
			shifted[j] = u[j] - (m.optT[j] - m.optC[i][j])
		}
		j, _ := m.ctx.Candidates(i).Nearest(shifted)
		o := m.ctx.Outcome(i, j)
		used++
		if o.Diverged {
			diverged++
			continue
		}
		b := m.ctx.Outcome(i, m.ctx.Best(i)).Objective
		gaps = append(gaps, m.transform(o.Objective)-m.transform(b))
	}
	if 2*diverged > used || len(gaps) == 0 {
		return Prediction{Objective: Number(math.NaN()), Lo: Number(math.NaN()), Hi: Number(math.NaN()), Diverges: true}, nil
	}
	mean, v := meanVar(gaps)
	if len(gaps) == 1 {
		v = gaps[0] * gaps[0]
	}
	centre := m.Level.ols.value(m.xT) + mean
	half := m.tq * math.Sqrt(m.levelVar+v)
	return Prediction{
		Objective: Number(m.Level.untransform(centre)),
		Lo:        Number(m.Level.untransform(centre - half)),
		Hi:        Number(m.Level.untransform(centre + half)),
	}, nil
}

func (m *model) transform(y float64) float64 {
	if m.logY {
		return math.Log10(y)
	}
	return y
}

// meanVar returns the mean and the sample variance (0 for one value).
func meanVar(x []float64) (float64, float64) {
	mean := 0.0
	for _, v := range x {
		mean += v / float64(len(x))
	}
	if len(x) < 2 {
		return mean, 0
	}
	s := 0.0
	for _, v := range x {
		s += (v - mean) * (v - mean)
	}
	return mean, s / float64(len(x)-1)
}
