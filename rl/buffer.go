package rl

import (
	"fmt"
	"math"
)

// Buffer holds one rollout of Steps steps of Envs envs. Per-transition
// slices are indexed by row t·Envs + i for step t and env i; vector-valued
// fields (Obs, Actions, Masks) hold that many consecutive entries per row.
//
// A row records the observation the policy saw, what it did and what
// followed. A row is Valid when it is a real transition: with an
// env.Vector in NextStep autoreset mode, the step after an episode ends
// only starts the next episode (the action is ignored, the reward is 0),
// and its row is not Valid; the collector marks it so and training skips
// it.
//
// NextValues holds, for every Valid row, the critic's value of the
// observation that followed the step: the next row's value within an
// episode, and on the last step of an episode cut off by truncation the
// value of the episode's final observation, so that the return is
// bootstrapped from where the episode was cut rather than from the next
// episode's start. For a terminated episode it is unused: nothing follows
// a terminal state.
type Buffer struct {
	// Steps and Envs are the rollout's shape; ObsDim, ActDim and MaskDim
	// the lengths of one row's observation, stored action and action
	// mask (0 when masks are not used).
	Steps, Envs, ObsDim, ActDim, MaskDim int

	// Obs are the observations the actions were chosen from.
	Obs []float64
	// Actions are the actions as the policy chose them: a discrete action's
	// index, or a continuous action before it was clipped to the action
	// space.
	Actions []float64
	// Masks are the action masks the policy sampled under (MaskDim per
	// row), nil when masks are not used.
	Masks []bool
	// LogProbs are the log-probabilities of the actions under the policy
	// that chose them.
	LogProbs []float64
	// Values are the critic's values of Obs.
	Values []float64
	// NextValues are the values to bootstrap from (see Buffer).
	NextValues []float64
	// Rewards are the rewards of the steps.
	Rewards []float64
	// Terminated and Truncated say how a step ended its episode, if it
	// did.
	Terminated, Truncated []bool
	// Valid marks the rows that are real transitions.
	Valid []bool
	// Advantages and Returns are filled by ComputeGAE; Returns are the
	// critic's targets, Advantages + Values.
	Advantages, Returns []float64

	nextAdv []float64 // per env, scratch for ComputeGAE
}

// NewBuffer allocates a buffer for rollouts of steps × envs transitions.
// maskDim is the number of discrete actions when masks are recorded, 0
// otherwise.
func NewBuffer(steps, envs, obsDim, actDim, maskDim int) (*Buffer, error) {
	if steps < 1 || envs < 1 || obsDim < 1 || actDim < 1 || maskDim < 0 {
		return nil, fmt.Errorf("rl: NewBuffer(steps=%d, envs=%d, obsDim=%d, actDim=%d, maskDim=%d): want positive sizes and maskDim >= 0",
			steps, envs, obsDim, actDim, maskDim)
	}
	n := steps * envs
	b := &Buffer{
		Steps: steps, Envs: envs, ObsDim: obsDim, ActDim: actDim, MaskDim: maskDim,
		Obs:        make([]float64, n*obsDim),
		Actions:    make([]float64, n*actDim),
		LogProbs:   make([]float64, n),
		Values:     make([]float64, n),
		NextValues: make([]float64, n),
		Rewards:    make([]float64, n),
		Terminated: make([]bool, n),
		Truncated:  make([]bool, n),
		Valid:      make([]bool, n),
		Advantages: make([]float64, n),
		Returns:    make([]float64, n),
		nextAdv:    make([]float64, envs),
	}
	if maskDim > 0 {
		b.Masks = make([]bool, n*maskDim)
	}
	return b, nil
}

// Len is the number of rows, Steps × Envs.
func (b *Buffer) Len() int { return b.Steps * b.Envs }

// ObsRow returns the observation of row r.
func (b *Buffer) ObsRow(r int) []float64 { return b.Obs[r*b.ObsDim : (r+1)*b.ObsDim] }

// ActionRow returns the stored action of row r.
func (b *Buffer) ActionRow(r int) []float64 { return b.Actions[r*b.ActDim : (r+1)*b.ActDim] }

// MaskRow returns the action mask of row r, or nil when masks are not
// used.
func (b *Buffer) MaskRow(r int) []bool {
	if b.MaskDim == 0 {
		return nil
	}
	return b.Masks[r*b.MaskDim : (r+1)*b.MaskDim]
}

// ComputeGAE fills Advantages and Returns by generalised advantage
// estimation (Schulman et al., 2016), backwards through each env's rows:
//
//	δ_t = r_t + γ·V'_t·[not terminated_t] − V_t
//	A_t = δ_t + γλ·A_{t+1}·[episode goes on after t]
//	R_t = A_t + V_t
//
// where V'_t is NextValues[t]. An episode that ended at t, by termination
// or truncation, passes nothing back to t from later rows; a truncated one
// still bootstraps from the value of its final observation through δ_t.
// Rows that are not Valid get zero advantage and return. A reward or value
// that is not finite is an error naming its row.
func (b *Buffer) ComputeGAE(gamma, lambda float64) error {
	if !(gamma >= 0 && gamma <= 1) || !(lambda >= 0 && lambda <= 1) {
		return fmt.Errorf("rl: ComputeGAE: gamma %g and lambda %g, want numbers in [0, 1]", gamma, lambda)
	}
	clear(b.nextAdv)
	for t := b.Steps - 1; t >= 0; t-- {
		for i := range b.Envs {
			r := t*b.Envs + i
			if !b.Valid[r] {
				b.Advantages[r], b.Returns[r] = 0, 0
				b.nextAdv[i] = 0
				continue
			}
			for _, v := range [...]struct {
				what string
				x    float64
			}{{"reward", b.Rewards[r]}, {"value", b.Values[r]}, {"next value", b.NextValues[r]}} {
				if math.IsNaN(v.x) || math.IsInf(v.x, 0) {
					return fmt.Errorf("rl: ComputeGAE: %s of step %d, env %d is %g", v.what, t, i, v.x)
				}
			}
			next := 0.0
			if !b.Terminated[r] {
				next = b.NextValues[r]
			}
			delta := b.Rewards[r] + gamma*next - b.Values[r]
			adv := delta
			if !b.Terminated[r] && !b.Truncated[r] {
				adv += gamma * lambda * b.nextAdv[i]
			}
			b.nextAdv[i] = adv
			b.Advantages[r] = adv
			b.Returns[r] = adv + b.Values[r]
		}
	}
	return nil
}

// ExplainedVariance returns 1 − Var(Returns − Values)/Var(Returns) over
// the Valid rows: 1 when the critic predicts the returns exactly, 0 when
// it does no better than their mean, negative when worse. It is NaN when
// fewer than two rows are Valid or the returns do not vary.
func (b *Buffer) ExplainedVariance() float64 {
	// Two passes, means first, so that returns far from 0 with a small
	// spread keep their precision.
	var n, my, md float64
	for r, ok := range b.Valid {
		if ok {
			n++
			my += b.Returns[r]
			md += b.Returns[r] - b.Values[r]
		}
	}
	if n < 2 {
		return math.NaN()
	}
	my /= n
	md /= n
	var varY, varD float64
	for r, ok := range b.Valid {
		if ok {
			y, d := b.Returns[r]-my, b.Returns[r]-b.Values[r]-md
			varY += y * y
			varD += d * d
		}
	}
	if varY == 0 {
		return math.NaN()
	}
	return 1 - varD/varY
}
