package rl

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/nn"
)

// MaskFunc fills mask (one entry per discrete action) with the actions
// env i allows in its current state.
type MaskFunc func(env int, mask []bool) error

// collector steps an env.Vector with an actor-critic and records the
// transitions into a Buffer.
//
// Both autoreset modes of env.Vector are handled; NextStep is the one to
// use. In NextStep mode the step that ends an episode returns the final
// observation in Obs, so the critic's value of it, needed to bootstrap a
// truncated episode, is computed with the next step's batch, and the next
// step, which only restarts the episode, is recorded as a row that is not
// Valid. Nothing is copied or allocated. In SameStep mode the final
// observation is in FinalObs (a copy the Vector allocates for every
// episode), and the collector evaluates the critic on it on the spot.
type collector[A any] struct {
	vec     *env.Vector[[]float64, A]
	actor   *nn.MLP
	critic  *nn.MLP
	head    head
	codec   codec[A]
	maskFn  MaskFunc
	rng     *rand.Rand
	tracker *episodeTracker

	obsDim   int
	obs      []float64 // current observation of every env
	pending  []bool    // env i's next Step only restarts its episode
	bootNext []bool    // the previous row of env i bootstraps from the value of obs
	actions  []A
	wsActor  *nn.Workspace
	wsCritic *nn.Workspace
	wsFinal  *nn.Workspace
	started  bool
	steps    int // env steps taken, all envs together
}

func newCollector[A any](vec *env.Vector[[]float64, A], actor, critic *nn.MLP, h head, c codec[A],
	maskFn MaskFunc, rng *rand.Rand, tracker *episodeTracker, obsDim int) *collector[A] {
	n := vec.NumEnvs()
	return &collector[A]{
		vec: vec, actor: actor, critic: critic, head: h, codec: c, maskFn: maskFn, rng: rng, tracker: tracker,
		obsDim:   obsDim,
		obs:      make([]float64, n*obsDim),
		pending:  make([]bool, n),
		bootNext: make([]bool, n),
		actions:  c.newActions(n),
		wsActor:  actor.NewWorkspace(n),
		wsCritic: critic.NewWorkspace(n),
		wsFinal:  critic.NewWorkspace(1),
	}
}

// reset starts a new episode in every env, seeding them from seed.
func (c *collector[A]) reset(seed uint64) error {
	c.started = false
	obs, _, err := c.vec.Reset(env.SeedOf(seed), nil)
	if err != nil {
		return fmt.Errorf("rl: resetting the envs: %w", err)
	}
	for i, o := range obs {
		if err := c.setObs(i, o); err != nil {
			return err
		}
	}
	clear(c.pending)
	clear(c.bootNext)
	c.tracker.restart()
	c.started = true
	return nil
}

// checkObs verifies that o is an observation of the right length with
// finite entries.
func (c *collector[A]) checkObs(i int, o []float64, what string) error {
	if len(o) != c.obsDim {
		return fmt.Errorf("rl: env %d returned %s of length %d, want %d", i, what, len(o), c.obsDim)
	}
	for k, v := range o {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("rl: env %d returned %s with slot %d = %g; observations must be finite", i, what, k, v)
		}
	}
	return nil
}

// setObs stores env i's current observation.
func (c *collector[A]) setObs(i int, o []float64) error {
	if err := c.checkObs(i, o, "an observation"); err != nil {
		return err
	}
	copy(c.obs[i*c.obsDim:(i+1)*c.obsDim], o)
	return nil
}

// collect fills buf with buf.Steps steps of every env, continuing the
// episodes in progress.
func (c *collector[A]) collect(buf *Buffer) error {
	if !c.started {
		return fmt.Errorf("rl: collecting a rollout: %w", env.ErrResetNeeded)
	}
	n, d, k := c.vec.NumEnvs(), c.obsDim, c.head.outDim()
	for t := range buf.Steps {
		base := t * n
		copy(buf.Obs[base*d:(base+n)*d], c.obs)
		out, err := c.actor.ForwardBatch(c.wsActor, c.obs)
		if err != nil {
			return err
		}
		vals, err := c.critic.ForwardBatch(c.wsCritic, c.obs)
		if err != nil {
			return err
		}
		for i := range n {
			r := base + i
			buf.Values[r] = vals[i]
			if t > 0 && c.bootNext[i] {
				buf.NextValues[r-n] = vals[i]
			}
			act, mask := buf.ActionRow(r), buf.MaskRow(r)
			if c.pending[i] {
				// The Vector restarts this env's episode and ignores the action.
				buf.Valid[r], buf.LogProbs[r] = false, 0
				clear(act)
				for j := range mask {
					mask[j] = true
				}
			} else {
				buf.Valid[r] = true
				if mask != nil {
					clear(mask)
					if err := c.maskFn(i, mask); err != nil {
						return fmt.Errorf("rl: action mask of env %d: %w", i, err)
					}
				}
				lp, err := c.head.sample(c.rng, out[i*k:(i+1)*k], mask, act)
				if err != nil {
					return fmt.Errorf("rl: choosing the action of env %d: %w", i, err)
				}
				buf.LogProbs[r] = lp
			}
			c.codec.decode(act, &c.actions[i])
		}
		res, err := c.vec.Step(c.actions)
		if err != nil {
			c.started = false
			return fmt.Errorf("rl: stepping the envs: %w", err)
		}
		c.steps += n
		for i := range n {
			r := base + i
			if err := c.record(buf, r, i, res); err != nil {
				c.started = false
				return err
			}
		}
	}
	vals, err := c.critic.ForwardBatch(c.wsCritic, c.obs)
	if err != nil {
		return err
	}
	last := (buf.Steps - 1) * n
	for i := range n {
		if c.bootNext[i] {
			buf.NextValues[last+i] = vals[i]
		}
	}
	return nil
}

// record stores the outcome of env i's step in row r and moves the env's
// state on.
func (c *collector[A]) record(buf *Buffer, r, i int, res env.VectorStep[[]float64]) error {
	reward := res.Rewards[i]
	if math.IsNaN(reward) || math.IsInf(reward, 0) {
		return fmt.Errorf("rl: env %d returned reward %g; rewards must be finite", i, reward)
	}
	term, trunc := res.Terminated[i], res.Truncated[i]
	buf.Rewards[r], buf.Terminated[r], buf.Truncated[r] = reward, term, trunc
	buf.NextValues[r] = 0
	wasRestart := c.pending[i]
	c.pending[i], c.bootNext[i] = false, true
	if !wasRestart {
		info := res.Infos[i]
		if res.Final[i] {
			info = res.FinalInfos[i]
		}
		done := term || trunc
		c.tracker.step(i, reward, done, info)
		switch {
		case done && res.Final[i]:
			// SameStep: Obs holds the next episode's start, FinalObs the end
			// of this one.
			c.bootNext[i] = false
			if trunc && !term {
				final := res.FinalObs[i]
				if err := c.checkObs(i, final, "a final observation"); err != nil {
					return err
				}
				v, err := c.critic.Forward(c.wsFinal, final)
				if err != nil {
					return err
				}
				buf.NextValues[r] = v[0]
			}
		case done:
			// NextStep: Obs holds the final observation, whose value the
			// next step's batch computes; the next step restarts the env.
			c.pending[i] = true
		}
	}
	return c.setObs(i, res.Obs[i])
}
