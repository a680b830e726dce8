package policy

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/autollmresearch/gym/env/research"
)

// DefaultEta is the default reduction factor of successive halving and
// Hyperband: each rung keeps the best third.
const DefaultEta = 3

// DefaultMultiFidelityRounds is the default number of halving rounds of
// successive halving in the MultiFidelity setting: a single rung below the
// target. On the built-in tasks the optimum moves with scale, so only the
// fidelities nearest the target rank configs as the target does, and every
// rung further down costs target runs without telling much about them.
const DefaultMultiFidelityRounds = 1

// SuccessiveHalvingOptions configure a SuccessiveHalving policy. The zero
// value of every field means its documented default.
type SuccessiveHalvingOptions struct {
	// Eta is the reduction factor: each rung keeps the best 1/Eta of the
	// configs it ranks. It must be greater than 1; default DefaultEta.
	Eta float64
	// Rounds is the number of halving rounds. In the Extrapolate setting
	// the rungs are the Rounds+1 context experiments nearest the target
	// (all of them when there are fewer); the default is ⌈log_Eta(n/K)⌉,
	// the Eta-fold cuts that bring the target's n configs down to its K
	// trials. In the MultiFidelity setting it is the number of paid rungs
	// below the target; default DefaultMultiFidelityRounds, and fewer when
	// the budget cannot pay for them.
	Rounds int
}

func (o SuccessiveHalvingOptions) withDefaults(name string) (SuccessiveHalvingOptions, error) {
	var errs []error
	if err := checkEta(o.Eta); err != nil {
		errs = append(errs, err)
	}
	if o.Rounds < 0 {
		errs = append(errs, fmt.Errorf("option Rounds is %d, want at least 1 (or 0 for the default)", o.Rounds))
	}
	if len(errs) > 0 {
		return o, fmt.Errorf("policy: %s: invalid options: %w", name, errors.Join(errs...))
	}
	if o.Eta == 0 {
		o.Eta = DefaultEta
	}
	return o, nil
}

// HyperbandOptions configure a Hyperband policy. The zero value of every
// field means its documented default.
type HyperbandOptions struct {
	// Eta is the reduction factor of every bracket; it must be greater than
	// 1; default DefaultEta.
	Eta float64
	// Brackets is the number of brackets; bracket s (s = Brackets−1 down to
	// 0) makes s halving rounds. Default: one more than successive
	// halving's default Rounds in the setting (so 1+DefaultMultiFidelityRounds
	// in the MultiFidelity setting).
	Brackets int
}

func (o HyperbandOptions) withDefaults() (HyperbandOptions, error) {
	var errs []error
	if err := checkEta(o.Eta); err != nil {
		errs = append(errs, err)
	}
	if o.Brackets < 0 {
		errs = append(errs, fmt.Errorf("option Brackets is %d, want at least 1 (or 0 for the default)", o.Brackets))
	}
	if len(errs) > 0 {
		return o, fmt.Errorf("policy: hyperband: invalid options: %w", errors.Join(errs...))
	}
	if o.Eta == 0 {
		o.Eta = DefaultEta
	}
	return o, nil
}

func checkEta(eta float64) error {
	if eta != 0 && !(eta > 1 && !math.IsInf(eta, 1)) {
		return fmt.Errorf("option Eta is %g, want a finite number greater than 1 (or 0 for the default %d)", eta, DefaultEta)
	}
	return nil
}

// halvingRounds is the number of Eta-fold cuts that bring n configs down to
// k or fewer.
func halvingRounds(n, k int, eta float64) int {
	r := 0
	for k >= 1 && n > k {
		n = int(math.Ceil(float64(n) / eta))
		r++
	}
	return r
}

// SuccessiveHalving runs successive halving across fidelities: many configs
// are judged cheaply, and only the best of each round are judged again at
// the next fidelity up, until the survivors run at the target.
//
// In the Extrapolate setting lower fidelities are free context. The rungs
// are the Rounds+1 context experiments nearest to the target (by fidelity
// features), cheap to expensive. Every target config is ranked at the first
// rung by the outcome of its nearest config there; each next rung re-ranks
// the best ⌈n/Eta⌉ (never fewer than the K target trials, and never
// splitting configs tied on the same outcome) by their outcomes at that
// rung. The survivors then run at the target in the last rung's order,
// followed, if trials remain, by the configs cut at the later rungs before
// those cut earlier.
//
// In the MultiFidelity setting every run below the target is paid for. The
// policy plans one bracket. The target rung runs
// n_T = min(K, ⌊budget/cost⌋ − Rounds) configs (at least one), which sets
// about one target run's worth of budget aside for each rung below; the
// rungs below share the rest equally. Going down, each rung runs ⌈Eta·n⌉
// configs, n being the count of the rung above, at the experiment nearest
// the target (by fidelity features) among those cheaper than the rung
// above whose runs its share pays for. The first rung's configs are drawn
// at random from the target's; each rung promotes its best to the next and
// the survivors run at the target, best first. Every run's cost is checked
// before the run is chosen (Fidelity.MaxCost, the most a run there can
// cost) and one target run is always kept affordable; a rung that cannot
// be paid for in full promotes from the runs it made. Budget and trials
// left after the bracket go to the untried configs that got furthest,
// ranked by the highest fidelity they reached and their score there. When
// no bracket of Rounds rounds fits the budget, it makes fewer rounds.
//
// A lower-fidelity run is of the experiment's config nearest to the target
// config asked for; two target configs may share that nearest config, in
// which case the env runs it again. The policy never asks for the same
// config twice at an experiment.
type SuccessiveHalving struct {
	opts SuccessiveHalvingOptions
	h    halving
}

var _ Policy = (*SuccessiveHalving)(nil)

// NewSuccessiveHalving returns a successive-halving policy. Invalid options
// are reported by Reset.
func NewSuccessiveHalving(opts SuccessiveHalvingOptions) *SuccessiveHalving {
	return &SuccessiveHalving{opts: opts}
}

// Name returns "successive-halving".
func (p *SuccessiveHalving) Name() string { return "successive-halving" }

// Reset starts an episode; in the Extrapolate setting it ranks the
// target's configs through the rungs.
func (p *SuccessiveHalving) Reset(obs *research.Observation, rng *rand.Rand) error {
	opts, err := p.opts.withDefaults(p.Name())
	if err != nil {
		return err
	}
	return p.h.reset(p.Name(), obs, rng, opts.Eta, func(n, k int, context bool) []int {
		switch {
		case opts.Rounds > 0:
			return []int{opts.Rounds}
		case context:
			return []int{halvingRounds(n, k, opts.Eta)}
		}
		return []int{DefaultMultiFidelityRounds}
	})
}

// Act runs the next config of the bracket.
func (p *SuccessiveHalving) Act(obs *research.Observation) (research.Action, error) {
	return p.h.act(p.Name(), obs)
}

// Hyperband hedges successive halving's trade-off between many cheap
// judgements and few expensive ones by running several brackets, bracket s
// making s halving rounds, from the most exploratory (s = Brackets−1) down
// to pure exploitation (s = 0).
//
// In the Extrapolate setting bracket s is successive halving over the s+1
// context experiments nearest to the target (bracket 0 ranks every target
// config at the nearest lower fidelity alone). The brackets take the
// target trials in turn, in that order — bracket Brackets−1 first — each
// running its best config not run yet.
//
// In the MultiFidelity setting the brackets run one after the other in the
// same order, each a successive-halving bracket (see SuccessiveHalving)
// planned when it starts, with an equal share of the budget and of the
// target trials left; a bracket makes fewer rounds when its share cannot
// pay for s. Configs at a bracket's first rung are drawn at random, from
// those no earlier bracket started with while any remain. Budget left at
// the end goes to the next-best configs, as in SuccessiveHalving.
type Hyperband struct {
	opts HyperbandOptions
	h    halving
}

var _ Policy = (*Hyperband)(nil)

// NewHyperband returns a Hyperband policy. Invalid options are reported by
// Reset.
func NewHyperband(opts HyperbandOptions) *Hyperband { return &Hyperband{opts: opts} }

// Name returns "hyperband".
func (p *Hyperband) Name() string { return "hyperband" }

// Reset starts an episode; in the Extrapolate setting it ranks the
// target's configs through every bracket.
func (p *Hyperband) Reset(obs *research.Observation, rng *rand.Rand) error {
	opts, err := p.opts.withDefaults()
	if err != nil {
		return err
	}
	return p.h.reset(p.Name(), obs, rng, opts.Eta, func(n, k int, context bool) []int {
		nb := opts.Brackets
		switch {
		case nb > 0:
		case context:
			nb = 1 + halvingRounds(n, k, opts.Eta)
		default:
			nb = 1 + DefaultMultiFidelityRounds
		}
		rounds := make([]int, nb)
		for b := range rounds {
			rounds[b] = nb - 1 - b
		}
		return rounds
	})
}

// Act runs the next config of the current bracket.
func (p *Hyperband) Act(obs *research.Observation) (research.Action, error) {
	return p.h.act(p.Name(), obs)
}

// halving is the engine behind SuccessiveHalving and Hyperband: a list of
// brackets, each given by its number of halving rounds. With free context
// it ranks the target's configs once per bracket at Reset; in the
// MultiFidelity setting without context it runs the brackets' paid rungs
// one after the other. With neither it falls back to random search
// followed by a search around the best target trial.
type halving struct {
	ep     *episode
	rng    *rand.Rand
	eta    float64
	rounds []int // per bracket
	keep   int   // K, the fewest configs a rung keeps

	// Extrapolate: each bracket's ranking of every target config.
	orders [][]int

	// MultiFidelity: the bracket being run and the results so far.
	mf *mfState
}

// reset starts an episode. brackets returns the rounds of each bracket
// given the number of target configs, K, and whether the episode has free
// context to rank on.
func (h *halving) reset(name string, obs *research.Observation, rng *rand.Rand, eta float64, brackets func(n, k int, context bool) []int) error {
	if err := checkRand(name, rng); err != nil {
		return err
	}
	ep, err := renewEpisode(name, obs, h.ep)
	if err != nil {
		return err
	}
	*h = halving{ep: ep, rng: rng, eta: eta, keep: max(1, obs.TrialsLeft)}
	levels := contextLevels(obs.Context, obs.Space, obs.Direction)
	levels = slices.DeleteFunc(levels, func(l level) bool { return !l.finite() })
	h.rounds = brackets(ep.cands.Len(), h.keep, len(levels) > 0)
	if len(levels) > 0 {
		h.orders = make([][]int, len(h.rounds))
		for b, s := range h.rounds {
			h.orders[b] = halvingOrder(ep, levels, nearestLevels(levels, obs.Target, s+1), eta, h.keep)
		}
		return nil
	}
	if obs.Setting == research.MultiFidelity {
		h.mf = &mfState{used: make([]bool, ep.cands.Len()), reached: make(map[int]reach)}
	}
	return nil
}

func (h *halving) act(name string, obs *research.Observation) (research.Action, error) {
	if h.ep == nil {
		return research.Action{}, errNoReset(name)
	}
	news, err := h.ep.sync(obs)
	if err != nil {
		return research.Action{}, err
	}
	if h.mf != nil {
		h.mf.record(h.ep, obs, news)
	}
	if a, done := h.ep.over(obs); done {
		return a, nil
	}
	switch {
	case h.orders != nil:
		b := h.ep.targetTrials() % len(h.orders)
		for _, i := range h.orders[b] {
			if !h.ep.tried[i] {
				return h.ep.run(i, ""), nil
			}
		}
	case h.mf != nil:
		if a, ok := h.mf.next(h, obs); ok {
			return a, nil
		}
	}
	return h.ep.run(aroundBest(h.ep, h.rng), ""), nil
}

// nearestLevels returns the indices of the m levels nearest to the target
// by fidelity features, cheap to expensive (in the levels' order).
func nearestLevels(levels []level, target research.Fidelity, m int) []int {
	idx := make([]int, len(levels))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		return cmp.Or(cmp.Compare(featureDistance(levels[a].fid, target), featureDistance(levels[b].fid, target)), cmp.Compare(b, a))
	})
	idx = idx[:max(1, min(m, len(idx)))]
	slices.Sort(idx)
	return idx
}

// halvingOrder ranks every target candidate by successive halving through
// the given rungs (level indices, cheap to expensive): see
// SuccessiveHalving. It returns the survivors in the last rung's order,
// then the configs cut at each rung, latest rung first.
func halvingOrder(ep *episode, levels []level, rungs []int, eta float64, keep int) []int {
	alive := make([]int, ep.cands.Len())
	for i := range alive {
		alive[i] = i
	}
	s := make([]float64, len(alive))
	var cut [][]int
	for r, li := range rungs {
		l := &levels[li]
		for _, i := range alive {
			j, _ := l.nearest(ep.cands.Point(i))
			s[i] = l.scores[j]
		}
		slices.SortStableFunc(alive, func(a, b int) int { return cmp.Compare(s[a], s[b]) })
		if r == len(rungs)-1 {
			break
		}
		k := max(keep, int(math.Ceil(float64(len(alive))/eta)))
		for k < len(alive) && s[alive[k]] == s[alive[k-1]] {
			k++ // never split configs tied on the same outcome
		}
		if k >= len(alive) {
			continue
		}
		cut = append(cut, slices.Clone(alive[k:]))
		alive = alive[:k]
	}
	for r := len(cut) - 1; r >= 0; r-- {
		alive = append(alive, cut[r]...)
	}
	return alive
}

// rungPlan is one rung of a multi-fidelity bracket: the experiment it runs
// at (an index into Observation.Fidelities) and how many configs it runs.
type rungPlan struct {
	fid, count int
}

// planBracket lays out a multi-fidelity successive-halving bracket of s
// rounds below the target over budget GPU hours and at most trials target
// runs, with pool configs to start from (see SuccessiveHalving). It returns
// nil when no such bracket fits.
func planBracket(fids []research.Fidelity, budget float64, trials, pool, s int, eta float64) []rungPlan {
	t := len(fids) - 1
	if t < 0 || trials < 1 {
		return nil
	}
	ct := runCost(fids[t])
	if !(ct > 0) || ct > budget*(1+budgetSlack) {
		return nil
	}
	nt := max(1, min(trials, int(budget*(1+budgetSlack)/ct)-s))
	plan := make([]rungPlan, s+1)
	plan[s] = rungPlan{fid: t, count: nt}
	if s == 0 {
		return plan
	}
	share := (budget - float64(nt)*ct) / float64(s)
	upper, n := t, nt
	for r := s - 1; r >= 0; r-- {
		n = int(math.Ceil(float64(n) * eta))
		if n > pool {
			return nil
		}
		best := -1
		for j := range upper {
			c := runCost(fids[j])
			if !(c > 0) || c >= runCost(fids[upper]) || float64(n)*c > share*(1+budgetSlack) {
				continue
			}
			if best < 0 || featureDistance(fids[j], fids[t]) <= featureDistance(fids[best], fids[t]) {
				best = j
			}
		}
		if best < 0 {
			return nil
		}
		plan[r] = rungPlan{fid: best, count: n}
		upper = best
	}
	return plan
}

// reach is the highest fidelity a config was run at below the target, and
// its score there.
type reach struct {
	fid   int
	score float64
}

// mfState runs multi-fidelity brackets one after the other.
type mfState struct {
	log     probeLog
	started int // brackets started
	plan    []rungPlan
	rung    int     // current rung of the bracket
	configs [][]int // per rung, the configs promoted to it, in order
	used    []bool  // target candidates some bracket started with
	reached map[int]reach
}

// record reads new runs below the target.
func (m *mfState) record(ep *episode, obs *research.Observation, news []research.Trial) {
	before := len(m.log.results)
	pending := m.log.pending
	m.log.record(ep, news)
	if len(m.log.results) == before {
		return
	}
	s, _ := m.log.result(pending.exp, pending.cand)
	f := slices.IndexFunc(obs.Fidelities, func(f research.Fidelity) bool { return f.Experiment == pending.exp })
	if r, ok := m.reached[pending.cand]; !ok || f > r.fid || (f == r.fid && s < r.score) {
		m.reached[pending.cand] = reach{fid: f, score: s}
	}
}

// next returns the next run of the brackets, or false when they are over.
func (m *mfState) next(h *halving, obs *research.Observation) (research.Action, bool) {
	ep := h.ep
	for {
		if m.plan == nil {
			if m.started >= len(h.rounds) || !m.start(h, obs) {
				return m.leftover(h, obs)
			}
		}
		last := len(m.plan) - 1
		rp := m.plan[m.rung]
		f := obs.Fidelities[rp.fid]
		if m.rung == last {
			for _, i := range m.configs[m.rung] {
				if !ep.tried[i] {
					return ep.run(i, ""), true
				}
			}
			m.plan = nil // bracket over
			continue
		}
		affordable := runCost(f)+runCost(obs.Target) <= obs.BudgetLeft*(1+budgetSlack)
		for _, i := range m.configs[m.rung] {
			if _, ok := m.log.result(f.Experiment, i); ok {
				continue
			}
			if !affordable {
				break
			}
			m.log.ask(f.Experiment, i)
			return ep.run(i, f.Experiment), true
		}
		m.promote(f.Experiment)
	}
}

// start plans the next bracket with its share of the budget and trials.
func (m *mfState) start(h *halving, obs *research.Observation) bool {
	left := len(h.rounds) - m.started
	s := h.rounds[m.started]
	m.started++
	share := obs.BudgetLeft / float64(left)
	trials := max(1, obs.TrialsLeft/left)
	var plan []rungPlan
	for ; s >= 0 && plan == nil; s-- {
		plan = planBracket(obs.Fidelities, share, trials, h.ep.cands.Len(), s, h.eta)
	}
	if plan == nil {
		return false
	}
	m.plan, m.rung = plan, 0
	m.configs = make([][]int, len(plan))
	m.configs[0] = m.draw(h, plan[0].count)
	return true
}

// draw picks n target candidates at random for a bracket's first rung:
// untried ones no bracket started with, topped up with other untried ones.
func (m *mfState) draw(h *halving, n int) []int {
	var fresh, other []int
	for i, t := range h.ep.tried {
		switch {
		case t:
		case !m.used[i]:
			fresh = append(fresh, i)
		default:
			other = append(other, i)
		}
	}
	h.rng.Shuffle(len(fresh), func(a, b int) { fresh[a], fresh[b] = fresh[b], fresh[a] })
	h.rng.Shuffle(len(other), func(a, b int) { other[a], other[b] = other[b], other[a] })
	out := append(fresh, other...)
	out = out[:min(n, len(out))]
	for _, i := range out {
		m.used[i] = true
	}
	return out
}

// promote moves the best configs of the current rung, by their results at
// exp, to the next rung.
func (m *mfState) promote(exp string) {
	var done []int
	for _, i := range m.configs[m.rung] {
		if _, ok := m.log.result(exp, i); ok {
			done = append(done, i)
		}
	}
	slices.SortStableFunc(done, func(a, b int) int {
		sa, _ := m.log.result(exp, a)
		sb, _ := m.log.result(exp, b)
		return cmp.Compare(sa, sb)
	})
	m.rung++
	m.configs[m.rung] = done[:min(len(done), m.plan[m.rung].count)]
}

// leftover spends what is left after the brackets at the target, on the
// untried configs ranked by the highest fidelity they reached and their
// score there.
func (m *mfState) leftover(h *halving, obs *research.Observation) (research.Action, bool) {
	var ranked []int
	for i, r := range m.reached {
		if !h.ep.tried[i] && !math.IsInf(r.score, 1) {
			ranked = append(ranked, i)
		}
	}
	if len(ranked) == 0 {
		return research.Action{}, false
	}
	slices.SortFunc(ranked, func(a, b int) int {
		ra, rb := m.reached[a], m.reached[b]
		return cmp.Or(cmp.Compare(rb.fid, ra.fid), cmp.Compare(ra.score, rb.score), cmp.Compare(a, b))
	})
	return h.ep.run(ranked[0], ""), true
}
