package policy

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/tasks"
)

// GPOptions configure a GP policy. The zero value of every field means its
// documented default.
type GPOptions struct {
	// WarmStart makes the GP learn from lower fidelities: its inputs are the
	// config encoding followed by the fidelity Features of the experiment,
	// and its training data include the free context of the Extrapolate
	// setting, so that the first target trial is already informed.
	WarmStart bool
	// InitialRandom is the number of target trials drawn uniformly at random
	// before expected improvement takes over, when the policy has no
	// lower-fidelity data to go on; default 2. A warm start with context
	// makes no random trial.
	InitialRandom int
	// MaxContext caps the number of context results in the GP's training
	// data; default 200.
	MaxContext int
	// ContextExperiments is the number of context experiments, nearest to the
	// target in fidelity features, that the context results are drawn from;
	// default 4.
	ContextExperiments int
	// DivergedMargin sets the value imputed for a diverged run: the worst
	// value observed plus DivergedMargin times the range of the values
	// observed; default 0.25.
	DivergedMargin float64
	// ProbeFraction is, in the MultiFidelity setting with a warm start, the
	// largest fraction of the budget spent on probes at cheaper fidelities
	// before the first target run; default 0.4. It must be below 1.
	ProbeFraction float64
}

// The defaults of GPOptions.
const (
	defaultInitialRandom      = 2
	defaultMaxContext         = 200
	defaultContextExperiments = 4
	defaultDivergedMargin     = 0.25
	defaultProbeFraction      = 0.4
)

// withDefaults fills in the defaults and checks the options.
func (o GPOptions) withDefaults() (GPOptions, error) {
	switch {
	case o.InitialRandom < 0:
		return o, fmt.Errorf("GPOptions.InitialRandom is %d, want 0 (default) or more", o.InitialRandom)
	case o.MaxContext < 0:
		return o, fmt.Errorf("GPOptions.MaxContext is %d, want 0 (default) or more", o.MaxContext)
	case o.ContextExperiments < 0:
		return o, fmt.Errorf("GPOptions.ContextExperiments is %d, want 0 (default) or more", o.ContextExperiments)
	case !(o.DivergedMargin >= 0) || math.IsInf(o.DivergedMargin, 1):
		return o, fmt.Errorf("GPOptions.DivergedMargin is %v, want a finite number ≥ 0 (0 for the default)", o.DivergedMargin)
	case !(o.ProbeFraction >= 0 && o.ProbeFraction < 1):
		return o, fmt.Errorf("GPOptions.ProbeFraction is %v, want a number in [0, 1) (0 for the default)", o.ProbeFraction)
	}
	if o.InitialRandom == 0 {
		o.InitialRandom = defaultInitialRandom
	}
	if o.MaxContext == 0 {
		o.MaxContext = defaultMaxContext
	}
	if o.ContextExperiments == 0 {
		o.ContextExperiments = defaultContextExperiments
	}
	if o.DivergedMargin == 0 {
		o.DivergedMargin = defaultDivergedMargin
	}
	if o.ProbeFraction == 0 {
		o.ProbeFraction = defaultProbeFraction
	}
	return o, nil
}

// GP is Gaussian-process Bayesian optimisation with expected improvement,
// the standard model-based tuner, with or without a warm start from lower
// fidelities.
//
// Every step it fits a GP to what it knows and runs the target config,
// among those it has not run yet, of largest expected improvement (ties to
// the first in TargetConfigs order) over the best value found at the
// target so far. Values are sign-adjusted (lower is better, whatever the
// Direction). It never repeats a target config, except that in the
// Extrapolate setting a policy that has run every config repeats the best
// one. In the MultiFidelity setting it stops when the budget cannot pay
// for another target run.
//
// Without a warm start ("gp-ei") the GP's inputs are the config encoding,
// rescaled to the bounding box of the target's configs, and its data are
// the target trials; the first InitialRandom trials are drawn at random.
// It runs only target configs, in both settings.
//
// With a warm start ("gp-ei-warm") the inputs are the rescaled config
// encoding followed by the fidelity Features of the experiment, and the
// data include results of cheaper experiments: the free context in the
// Extrapolate setting, the policy's own probes in the MultiFidelity
// setting (below). They are put on a common scale:
//
//   - a lower-fidelity result is mapped to its regret-like value
//     (s − best) / (worst − best), with best and worst the scores of its
//     experiment's best and worst configs: from Context.Stats for the
//     context, over the probes made there for probes;
//   - a target result is mapped the same way with the best and worst of the
//     lower-fidelity experiment nearest to the target, then shifted by the
//     mean gap between the target results and the lower-fidelity-only GP's
//     predictions at the same configs. The level of the objective at a new
//     scale is unknown; what transfers is the shape of the landscape, and
//     the shift keeps a target result from reading as a local bump of it.
//
// To keep the GP small it learns from at most MaxContext lower-fidelity
// results, drawn from the ContextExperiments experiments nearest to the
// target in fidelity features: an equal share from each, its best quarter
// plus a random subset (from the episode's random stream) of the rest. Its
// hyperparameters are chosen once per episode, on those results. The first
// target trial is the candidate of largest expected improvement over the
// best value the lower-fidelity-only GP predicts at the target.
//
// In the MultiFidelity setting the warm start first probes cheaper
// experiments, spending at most ProbeFraction of the budget (and never so
// much that no target run remains affordable): it considers the cheaper
// experiments nearest to the target first and picks each whose dearest
// run, ten times over, fits in what is left of the probe budget, up to
// ContextExperiments of them; at each it runs the same ten target configs,
// spread over the target's bounding box (the first at random, each next
// the farthest from those before). This is a cost-aware choice made once:
// near fidelities inform more but cost more, and every GPU hour probed is
// one the target runs cannot use. Without an affordable probe it plays as
// "gp-ei".
//
// The GP (zero mean on standardised values, ARD Matérn-5/2 kernel, a noise
// term, hyperparameters by maximum marginal likelihood over a deterministic
// grid refined by a coordinate search) models transformed values. A
// diverged run, which has no objective, enters as the worst value of the
// data plus DivergedMargin times their range, so the model learns to avoid
// its region without a cliff that would distort the fit elsewhere. When
// the data include lower fidelities, every value v then becomes
// log(v − min + 0.05·range) over the data, which keeps the walls of a
// basin from drowning the differences near its bottom, where the optimum
// is; with only a handful of target results the transform would magnify
// chance differences among them, so "gp-ei" models the values as they are.
//
// How the variants compare on the pretrain task's default table (test
// split, mean best-so-far regret): in the Extrapolate setting (200
// episodes), at K = 5 target trials random search reaches 0.064, "gp-ei"
// 0.068 and "gp-ei-warm" 0.004; at K = 10, 0.039, 0.016 and 0.001. In the
// MultiFidelity setting (60 episodes, a budget of five target runs),
// random search reaches 0.061, "gp-ei" 0.075 and "gp-ei-warm" 0.035 with
// its probes and three target runs. Without a warm start, two random
// trials and three model-based ones are too few for the model to pay off:
// its first picks explore the edges of the grid, where its uncertainty is
// largest and, on grids laid around the optimum, the outcomes are worst.
type GP struct {
	opts GPOptions
	ep   *episode
	rng  *rand.Rand

	width int       // config encoding width
	dim   int       // GP input dimension: width, plus the fidelity features when warm
	lo    []float64 // per encoded coordinate, its least value over the target's configs
	span  []float64 // per encoded coordinate, its range there (1 when 0)
	cand  []float64 // GP inputs of the target candidates
	mean  []float64 // per target candidate, scratch
	sd    []float64 // per target candidate, scratch
	buf   []float64 // prediction scratch

	// The warm start's lower-fidelity data: the subset's inputs and
	// regret-like values (+Inf for a diverged run), the scores of the best
	// and worst configs of the lower-fidelity experiment nearest to the
	// target, the GP fitted to the subset alone and the transform of its
	// values.
	ctxX   []float64
	ctxY   []float64
	ref    [2]float64
	ctx    *gpModel
	ctxMap valueMap
	// ctxPred caches the target candidates' predictions against the
	// context, for the steps' models that extend ctx.
	ctxPred *predictCache
	// bufs recycles the fits' large buffers, across episodes too.
	bufs *gpBuffers

	// The warm start's probes (MultiFidelity setting): the planned runs,
	// how many were made, and whether the GP has learnt from them.
	probes []probeRun
	probed int
	learnt bool
}

// probeRun is a planned run of a target config at a cheaper experiment.
type probeRun struct {
	fid  research.Fidelity
	cand int
}

// warmSource is a lower-fidelity experiment the warm start learns from:
// its results, the scores of its best and worst configs, and its distance
// to the target in fidelity features.
type warmSource struct {
	lv   *level
	ref  [2]float64
	dist float64
	pos  int // position cheap to expensive, to break ties in distance
}

// gpWarpOffset is the offset of the log transform of the GP's values, as a
// fraction of their range: log(v − min + gpWarpOffset·range).
const gpWarpOffset = 0.05

// gpSearchPoints caps the number of lower-fidelity results the
// hyperparameter search of the warm start fits; the search uses every k-th result of the
// subset, k the smallest step that keeps it within the cap.
const gpSearchPoints = 100

// NewGP returns a GP expected-improvement policy. The options are checked
// by Reset.
func NewGP(opts GPOptions) *GP { return &GP{opts: opts} }

// Name returns "gp-ei", or "gp-ei-warm" with a warm start.
func (p *GP) Name() string {
	if p.opts.WarmStart {
		return "gp-ei-warm"
	}
	return "gp-ei"
}

// Reset starts an episode. With a warm start it draws the context subset
// from rng and fits the GP to it (Extrapolate setting) or plans its probes
// (MultiFidelity setting).
func (p *GP) Reset(obs *research.Observation, rng *rand.Rand) error {
	if err := checkRand(p.Name(), rng); err != nil {
		return err
	}
	opts, err := p.opts.withDefaults()
	if err != nil {
		return fmt.Errorf("policy: %s: %w", p.Name(), err)
	}
	ep, err := renewEpisode(p.Name(), obs, p.ep)
	if err != nil {
		return err
	}
	w := obs.Space.EncodedDim()
	bufs := p.recycle()
	*p = GP{opts: opts, ep: ep, rng: rng, width: w, dim: w, bufs: bufs}
	// The GP's config inputs are rescaled to the bounding box of the
	// target's configs, so that its lengthscales are relative to the
	// extent of the search rather than of the whole space.
	p.lo, p.span = bounds(p.ep.cands)
	if opts.WarmStart {
		p.dim += len(obs.Target.Features)
	}
	n := ep.cands.Len()
	p.cand = make([]float64, n*p.dim)
	for i := range n {
		p.encode(p.cand[i*p.dim:(i+1)*p.dim], ep.cands.Point(i), obs.Target)
	}
	p.mean, p.sd = make([]float64, n), make([]float64, n)
	if !opts.WarmStart {
		return nil
	}
	if obs.Setting == research.MultiFidelity {
		p.planProbes(obs)
		return nil
	}
	if err := p.learn(p.contextSources(obs)); err != nil {
		return fmt.Errorf("policy: %s: target %q: context: %w", p.Name(), obs.Target.Experiment, err)
	}
	return nil
}

// recycle hands the buffers of the episode's context fit and predictions
// back to the policy's pool, which it returns, for the next episode.
func (p *GP) recycle() *gpBuffers {
	bufs := p.bufs
	if bufs == nil {
		bufs = &gpBuffers{}
	}
	if p.ctx != nil {
		p.ctx.data.recycle(p.ctx)
	}
	if p.ctxPred != nil {
		bufs.put(p.ctxPred.cross, p.ctxPred.solved)
	}
	return bufs
}

// encode writes to dst the GP input of a config encoding at fidelity f:
// the encoding rescaled to the target's bounding box, then, with a warm
// start, the fidelity features.
func (p *GP) encode(dst, point []float64, f research.Fidelity) {
	for j, v := range point {
		dst[j] = (v - p.lo[j]) / p.span[j]
	}
	copy(dst[p.width:], f.Features)
}

// contextSources returns the warm start's sources in the Extrapolate
// setting: every context experiment with a run that did not diverge and
// fidelity features like the target's, with the scores of its best and
// worst configs from its statistics.
func (p *GP) contextSources(obs *research.Observation) []warmSource {
	ctx := obs.Context
	levels := contextLevels(ctx, obs.Space, obs.Direction)
	var out []warmSource
	for i := range levels {
		f := ctx.Fidelity(i)
		if len(f.Features) != len(obs.Target.Features) || ctx.Stats(i).Count == 0 {
			continue
		}
		out = append(out, warmSource{lv: &levels[i], ref: p.statsScores(ctx.Stats(i)), dist: featureDistance(f, obs.Target), pos: i})
	}
	return out
}

// historySources returns the warm start's sources in the MultiFidelity
// setting: every cheaper experiment the history ran with a run that did
// not diverge, with the scores of its best and worst runs.
func (p *GP) historySources(obs *research.Observation) ([]warmSource, error) {
	levels, err := p.historyLevels(obs)
	if err != nil {
		return nil, err
	}
	var out []warmSource
	for i := range levels {
		lv := &levels[i]
		if lv.fid.Experiment == obs.Target.Experiment || len(lv.fid.Features) != len(obs.Target.Features) || !lv.finite() {
			continue
		}
		ref := [2]float64{math.Inf(1), math.Inf(-1)}
		for _, s := range lv.scores {
			if !math.IsInf(s, 1) {
				ref[0], ref[1] = min(ref[0], s), max(ref[1], s)
			}
		}
		out = append(out, warmSource{lv: lv, ref: ref, dist: featureDistance(lv.fid, obs.Target), pos: i})
	}
	return out, nil
}

// learn draws the warm start's subset from srcs, chooses the GP's
// hyperparameters on it and fits the GP to the subset alone. It does
// nothing without sources.
func (p *GP) learn(srcs []warmSource) error {
	if len(srcs) == 0 {
		return nil
	}
	// Nearest first; among equally near, the more expensive (later) one.
	slices.SortStableFunc(srcs, func(a, b warmSource) int {
		if c := cmp.Compare(a.dist, b.dist); c != 0 {
			return c
		}
		return cmp.Compare(b.pos, a.pos)
	})
	srcs = srcs[:min(len(srcs), p.opts.ContextExperiments, p.opts.MaxContext)]
	p.ref = srcs[0].ref
	quota := max(1, p.opts.MaxContext/len(srcs))
	row := make([]float64, p.dim)
	for k, src := range srcs {
		q := quota
		if k == 0 {
			q = max(0, p.opts.MaxContext-quota*(len(srcs)-1)) // the nearest gets the remainder
		}
		for _, j := range p.pick(src.lv, q) {
			p.encode(row, src.lv.point(j), src.lv.fid)
			p.ctxX = append(p.ctxX, row...)
			p.ctxY = append(p.ctxY, regretLike(src.lv.scores[j], src.ref))
		}
	}
	n := len(p.ctxY)
	if n == 0 {
		return nil
	}
	ys, vm := p.transform(slices.Clone(p.ctxY), true)
	step := (n + gpSearchPoints - 1) / gpSearchPoints
	var sx, sy []float64
	for k := 0; k < n; k += step {
		sx = append(sx, p.ctxX[k*p.dim:(k+1)*p.dim]...)
		sy = append(sy, ys[k])
	}
	sub, err := newGPDataIn(sx, p.dim, sy, p.bufs)
	if err != nil {
		return err
	}
	m, err := sub.search(p.searchSpec(len(sy)))
	if err != nil {
		return err
	}
	hyper := m.hyper
	sub.recycle(m)
	// Fitted once, under the chosen hyperparameters: no squared
	// differences kept for the search.
	data, err := prepareGPDataIn(p.ctxX, p.dim, ys, p.bufs)
	if err != nil {
		return err
	}
	if p.ctx, err = data.fit(hyper); err != nil {
		return err
	}
	p.ctxMap = vm
	return nil
}

// historyLevels gathers the runs of the history below the target into one
// level per experiment, in the order of obs.Fidelities; a config run twice
// at an experiment counts once.
func (p *GP) historyLevels(obs *research.Observation) ([]level, error) {
	type run struct {
		exp  string
		cand int
	}
	byExp := make(map[string]*level)
	seen := make(map[run]bool)
	for k, t := range obs.History {
		if t.Target || seen[run{t.Experiment, t.Candidate}] {
			continue
		}
		seen[run{t.Experiment, t.Candidate}] = true
		lv := byExp[t.Experiment]
		if lv == nil {
			lv = &level{width: p.width}
			byExp[t.Experiment] = lv
		}
		at := len(lv.points)
		lv.points = append(lv.points, make([]float64, p.width)...)
		if err := obs.Space.Encode(t.Run, lv.points[at:]); err != nil {
			return nil, fmt.Errorf("history trial %d at %q: run config: %w", k, t.Experiment, err)
		}
		lv.scores = append(lv.scores, score(obs.Direction, t.Objective, t.Diverged))
	}
	var out []level
	for _, f := range obs.Fidelities {
		if lv := byExp[f.Experiment]; lv != nil {
			lv.fid = f
			out = append(out, *lv)
		}
	}
	return out, nil
}

// design returns n target candidates (all when there are fewer) spread
// over the target's bounding box: the first drawn at random, each next the
// one farthest from those chosen (maximin distance in the encoding, ties
// to the lowest index).
func (p *GP) design(n int) []int {
	total := p.ep.cands.Len()
	n = min(n, total)
	if n <= 0 {
		return nil
	}
	point := func(i int) []float64 { return p.cand[i*p.dim : i*p.dim+p.width] }
	gap := make([]float64, total) // squared distance to the nearest chosen
	for i := range gap {
		gap[i] = math.Inf(1)
	}
	chosen := make([]bool, total)
	out := []int{p.rng.IntN(total)}
	chosen[out[0]] = true
	for len(out) < n {
		last := point(out[len(out)-1])
		next := -1
		for i := range gap {
			if chosen[i] {
				continue
			}
			gap[i] = min(gap[i], sqDist(point(i), last))
			if next < 0 || gap[i] > gap[next] {
				next = i
			}
		}
		chosen[next] = true
		out = append(out, next)
	}
	return out
}

// gpProbesPerExperiment is the number of target configs the warm start
// probes at each cheaper experiment it picks in the MultiFidelity setting.
const gpProbesPerExperiment = 10

// planProbes plans the warm start's probes in the MultiFidelity setting.
// The probe budget is ProbeFraction of the budget, less if a target run
// would not be affordable after it. Cheaper experiments are considered
// nearest to the target first (in fidelity features); one is picked when
// gpProbesPerExperiment runs there, at its dearest cost per run, fit in
// what is left of the probe budget, until ContextExperiments are picked.
// Each is probed with the same space-filling design of target configs
// (see design; its first config drawn from the episode's random stream).
func (p *GP) planProbes(obs *research.Observation) {
	left := min(p.opts.ProbeFraction*obs.BudgetLeft, obs.BudgetLeft-runCost(obs.Target))
	type cand struct {
		f    research.Fidelity
		dist float64
		pos  int
	}
	var cands []cand
	for k, f := range obs.Fidelities {
		if f.Experiment == obs.Target.Experiment || len(f.Features) != len(obs.Target.Features) || !(runCost(f) > 0) {
			continue
		}
		cands = append(cands, cand{f, featureDistance(f, obs.Target), k})
	}
	slices.SortStableFunc(cands, func(a, b cand) int {
		if c := cmp.Compare(a.dist, b.dist); c != 0 {
			return c
		}
		return cmp.Compare(b.pos, a.pos)
	})
	var picked []research.Fidelity
	for _, c := range cands {
		if len(picked) == p.opts.ContextExperiments {
			break
		}
		if cost := gpProbesPerExperiment * runCost(c.f); cost <= left {
			picked = append(picked, c.f)
			left -= cost
		}
	}
	if len(picked) == 0 {
		return
	}
	design := p.design(gpProbesPerExperiment)
	for _, f := range picked {
		for _, i := range design {
			p.probes = append(p.probes, probeRun{f, i})
		}
	}
}

// pick returns up to q configs of lv: its best q/4 (at least one) that did
// not diverge, then configs drawn at random from the rest.
func (p *GP) pick(lv *level, q int) []int {
	if lv.n() <= q {
		out := make([]int, lv.n())
		for j := range out {
			out[j] = j
		}
		return out
	}
	ord := lv.order()
	top := min(q, max(1, q/4))
	for top > 0 && math.IsInf(lv.scores[ord[top-1]], 1) {
		top--
	}
	out := slices.Clone(ord[:top])
	rest := ord[top:]
	for _, k := range p.rng.Perm(len(rest))[:q-top] {
		out = append(out, rest[k])
	}
	return out
}

// statsScores returns the scores of an experiment's best and worst
// configs.
func (p *GP) statsScores(s tasks.Stats) [2]float64 {
	return [2]float64{score(p.ep.dir, s.Best, false), score(p.ep.dir, s.Worst, false)}
}

// regretLike maps a score to (s − best) / (worst − best) for the scores of
// an experiment's best and worst configs; when they are equal, to 0 for a
// score at least as good as the best and 1 otherwise. A diverged run (an
// infinite score) stays +Inf.
func regretLike(s float64, ref [2]float64) float64 {
	if math.IsInf(s, 1) {
		return s
	}
	if span := ref[1] - ref[0]; span > 0 {
		return (s - ref[0]) / span
	}
	if s <= ref[0] {
		return 0
	}
	return 1
}

// valueMap is the log transform of a data set's values:
// v ↦ log(v − lo + offset), offset = gpWarpOffset·range.
type valueMap struct{ lo, offset float64 }

// inverse maps a transformed value back.
func (m valueMap) inverse(w float64) float64 { return math.Exp(w) + m.lo - m.offset }

// transform imputes the diverged runs of ys (+Inf) and, if warp is set,
// log-transforms the values, in place (see GP); it returns ys and the
// transform. The imputed value is the worst finite value plus
// DivergedMargin times the range of the finite values (times 1 when they
// are all equal), or DivergedMargin when there are none.
func (p *GP) transform(ys []float64, warp bool) ([]float64, valueMap) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range ys {
		if !math.IsInf(v, 1) {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	fill := p.opts.DivergedMargin // no finite value
	switch {
	case hi > lo:
		fill = hi + p.opts.DivergedMargin*(hi-lo)
	case hi == lo:
		fill = hi + p.opts.DivergedMargin
	}
	lo, hi = math.Inf(1), math.Inf(-1)
	for k, v := range ys {
		if math.IsInf(v, 1) {
			ys[k] = fill
		}
		lo, hi = min(lo, ys[k]), max(hi, ys[k])
	}
	span := hi - lo
	if !(span > 0) {
		span = 1
	}
	vm := valueMap{lo: lo, offset: gpWarpOffset * span}
	if !warp {
		return ys, vm
	}
	for k, v := range ys {
		ys[k] = math.Log(v - vm.lo + vm.offset)
	}
	return ys, vm
}

// searchSpec is the hyperparameter search for n points. The config
// lengthscales (in units of the target's bounding box) and, with a warm
// start, the fidelity-feature lengthscales form one group each on the
// grid; coordinate-search sweeps over the individual lengthscales are made
// only when there are at least five points per lengthscale.
func (p *GP) searchSpec(n int) gpSearch {
	s := gpSearch{
		groups: make([]int, p.dim),
		grids:  [][]float64{{0.1, 0.2, 0.4, 0.8, 1.6, 3.2}},
		priors: []float64{1},
		noises: []float64{1e-6, 1e-3, 1e-2, 0.1},
	}
	if p.dim > p.width {
		for j := p.width; j < p.dim; j++ {
			s.groups[j] = 1
		}
		s.grids = append(s.grids, []float64{0.1, 0.3, 1, 3})
		s.priors = append(s.priors, 0.5)
	}
	if n >= 5*p.dim {
		s.sweeps = 2
	}
	return s
}

// Act runs the untried target config of largest expected improvement, or
// a random one while the initial random trials last.
func (p *GP) Act(obs *research.Observation) (research.Action, error) {
	if p.ep == nil {
		return research.Action{}, errNoReset(p.Name())
	}
	if _, err := p.ep.sync(obs); err != nil {
		return research.Action{}, err
	}
	if a, done := p.ep.over(obs); done {
		return a, nil
	}
	if p.probed < len(p.probes) {
		pr := p.probes[p.probed]
		p.probed++
		if runCost(pr.fid) <= obs.BudgetLeft-runCost(obs.Target) {
			return p.ep.run(pr.cand, pr.fid.Experiment), nil
		}
		p.probed = len(p.probes) // the budget ran short of the plan
	}
	if len(p.probes) > 0 && !p.learnt {
		p.learnt = true
		srcs, err := p.historySources(obs)
		if err == nil {
			err = p.learn(srcs)
		}
		if err != nil {
			return research.Action{}, fmt.Errorf("policy: %s: target %q: learning from the probes: %w", p.Name(), p.ep.target, err)
		}
	}
	if p.ctx == nil && p.ep.targetTrials() < p.opts.InitialRandom {
		return p.ep.run(p.ep.randomUntried(p.rng), ""), nil
	}
	i, err := p.next(obs.Target)
	if err != nil {
		return research.Action{}, fmt.Errorf("policy: %s: target %q, step %d: %w", p.Name(), p.ep.target, obs.Step+1, err)
	}
	return p.ep.run(i, ""), nil
}

// next fits the GP to the data so far and returns the untried target
// candidate of largest expected improvement.
func (p *GP) next(target research.Fidelity) (int, error) {
	m, err := p.fit(target)
	if err != nil {
		return -1, err
	}
	if p.ctx != nil && (m == p.ctx || m.prefix == p.ctx) {
		// The predictions against the context carry over between steps.
		if p.ctxPred == nil {
			p.ctxPred = newPredictCacheIn(p.ctx, p.cand, len(p.mean), p.bufs)
		}
		p.buf, err = m.predictCached(p.ctxPred, p.mean, p.sd, p.buf)
	} else {
		p.buf, err = m.predict(p.cand, p.mean, p.sd, p.buf)
	}
	if err != nil {
		return -1, err
	}
	// The incumbent is the best successful target trial, or without one
	// the best prediction among the untried target configs.
	incumbent := math.Inf(1)
	base := m.data.n - p.ep.targetTrials()
	for k, s := range p.ep.scores {
		if !math.IsInf(s, 1) {
			incumbent = min(incumbent, m.data.mean+m.data.scale*m.data.y[base+k])
		}
	}
	if math.IsInf(incumbent, 1) {
		for i, done := range p.ep.tried {
			if !done {
				incumbent = min(incumbent, p.mean[i])
			}
		}
	}
	if m != p.ctx {
		m.data.recycle(m) // the step's fit is not needed again
	}
	best, bestEI := -1, math.Inf(-1)
	for i, done := range p.ep.tried {
		if done {
			continue
		}
		if ei := expectedImprovement(p.mean[i], p.sd[i], incumbent); ei > bestEI {
			best, bestEI = i, ei
		}
	}
	if best < 0 {
		return -1, fmt.Errorf("expected improvement is NaN at every untried config (incumbent %v)", incumbent)
	}
	return best, nil
}

// fit fits the GP to the target trials, after the context subset when
// there is one: then with the hyperparameters chosen at Reset, else by a
// fresh search.
func (p *GP) fit(target research.Fidelity) (*gpModel, error) {
	nc, nt := len(p.ctxY), p.ep.targetTrials()
	if p.ctx != nil && nt == 0 {
		// The data are the context subset alone, which Reset fitted
		// already with these hyperparameters.
		return p.ctx, nil
	}
	xs := make([]float64, (nc+nt)*p.dim)
	copy(xs, p.ctxX)
	ys := make([]float64, nc+nt)
	copy(ys, p.ctxY)
	for k, i := range p.ep.trials {
		p.encode(xs[(nc+k)*p.dim:(nc+k+1)*p.dim], p.ep.cands.Point(i), target)
		ys[nc+k] = p.ep.scores[k]
	}
	if p.ctx != nil {
		if err := p.align(xs[nc*p.dim:], ys[nc:]); err != nil {
			return nil, err
		}
	}
	ys, _ = p.transform(ys, p.ctx != nil)
	if p.ctx != nil {
		// The context's correlations and factor carry over.
		data, err := prepareGPDataIn(xs, p.dim, ys, p.bufs)
		if err != nil {
			return nil, err
		}
		return data.fitAfter(p.ctx)
	}
	data, err := newGPDataIn(xs, p.dim, ys, p.bufs)
	if err != nil {
		return nil, err
	}
	return data.search(p.searchSpec(nc + nt))
}

// align maps the scores ys of the target trials whose GP inputs are the
// rows of xs to the context's scale: regret-like values relative to the
// nearest context experiment, shifted by the mean gap between them and
// the context-only GP's predictions there. Diverged runs stay +Inf.
func (p *GP) align(xs, ys []float64) error {
	mean, sd := make([]float64, len(ys)), make([]float64, len(ys))
	if _, err := p.ctx.predict(xs, mean, sd, nil); err != nil {
		return err
	}
	gap, n := 0.0, 0
	for k, s := range ys {
		ys[k] = regretLike(s, p.ref)
		if !math.IsInf(ys[k], 1) {
			gap += ys[k] - p.ctxMap.inverse(mean[k])
			n++
		}
	}
	if n == 0 {
		return nil
	}
	gap /= float64(n)
	for k := range ys {
		ys[k] -= gap
	}
	return nil
}
