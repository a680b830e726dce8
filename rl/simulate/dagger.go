package simulate

import (
	"context"
	"errors"
	"fmt"

	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/nn"
	"github.com/autollmresearch/gym/policy"
	"github.com/autollmresearch/gym/rl"
)

// DAggerOptions configure [DAgger].
type DAggerOptions struct {
	// Env builds one env per worker, of the train split, as in Options.
	Env func() (*research.Env, error)
	// Teacher labels every state the learner reaches, as in Options.
	Teacher Teacher
	// Rounds is the number of rounds after the first fit; 0 fits once.
	Rounds int
	// Episodes is the number of episodes the learner plays per round.
	Episodes int
	// Seed is the seed of the first round's episodes; round r (from 1)
	// plays from Seed + r.
	Seed uint64
	// Workers is the number of episodes run at once, as in Options.
	Workers int
	// Kind is the kind of actions the actor is fitted to.
	Kind rl.ActionKind
	// BC configures every fit.
	BC rl.BCConfig
	// Fitted, when set, is called after every fit with the round (0 for
	// the fit on the teacher's own trajectories), the number of steps
	// fitted and the fit's statistics.
	Fitted func(round, steps int, fit rl.BCStats)
}

// DAgger distils a teacher into actor by behaviour cloning with dataset
// aggregation (Ross et al., 2011): it fits actor to traj (the teacher's
// own trajectories, from Run), then, for each round, lets actor drive the
// episodes (deterministically, through policy.NewNeuralFactory) while the
// teacher labels every state it reaches, adds those steps to traj and fits
// actor again on all of them. The labels of states the teacher itself
// never visits teach the actor to recover from its own mistakes. traj
// grows in place; DAgger returns the statistics of the last fit.
func DAgger(ctx context.Context, actor *nn.MLP, traj *Trajectories, opts DAggerOptions) (rl.BCStats, error) {
	if actor == nil || traj == nil {
		return rl.BCStats{}, errors.New("simulate: DAgger: the actor and the trajectories must not be nil")
	}
	if opts.Rounds < 0 {
		return rl.BCStats{}, fmt.Errorf("simulate: DAgger: DAggerOptions.Rounds is %d, want 0 or more", opts.Rounds)
	}
	fit, err := fitAll(actor, traj, opts, 0)
	if err != nil {
		return rl.BCStats{}, err
	}
	for r := range opts.Rounds {
		more, err := Run(ctx, Options{
			Env: opts.Env, Teacher: opts.Teacher, Learner: Student(actor), Episodes: opts.Episodes,
			Seed: opts.Seed + uint64(r+1), Workers: opts.Workers,
		})
		if err != nil {
			return rl.BCStats{}, fmt.Errorf("simulate: DAgger round %d: %w", r+1, err)
		}
		traj.Steps = append(traj.Steps, more.Steps...)
		if fit, err = fitAll(actor, traj, opts, r+1); err != nil {
			return rl.BCStats{}, err
		}
	}
	return fit, nil
}

// fitAll fits actor to every step of traj and reports the fit.
func fitAll(actor *nn.MLP, traj *Trajectories, opts DAggerOptions, round int) (rl.BCStats, error) {
	data, err := traj.ToDataset(opts.Kind)
	if err != nil {
		return rl.BCStats{}, err
	}
	fit, err := rl.TrainBC(actor, opts.Kind, data, opts.BC)
	if err != nil {
		return rl.BCStats{}, fmt.Errorf("simulate: DAgger round %d: %w", round, err)
	}
	if opts.Fitted != nil {
		opts.Fitted(round, data.Len(), fit)
	}
	return fit, nil
}

// Student is a Teacher that plays actor deterministically: the learner of
// a DAgger round (Options.Learner).
func Student(actor *nn.MLP) Teacher {
	return func(e *research.Env) (policy.Policy, error) {
		f, err := policy.NewNeuralFactory(actor, e, policy.NeuralOptions{Name: "student"})
		if err != nil {
			return nil, err
		}
		return f(), nil
	}
}
