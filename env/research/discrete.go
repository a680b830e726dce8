package research

import (
	"fmt"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/spaces"
)

// Discrete is the view of a research env, in the Extrapolate setting, for
// agents that pick one of the target's configs by number. Observations are
// the fixed-size vectors of [Numeric] (same layout, same space); an action
// is an index into Observation.TargetConfigs, the configs that were run at
// the target. It implements env.Env[[]float64, int] over any
// env.Env[*Observation, Action] that has an [*Env] inside.
//
// The action space is Discrete(N), N the largest number of configs of any
// of the env's targets. Targets with fewer configs accept only the indices
// below their count; a larger index is an error. [Discrete.ActionMask]
// tells which indices the current episode accepts and has not tried yet.
type Discrete struct {
	inner env.Env[*Observation, Action]
	core  *Env
	enc   *encoder
	actSp *spaces.Discrete
	mask  []bool
	seen  int // history trials folded into mask
}

// NewDiscrete returns the discrete view of e. It fails if e has no [*Env]
// inside or if its setting is not Extrapolate (a multi-fidelity agent must
// choose a fidelity too; use [Numeric] or [Text]).
func NewDiscrete(e env.Env[*Observation, Action]) (*Discrete, error) {
	core, err := coreOf("NewDiscrete", e)
	if err != nil {
		return nil, err
	}
	if s := core.Options().Setting; s != Extrapolate {
		return nil, fmt.Errorf("research: NewDiscrete: the env's setting is %s; the discrete view needs %s", s, Extrapolate)
	}
	enc, err := newEncoder(core)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, id := range core.Targets() {
		if x, ok := core.Table().Experiment(id); ok {
			n = max(n, x.NumConfigs)
		}
	}
	if n < 1 {
		return nil, fmt.Errorf("research: NewDiscrete: the env's targets have no configs")
	}
	return &Discrete{
		inner: e,
		core:  core,
		enc:   enc,
		actSp: spaces.NewDiscrete(n),
		mask:  make([]bool, n),
	}, nil
}

// Layout describes the observation's slots; see [Numeric.Layout].
func (d *Discrete) Layout() []Segment { return append([]Segment(nil), d.enc.layout...) }

// ObservationSpace is the Box of observations; see [Numeric].
func (d *Discrete) ObservationSpace() spaces.Space[[]float64] { return d.enc.obsSp }

// ActionSpace is Discrete(N); see [Discrete].
func (d *Discrete) ActionSpace() spaces.Space[int] { return d.actSp }

// UnwrapEnv returns the wrapped env.
func (d *Discrete) UnwrapEnv() any { return d.inner }

// Close closes the wrapped env.
func (d *Discrete) Close() error { return d.inner.Close() }

// ActionMask reports, for every action, whether the current episode
// accepts it and it has not been tried yet in this episode: entry i is
// true when i < len(Observation.TargetConfigs) and config i was not run at
// the target. Trying a config again is allowed; it spends a trial and
// cannot improve the regret. The slice is the view's own, valid until the
// next Reset or Step; copy it to keep it.
func (d *Discrete) ActionMask() []bool { return d.mask }

// Reset starts an episode of the wrapped env and returns its encoding.
func (d *Discrete) Reset(seed env.Seed, options env.Options) ([]float64, env.Info, error) {
	d.enc.obs = nil
	obs, info, err := d.inner.Reset(seed, options)
	if err != nil {
		return nil, info, err
	}
	if err := d.enc.reset(obs); err != nil {
		return nil, info, err
	}
	if len(obs.TargetConfigs) > len(d.mask) {
		return nil, info, fmt.Errorf("research: target %q has %d configs, more than the %d of the discrete action space",
			obs.Target.Experiment, len(obs.TargetConfigs), len(d.mask))
	}
	for i := range d.mask {
		d.mask[i] = i < len(obs.TargetConfigs)
	}
	d.seen = 0
	d.foldMask(obs)
	return d.enc.buf, info, nil
}

// Step runs config number action of the target.
func (d *Discrete) Step(action int) (env.StepResult[[]float64], error) {
	if !d.actSp.Contains(action) {
		return env.StepResult[[]float64]{}, fmt.Errorf("research: discrete action %d is outside %v", action, d.actSp)
	}
	obs := d.enc.obs
	if obs == nil {
		return env.StepResult[[]float64]{}, env.ErrResetNeeded
	}
	if action >= len(obs.TargetConfigs) {
		return env.StepResult[[]float64]{}, fmt.Errorf("research: discrete action %d: target %q has only configs 0 to %d",
			action, obs.Target.Experiment, len(obs.TargetConfigs)-1)
	}
	res, err := d.inner.Step(Action{Config: obs.TargetConfigs[action]})
	if err != nil {
		return env.StepResult[[]float64]{}, err
	}
	if err := d.enc.update(res.Obs); err != nil {
		return env.StepResult[[]float64]{}, err
	}
	d.foldMask(res.Obs)
	return env.StepResult[[]float64]{
		Obs:        d.enc.buf,
		Reward:     res.Reward,
		Terminated: res.Terminated,
		Truncated:  res.Truncated,
		Info:       res.Info,
	}, nil
}

// foldMask clears the mask entries of the target trials made since the
// last call.
func (d *Discrete) foldMask(obs *Observation) {
	for ; d.seen < len(obs.History); d.seen++ {
		t := &obs.History[d.seen]
		if t.Target && t.Candidate >= 0 && t.Candidate < len(d.mask) {
			d.mask[t.Candidate] = false
		}
	}
}
