package agent

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/spaces"
	"github.com/autollmresearch/gym/tasks"
)

// Feature names, in the order of a candidate's feature vector. Every
// feature means the same on every table of a task whatever its size, grid
// or fidelity ladder: distances are in units of the target grid's typical
// spacing, outcomes are normalised regrets or ranks, fidelities enter only
// through a fitted law.
var featureNames = []string{
	// The candidate against the context (the lower-fidelity runs).
	"law_distance",      // distance to the optimum a law fitted across the context predicts at the target
	"law_offset_1",      // signed offset from that prediction along the first numeric knob
	"law_offset_2",      // … the second
	"law_offset_3",      // … the third
	"near_distance",     // distance to the nearest lower fidelity's optimum
	"near_regret",       // the candidate's regret at the nearest lower fidelity (looked up, or from its neighbours there)
	"next_regret",       // … at the second-nearest lower fidelity
	"mean_regret",       // … averaged over the context, higher fidelities weighing more
	"near_diverged",     // share of diverged runs among the candidate's neighbours at the nearest lower fidelity
	"near_regret_rank",  // percentile of near_regret among the target's candidates
	"law_distance_rank", // percentile of law_distance among the target's candidates
	// The episode.
	"law_residual",  // how far the context's optima stray from the fitted law (grid steps)
	"law_extrap",    // how far the target lies beyond the context, in context spans
	"context_size",  // log(1 + number of lower fidelities)
	"trials_done",   // the share of the K target trials made so far
	"has_trials",    // 1 once a target trial was made
	"trial_nearest", // distance to the nearest own target trial
	"trial_best",    // distance to the best own target trial so far
	"trial_kernel",  // own trials' outcomes smoothed at the candidate, against the best, in context spreads
	"trial_spread",  // spread of own outcomes, in context spreads
	"best_law",      // distance from the best own trial to the law's prediction
}

// NumFeatures is the length of a candidate's feature vector.
var NumFeatures = len(featureNames)

// FeatureNames returns the names of the features, in vector order.
func FeatureNames() []string { return slices.Clone(featureNames) }

// maxNumeric is how many numeric knobs get a signed law offset.
const maxNumeric = 3

// neighbours is the k of the k-nearest-neighbour estimates.
const neighbours = 4

// contextExp is one lower-fidelity experiment, summarised.
type contextExp struct {
	fid    []float64   // log10 of the numeric fidelity coordinates
	x      [][]float64 // encoded configs
	regret []float64   // each config's normalised regret (diverged: 1)
	div    []bool      // whether each config diverged
	opt    []float64   // the optimum: mean encoded config of the near-best
	spread float64     // worst − best objective over configs that did not diverge
	index  map[string]int
}

// episode is the feature state of one episode: what Reset can compute once
// from the context and the target grid.
type episode struct {
	space    *spaces.ConfigSpace
	dir      tasks.Direction
	numeric  []int // encoded coordinates of the numeric knobs, up to maxNumeric
	x        [][]float64
	keys     []string
	step     float64 // typical spacing of the target grid
	static   [][]float64
	spread   float64 // objective spread of the nearest lower fidelity (1 if none)
	law      []float64
	residual float64
	k        int
	feat     []float64 // the current step's features, candidates × NumFeatures
}

// configKey identifies an encoded config exactly enough to find it again:
// each value with 9 significant digits ("%.9g,", which strconv writes
// without fmt's overhead).
func configKey(x []float64) string {
	b := make([]byte, 0, 16*len(x))
	for _, v := range x {
		b = append(strconv.AppendFloat(b, v, 'g', 9, 64), ',')
	}
	return string(b)
}

// newEpisode summarises the context and the target grid of obs.
func newEpisode(obs *research.Observation) (*episode, error) {
	if obs == nil || obs.Space == nil {
		return nil, fmt.Errorf("agent: observation without a configuration space")
	}
	if len(obs.TargetConfigs) == 0 {
		return nil, fmt.Errorf("agent: the target %s lists no configs", obs.Target.Experiment)
	}
	ep := &episode{space: obs.Space, dir: obs.Direction, k: obs.TrialsLeft + targetTrials(obs), spread: 1}
	ep.numeric = numericOffsets(obs.Space)
	for _, c := range obs.TargetConfigs {
		x, err := encodeConfig(obs.Space, c)
		if err != nil {
			return nil, fmt.Errorf("agent: target config %v: %w", c, err)
		}
		ep.x = append(ep.x, x)
		ep.keys = append(ep.keys, configKey(x))
	}
	ep.step = gridStep(ep.x)

	names := numericCoords(obs.Target.Coords)
	target := logCoords(obs.Target.Coords, names)
	ctx, err := summariseContext(obs.Context, obs.Space, names)
	if err != nil {
		return nil, err
	}
	if n := len(ctx); n > 0 && ctx[n-1].spread > 0 {
		ep.spread = ctx[n-1].spread
	}
	ep.law, ep.residual = fitLaw(ctx, target, obs.Space.EncodedDim())
	ep.setStatic(ctx, extrapolation(ctx, target))
	ep.feat = make([]float64, len(ep.x)*NumFeatures)
	return ep, nil
}

// numericOffsets returns the encoded offsets of the first maxNumeric
// numeric knobs of space.
func numericOffsets(space *spaces.ConfigSpace) []int {
	var numeric []int
	at := 0
	for _, dim := range space.Dims() {
		if dim.Kind == spaces.Log || dim.Kind == spaces.Linear || dim.Kind == spaces.Int {
			if len(numeric) < maxNumeric {
				numeric = append(numeric, at)
			}
		}
		at += dim.Width()
	}
	return numeric
}

// encodeConfig returns c encoded in space.
func encodeConfig(space *spaces.ConfigSpace, c spaces.Config) ([]float64, error) {
	x := make([]float64, space.EncodedDim())
	return x, space.Encode(c, x)
}

// summariseContext summarises every experiment of c (nil: none), lowest
// fidelity first, with the numeric fidelity coordinates names.
func summariseContext(c *research.Context, space *spaces.ConfigSpace, names []string) ([]contextExp, error) {
	if c == nil {
		return nil, nil
	}
	var ctx []contextExp
	for i := range c.Len() {
		ce, err := summariseExp(c, i, space, names)
		if err != nil {
			return nil, err
		}
		ctx = append(ctx, ce)
	}
	return ctx, nil
}

// summariseExp summarises context experiment i: its fidelity, its encoded
// configs with their regrets and divergence, its optimum and its spread.
func summariseExp(c *research.Context, i int, space *spaces.ConfigSpace, names []string) (contextExp, error) {
	ce := contextExp{fid: logCoords(c.Fidelity(i).Coords, names), index: map[string]int{}}
	st := c.Stats(i)
	ce.spread = math.Abs(st.Worst - st.Best)
	for j, cfg := range c.Configs(i) {
		x, err := encodeConfig(space, cfg)
		if err != nil {
			return contextExp{}, fmt.Errorf("agent: context %s config %v: %w", c.Fidelity(i).Experiment, cfg, err)
		}
		o := c.Outcome(i, j)
		ce.x = append(ce.x, x)
		ce.regret = append(ce.regret, c.Regret(i, o.Objective, o.Diverged))
		ce.div = append(ce.div, o.Diverged)
		ce.index[configKey(x)] = j
	}
	ce.opt = optimum(ce.x, ce.regret)
	return ce, nil
}

// setStatic computes the features of every target candidate that do not
// change during the episode, given the summarised context and the
// target's extrapolation extrap.
func (ep *episode) setStatic(ctx []contextExp, extrap float64) {
	ep.static = make([][]float64, len(ep.x))
	nearRegret := make([]float64, len(ep.x))
	lawDist := make([]float64, len(ep.x))
	for j, x := range ep.x {
		f := ep.staticFeatures(x, ep.keys[j], ctx, extrap)
		nearRegret[j], lawDist[j] = f[5], f[0]
		ep.static[j] = f
	}
	nr, ld := percentiles(nearRegret), percentiles(lawDist)
	for j := range ep.static {
		ep.static[j][9], ep.static[j][10] = nr[j], ld[j]
	}
}

// staticFeatures returns the feature vector of the candidate x (with key
// key) with its static features set, all but the two ranks that depend on
// the other candidates.
func (ep *episode) staticFeatures(x []float64, key string, ctx []contextExp, extrap float64) []float64 {
	f := make([]float64, NumFeatures)
	f[0] = dist(x, ep.law) / ep.step
	for k, at := range ep.numeric {
		f[1+k] = (x[at] - ep.law[at]) / ep.step
	}
	n := len(ctx)
	if n > 0 {
		f[4] = dist(x, ctx[n-1].opt) / ep.step
		f[5], f[8] = ctx[n-1].lookup(x, key)
		f[6] = f[5]
		if n > 1 {
			f[6], _ = ctx[n-2].lookup(x, key)
		}
		var sw, s float64
		for i := range ctx {
			r, _ := ctx[i].lookup(x, key)
			w := float64(i + 1)
			s += w * r
			sw += w
		}
		f[7] = s / sw
	} else {
		f[5], f[6], f[7] = 0.5, 0.5, 0.5
	}
	f[11] = ep.residual / ep.step
	f[12] = extrap
	f[13] = math.Log1p(float64(n))
	return f
}

// targetTrials counts the target trials in obs's history.
func targetTrials(obs *research.Observation) int {
	n := 0
	for _, t := range obs.History {
		if t.Target {
			n++
		}
	}
	return n
}

// features writes the features of every candidate at obs into ep.feat and
// returns it (candidates × NumFeatures, row-major).
func (ep *episode) features(obs *research.Observation) []float64 {
	var tried []int
	var ys []float64
	for _, t := range obs.History {
		if !t.Target || t.Candidate < 0 || t.Candidate >= len(ep.x) {
			continue
		}
		tried = append(tried, t.Candidate)
		ys = append(ys, ep.loss(t))
	}
	// A diverged trial counts as two context spreads worse than the best
	// finite one (or as 0 when none is finite), so that it repels the
	// kernel estimate without making it infinite.
	bestI, best, worst := 0, math.Inf(1), math.Inf(-1)
	for i, y := range ys {
		if y < best {
			bestI, best = i, y
		}
	}
	if math.IsInf(best, 1) {
		best = 0
	}
	for i, y := range ys {
		if math.IsInf(y, 1) {
			ys[i] = best + 2*ep.spread
		}
		worst = max(worst, ys[i])
	}
	done := float64(len(tried)) / float64(max(1, ep.k))
	// The features of the history alone, the same for every candidate.
	var spreadF, lawF float64
	if len(tried) > 0 {
		spreadF = clamp((worst-best)/ep.spread, 0, 5)
		lawF = math.Min(dist(ep.x[tried[bestI]], ep.law)/ep.step, 20)
	}
	for j, x := range ep.x {
		f := ep.feat[j*NumFeatures : (j+1)*NumFeatures]
		copy(f, ep.static[j])
		f[14] = done
		if len(tried) == 0 {
			continue
		}
		f[15] = 1
		nearest, toBest := math.Inf(1), 0.0
		var sw, sy float64
		for i, c := range tried {
			dd := dist(x, ep.x[c]) / ep.step
			if i == bestI {
				toBest = dd
			}
			nearest = min(nearest, dd)
			w := math.Exp(-dd * dd / 2)
			sw += w
			sy += w * ys[i]
		}
		f[16] = math.Min(nearest, 20)
		f[17] = math.Min(toBest, 20)
		if sw > 1e-12 {
			f[18] = clamp((sy/sw-best)/ep.spread, -5, 5)
		} else {
			f[18] = 5
		}
		f[19], f[20] = spreadF, lawF
	}
	return ep.feat
}

// loss is a trial's objective oriented so that lower is better, a diverged
// run counting as the worst of the context spread above nothing.
func (ep *episode) loss(t research.Trial) float64 {
	y := t.Objective
	if ep.dir == tasks.Maximize {
		y = -y
	}
	if t.Diverged || math.IsNaN(y) || math.IsInf(y, 0) {
		return math.Inf(1)
	}
	return y
}

// lookup returns the regret of config x (with key) in the experiment and
// the share of diverged runs among its neighbours: the exact run when the
// experiment ran x, else the inverse-distance mean of its nearest runs.
func (c *contextExp) lookup(x []float64, key string) (regret, diverged float64) {
	if len(c.x) == 0 {
		return 0.5, 0
	}
	type nb struct {
		d, s float64 // distance and its square
		i    int
	}
	var best [neighbours]nb
	n := 0
	for i, y := range c.x {
		s := sqDist(x, y)
		if n == neighbours && s >= best[n-1].s {
			continue // then dist ≥ best[n-1].d too: not nearer, as a test of d would find
		}
		d := math.Sqrt(s)
		if n < neighbours {
			best[n] = nb{d, s, i}
			n++
		} else if d < best[n-1].d {
			best[n-1] = nb{d, s, i}
		} else {
			continue
		}
		for k := n - 1; k > 0 && best[k].d < best[k-1].d; k-- {
			best[k], best[k-1] = best[k-1], best[k]
		}
	}
	var sw, sr, sd float64
	for _, b := range best[:n] {
		w := 1 / (b.d + 1e-6)
		sw += w
		sr += w * c.regret[b.i]
		if c.div[b.i] {
			sd += w
		}
	}
	if j, ok := c.index[key]; ok {
		return c.regret[j], sd / sw
	}
	return sr / sw, sd / sw
}

// optimum returns the mean of the configs whose regret is within 0.02 of
// the experiment's best: a location of the optimum that moves less with run
// noise than the best config alone.
func optimum(x [][]float64, regret []float64) []float64 {
	best := slices.Min(regret)
	out := make([]float64, len(x[0]))
	n := 0
	for i, r := range regret {
		if r <= best+0.02 {
			for k, v := range x[i] {
				out[k] += v
			}
			n++
		}
	}
	for k := range out {
		out[k] /= float64(n)
	}
	return out
}

// gridStep is the median distance from a config to its nearest neighbour
// in the grid: the unit distances are measured in.
func gridStep(x [][]float64) float64 {
	if len(x) < 2 {
		return 1
	}
	nn := make([]float64, len(x))
	for i := range x {
		nn[i] = math.Inf(1)
		for j := range x {
			if i != j {
				nn[i] = min(nn[i], dist(x[i], x[j]))
			}
		}
	}
	slices.Sort(nn)
	if s := nn[len(nn)/2]; s > 1e-9 {
		return s
	}
	return 1
}

// numericCoords lists the numeric fidelity coordinates, sorted.
func numericCoords(c map[string]any) []string {
	var out []string
	for k, v := range c {
		if f, ok := v.(float64); ok && f > 0 {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// logCoords returns log10 of the named coordinates (0 where missing).
func logCoords(c map[string]any, names []string) []float64 {
	out := make([]float64, len(names))
	for i, n := range names {
		if f, ok := c[n].(float64); ok && f > 0 {
			out[i] = math.Log10(f)
		}
	}
	return out
}

// dist is the Euclidean distance between a and b.
func dist(a, b []float64) float64 { return math.Sqrt(sqDist(a, b)) }

// sqDist is the squared Euclidean distance between a and b.
func sqDist(a, b []float64) float64 {
	var s float64
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	return s
}

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

// percentiles returns each value's rank among v scaled to [0, 1], ties
// sharing their mean rank.
func percentiles(v []float64) []float64 {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case v[a] < v[b]:
			return -1
		case v[a] > v[b]:
			return 1
		}
		return 0
	})
	out := make([]float64, len(v))
	den := math.Max(1, float64(len(v)-1))
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && v[idx[j]] == v[idx[i]] {
			j++
		}
		r := float64(i+j-1) / 2 / den
		for _, k := range idx[i:j] {
			out[k] = r
		}
		i = j
	}
	return out
}
