package rl

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"github.com/autollmresearch/gym/nn"
)

// ppoFormat names the content of a PPO checkpoint's metadata.
const ppoFormat = "rl.ppo/1"

// Names of the entries of a PPO checkpoint.
const (
	ckptActor     = "actor"
	ckptCritic    = "critic"
	ckptLogStd    = "log_std"
	ckptActorOpt  = "actor_opt"
	ckptCriticOpt = "critic_opt"
	ckptLogStdOpt = "log_std_opt"
	ckptReturns   = "episodes.returns"
	ckptLengths   = "episodes.lengths"
	ckptMetric    = "episodes.metric." // + metric name
)

// ppoMeta is the metadata of a PPO checkpoint.
type ppoMeta struct {
	Format      string    `json:"format"`
	Config      PPOConfig `json:"config"`
	Update      int       `json:"update"`
	GlobalStep  int       `json:"global_step"`
	RNG         []byte    `json:"rng"`
	ObsDim      int       `json:"obs_dim"`
	ActionSpace string    `json:"action_space"`
	Episodes    int       `json:"episodes"`
	Metrics     []string  `json:"episode_metrics,omitempty"`
}

// Save writes a checkpoint of the run to path, atomically (see
// nn.WriteFile): the actor, the critic, the Gaussian log standard
// deviations, the optimisers' states, the update and step counters, the
// random state and the recent episode statistics, with the configuration.
func (p *PPO[A]) Save(path string) error {
	rngState, err := p.src.MarshalBinary()
	if err != nil {
		return fmt.Errorf("rl: saving the random state: %w", err)
	}
	meta := ppoMeta{
		Format:      ppoFormat,
		Config:      p.Config(),
		Update:      p.update,
		GlobalStep:  p.col.steps,
		RNG:         rngState,
		ObsDim:      p.obsDim,
		ActionSpace: p.vec.ActionSpace().String(),
		Episodes:    p.tracker.total,
	}
	c := new(nn.Checkpoint)
	c.PutMLP(ckptActor, p.actor)
	c.PutMLP(ckptCritic, p.critic)
	c.PutAdam(ckptActorOpt, p.actorOpt)
	c.PutAdam(ckptCriticOpt, p.criticOpt)
	if p.headOpt != nil {
		c.PutVector(ckptLogStd, p.head.params())
		c.PutAdam(ckptLogStdOpt, p.headOpt)
	}
	c.PutVector(ckptReturns, p.tracker.returns.ordered())
	c.PutVector(ckptLengths, p.tracker.lengths.ordered())
	for k, m := range p.tracker.metrics {
		meta.Metrics = append(meta.Metrics, m.Name)
		c.PutVector(ckptMetric+m.Name, p.tracker.values[k].ordered())
	}
	if c.Meta, err = json.Marshal(meta); err != nil {
		return fmt.Errorf("rl: encoding the checkpoint metadata: %w", err)
	}
	if err := nn.WriteFile(path, c); err != nil {
		return fmt.Errorf("rl: %w", err)
	}
	return nil
}

// readMeta reads a checkpoint and its PPO metadata.
func readMeta(path string) (*nn.Checkpoint, ppoMeta, error) {
	c, err := nn.ReadFile(path)
	if err != nil {
		return nil, ppoMeta{}, fmt.Errorf("rl: %w", err)
	}
	var meta ppoMeta
	if err := json.Unmarshal(c.Meta, &meta); err != nil {
		return nil, ppoMeta{}, fmt.Errorf("rl: checkpoint %s: metadata: %w", path, err)
	}
	if meta.Format != ppoFormat {
		return nil, ppoMeta{}, fmt.Errorf("rl: checkpoint %s holds %q, want a PPO run (%q)", path, meta.Format, ppoFormat)
	}
	return c, meta, nil
}

// CheckpointConfig returns the configuration of the run saved at path, so
// that a resumed run can be set up as the original was.
func CheckpointConfig(path string) (PPOConfig, error) {
	_, meta, err := readMeta(path)
	return meta.Config, err
}

// Resume restores the run saved at path into p, which must have been made
// with the same observation length, action space and network shapes; the
// error names what differs otherwise, and p is then left unchanged.
//
// The envs restart at the next update, seeded from the configuration's
// seed and the update number, as they do at every segment boundary (see
// PPOConfig.CheckpointEvery). A run resumed from a checkpoint it wrote
// itself, with the same configuration and envs, therefore continues
// exactly, bit for bit, as the uninterrupted run would have.
func (p *PPO[A]) Resume(path string) error {
	c, meta, err := readMeta(path)
	if err != nil {
		return err
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("rl: resuming from %s: "+format, append([]any{path}, args...)...)
	}
	if meta.ObsDim != p.obsDim {
		return fail("%w: observations have %d values in the checkpoint, %d in this run", nn.ErrShape, meta.ObsDim, p.obsDim)
	}
	if want := p.vec.ActionSpace().String(); meta.ActionSpace != want {
		return fail("%w: action space %s in the checkpoint, %s in this run", nn.ErrShape, meta.ActionSpace, want)
	}
	if meta.Update < 0 || meta.GlobalStep < 0 || meta.Episodes < 0 {
		return fail("%w: negative counters (update %d, step %d, episodes %d)", nn.ErrCorrupt, meta.Update, meta.GlobalStep, meta.Episodes)
	}
	st, err := p.load(c, meta)
	if err != nil {
		return fail("%w", err)
	}
	p.commit(st, meta)
	return nil
}

// ppoState is a run's state read from a checkpoint into copies, so that a
// checkpoint that fails to load half-way leaves the run as it was.
type ppoState struct {
	actor, critic                *nn.MLP
	actorOpt, criticOpt, headOpt *nn.Adam
	logStd                       []float64
	src                          *rand.PCG
	returns, lengths             []float64
	metrics                      [][]float64
}

// load reads the networks, optimisers, random state and episode
// statistics of checkpoint c (with metadata meta) into copies of p's.
func (p *PPO[A]) load(c *nn.Checkpoint, meta ppoMeta) (*ppoState, error) {
	st := &ppoState{actor: p.actor.Clone(), critic: p.critic.Clone(), actorOpt: p.actorOpt.Clone(), criticOpt: p.criticOpt.Clone()}
	if err := c.LoadMLP(ckptActor, st.actor); err != nil {
		return nil, err
	}
	if err := c.LoadMLP(ckptCritic, st.critic); err != nil {
		return nil, err
	}
	if err := c.LoadAdam(ckptActorOpt, st.actorOpt); err != nil {
		return nil, err
	}
	if err := c.LoadAdam(ckptCriticOpt, st.criticOpt); err != nil {
		return nil, err
	}
	if p.headOpt != nil {
		st.logStd = make([]float64, len(p.head.params()))
		if err := c.LoadVector(ckptLogStd, st.logStd); err != nil {
			return nil, err
		}
		st.headOpt = p.headOpt.Clone()
		if err := c.LoadAdam(ckptLogStdOpt, st.headOpt); err != nil {
			return nil, err
		}
	}
	st.src = rand.NewPCG(0, 0)
	if err := st.src.UnmarshalBinary(meta.RNG); err != nil {
		return nil, fmt.Errorf("%w: random state: %v", nn.ErrCorrupt, err)
	}
	var err error
	if st.returns, err = c.Vector(ckptReturns); err != nil {
		return nil, err
	}
	if st.lengths, err = c.Vector(ckptLengths); err != nil {
		return nil, err
	}
	st.metrics = make([][]float64, len(p.tracker.metrics))
	for k, m := range p.tracker.metrics {
		if v, err := c.Vector(ckptMetric + m.Name); err == nil {
			st.metrics[k] = v
		} // a metric the saved run did not track starts empty
	}
	return st, nil
}

// commit makes st the run's state, in the objects the collector and the
// optimisers hold.
func (p *PPO[A]) commit(st *ppoState, meta ppoMeta) {
	_ = p.actor.CopyFrom(st.actor)   // same shape: checked by LoadMLP
	_ = p.critic.CopyFrom(st.critic) // same shape: checked by LoadMLP
	*p.actorOpt, *p.criticOpt = *st.actorOpt, *st.criticOpt
	if p.headOpt != nil {
		copy(p.head.params(), st.logStd)
		*p.headOpt = *st.headOpt
	}
	*p.src = *st.src
	p.update = meta.Update
	p.col.steps = meta.GlobalStep
	p.tracker.total = meta.Episodes
	p.tracker.returns.restore(st.returns)
	p.tracker.lengths.restore(st.lengths)
	for k := range p.tracker.values {
		p.tracker.values[k].restore(st.metrics[k])
	}
	p.needReset = true
}
