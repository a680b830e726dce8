package policy

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/spaces"
	"github.com/autollmresearch/gym/tasks"
)

// This file holds the bookkeeping the baselines share. None of it is
// exported: it is the machinery behind the policies, and other policies of
// the package (the model-based ones included) may use it.
//
//   - score turns an outcome into a number that is lower when better, in
//     either direction, so that rankings need no direction switch;
//   - episode tracks the target's candidates, which of them were run and
//     the target trials so far, read incrementally from the history;
//   - level is what is known about one experiment below the target:
//     encoded configs and their scores (contextLevels reads the context);
//   - probeLog attributes paid lower-fidelity runs to the target config
//     they were asked for;
//   - affords checks a run against the budget left.

// score returns a number that is lower for better outcomes whatever the
// direction: the objective when it is minimised, its negation when it is
// maximised, and +Inf for a diverged run or a NaN objective.
func score(dir tasks.Direction, objective float64, diverged bool) float64 {
	if diverged || math.IsNaN(objective) {
		return math.Inf(1)
	}
	if dir == tasks.Maximize {
		return -objective
	}
	return objective
}

// budgetSlack is the relative tolerance of budget comparisons, so that K
// runs of cost B/K fit in a budget of B despite rounding.
const budgetSlack = 1e-9

// runCost is the most a run at f may cost: MaxCost when the env reports
// it, else CostPerRun.
func runCost(f research.Fidelity) float64 {
	if f.MaxCost > 0 {
		return f.MaxCost
	}
	return f.CostPerRun
}

// affords reports whether the budget left pays for any run at f. In the
// Extrapolate setting the budget is +Inf and every run is affordable.
func affords(obs *research.Observation, f research.Fidelity) bool {
	return runCost(f) <= obs.BudgetLeft*(1+budgetSlack)
}

// checkObservation reports what makes obs unusable for a policy.
func checkObservation(name string, obs *research.Observation) error {
	switch {
	case obs == nil:
		return fmt.Errorf("policy: %s: nil observation", name)
	case obs.Space == nil:
		return fmt.Errorf("policy: %s: observation of target %q has no configuration space", name, obs.Target.Experiment)
	case len(obs.TargetConfigs) == 0:
		return fmt.Errorf("policy: %s: observation of target %q lists no target configs", name, obs.Target.Experiment)
	case obs.Direction != tasks.Minimize && obs.Direction != tasks.Maximize:
		return fmt.Errorf("policy: %s: observation of target %q has direction %v, want min or max", name, obs.Target.Experiment, obs.Direction)
	case obs.Setting != research.Extrapolate && obs.Setting != research.MultiFidelity:
		return fmt.Errorf("policy: %s: observation of target %q has unknown setting %v", name, obs.Target.Experiment, obs.Setting)
	case math.IsNaN(obs.BudgetLeft):
		return fmt.Errorf("policy: %s: observation of target %q has a NaN budget left", name, obs.Target.Experiment)
	}
	return nil
}

// checkRand reports a missing random stream.
func checkRand(name string, rng *rand.Rand) error {
	if rng == nil {
		return fmt.Errorf("policy: %s: Reset needs a random stream, got nil (use rand.New(rand.NewPCG(seed, stream)))", name)
	}
	return nil
}

// episode is the per-episode state every baseline keeps: the target's
// candidates encoded once, which of them have been run at the target, and
// the target trials so far. It is built by Reset from the first
// observation and brought up to date by sync at every Act.
type episode struct {
	name    string // the policy's name, for errors
	space   *spaces.ConfigSpace
	dir     tasks.Direction
	setting research.Setting
	target  string
	configs []spaces.Config    // the observation's TargetConfigs
	cands   *spaces.Candidates // the target's configs, in TargetConfigs order
	width   int                // encoded dimension

	tried    []bool // per target candidate: run at the target
	numTried int
	read     int // history entries already read

	trials []int     // target candidate of each target trial, oldest first
	scores []float64 // score of each target trial
}

// newEpisode starts the bookkeeping of the episode that obs opens; name is
// the policy's name, for errors.
func newEpisode(name string, obs *research.Observation) (*episode, error) {
	return renewEpisode(name, obs, nil)
}

// renewEpisode is newEpisode for a policy whose previous episode was prev
// (nil for none): when obs lists the very same target configs (the same
// slice, as the env hands out for each target), their encoding is reused
// rather than computed again.
func renewEpisode(name string, obs *research.Observation, prev *episode) (*episode, error) {
	if err := checkObservation(name, obs); err != nil {
		return nil, err
	}
	var cands *spaces.Candidates
	if prev != nil && prev.space == obs.Space && sameSlice(prev.configs, obs.TargetConfigs) {
		cands = prev.cands
	} else {
		var err error
		cands, err = spaces.NewCandidates(obs.Space, obs.TargetConfigs)
		if err != nil {
			return nil, fmt.Errorf("policy: %s: target %q: %w", name, obs.Target.Experiment, err)
		}
	}
	e := &episode{
		name:    name,
		space:   obs.Space,
		dir:     obs.Direction,
		setting: obs.Setting,
		target:  obs.Target.Experiment,
		configs: obs.TargetConfigs,
		cands:   cands,
		width:   obs.Space.EncodedDim(),
		tried:   make([]bool, cands.Len()),
	}
	if _, err := e.sync(obs); err != nil {
		return nil, err
	}
	return e, nil
}

// sameSlice reports whether a and b are the same non-empty slice: same
// first element and length.
func sameSlice(a, b []spaces.Config) bool {
	return len(a) == len(b) && len(a) > 0 && &a[0] == &b[0]
}

// errNoReset is returned by Act before the first Reset.
func errNoReset(name string) error {
	return fmt.Errorf("policy: %s: Act called before Reset", name)
}

// sync reads the trials added to the history since the last call and
// returns them. It fails when obs belongs to another episode: another
// target, or a history shorter than what was already read.
func (e *episode) sync(obs *research.Observation) ([]research.Trial, error) {
	if err := checkObservation(e.name, obs); err != nil {
		return nil, err
	}
	if obs.Target.Experiment != e.target {
		return nil, fmt.Errorf("policy: %s: observation is of target %q but the episode reset at %q; call Reset for a new episode", e.name, obs.Target.Experiment, e.target)
	}
	if len(obs.History) < e.read {
		return nil, fmt.Errorf("policy: %s: observation has %d trials but %d were already seen; call Reset for a new episode", e.name, len(obs.History), e.read)
	}
	news := obs.History[e.read:]
	for k, t := range news {
		if !t.Target {
			continue
		}
		i, err := e.targetCandidate(t)
		if err != nil {
			return nil, fmt.Errorf("policy: %s: history trial %d: %w", e.name, e.read+k, err)
		}
		if !e.tried[i] {
			e.tried[i] = true
			e.numTried++
		}
		e.trials = append(e.trials, i)
		e.scores = append(e.scores, score(e.dir, t.Objective, t.Diverged))
	}
	e.read = len(obs.History)
	return news, nil
}

// targetCandidate finds the target candidate a target trial ran: its
// Candidate index when that names Run, else the candidate nearest to Run.
func (e *episode) targetCandidate(t research.Trial) (int, error) {
	if i := t.Candidate; i >= 0 && i < e.cands.Len() && e.space.Equal(e.cands.Config(i), t.Run) {
		return i, nil
	}
	i, _, err := e.cands.NearestConfig(t.Run)
	if err != nil {
		return -1, fmt.Errorf("run config at the target: %w", err)
	}
	return i, nil
}

// untried is the number of target candidates not yet run at the target.
func (e *episode) untried() int { return len(e.tried) - e.numTried }

// targetTrials is the number of target trials made so far.
func (e *episode) targetTrials() int { return len(e.trials) }

// best returns the target candidate of the best target trial so far and
// its score; ok is false when there is none that did not diverge.
func (e *episode) best() (cand int, s float64, ok bool) {
	cand, s = -1, math.Inf(1)
	for k, v := range e.scores {
		if v < s {
			cand, s = e.trials[k], v
		}
	}
	return cand, s, cand >= 0
}

// sqDist is the squared Euclidean distance between two encoded points.
func sqDist(a, b []float64) float64 {
	s := 0.0
	for j, x := range a {
		d := x - b[j]
		s += d * d
	}
	return s
}

// nearestUntried returns the untried target candidate nearest to point in
// the encoding (ties to the lowest index) for which avoid, if not nil, is
// false; -1 when there is none.
func (e *episode) nearestUntried(point []float64, avoid func(i int) bool) int {
	best, bestD := -1, math.Inf(1)
	for i := range e.tried {
		if e.tried[i] || (avoid != nil && avoid(i)) {
			continue
		}
		if d := sqDist(e.cands.Point(i), point); d < bestD || best < 0 {
			best, bestD = i, d
		}
	}
	return best
}

// randomUntried returns a target candidate drawn uniformly from the
// untried ones, or -1 when every one was tried.
func (e *episode) randomUntried(rng *rand.Rand) int {
	n := e.untried()
	if n == 0 {
		return -1
	}
	k := rng.IntN(n)
	for i, done := range e.tried {
		if done {
			continue
		}
		if k == 0 {
			return i
		}
		k--
	}
	return -1
}

// run returns the action that runs target candidate i at experiment exp
// ("" for the target).
func (e *episode) run(i int, exp string) research.Action {
	return research.Action{Config: e.cands.Config(i), Experiment: exp}
}

// stop is the action that ends the episode.
var stop = research.Action{Stop: true}

// over returns the action to take when the episode has nothing left to do
// at the target, and whether that is the case: no target trial left, the
// budget cannot pay for a target run, or every target config was run. In
// the MultiFidelity setting the answer is Stop. In the Extrapolate setting,
// where only target runs exist, a policy that has run every config repeats
// the best one (the only case in which a baseline repeats a config).
func (e *episode) over(obs *research.Observation) (research.Action, bool) {
	if obs.TrialsLeft <= 0 || !affords(obs, obs.Target) {
		return stop, true
	}
	if e.untried() > 0 {
		return research.Action{}, false
	}
	if e.setting == research.MultiFidelity {
		return stop, true
	}
	i, _, ok := e.best()
	if !ok {
		i = e.trials[len(e.trials)-1]
	}
	return e.run(i, ""), true
}

// level is what a policy knows about one experiment below the target: the
// encoded configs observed there and their scores (lower is better). It
// comes from the free context or from paid runs in the history.
type level struct {
	fid    research.Fidelity
	width  int
	points []float64 // row-major, width coordinates per config
	scores []float64
}

// n is the number of configs observed at the level.
func (l *level) n() int { return len(l.scores) }

// point returns the encoding of config j.
func (l *level) point(j int) []float64 {
	return l.points[j*l.width : (j+1)*l.width : (j+1)*l.width]
}

// finite reports whether any config of the level did not diverge.
func (l *level) finite() bool {
	return slices.ContainsFunc(l.scores, func(s float64) bool { return !math.IsInf(s, 1) })
}

// nearest returns the config of the level nearest to point (ties to the
// lowest index) and the squared distance.
func (l *level) nearest(point []float64) (int, float64) {
	best, bestD := -1, math.Inf(1)
	for j := range l.scores {
		if d := sqDist(l.point(j), point); d < bestD || best < 0 {
			best, bestD = j, d
		}
	}
	return best, bestD
}

// order returns the level's configs best first; diverged ones last, ties
// in index order.
func (l *level) order() []int {
	idx := make([]int, l.n())
	for j := range idx {
		idx[j] = j
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(l.scores[a], l.scores[b]) })
	return idx
}

// centre writes to dst the outcome-weighted mean of the encodings of the
// level's k best configs that did not diverge, a robust estimate of where
// its optimum lies. Config j of the top k weighs s_ref − s_j, where s_ref
// is the score of the (k+1)-th best (or, when there is none, the k-th best
// plus the mean gap of the top k), so better configs weigh more and the
// estimate does not jump when two nearly equal configs swap places. It
// returns false when every config diverged.
func (l *level) centre(k int, dst []float64) bool {
	ord := l.order()
	m := 0
	for m < len(ord) && !math.IsInf(l.scores[ord[m]], 1) {
		m++
	}
	if m == 0 {
		return false
	}
	k = max(1, min(k, m))
	top := ord[:k]
	var ref float64
	if k < m {
		ref = l.scores[ord[k]]
	} else {
		lo, hi := l.scores[top[0]], l.scores[top[k-1]]
		ref = hi + (hi-lo)/float64(k)
	}
	weights := make([]float64, k)
	sum := 0.0
	for a, j := range top {
		weights[a] = ref - l.scores[j]
		sum += weights[a]
	}
	if !(sum > 0) || math.IsInf(sum, 0) {
		for a := range weights {
			weights[a] = 1
		}
		sum = float64(k)
	}
	clear(dst)
	for a, j := range top {
		w := weights[a] / sum
		for c, x := range l.point(j) {
			dst[c] += w * x
		}
	}
	return true
}

// contextLevels returns one level per free context experiment, cheap to
// expensive.
func contextLevels(ctx *research.Context, space *spaces.ConfigSpace, dir tasks.Direction) []level {
	n := ctx.Len()
	out := make([]level, 0, n)
	w := space.EncodedDim()
	for i := range n {
		cands := ctx.Candidates(i)
		l := level{fid: ctx.Fidelity(i), width: w, points: make([]float64, 0, cands.Len()*w), scores: make([]float64, cands.Len())}
		for j := range cands.Len() {
			l.points = append(l.points, cands.Point(j)...)
			o := ctx.Outcome(i, j)
			l.scores[j] = score(dir, o.Objective, o.Diverged)
		}
		out = append(out, l)
	}
	return out
}

// featureDistance is the Euclidean distance between two fidelities'
// features; fidelities with features of different lengths are infinitely
// far apart.
func featureDistance(a, b research.Fidelity) float64 {
	if len(a.Features) != len(b.Features) {
		return math.Inf(1)
	}
	return math.Sqrt(sqDist(a.Features, b.Features))
}

// probeKey names a target config run at an experiment below the target.
type probeKey struct {
	exp  string
	cand int
}

// probeLog remembers which target config each of the policy's paid runs
// below the target was asked for, and the score it got. A run is matched
// to the last config the policy asked for (see ask) when it is at the same
// experiment and its Asked config equals that candidate; the env matches
// the config to the experiment's nearest candidate, which the policy does
// not know in advance.
type probeLog struct {
	pending probeKey
	asked   bool
	results map[probeKey]float64
}

// ask notes that the policy is about to run target candidate cand at exp.
func (l *probeLog) ask(exp string, cand int) {
	l.pending, l.asked = probeKey{exp, cand}, true
}

// record reads new trials, attributing each run below the target to the
// pending ask.
func (l *probeLog) record(e *episode, news []research.Trial) {
	for _, t := range news {
		if t.Target || !l.asked || t.Experiment != l.pending.exp {
			continue
		}
		if !e.space.Equal(t.Asked, e.cands.Config(l.pending.cand)) {
			continue
		}
		if l.results == nil {
			l.results = make(map[probeKey]float64)
		}
		l.results[l.pending] = score(e.dir, t.Objective, t.Diverged)
		l.asked = false
	}
}

// result returns the score of target candidate cand run at exp.
func (l *probeLog) result(exp string, cand int) (float64, bool) {
	s, ok := l.results[probeKey{exp, cand}]
	return s, ok
}

// bounds returns the bounding box of cands in the encoding: per coordinate
// its least value and its extent, 1 where every candidate agrees (so that
// rescaling by it never divides by zero).
func bounds(cands *spaces.Candidates) (lo, span []float64) {
	w := cands.Space().EncodedDim()
	lo, span = make([]float64, w), make([]float64, w)
	hi := make([]float64, w)
	for i := range cands.Len() {
		for j, v := range cands.Point(i) {
			if i == 0 || v < lo[j] {
				lo[j] = v
			}
			if i == 0 || v > hi[j] {
				hi[j] = v
			}
		}
	}
	for j := range span {
		if span[j] = hi[j] - lo[j]; !(span[j] > 0) {
			span[j] = 1
		}
	}
	return lo, span
}
