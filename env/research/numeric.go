package research

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/spaces"
	"github.com/autollmresearch/gym/tasks"
)

// Bounds of a normalised outcome in the numeric observation (see
// [Numeric]): outcomes are clamped to [OutcomeLow, OutcomeHigh], and a run
// that diverged reads OutcomeDiverged.
const (
	OutcomeLow      = -1.0
	OutcomeHigh     = 2.0
	OutcomeDiverged = OutcomeHigh
	// outcomeNone is the best-so-far outcome before any target trial: the
	// reference's worst config, as regret starts at 1.
	outcomeNone = 1.0
)

// Segment is a run of consecutive slots of a numeric observation, as
// listed by [Numeric.Layout]: slots [Offset, Offset+Len) hold the named
// quantity, each within [Low, High].
type Segment struct {
	// Name says what the slots hold, e.g. "trials_left" or
	// "history[0].config".
	Name string
	// Offset is the first slot and Len the number of slots.
	Offset, Len int
	// Low and High bound every slot of the segment.
	Low, High float64
}

// Numeric is the view of a research env for neural agents: observations are
// fixed-size []float64 vectors and actions are points of the unit cube. It
// implements env.Env[[]float64, []float64] over any
// env.Env[*Observation, Action] that has an [*Env] inside (an Env, or a
// wrapper of one).
//
// # Observation
//
// With F the number of fidelity coordinates of the table, D the encoded
// dimension of the config space (spaces.ConfigSpace.EncodedDim), C =
// Options.ContextSlots and H = Options.HistorySlots, the observation holds,
// in order (see [Numeric.Layout] for the offsets):
//
//   - target_fidelity (F): the target's Fidelity.Features, in [0, 1];
//   - trials_left (1): target trials left / Options.Trials;
//   - budget_left (1): GPU hours left / the episode's budget
//     (MultiFidelity); always 1 in the Extrapolate setting;
//   - best_target_outcome (1): the normalised outcome (below) of the best
//     target trial so far; 1 before any target trial, OutcomeDiverged if
//     every target trial diverged;
//   - has_target_trial (1): 1 once a target trial has been made;
//   - C context slots, nearest lower fidelity first, each holding
//     present (1), fidelity (F, the experiment's Features), best_config (D,
//     the encoding of the experiment's best config, see Context.Best),
//     diverged_rate (1, the fraction of its configs that diverged),
//     median_regret (1, where its median config lies between its best, 0,
//     and its worst, 1) and best_outcome (1, its best objective normalised
//     as below). Slots beyond the context are all zero, present included.
//     In the MultiFidelity setting there is no free context and every slot
//     is empty.
//   - H history slots, most recent trial first, each holding present (1),
//     config (D, the encoding of the config that was run), fidelity (F,
//     the Features of the experiment it ran at), target (1, whether that
//     is the target), outcome (1, normalised) and diverged (1). Slots
//     beyond the history are all zero.
//
// # Normalised outcomes
//
// An objective value y is reported as (y − best) / (worst − best), which is
// direction-aware (0 is as good as best, 1 as bad as worst, below 0
// better than best), clamped to [OutcomeLow, OutcomeHigh]; a run that
// diverged reads OutcomeDiverged. The target's own best and worst are never
// used, so nothing about the target's outcomes leaks beyond the agent's
// own trials:
//
//   - Extrapolate: best and worst are those of the reference experiment,
//     the nearest lower-fidelity context experiment with a config that did
//     not diverge (tasks.Stats); they are fixed for the episode. Should
//     they coincide, a value equal to them reads 0, a better one OutcomeLow
//     and a worse one OutcomeHigh.
//   - MultiFidelity: best and worst are taken over the episode's trials so
//     far that did not diverge, whatever their fidelity, so earlier
//     history slots are re-normalised as the episode goes on. When they
//     coincide (a single trial so far) every such value reads 0.
//
// # Action
//
// An action is a point of [0, 1]^n. Its first D coordinates are a point of
// the config encoding; the config run is the candidate of the chosen
// experiment nearest to it (spaces.Candidates.Nearest), passed to the env
// in canonical form. In the Extrapolate setting n = D and the experiment is
// the target. In the MultiFidelity setting n = D + 2: coordinate D chooses
// the experiment among Observation.Fidelities (cheap to expensive, the
// target last) by rank fraction, index min(⌊u·len⌋, len − 1), and
// coordinate D + 1 stops the episode when above 0.5. A run that the budget
// left cannot pay for ends the episode as a stop does, with the info number
// "over_budget" set to 1.
//
// An action of the wrong length or with a coordinate outside [0, 1] (NaN
// included) is an error. Reward, termination and info are the wrapped
// env's.
//
// Step does not allocate once the buffers have grown in a first episode,
// and Reset allocates only the first time it meets a target (it caches the
// part of the vector that depends on the target alone). The returned
// observation is a buffer the view reuses, valid until the next Reset or
// Step.
type Numeric struct {
	inner  env.Env[*Observation, Action]
	core   *Env
	enc    *encoder
	actSp  *spaces.Box
	nAct   int
	action Action
	info   env.Info
	// direct is set when inner is core itself, which the view may then
	// step by candidate index.
	direct bool
}

// NewNumeric returns the numeric view of e. It fails if e has no [*Env]
// inside.
func NewNumeric(e env.Env[*Observation, Action]) (*Numeric, error) {
	core, err := coreOf("NewNumeric", e)
	if err != nil {
		return nil, err
	}
	enc, err := newEncoder(core)
	if err != nil {
		return nil, err
	}
	n := enc.d
	if enc.setting == MultiFidelity {
		n += 2
	}
	return &Numeric{
		inner:  e,
		core:   core,
		enc:    enc,
		actSp:  spaces.NewBox(0, 1, n),
		nAct:   n,
		direct: e == env.Env[*Observation, Action](core),
	}, nil
}

// coreOf finds the *Env inside e.
func coreOf(who string, e env.Env[*Observation, Action]) (*Env, error) {
	if e == nil {
		return nil, fmt.Errorf("research: %s: the env is nil", who)
	}
	core, ok := env.As[*Env](e)
	if !ok || core == nil {
		return nil, fmt.Errorf("research: %s: %T is not a *research.Env and wraps none", who, e)
	}
	return core, nil
}

// Layout describes every slot of the observation, in order; the segments
// are contiguous and cover all ObservationSpace().Dim() slots. The slice is
// a copy.
func (n *Numeric) Layout() []Segment { return append([]Segment(nil), n.enc.layout...) }

// ObservationSpace is the Box of observations, with the bounds of each
// segment of Layout.
func (n *Numeric) ObservationSpace() spaces.Space[[]float64] { return n.enc.obsSp }

// ActionSpace is the Box [0, 1]^n; see [Numeric] for n.
func (n *Numeric) ActionSpace() spaces.Space[[]float64] { return n.actSp }

// UnwrapEnv returns the wrapped env.
func (n *Numeric) UnwrapEnv() any { return n.inner }

// Close closes the wrapped env.
func (n *Numeric) Close() error { return n.inner.Close() }

// Reset starts an episode of the wrapped env and returns its encoding. The
// seed and options are the wrapped env's.
func (n *Numeric) Reset(seed env.Seed, options env.Options) ([]float64, env.Info, error) {
	n.enc.obs = nil
	obs, info, err := n.inner.Reset(seed, options)
	if err != nil {
		return nil, info, err
	}
	if err := n.enc.reset(obs); err != nil {
		return nil, info, err
	}
	return n.enc.buf, info, nil
}

// Step decodes the action, runs it in the wrapped env and returns the
// encoding of the new observation.
func (n *Numeric) Step(action []float64) (env.StepResult[[]float64], error) {
	if err := checkUnit(action, n.nAct); err != nil {
		return env.StepResult[[]float64]{}, err
	}
	if n.enc.obs == nil {
		return env.StepResult[[]float64]{}, env.ErrResetNeeded
	}
	d := n.enc.d
	n.action = Action{}
	k := len(n.enc.cands) - 1
	if n.enc.setting == MultiFidelity {
		if action[d+1] > 0.5 {
			n.action.Stop = true
		} else {
			k = min(int(action[d]*float64(len(n.enc.cands))), len(n.enc.cands)-1)
			n.action.Experiment = n.enc.obs.Fidelities[k].Experiment
		}
	}
	var res env.StepResult[*Observation]
	var err error
	switch {
	case n.action.Stop:
		res, err = n.inner.Step(n.action)
	case n.direct:
		// The view knows the candidate: step by index, without the
		// wrapped env finding the config again.
		j, _ := n.enc.cands[k].Nearest(action[:d])
		var reward float64
		if reward, err = n.core.stepCandidate(k, j); err == nil {
			// The common path: no over-budget stop, the core's own
			// observation and info.
			if err := n.enc.update(&n.core.obs); err != nil {
				return env.StepResult[[]float64]{}, err
			}
			return env.StepResult[[]float64]{Obs: n.enc.buf, Reward: reward, Terminated: n.core.ended, Info: n.core.info}, nil
		}
	default:
		cands := n.enc.cands[k]
		j, _ := cands.Nearest(action[:d])
		n.action.Config = cands.Config(j)
		res, err = n.inner.Step(n.action)
	}
	overBudget := false
	if errors.Is(err, ErrOverBudget) {
		overBudget = true
		res, err = n.inner.Step(Action{Stop: true})
	}
	if err != nil {
		return env.StepResult[[]float64]{}, err
	}
	if err := n.enc.update(res.Obs); err != nil {
		return env.StepResult[[]float64]{}, err
	}
	info := res.Info
	if overBudget {
		n.info.Clear()
		n.info.Merge(res.Info)
		n.info.SetNum("over_budget", 1)
		info = n.info
	}
	return env.StepResult[[]float64]{
		Obs:        n.enc.buf,
		Reward:     res.Reward,
		Terminated: res.Terminated,
		Truncated:  res.Truncated,
		Info:       info,
	}, nil
}

// checkUnit reports why x is not a point of [0, 1]^n.
func checkUnit(x []float64, n int) error {
	if len(x) != n {
		return fmt.Errorf("research: numeric action has length %d, want %d", len(x), n)
	}
	for i, v := range x {
		if !(v >= 0 && v <= 1) {
			return fmt.Errorf("research: numeric action coordinate %d is %g, want a number in [0, 1]", i, v)
		}
	}
	return nil
}

// encoder turns observations of one env into fixed-size vectors. It keeps
// per-episode state so that each step only encodes what is new.
type encoder struct {
	core      *Env
	table     *tasks.Table
	space     *spaces.ConfigSpace
	setting   Setting
	direction tasks.Direction
	trials    int

	nf, d, nCtx, nHist int
	// offsets of the segments
	offTarget, offTrials, offBudget, offBest, offHasBest int
	offCtx, ctxStride, offHist, histStride               int

	layout []Segment
	obsSp  *spaces.Box
	buf    []float64
	// statics caches, per target, the vector after writeStatic and the
	// reference, so that a Reset at a target seen before only copies it.
	statics map[string]*staticPart

	// Per episode.
	obs   *Observation
	cands []*spaces.Candidates // per obs.Fidelities entry
	// ref holds the reference best and worst of the Extrapolate setting.
	refBest, refWorst float64
	hasRef            bool
	// seen is the number of history trials processed; histFid their
	// index in obs.Fidelities.
	seen    int
	histFid []int
	// encoded is the number of history trials the vector's history slots
	// encode, most recent first.
	encoded int
	// Running objective range over the episode's non-diverged trials.
	runBest, runWorst float64
	hasRun            bool
	// Best target trial so far.
	tgtBest                float64
	tgtAny, tgtNonDiverged bool
}

// staticPart is what writeStatic computes for one target.
type staticPart struct {
	vec               []float64
	refBest, refWorst float64
	hasRef            bool
}

// Offsets within a context slot and a history slot.
const (
	ctxPresent  = 0
	ctxFidelity = 1 // then F, then D, then 3 summary slots
	histPresent = 0
	histConfig  = 1 // then D, then F, then target, outcome, diverged
)

func newEncoder(core *Env) (*encoder, error) {
	opts := core.Options()
	t := core.Table()
	meta := t.Meta()
	if meta.Space == nil {
		return nil, errors.New("research: the table has no configuration space")
	}
	en := &encoder{
		core:      core,
		table:     t,
		space:     meta.Space,
		setting:   opts.Setting,
		direction: meta.Direction,
		trials:    opts.Trials,
		nf:        len(meta.Fidelity),
		d:         meta.Space.EncodedDim(),
		nCtx:      opts.ContextSlots,
		nHist:     opts.HistorySlots,
		statics:   make(map[string]*staticPart),
		histFid:   make([]int, 0, opts.Trials),
	}
	if en.trials < 1 || en.nCtx < 0 || en.nHist < 0 {
		return nil, fmt.Errorf("research: options Trials %d, ContextSlots %d, HistorySlots %d: want Trials >= 1 and no negative slot count",
			en.trials, en.nCtx, en.nHist)
	}
	en.lay()
	dim := en.offHist + en.nHist*en.histStride
	low, high := make([]float64, dim), make([]float64, dim)
	for _, s := range en.layout {
		for i := s.Offset; i < s.Offset+s.Len; i++ {
			low[i], high[i] = s.Low, s.High
		}
	}
	sp, err := spaces.NewBoxBounds(low, high, dim)
	if err != nil {
		return nil, fmt.Errorf("research: numeric observation space: %w", err)
	}
	en.obsSp = sp
	en.buf = make([]float64, dim)
	return en, nil
}

// add appends a segment of n values in [lo, hi] to the layout and returns
// its offset.
func (en *encoder) add(name string, n int, lo, hi float64) int {
	off := 0
	if k := len(en.layout); k > 0 {
		off = en.layout[k-1].Offset + en.layout[k-1].Len
	}
	en.layout = append(en.layout, Segment{Name: name, Offset: off, Len: n, Low: lo, High: hi})
	return off
}

// lay lays out the observation vector: the target and budget segments,
// then the context slots, then the history slots, and drops the empty
// segments (no fidelity coordinates) from the layout.
func (en *encoder) lay() {
	en.offTarget = en.add("target_fidelity", en.nf, 0, 1)
	en.offTrials = en.add("trials_left", 1, 0, 1)
	en.offBudget = en.add("budget_left", 1, 0, 1)
	en.offBest = en.add("best_target_outcome", 1, OutcomeLow, OutcomeHigh)
	en.offHasBest = en.add("has_target_trial", 1, 0, 1)
	en.layContext()
	en.layHistory()
	kept := en.layout[:0]
	for _, s := range en.layout {
		if s.Len > 0 {
			kept = append(kept, s)
		}
	}
	en.layout = kept
}

// layContext lays out the context slots.
func (en *encoder) layContext() {
	en.ctxStride = 1 + en.nf + en.d + 3
	for i := range en.nCtx {
		p := "context[" + strconv.Itoa(i) + "]."
		off := en.add(p+"present", 1, 0, 1)
		if i == 0 {
			en.offCtx = off
		}
		en.add(p+"fidelity", en.nf, 0, 1)
		en.add(p+"best_config", en.d, 0, 1)
		en.add(p+"diverged_rate", 1, 0, 1)
		en.add(p+"median_regret", 1, 0, 1)
		en.add(p+"best_outcome", 1, OutcomeLow, OutcomeHigh)
	}
	if en.nCtx == 0 {
		en.offCtx = en.offHasBest + 1
	}
}

// layHistory lays out the history slots.
func (en *encoder) layHistory() {
	en.histStride = 1 + en.d + en.nf + 3
	for i := range en.nHist {
		p := "history[" + strconv.Itoa(i) + "]."
		off := en.add(p+"present", 1, 0, 1)
		if i == 0 {
			en.offHist = off
		}
		en.add(p+"config", en.d, 0, 1)
		en.add(p+"fidelity", en.nf, 0, 1)
		en.add(p+"target", 1, 0, 1)
		en.add(p+"outcome", 1, OutcomeLow, OutcomeHigh)
		en.add(p+"diverged", 1, 0, 1)
	}
	if en.nHist == 0 {
		en.offHist = en.offCtx + en.nCtx*en.ctxStride
	}
}

// reset starts encoding a new episode: it resolves the candidates of the
// runnable experiments, picks the reference experiment, writes the static
// part of the vector and then the dynamic part.
func (en *encoder) reset(obs *Observation) error {
	if obs == nil {
		return errors.New("research: the wrapped env returned a nil observation")
	}
	if len(obs.Fidelities) == 0 {
		return errors.New("research: the observation lists no runnable experiment")
	}
	en.obs = nil
	en.cands = en.cands[:0]
	for _, f := range obs.Fidelities {
		i, ok := en.table.ExperimentIndex(f.Experiment)
		if !ok {
			return fmt.Errorf("research: the observation's experiment %q is not in the table", f.Experiment)
		}
		en.cands = append(en.cands, en.table.Candidates(i))
	}
	en.seen, en.histFid, en.encoded = 0, en.histFid[:0], 0
	en.hasRun, en.tgtAny, en.tgtNonDiverged = false, false, false

	if st, ok := en.statics[obs.Target.Experiment]; ok {
		copy(en.buf, st.vec)
		en.refBest, en.refWorst, en.hasRef = st.refBest, st.refWorst, st.hasRef
		return en.update(obs)
	}
	en.writeStatic(obs)
	en.statics[obs.Target.Experiment] = &staticPart{
		vec:     append([]float64(nil), en.buf...),
		refBest: en.refBest, refWorst: en.refWorst, hasRef: en.hasRef,
	}
	return en.update(obs)
}

// writeStatic picks the reference experiment and writes the part of the
// vector that depends only on the target: its fidelity and the context
// slots. The rest of the vector is zeroed.
func (en *encoder) writeStatic(obs *Observation) {
	// The reference: the nearest context experiment with a config that did
	// not diverge.
	en.hasRef = false
	ctx := obs.Context
	for i := ctx.Len() - 1; i >= 0; i-- {
		if s := ctx.Stats(i); s.Count > 0 {
			en.refBest, en.refWorst, en.hasRef = s.Best, s.Worst, true
			break
		}
	}

	b := en.buf
	clear(b)
	copyUnit(b[en.offTarget:en.offTarget+en.nf], obs.Target.Features)
	for slot := range min(en.nCtx, ctx.Len()) {
		i := ctx.Len() - 1 - slot
		s := b[en.offCtx+slot*en.ctxStride : en.offCtx+(slot+1)*en.ctxStride]
		s[ctxPresent] = 1
		copyUnit(s[ctxFidelity:ctxFidelity+en.nf], ctx.Fidelity(i).Features)
		cfg := s[ctxFidelity+en.nf : ctxFidelity+en.nf+en.d]
		st := ctx.Stats(i)
		sum := s[ctxFidelity+en.nf+en.d:]
		if total := st.Count + st.Diverged; total > 0 {
			sum[0] = float64(st.Diverged) / float64(total)
		}
		if best := en.contextBest(ctx, i); best >= 0 {
			copyUnit(cfg, ctx.Candidates(i).Point(best))
			if span := st.Worst - st.Best; span != 0 && !math.IsNaN(span) {
				sum[1] = clampUnit((st.Median - st.Best) / span)
			}
			sum[2] = en.norm(st.Best, false)
		} else {
			sum[2] = OutcomeDiverged
		}
	}
}

// contextBest is the index of the best non-diverged config of context
// experiment i (the first on ties), or -1; it agrees with Context.Best.
func (en *encoder) contextBest(ctx *Context, i int) int {
	best, bestY := -1, 0.0
	for j := range len(ctx.Configs(i)) {
		o := ctx.Outcome(i, j)
		if !o.Diverged && (best < 0 || en.direction.Better(o.Objective, bestY)) {
			best, bestY = j, o.Objective
		}
	}
	return best
}

// update folds the trials added since the last call into the episode's
// state and rewrites the dynamic part of the vector.
func (en *encoder) update(obs *Observation) error {
	if obs == nil {
		return errors.New("research: the wrapped env returned a nil observation")
	}
	en.obs = obs
	prevSeen := en.seen
	prevBest, prevWorst, prevRun := en.runBest, en.runWorst, en.hasRun
	for ; en.seen < len(obs.History); en.seen++ {
		t := &obs.History[en.seen]
		k := -1
		for i := range obs.Fidelities {
			if obs.Fidelities[i].Experiment == t.Experiment {
				k = i
				break
			}
		}
		if k < 0 || t.Candidate < 0 || t.Candidate >= en.cands[k].Len() {
			return fmt.Errorf("research: trial %d ran config %d at %q, which the episode does not list", en.seen+1, t.Candidate, t.Experiment)
		}
		en.histFid = append(en.histFid, k)
		ok := !t.Diverged && !math.IsNaN(t.Objective)
		if ok {
			y := t.Objective
			if !en.hasRun {
				en.runBest, en.runWorst, en.hasRun = y, y, true
			} else {
				if en.direction.Better(y, en.runBest) {
					en.runBest = y
				}
				if en.direction.Better(en.runWorst, y) {
					en.runWorst = y
				}
			}
		}
		if t.Target {
			en.tgtAny = true
			if ok && (!en.tgtNonDiverged || en.direction.Better(t.Objective, en.tgtBest)) {
				en.tgtBest, en.tgtNonDiverged = t.Objective, true
			}
		}
	}

	b := en.buf
	b[en.offTrials] = clampUnit(float64(obs.TrialsLeft) / float64(en.trials))
	b[en.offBudget] = 1
	if en.setting == MultiFidelity {
		b[en.offBudget] = 0
		if total := obs.BudgetLeft + obs.Spent; total > 0 && !math.IsInf(total, 0) {
			b[en.offBudget] = clampUnit(obs.BudgetLeft / total)
		}
	}
	switch {
	case en.tgtNonDiverged:
		b[en.offBest] = en.norm(en.tgtBest, false)
	case en.tgtAny:
		b[en.offBest] = OutcomeDiverged
	default:
		b[en.offBest] = outcomeNone
	}
	b[en.offHasBest] = 0
	if en.tgtAny {
		b[en.offHasBest] = 1
	}
	en.writeHistory(obs, prevSeen, prevBest, prevWorst, prevRun)
	return nil
}

// writeHistory rewrites the history slots of the vector. When the slots
// already encode the first prevSeen trials and the normalisation has not
// moved since (the fixed reference of the Extrapolate setting, or a running
// range the new trials left as it was), the encoded slots are shifted down
// and only the new trials are encoded.
func (en *encoder) writeHistory(obs *Observation, prevSeen int, prevBest, prevWorst float64, prevRun bool) {
	hist := en.buf[en.offHist : en.offHist+en.nHist*en.histStride]
	fixedRef := en.setting != MultiFidelity && en.hasRef
	stable := fixedRef || (prevRun == en.hasRun && prevBest == en.runBest && prevWorst == en.runWorst)
	slots := min(en.nHist, len(obs.History))
	if stable && en.encoded == prevSeen {
		if m := len(obs.History) - prevSeen; m < en.nHist {
			copy(hist[m*en.histStride:], hist[:(en.nHist-m)*en.histStride])
			slots = m
		}
	} else {
		clear(hist)
	}
	for slot := range slots {
		en.writeHistSlot(hist[slot*en.histStride:(slot+1)*en.histStride], obs, len(obs.History)-1-slot)
	}
	en.encoded = len(obs.History)
}

// writeHistSlot encodes history trial i into the slot s.
func (en *encoder) writeHistSlot(s []float64, obs *Observation, i int) {
	t := &obs.History[i]
	k := en.histFid[i]
	s[histPresent] = 1
	copyUnit(s[histConfig:histConfig+en.d], en.cands[k].Point(t.Candidate))
	copyUnit(s[histConfig+en.d:histConfig+en.d+en.nf], obs.Fidelities[k].Features)
	tail := s[histConfig+en.d+en.nf:]
	tail[0], tail[2] = 0, 0
	if t.Target {
		tail[0] = 1
	}
	tail[1] = en.norm(t.Objective, t.Diverged)
	if t.Diverged {
		tail[2] = 1
	}
}

// norm normalises an objective value; see [Numeric].
func (en *encoder) norm(y float64, diverged bool) float64 {
	if diverged || math.IsNaN(y) {
		return OutcomeDiverged
	}
	best, worst, ok := en.refBest, en.refWorst, en.hasRef
	if en.setting == MultiFidelity || !ok {
		best, worst, ok = en.runBest, en.runWorst, en.hasRun
	}
	if !ok {
		return 0
	}
	span := worst - best
	if span == 0 || math.IsNaN(span) || math.IsInf(span, 0) {
		switch {
		case y == best:
			return 0
		case en.direction.Better(y, best):
			return OutcomeLow
		default:
			return OutcomeHigh
		}
	}
	v := (y - best) / span
	switch {
	case math.IsNaN(v):
		return OutcomeHigh
	case v < OutcomeLow:
		return OutcomeLow
	case v > OutcomeHigh:
		return OutcomeHigh
	}
	return v
}

// clampUnit clamps x to [0, 1], mapping NaN to 0.
func clampUnit(x float64) float64 {
	if !(x > 0) {
		return 0
	}
	return min(x, 1)
}

// copyUnit copies src into dst clamped to [0, 1]; extra entries of dst are
// zeroed.
func copyUnit(dst, src []float64) {
	for i := range dst {
		if i < len(src) {
			dst[i] = clampUnit(src[i])
		} else {
			dst[i] = 0
		}
	}
}
