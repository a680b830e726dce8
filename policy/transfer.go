package policy

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/autollmresearch/gym/env/research"
)

// Transfer is best-low-fidelity transfer, the researcher's rule of thumb:
// what worked best one scale down is tried first at the target.
//
// With free context (the Extrapolate setting) it takes the configs of the
// nearest lower fidelity — the context experiment nearest the target by
// fidelity features, ties to the more expensive, among those with a run
// that did not diverge; on a one-coordinate ladder the last one — ranks
// them by their outcome there, and runs them at the target in that order,
// matching each to the nearest target config not run yet.
//
// In the MultiFidelity setting, where lower fidelities cost GPU hours, it
// first probes: it runs target configs drawn at random at the nearest
// cheaper experiment (nearest the target by fidelity features, among those
// whose runs cost less than the target's), as many as half the budget buys
// there — keeping at least one target run affordable, and at most one per
// target config — and then runs the probed configs at the target, best
// probe first. It probes only when at least two probes fit.
//
// Once the ranking is used up it runs the untried target config nearest to
// the best target trial so far.
type Transfer struct {
	ep  *episode
	rng *rand.Rand

	source *level // context ranking source, nil without context
	order  []int  // source configs, best first

	probeExp string // multi-fidelity probe experiment, "" when not probing
	probeFid research.Fidelity
	probes   []int // target candidates to probe, in order
	log      probeLog
}

var _ Policy = (*Transfer)(nil)

// NewTransfer returns a best-low-fidelity transfer policy.
func NewTransfer() *Transfer { return &Transfer{} }

// Name returns "transfer".
func (p *Transfer) Name() string { return "transfer" }

// Reset starts an episode: it ranks the nearest lower fidelity's configs,
// or plans the probes of the MultiFidelity setting, drawing them from rng.
func (p *Transfer) Reset(obs *research.Observation, rng *rand.Rand) error {
	if err := checkRand(p.Name(), rng); err != nil {
		return err
	}
	ep, err := renewEpisode(p.Name(), obs, p.ep)
	if err != nil {
		return err
	}
	*p = Transfer{ep: ep, rng: rng}
	levels := contextLevels(obs.Context, obs.Space, obs.Direction)
	levels = slices.DeleteFunc(levels, func(l level) bool { return !l.finite() })
	if len(levels) > 0 {
		p.source = &levels[nearestLevels(levels, obs.Target, 1)[0]]
		p.order = p.source.order()
		return nil
	}
	if obs.Setting == research.MultiFidelity {
		p.planProbes(obs)
	}
	return nil
}

// planProbes picks the probe experiment and the configs to probe there.
func (p *Transfer) planProbes(obs *research.Observation) {
	f, ok := nearestCheaper(obs.Fidelities)
	if !ok {
		return
	}
	c := runCost(f)
	spend := math.Min(obs.BudgetLeft/2, obs.BudgetLeft-runCost(obs.Target))
	if !(c > 0) || !(spend > 0) {
		return
	}
	n := int(math.Min(spend/c, float64(p.ep.cands.Len())))
	if n < 2 {
		return
	}
	p.probeExp, p.probeFid = f.Experiment, f
	p.probes = p.rng.Perm(p.ep.cands.Len())[:n]
}

// Act runs the next config of the transferred ranking.
func (p *Transfer) Act(obs *research.Observation) (research.Action, error) {
	if p.ep == nil {
		return research.Action{}, errNoReset(p.Name())
	}
	news, err := p.ep.sync(obs)
	if err != nil {
		return research.Action{}, err
	}
	p.log.record(p.ep, news)
	if a, done := p.ep.over(obs); done {
		return a, nil
	}
	if p.source != nil {
		if k := p.ep.targetTrials(); k < len(p.order) {
			return p.ep.run(p.ep.nearestUntried(p.source.point(p.order[k]), nil), ""), nil
		}
		return p.ep.run(aroundBest(p.ep, p.rng), ""), nil
	}
	if a, ok := p.probe(obs); ok {
		return a, nil
	}
	for _, i := range p.probeRanking() {
		if !p.ep.tried[i] {
			return p.ep.run(i, ""), nil
		}
	}
	return p.ep.run(aroundBest(p.ep, p.rng), ""), nil
}

// probe returns the next probe run, if probing is not over: a probe is
// made only while its cost leaves a target run affordable.
func (p *Transfer) probe(obs *research.Observation) (research.Action, bool) {
	if p.probeExp == "" || p.ep.targetTrials() > 0 {
		return research.Action{}, false
	}
	if runCost(p.probeFid)+runCost(obs.Target) > obs.BudgetLeft*(1+budgetSlack) {
		return research.Action{}, false
	}
	for _, i := range p.probes {
		if _, ok := p.log.result(p.probeExp, i); !ok {
			p.log.ask(p.probeExp, i)
			return p.ep.run(i, p.probeExp), true
		}
	}
	return research.Action{}, false
}

// probeRanking returns the probed target candidates, best probe first.
func (p *Transfer) probeRanking() []int {
	var done []int
	for _, i := range p.probes {
		if _, ok := p.log.result(p.probeExp, i); ok {
			done = append(done, i)
		}
	}
	slices.SortStableFunc(done, func(a, b int) int {
		sa, _ := p.log.result(p.probeExp, a)
		sb, _ := p.log.result(p.probeExp, b)
		return cmp.Compare(sa, sb)
	})
	return done
}

// aroundBest returns the untried target candidate nearest to the best
// target trial so far, or a random untried one when no target trial has
// succeeded; -1 when every candidate was tried.
func aroundBest(e *episode, rng *rand.Rand) int {
	if b, _, ok := e.best(); ok {
		return e.nearestUntried(e.cands.Point(b), nil)
	}
	return e.randomUntried(rng)
}

// nearestCheaper returns the experiment of fids (the target last) nearest
// to the target by fidelity features among those whose runs cost less than
// the target's; ties go to the later (more expensive) one.
func nearestCheaper(fids []research.Fidelity) (research.Fidelity, bool) {
	if len(fids) < 2 {
		return research.Fidelity{}, false
	}
	t := fids[len(fids)-1]
	best := -1
	for j, f := range fids[:len(fids)-1] {
		if c := runCost(f); !(c > 0) || c >= runCost(t) {
			continue
		}
		if best < 0 || featureDistance(f, t) <= featureDistance(fids[best], t) {
			best = j
		}
	}
	if best < 0 {
		return research.Fidelity{}, false
	}
	return fids[best], true
}
