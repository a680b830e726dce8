package research

import (
	"fmt"

	"github.com/autollmresearch/gym/spaces"
)

// ObservationEncoder computes the [Numeric] view's observation vector from
// a programmatic [*Observation], and turns a Numeric action point back into
// an [Action]. It lets a policy trained on the Numeric view act in the
// programmatic view, for example under eval.Run, and gives exactly the
// vectors and actions the Numeric view would.
//
// The encoder is built from an [*Env] and must only be given observations
// of envs over the same table with the same Setting, Trials, ContextSlots
// and HistorySlots (the split may differ: a policy trained on the train
// split can be run on the test split).
//
// An ObservationEncoder keeps a per-target cache and scratch state; it is
// not safe for concurrent use. [ObservationEncoder.Clone] makes one for
// another goroutine.
type ObservationEncoder struct {
	enc  *encoder
	nAct int
}

// NewObservationEncoder returns an encoder for the observations of core's
// episodes. It fails if core is nil or its table has no configuration
// space.
func NewObservationEncoder(core *Env) (*ObservationEncoder, error) {
	if core == nil {
		return nil, fmt.Errorf("research: NewObservationEncoder: the env is nil")
	}
	enc, err := newEncoder(core)
	if err != nil {
		return nil, err
	}
	n := enc.d
	if enc.setting == MultiFidelity {
		n += 2
	}
	return &ObservationEncoder{enc: enc, nAct: n}, nil
}

// Clone returns an encoder of the same layout with its own state, for use
// by another goroutine.
func (e *ObservationEncoder) Clone() *ObservationEncoder {
	en := *e.enc
	en.buf = make([]float64, len(e.enc.buf))
	en.statics = make(map[string]*staticPart)
	en.obs, en.cands, en.histFid = nil, nil, nil
	return &ObservationEncoder{enc: &en, nAct: e.nAct}
}

// Dim is the length of an observation vector, the Numeric view's
// ObservationSpace().Dim().
func (e *ObservationEncoder) Dim() int { return len(e.enc.buf) }

// ActionDim is the length of an action point, the Numeric view's
// ActionSpace().Dim().
func (e *ObservationEncoder) ActionDim() int { return e.nAct }

// Setting is the decision process the encoder was built for.
func (e *ObservationEncoder) Setting() Setting { return e.enc.setting }

// Layout describes every slot of the observation vector, as
// [Numeric.Layout]. The slice is a copy.
func (e *ObservationEncoder) Layout() []Segment { return append([]Segment(nil), e.enc.layout...) }

// Encode writes the Numeric view's observation vector for obs into dst,
// which must have length Dim. The vector depends only on obs (its target,
// context and history), not on earlier calls.
func (e *ObservationEncoder) Encode(obs *Observation, dst []float64) error {
	if len(dst) != e.Dim() {
		return fmt.Errorf("research: ObservationEncoder.Encode: dst has length %d, want %d", len(dst), e.Dim())
	}
	if err := e.check(obs); err != nil {
		return err
	}
	e.enc.obs = nil
	if err := e.enc.reset(obs); err != nil {
		return err
	}
	copy(dst, e.enc.buf)
	return nil
}

// check reports an observation the encoder cannot read.
func (e *ObservationEncoder) check(obs *Observation) error {
	if obs == nil {
		return fmt.Errorf("research: ObservationEncoder: the observation is nil")
	}
	if obs.Setting != e.enc.setting {
		return fmt.Errorf("research: ObservationEncoder: the observation is of the %s setting, the encoder of %s", obs.Setting, e.enc.setting)
	}
	return nil
}

// Candidates returns the configs run at experiment, the set an action's
// config is matched against, in the order of Trial.Candidate. It fails if
// the table has no such experiment.
func (e *ObservationEncoder) Candidates(experiment string) (*spaces.Candidates, error) {
	i, ok := e.enc.table.ExperimentIndex(experiment)
	if !ok {
		return nil, fmt.Errorf("research: ObservationEncoder: experiment %q is not in the table", experiment)
	}
	return e.enc.table.Candidates(i), nil
}

// DecodeAction returns the action the Numeric view would run for point in
// the episode at obs: the candidate of the chosen experiment nearest to
// point's first D coordinates (in canonical form), and in the
// MultiFidelity setting the experiment chosen by coordinate D, or a stop
// when coordinate D+1 is above 0.5. point must have length ActionDim and
// every coordinate in [0, 1].
func (e *ObservationEncoder) DecodeAction(obs *Observation, point []float64) (Action, error) {
	if err := e.check(obs); err != nil {
		return Action{}, err
	}
	if err := checkUnit(point, e.nAct); err != nil {
		return Action{}, err
	}
	if len(obs.Fidelities) == 0 {
		return Action{}, fmt.Errorf("research: ObservationEncoder.DecodeAction: the observation lists no runnable experiment")
	}
	d := e.enc.d
	k := len(obs.Fidelities) - 1
	var a Action
	if e.enc.setting == MultiFidelity {
		if point[d+1] > 0.5 {
			return Action{Stop: true}, nil
		}
		k = min(int(point[d]*float64(len(obs.Fidelities))), len(obs.Fidelities)-1)
		a.Experiment = obs.Fidelities[k].Experiment
	}
	cands, err := e.Candidates(obs.Fidelities[k].Experiment)
	if err != nil {
		return Action{}, err
	}
	j, _ := cands.Nearest(point[:d])
	if j < 0 {
		return Action{}, fmt.Errorf("research: ObservationEncoder.DecodeAction: no candidate near the point")
	}
	a.Config = cands.Config(j)
	return a, nil
}
