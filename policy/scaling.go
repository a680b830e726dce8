package policy

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/fidelity"
	"github.com/autollmresearch/gym/spaces"
)

// ScalingLawOptions configure a ScalingLaw policy. The zero value of every
// field means its documented default.
type ScalingLawOptions struct {
	// TopK is the number of best configs of each lower-fidelity experiment
	// whose outcome-weighted mean estimates where that experiment's optimum
	// lies; default 5. 1 uses the best config alone.
	TopK int
	// Nearest is the number of lower fidelities nearest to the target (by
	// fidelity features) whose optima decide the categorical and simplex
	// knobs; default 3.
	Nearest int
}

// Defaults of ScalingLawOptions.
const (
	DefaultScalingTopK    = 5
	DefaultScalingNearest = 3
)

func (o ScalingLawOptions) withDefaults() (ScalingLawOptions, error) {
	var errs []error
	if o.TopK < 0 {
		errs = append(errs, fmt.Errorf("option TopK is %d, want at least 1 (or 0 for the default %d)", o.TopK, DefaultScalingTopK))
	}
	if o.Nearest < 0 {
		errs = append(errs, fmt.Errorf("option Nearest is %d, want at least 1 (or 0 for the default %d)", o.Nearest, DefaultScalingNearest))
	}
	if len(errs) > 0 {
		return o, fmt.Errorf("policy: scaling-law: invalid options: %w", errors.Join(errs...))
	}
	if o.TopK == 0 {
		o.TopK = DefaultScalingTopK
	}
	if o.Nearest == 0 {
		o.Nearest = DefaultScalingNearest
	}
	return o, nil
}

// ScalingLaw extrapolates how the optimum moves with scale.
//
// It estimates the optimum of every lower-fidelity experiment of the
// context (the outcome-weighted mean of its TopK best configs, in the
// space's encoding) and, knob by knob, fits how that optimum depends on the
// fidelity:
//
//   - a numeric knob (log, linear or int) whose optima are all positive is
//     fitted as a power law of the fidelity coordinates with
//     fidelity.FitPowerLaw, log v = c0 + Σ_j c_j f_j, where the f_j are the
//     fidelity features (log-scaled coordinates, so this is v = C·Π x_j^e_j
//     in the numeric coordinates); any other numeric knob linearly in the
//     same features;
//   - the features enter greedily in their order (the first coordinate
//     first) and a feature is left out when the fit with it is rank
//     deficient — constant, collinear with those already in (as compute
//     with parameters and tokens), or more features than the points
//     identify; with a single lower fidelity the knob is simply
//     transferred;
//   - a categorical knob takes the choice the Nearest fidelities' optima
//     favour, and a simplex knob the mean of their optimal mixtures.
//
// The first trial is the target config nearest to the predicted optimum.
// Later trials search around the best target trial so far (around the
// prediction while none succeeded): each runs the untried config nearest
// to that centre, skipping configs nearer to a diverged target trial than
// to the centre while others remain.
//
// Without context (the MultiFidelity setting, where the policy makes no
// lower-fidelity runs itself) there is nothing to extrapolate from: it then
// runs untried target configs drawn at random, as Random does, since a
// local search from a random start does worse than that on noisy targets.
type ScalingLaw struct {
	opts ScalingLawOptions
	ep   *episode
	rng  *rand.Rand

	predicted []float64 // encoded predicted optimum; nil without context
	diverged  []int     // target candidates whose trial diverged
}

var _ Policy = (*ScalingLaw)(nil)

// NewScalingLaw returns a scaling-law extrapolation policy. Invalid options
// are reported by Reset.
func NewScalingLaw(opts ScalingLawOptions) *ScalingLaw { return &ScalingLaw{opts: opts} }

// Name returns "scaling-law".
func (p *ScalingLaw) Name() string { return "scaling-law" }

// Reset starts an episode and predicts the target's optimum from the
// context.
func (p *ScalingLaw) Reset(obs *research.Observation, rng *rand.Rand) error {
	opts, err := p.opts.withDefaults()
	if err != nil {
		return err
	}
	if err := checkRand(p.Name(), rng); err != nil {
		return err
	}
	ep, err := renewEpisode(p.Name(), obs, p.ep)
	if err != nil {
		return err
	}
	p.ep, p.rng, p.diverged = ep, rng, nil
	p.predicted = predictOptimum(obs.Space, contextLevels(obs.Context, obs.Space, obs.Direction), obs.Target, opts)
	return nil
}

// Predicted returns the encoding of the optimum the policy predicted for
// the current episode's target (see spaces.ConfigSpace.Decode), or nil
// before Reset or when there was no context to extrapolate from. The slice
// must not be modified.
func (p *ScalingLaw) Predicted() []float64 { return p.predicted }

// Act runs the untried target config nearest to the current centre of the
// search.
func (p *ScalingLaw) Act(obs *research.Observation) (research.Action, error) {
	if p.ep == nil {
		return research.Action{}, errNoReset(p.Name())
	}
	before := p.ep.targetTrials()
	if _, err := p.ep.sync(obs); err != nil {
		return research.Action{}, err
	}
	for k := before; k < p.ep.targetTrials(); k++ {
		if math.IsInf(p.ep.scores[k], 1) {
			p.diverged = append(p.diverged, p.ep.trials[k])
		}
	}
	if a, done := p.ep.over(obs); done {
		return a, nil
	}
	if p.predicted == nil {
		return p.ep.run(p.ep.randomUntried(p.rng), ""), nil
	}
	centre := p.predicted
	if b, _, ok := p.ep.best(); ok {
		centre = p.ep.cands.Point(b)
	}
	var avoid func(i int) bool
	if len(p.diverged) > 0 {
		avoid = func(i int) bool {
			x := p.ep.cands.Point(i)
			dc := sqDist(x, centre)
			for _, d := range p.diverged {
				if sqDist(x, p.ep.cands.Point(d)) < dc {
					return true
				}
			}
			return false
		}
	}
	i := p.ep.nearestUntried(centre, avoid)
	if i < 0 {
		i = p.ep.nearestUntried(centre, nil)
	}
	return p.ep.run(i, ""), nil
}

// predictOptimum predicts the encoding of the target's optimum from the
// lower-fidelity levels (see ScalingLaw), or returns nil when no level has
// a run that did not diverge.
func predictOptimum(space *spaces.ConfigSpace, levels []level, target research.Fidelity, opts ScalingLawOptions) []float64 {
	w := space.EncodedDim()
	var centres [][]float64
	var feats [][]float64
	var fids []research.Fidelity
	for i := range levels {
		c := make([]float64, w)
		if levels[i].centre(opts.TopK, c) && len(levels[i].fid.Features) == len(target.Features) {
			centres = append(centres, c)
			feats = append(feats, levels[i].fid.Features)
			fids = append(fids, levels[i].fid)
		}
	}
	if len(centres) == 0 {
		return nil
	}
	// The Nearest levels closest to the target, for the knobs that are not
	// numeric; ties go to the more expensive level (later in the list).
	near := make([]int, len(centres))
	for i := range near {
		near[i] = i
	}
	slices.SortStableFunc(near, func(a, b int) int {
		return cmp.Or(cmp.Compare(featureDistance(fids[a], target), featureDistance(fids[b], target)), cmp.Compare(b, a))
	})
	near = near[:min(opts.Nearest, len(near))]

	out := make([]float64, w)
	off := 0
	ys := make([]float64, len(centres))
	for _, d := range space.Dims() {
		width := d.Width()
		switch d.Kind {
		case spaces.Log, spaces.Linear, spaces.Int:
			positive := true
			for i, c := range centres {
				ys[i] = fromUnit(d, c[off])
				positive = positive && ys[i] > 0
			}
			out[off] = toUnit(d, trend(feats, ys, positive, target.Features))
		default: // categorical and simplex: the mean of the nearest optima
			for _, i := range near {
				for j := off; j < off+width; j++ {
					out[j] += centres[i][j] / float64(len(near))
				}
			}
		}
		off += width
	}
	return out
}

// fromUnit maps a numeric dimension's coordinate in the encoding back to a
// value, without clamping or rounding.
func fromUnit(d spaces.Dim, u float64) float64 {
	if d.Kind == spaces.Log {
		lo := math.Log(d.Low)
		return math.Exp(lo + u*(math.Log(d.High)-lo))
	}
	return d.Low + u*(d.High-d.Low)
}

// toUnit maps a value of a numeric dimension to its coordinate in the
// encoding, clamped to [0, 1]; a value that is not finite (or not positive
// for a log dimension) maps to the middle.
func toUnit(d spaces.Dim, v float64) float64 {
	var u float64
	if d.Kind == spaces.Log {
		lo := math.Log(d.Low)
		u = (math.Log(v) - lo) / (math.Log(d.High) - lo)
	} else {
		u = (v - d.Low) / (d.High - d.Low)
	}
	if math.IsNaN(u) {
		return 0.5
	}
	return math.Min(math.Max(u, 0), 1)
}

// trend predicts a knob's optimum at the target features from its optima
// ys at lower fidelities with features x: a power law in the features'
// exponentials (positive values) or a linear fit in the features (any
// values), with the features chosen greedily as ScalingLaw describes. With
// no usable feature it returns the mean (geometric for positive values).
func trend(x [][]float64, ys []float64, positive bool, target []float64) float64 {
	n := len(ys)
	mean := func() float64 {
		s := 0.0
		for _, y := range ys {
			if positive {
				s += math.Log(y)
			} else {
				s += y
			}
		}
		if positive {
			return math.Exp(s / float64(n))
		}
		return s / float64(n)
	}
	if n < 2 {
		return mean()
	}
	var cols []int
	var pred float64
	for j := range target {
		try := append(slices.Clone(cols), j)
		need := len(try) + 2 // keep a residual degree of freedom...
		if len(try) == 1 {
			need = 2 // ...except for a single feature, which two points fix
		}
		if n < need {
			break
		}
		v, err := fitPredict(x, ys, try, positive, target)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		cols, pred = try, v
	}
	if len(cols) == 0 {
		return mean()
	}
	return pred
}

// fitPredict fits ys on the features cols of x and predicts at target.
func fitPredict(x [][]float64, ys []float64, cols []int, positive bool, target []float64) (float64, error) {
	rows := make([][]float64, len(ys))
	for i := range ys {
		rows[i] = make([]float64, len(cols))
		for k, j := range cols {
			rows[i][k] = x[i][j]
		}
	}
	at := make([]float64, len(cols))
	for k, j := range cols {
		at[k] = target[j]
	}
	if positive {
		// A power law in exp(feature) is linear in the feature in log space.
		for _, r := range rows {
			for k := range r {
				r[k] = math.Exp(r[k])
			}
		}
		for k := range at {
			at[k] = math.Exp(at[k])
		}
		law, err := fidelity.FitPowerLaw(rows, ys)
		if err != nil {
			return 0, err
		}
		return law.Predict(at), nil
	}
	coef, err := fitLinear(rows, ys)
	if err != nil {
		return 0, err
	}
	v := coef[0]
	for k, a := range at {
		v += coef[k+1] * a
	}
	return v, nil
}

// linearTolerance is the largest condition number of the centred design
// matrix fitLinear accepts.
const linearTolerance = 1e10

// fitLinear fits y = b0 + Σ_k b_k x_k by least squares and returns b. It
// fails when the predictors are constant or collinear, or there are fewer
// points than coefficients.
func fitLinear(x [][]float64, y []float64) ([]float64, error) {
	n, k := len(y), len(x[0])
	if n < k+1 {
		return nil, fmt.Errorf("policy: linear fit: %d points cannot determine %d coefficients", n, k+1)
	}
	means := make([]float64, k)
	for _, r := range x {
		for j, v := range r {
			means[j] += v / float64(n)
		}
	}
	meanY := 0.0
	for _, v := range y {
		meanY += v / float64(n)
	}
	a := mat.NewDense(n, k, nil)
	b := mat.NewVecDense(n, nil)
	for i, r := range x {
		for j, v := range r {
			a.Set(i, j, v-means[j])
		}
		b.SetVec(i, y[i]-meanY)
	}
	for j := range k {
		if mat.Norm(a.ColView(j), 2) < 1e-12 {
			return nil, fmt.Errorf("policy: linear fit: predictor %d is constant", j)
		}
	}
	var qr mat.QR
	qr.Factorize(a)
	if c := qr.Cond(); c > linearTolerance || math.IsNaN(c) {
		return nil, fmt.Errorf("policy: linear fit: predictors are collinear (condition number %.3g)", c)
	}
	var beta mat.VecDense
	if err := qr.SolveVecTo(&beta, false, b); err != nil {
		return nil, fmt.Errorf("policy: linear fit: %w", err)
	}
	out := make([]float64, k+1)
	out[0] = meanY
	for j := range k {
		out[j+1] = beta.AtVec(j)
		out[0] -= beta.AtVec(j) * means[j]
	}
	return out, nil
}
