package policy

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/nn"
)

// NeuralOptions configure a [NeuralPolicy].
type NeuralOptions struct {
	// Name labels the policy in tables and plots; default "neural".
	Name string
	// Sample, when true, draws each action from the Gaussian policy with
	// mean the actor's output and log standard deviation LogStd, using the
	// random stream given to Reset. When false the policy acts
	// deterministically with the mean.
	Sample bool
	// LogStd is the log standard deviation of the Gaussian, one entry per
	// action dimension (for example rl.GRPO.LogStd); required when Sample
	// is true, ignored otherwise.
	LogStd []float64
}

// NeuralPolicy runs a policy network trained on the research.Numeric view
// (by rl.TrainBC, rl.GRPO or rl.PPO with Box actions) as a programmatic
// [Policy]: each step it encodes the observation as the Numeric view
// does ([research.ObservationEncoder]), runs the actor, clamps its output
// (the Gaussian's mean, or a sample of it) to the unit cube and decodes it
// into an action. A config matched to a candidate the episode already ran
// at the chosen experiment is replaced by the nearest candidate not yet
// run there, so that no trial is wasted on a repeat; only when every
// candidate has been run is one repeated.
//
// A NeuralPolicy reads the actor without changing it, so policies of one
// actor may run in parallel, but the actor must not be trained meanwhile.
// A NeuralPolicy itself is not safe for concurrent use.
type NeuralPolicy struct {
	name   string
	actor  *nn.MLP
	ws     *nn.Workspace
	enc    *research.ObservationEncoder
	sample bool
	logStd []float64

	rng   *rand.Rand
	obs   []float64
	point []float64
	tried []bool
}

// NewNeuralPolicy returns a policy that runs actor over the observations
// enc encodes. The actor's input must be enc.Dim() and its output
// enc.ActionDim().
func NewNeuralPolicy(actor *nn.MLP, enc *research.ObservationEncoder, opts NeuralOptions) (*NeuralPolicy, error) {
	if actor == nil {
		return nil, errors.New("policy: NewNeuralPolicy: the actor is nil")
	}
	if enc == nil {
		return nil, errors.New("policy: NewNeuralPolicy: the encoder is nil")
	}
	if actor.In() != enc.Dim() || actor.Out() != enc.ActionDim() {
		return nil, fmt.Errorf("policy: NewNeuralPolicy: the actor maps %d inputs to %d outputs, the env's observations have %d values and its actions %d",
			actor.In(), actor.Out(), enc.Dim(), enc.ActionDim())
	}
	p := &NeuralPolicy{
		name:   opts.Name,
		actor:  actor,
		ws:     actor.NewWorkspace(1),
		enc:    enc,
		sample: opts.Sample,
		obs:    make([]float64, enc.Dim()),
		point:  make([]float64, enc.ActionDim()),
	}
	if p.name == "" {
		p.name = "neural"
	}
	if opts.Sample {
		if len(opts.LogStd) != enc.ActionDim() {
			return nil, fmt.Errorf("policy: NewNeuralPolicy: NeuralOptions.LogStd has %d entries, want %d (one per action dimension)", len(opts.LogStd), enc.ActionDim())
		}
		for i, v := range opts.LogStd {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("policy: NewNeuralPolicy: NeuralOptions.LogStd[%d] is %g, want a finite number", i, v)
			}
		}
		p.logStd = slices.Clone(opts.LogStd)
	}
	return p, nil
}

// NewNeuralFactory returns a factory of [NeuralPolicy] values over actor,
// each with its own encoder for the observations of core's episodes (or of
// any env over the same table with the same numeric options, such as
// core's test-split twin). It checks the shapes once, here.
func NewNeuralFactory(actor *nn.MLP, core *research.Env, opts NeuralOptions) (Factory, error) {
	enc, err := research.NewObservationEncoder(core)
	if err != nil {
		return nil, fmt.Errorf("policy: NewNeuralFactory: %w", err)
	}
	proto, err := NewNeuralPolicy(actor, enc, opts)
	if err != nil {
		return nil, err
	}
	return func() Policy {
		p := *proto
		p.ws = actor.NewWorkspace(1)
		p.enc = enc.Clone()
		p.obs = make([]float64, len(proto.obs))
		p.point = make([]float64, len(proto.point))
		p.tried = nil
		p.rng = nil
		return &p
	}, nil
}

// Name returns the policy's label.
func (p *NeuralPolicy) Name() string { return p.name }

// Reset starts an episode; rng drives the sampled actions.
func (p *NeuralPolicy) Reset(obs *research.Observation, rng *rand.Rand) error {
	if obs == nil {
		return errors.New("policy: NeuralPolicy.Reset: the observation is nil")
	}
	if p.sample && rng == nil {
		return errors.New("policy: NeuralPolicy.Reset: a sampling policy needs a random stream, rng is nil")
	}
	p.rng = rng
	return nil
}

// Act chooses the next action from obs.
func (p *NeuralPolicy) Act(obs *research.Observation) (research.Action, error) {
	if err := p.enc.Encode(obs, p.obs); err != nil {
		return research.Action{}, fmt.Errorf("policy: NeuralPolicy.Act: %w", err)
	}
	out, err := p.actor.Forward(p.ws, p.obs)
	if err != nil {
		return research.Action{}, fmt.Errorf("policy: NeuralPolicy.Act: %w", err)
	}
	if p.sample {
		if p.rng == nil {
			return research.Action{}, errors.New("policy: NeuralPolicy.Act called before Reset")
		}
		g, err := nn.NewDiagGaussian(out, p.logStd)
		if err != nil {
			return research.Action{}, fmt.Errorf("policy: NeuralPolicy.Act: %w", err)
		}
		if err := g.Sample(p.rng, p.point); err != nil {
			return research.Action{}, fmt.Errorf("policy: NeuralPolicy.Act: %w", err)
		}
	} else {
		copy(p.point, out)
	}
	for i, v := range p.point {
		if math.IsNaN(v) {
			return research.Action{}, fmt.Errorf("policy: NeuralPolicy.Act: the actor's output %d is NaN", i)
		}
		p.point[i] = min(max(v, 0), 1)
	}
	a, err := p.enc.DecodeAction(obs, p.point)
	if err != nil || a.Stop {
		return a, err
	}
	return p.untried(obs, a)
}

// untried replaces a's config by the nearest candidate of its experiment
// that obs's history has not run there, when a's config was run already.
func (p *NeuralPolicy) untried(obs *research.Observation, a research.Action) (research.Action, error) {
	exp := a.Experiment
	if exp == "" {
		exp = obs.Target.Experiment
	}
	cands, err := p.enc.Candidates(exp)
	if err != nil {
		return research.Action{}, fmt.Errorf("policy: NeuralPolicy.Act: %w", err)
	}
	n := cands.Len()
	p.tried = slices.Grow(p.tried[:0], n)[:n]
	clear(p.tried)
	ran := false
	for i := range obs.History {
		t := &obs.History[i]
		if t.Experiment == exp && t.Candidate >= 0 && t.Candidate < n {
			p.tried[t.Candidate] = true
			ran = true
		}
	}
	if !ran {
		return a, nil
	}
	d := len(cands.Point(0))
	x := p.point[:d]
	j, _ := cands.Nearest(x)
	if j < 0 || !p.tried[j] {
		return a, nil
	}
	best, bestSq := -1, math.Inf(1)
	for i := range n {
		if p.tried[i] {
			continue
		}
		sq := 0.0
		for k, v := range cands.Point(i) {
			diff := v - x[k]
			sq += diff * diff
		}
		if sq < bestSq {
			best, bestSq = i, sq
		}
	}
	if best >= 0 {
		a.Config = cands.Config(best)
	}
	return a, nil
}
