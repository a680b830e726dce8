package main

import (
	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/spaces"
)

// anytime wraps the Numeric view of an Extrapolate-setting env, where each
// step is one of k target trials and earns the decrease of the best-so-far
// regret, so that an episode returns 1 − final regret. It re-weights the
// reward of trial j (from 1) by (k − j + 1)/k, so that the episode returns
//
//	(1/k) · Σ_{i=1..k} (1 − regret after trial i),
//
// one minus the mean of the regret curve the evaluation reports.
type anytime struct {
	env.Env[[]float64, []float64]
	k, step int
}

// Reset starts an episode of the wrapped env.
func (a *anytime) Reset(seed env.Seed, options env.Options) ([]float64, env.Info, error) {
	a.step = 0
	return a.Env.Reset(seed, options)
}

// Step runs the wrapped env's step and re-weights its reward.
func (a *anytime) Step(action []float64) (env.StepResult[[]float64], error) {
	r, err := a.Env.Step(action)
	if err != nil {
		return r, err
	}
	a.step++
	r.Reward *= float64(max(a.k-a.step+1, 0)) / float64(a.k)
	return r, nil
}

// ObservationSpace is the wrapped env's.
func (a *anytime) ObservationSpace() spaces.Space[[]float64] { return a.Env.ObservationSpace() }

// ActionSpace is the wrapped env's.
func (a *anytime) ActionSpace() spaces.Space[[]float64] { return a.Env.ActionSpace() }

// UnwrapEnv returns the wrapped env.
func (a *anytime) UnwrapEnv() any { return a.Env }
