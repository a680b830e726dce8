package rl

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"github.com/autollmresearch/gym/policy/nn"
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
	// Load everything into copies first, so that a failure leaves p as
	// it was.
	actor, critic := p.actor.Clone(), p.critic.Clone()
	if err := c.LoadMLP(ckptActor, actor); err != nil {
		return fail("%w", err)
	}
	if err := c.LoadMLP(ckptCritic, critic); err != nil {
		return fail("%w", err)
	}
	actorOpt, criticOpt := p.actorOpt.Clone(), p.criticOpt.Clone()
	if err := c.LoadAdam(ckptActorOpt, actorOpt); err != nil {
		return fail("%w", err)
	}
	if err := c.LoadAdam(ckptCriticOpt, criticOpt); err != nil {
		return fail("%w", err)
	}
	var logStd []float64
	var headOpt *nn.Adam
	if p.headOpt != nil {
		logStd = make([]float64, len(p.head.params()))
		if err := c.LoadVector(ckptLogStd, logStd); err != nil {
			return fail("%w", err)
		}
		headOpt = p.headOpt.Clone()
		if err := c.LoadAdam(ckptLogStdOpt, headOpt); err != nil {
			return fail("%w", err)
		}
	}
	src := rand.NewPCG(0, 0)
	if err := src.UnmarshalBinary(meta.RNG); err != nil {
		return fail("%w: random state: %v", nn.ErrCorrupt, err)
	}
	returns, err := c.Vector(ckptReturns)
	if err != nil {
		return fail("%w", err)
	}
	lengths, err := c.Vector(ckptLengths)
	if err != nil {
		return fail("%w", err)
	}
	metricVals := make([][]float64, len(p.tracker.metrics))
	for k, m := range p.tracker.metrics {
		v, err := c.Vector(ckptMetric + m.Name)
		if err != nil {
			// A metric the saved run did not track starts empty.
			continue
		}
		metricVals[k] = v
	}

	// Commit, into the objects the collector and the optimisers hold.
	_ = p.actor.CopyFrom(actor)   // same shape: checked by LoadMLP
	_ = p.critic.CopyFrom(critic) // same shape: checked by LoadMLP
	*p.actorOpt, *p.criticOpt = *actorOpt, *criticOpt
	if p.headOpt != nil {
		copy(p.head.params(), logStd)
		*p.headOpt = *headOpt
	}
	*p.src = *src
	p.update = meta.Update
	p.col.steps = meta.GlobalStep
	p.tracker.total = meta.Episodes
	p.tracker.returns.restore(returns)
	p.tracker.lengths.restore(lengths)
	for k := range p.tracker.values {
		p.tracker.values[k].restore(metricVals[k])
	}
	p.needReset = true
	return nil
}
