package rl

import (
	"errors"
	"fmt"
	"math"

	"github.com/autollmresearch/gym/nn"
)

// PPOConfig holds every hyperparameter of a [PPO] run. Start from
// [DefaultPPOConfig], whose values are CleanRL's defaults for discrete
// control, and change what the problem needs.
type PPOConfig struct {
	// Seed drives every random choice of the run: network initialisation,
	// action sampling, minibatch shuffling and the envs' seeds. Default 1.
	Seed uint64 `json:"seed"`
	// Updates is the number of updates (rollout plus optimisation) the
	// run makes; the learning rate anneals to 0 over them. Default 100.
	Updates int `json:"updates"`
	// NumSteps is the number of steps per env in each rollout, so one
	// rollout holds NumSteps × NumEnvs transitions. Default 128.
	NumSteps int `json:"num_steps"`

	// LR is Adam's learning rate (at the first update, when annealed).
	// Default 2.5e-4.
	LR float64 `json:"lr"`
	// AnnealLR decreases the learning rate linearly from LR at the first
	// update to LR/Updates at the last. Default true.
	AnnealLR bool `json:"anneal_lr"`
	// AdamEps is Adam's epsilon. Default 1e-5.
	AdamEps float64 `json:"adam_eps"`

	// Gamma is the discount factor, in [0, 1]. Default 0.99.
	Gamma float64 `json:"gamma"`
	// GAELambda is the λ of generalised advantage estimation, in [0, 1].
	// Default 0.95.
	GAELambda float64 `json:"gae_lambda"`

	// NumMinibatches is the number of minibatches each rollout is split
	// into per epoch. Default 4.
	NumMinibatches int `json:"num_minibatches"`
	// UpdateEpochs is the number of passes over each rollout. Default 4.
	UpdateEpochs int `json:"update_epochs"`
	// NormAdv standardises the advantages within each minibatch.
	// Default true.
	NormAdv bool `json:"norm_adv"`
	// ClipCoef is ε of the clipped surrogate objective, which keeps the
	// probability ratio within [1−ε, 1+ε]; with ClipVLoss it also bounds
	// how far the value estimates move. Default 0.2.
	ClipCoef float64 `json:"clip_coef"`
	// ClipVLoss clips the value loss as PPO's reference implementation
	// does. Default true.
	ClipVLoss bool `json:"clip_vloss"`
	// EntCoef weighs the entropy bonus. Default 0.01.
	EntCoef float64 `json:"ent_coef"`
	// VFCoef weighs the value loss. Default 0.5.
	VFCoef float64 `json:"vf_coef"`
	// MaxGradNorm clips the global norm of the gradient of all parameters
	// taken together; 0 disables clipping. Default 0.5.
	MaxGradNorm float64 `json:"max_grad_norm"`
	// TargetKL stops an update's epochs early once the approximate KL
	// divergence between the old and the new policy, averaged over the
	// last epoch's minibatches, exceeds it; 0 disables early stopping.
	// Default 0.
	TargetKL float64 `json:"target_kl"`

	// Hidden lists the widths of the hidden layers of the actor and of the
	// critic, which are separate networks (Options.Actor's must agree).
	// Default {64, 64}.
	Hidden []int `json:"hidden"`
	// Activation is the hidden layers' nonlinearity (Options.Actor's must
	// agree). Default nn.Tanh.
	Activation nn.Activation `json:"activation"`
	// InitLogStd is the initial log standard deviation of the Gaussian
	// policy for Box actions (unused for discrete actions); leave it at 0
	// when Options.LogStd is given. Default 0.
	InitLogStd float64 `json:"init_log_std"`

	// StatsWindow is the number of recent episodes the logged episode
	// means are taken over. Default 100.
	StatsWindow int `json:"stats_window"`
	// CheckpointEvery makes the run save a checkpoint every
	// CheckpointEvery updates (to Options.CheckpointPath) and restart
	// every env's episode at those points, with seeds derived from Seed
	// and the update number. Restarting there is what lets a run resumed
	// from the checkpoint continue exactly as the uninterrupted run does:
	// the envs' internal state is not part of a checkpoint. 0 disables
	// periodic checkpoints; the envs then start once, at the first update.
	// Default 0.
	CheckpointEvery int `json:"checkpoint_every"`
}

// DefaultPPOConfig returns the documented defaults of every field.
func DefaultPPOConfig() PPOConfig {
	return PPOConfig{
		Seed:           1,
		Updates:        100,
		NumSteps:       128,
		LR:             2.5e-4,
		AnnealLR:       true,
		AdamEps:        1e-5,
		Gamma:          0.99,
		GAELambda:      0.95,
		NumMinibatches: 4,
		UpdateEpochs:   4,
		NormAdv:        true,
		ClipCoef:       0.2,
		ClipVLoss:      true,
		EntCoef:        0.01,
		VFCoef:         0.5,
		MaxGradNorm:    0.5,
		TargetKL:       0,
		Hidden:         []int{64, 64},
		Activation:     nn.Tanh,
		InitLogStd:     0,
		StatsWindow:    100,
	}
}

// Validate reports every field that is out of range.
func (c PPOConfig) Validate() error {
	var errs []error
	bad := func(field string, v any, want string) {
		errs = append(errs, fmt.Errorf("rl: PPOConfig.%s is %v, want %s", field, v, want))
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	if c.Updates < 1 {
		bad("Updates", c.Updates, "at least 1")
	}
	if c.NumSteps < 1 {
		bad("NumSteps", c.NumSteps, "at least 1")
	}
	if !finite(c.LR) || c.LR <= 0 {
		bad("LR", c.LR, "a finite number > 0")
	}
	if !finite(c.AdamEps) || c.AdamEps <= 0 {
		bad("AdamEps", c.AdamEps, "a finite number > 0")
	}
	if !(c.Gamma >= 0 && c.Gamma <= 1) {
		bad("Gamma", c.Gamma, "a number in [0, 1]")
	}
	if !(c.GAELambda >= 0 && c.GAELambda <= 1) {
		bad("GAELambda", c.GAELambda, "a number in [0, 1]")
	}
	if c.NumMinibatches < 1 {
		bad("NumMinibatches", c.NumMinibatches, "at least 1")
	}
	if c.UpdateEpochs < 1 {
		bad("UpdateEpochs", c.UpdateEpochs, "at least 1")
	}
	if !finite(c.ClipCoef) || c.ClipCoef <= 0 {
		bad("ClipCoef", c.ClipCoef, "a finite number > 0")
	}
	for _, f := range [...]struct {
		name string
		v    float64
	}{{"EntCoef", c.EntCoef}, {"VFCoef", c.VFCoef}, {"MaxGradNorm", c.MaxGradNorm}, {"TargetKL", c.TargetKL}} {
		if !finite(f.v) || f.v < 0 {
			bad(f.name, f.v, "a finite number >= 0")
		}
	}
	if len(c.Hidden) == 0 {
		bad("Hidden", c.Hidden, "at least one hidden layer")
	}
	for i, h := range c.Hidden {
		if h < 1 {
			bad(fmt.Sprintf("Hidden[%d]", i), h, "at least 1")
		}
	}
	if c.Activation != nn.Tanh && c.Activation != nn.ReLU {
		bad("Activation", c.Activation, "nn.Tanh or nn.ReLU")
	}
	if !finite(c.InitLogStd) {
		bad("InitLogStd", c.InitLogStd, "a finite number")
	}
	if c.StatsWindow < 1 {
		bad("StatsWindow", c.StatsWindow, "at least 1")
	}
	if c.CheckpointEvery < 0 {
		bad("CheckpointEvery", c.CheckpointEvery, "0 (off) or more")
	}
	return errors.Join(errs...)
}
