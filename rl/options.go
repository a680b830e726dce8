package rl

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/autollmresearch/gym/nn"
	"github.com/autollmresearch/gym/spaces"
)

// Options are the parts of a [PPO] or [GRPO] run that are not
// hyperparameters: the policy it starts from, callbacks and where output
// goes. The zero value starts from a fresh network and runs silently.
type Options struct {
	// Actor, when set, is the initial policy network, for example one
	// distilled by [TrainBC]; the run trains a copy (GRPO keeps another,
	// frozen, as its reference policy). Its input must be the observation
	// length, its output the number of discrete actions or the Box's
	// dimension, and its hidden layers and activation those the run's
	// config names (Hidden, Activation), so that a config never describes
	// a network the run does not train. When nil, a network of the
	// config's Hidden widths is initialised from the seed.
	Actor *nn.MLP
	// LogStd, when set, is the initial log standard deviation of a
	// Gaussian policy (copied), one entry per action dimension, in place
	// of the config's InitLogStd, which must then be left at 0.
	LogStd []float64
	// ActionMask, when set, is asked before every action which discrete
	// actions env i (the index into the envs given to NewPPO or NewGRPO)
	// allows; actions outside the mask are never chosen and the mask is
	// kept for training. Only for Discrete action spaces. See [EnvMasks]
	// for envs that report their own mask.
	ActionMask MaskFunc
	// EpisodeMetrics are read from the info of the last step of every
	// episode (see [InfoMetric]) and reported as means: over the most
	// recent PPOConfig.StatsWindow episodes in PPO, over the update's
	// episodes in GRPO.
	EpisodeMetrics []EpisodeMetric
	// Logger, when set, receives the statistics of every update.
	Logger *Logger
	// Progress, when set, receives one line per update.
	Progress io.Writer
	// CheckpointPath is where checkpoints are written, every
	// CheckpointEvery updates of the run's config and when Train
	// finishes. Empty disables checkpoints.
	CheckpointPath string
}

// freshNet is what a run's config says of a fresh policy network.
type freshNet struct {
	hidden     []int
	activation nn.Activation
	initLogStd float64
	gain       float64 // of the output layer
}

// setUp checks opts against a run (named for errors, e.g. "NewPPO") with
// observations of length obsDim and the policy head h, sets h's log
// standard deviations from opts.LogStd, and returns the initial actor:
// a copy of opts.Actor, or a fresh network of net drawn from rng.
func (o Options) setUp(run string, obsDim int, h head, actSpace any, net freshNet, rng func() *rand.Rand) (*nn.MLP, error) {
	if o.ActionMask != nil {
		if _, ok := actSpace.(*spaces.Discrete); !ok {
			return nil, fmt.Errorf("rl: %s: Options.ActionMask needs a Discrete action space, the env has %v", run, actSpace)
		}
	}
	for i, m := range o.EpisodeMetrics {
		if m.Name == "" || m.Value == nil {
			return nil, fmt.Errorf("rl: %s: Options.EpisodeMetrics[%d] needs a Name and a Value function", run, i)
		}
	}
	if hp := h.params(); o.LogStd != nil {
		switch {
		case len(hp) == 0:
			return nil, fmt.Errorf("rl: %s: Options.LogStd is set but the policy is categorical", run)
		case len(o.LogStd) != len(hp):
			return nil, fmt.Errorf("rl: %s: Options.LogStd has %d entries, want %d (the action dimension)", run, len(o.LogStd), len(hp))
		case net.initLogStd != 0:
			return nil, fmt.Errorf("rl: %s: both Options.LogStd and the config's InitLogStd (%g) are set; set one", run, net.initLogStd)
		}
		for i, v := range o.LogStd {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("rl: %s: Options.LogStd[%d] is %g, want a finite number", run, i, v)
			}
		}
		copy(hp, o.LogStd)
	}
	if o.Actor == nil {
		sizes := append(append([]int{obsDim}, net.hidden...), h.outDim())
		actor, err := nn.NewMLP(nn.MLPConfig{Sizes: sizes, Activation: net.activation, OutputGain: net.gain}, rng())
		if err != nil {
			return nil, fmt.Errorf("rl: %s: actor: %w", run, err)
		}
		return actor, nil
	}
	cfg := o.Actor.Config()
	if o.Actor.In() != obsDim || o.Actor.Out() != h.outDim() {
		return nil, fmt.Errorf("rl: %s: Options.Actor maps %d inputs to %d outputs, want %d to %d", run, o.Actor.In(), o.Actor.Out(), obsDim, h.outDim())
	}
	if hidden := cfg.Sizes[1 : len(cfg.Sizes)-1]; !slices.Equal(hidden, net.hidden) {
		return nil, fmt.Errorf("rl: %s: Options.Actor has hidden layers %v but the config's Hidden is %v; make them agree", run, hidden, net.hidden)
	}
	if cfg.Activation != net.activation {
		return nil, fmt.Errorf("rl: %s: Options.Actor's activation is %v but the config's Activation is %v; make them agree", run, cfg.Activation, net.activation)
	}
	return o.Actor.Clone(), nil
}
