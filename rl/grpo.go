package rl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/nn"
)

// Second words of the PCG sources of a GRPO run: episodes' action
// sampling, minibatch shuffling and network initialisation.
const (
	grpoSampleStream  = 0x6772_706f_5f73_0001
	grpoShuffleStream = 0x6772_706f_5f73_0002
	grpoInitStream    = 0x6772_706f_5f73_0003
)

// GRPOConfig holds every hyperparameter of a [GRPO] run. Start from
// [DefaultGRPOConfig] and change what the problem needs.
type GRPOConfig struct {
	// Seed drives every random choice of the run: the initial network
	// (unless Options.Actor is given), the prompts' reset seeds,
	// action sampling and minibatch shuffling. Default 1.
	Seed uint64 `json:"seed"`
	// Updates is the number of updates the run makes. Default 100.
	Updates int `json:"updates"`
	// Prompts is B, the number of prompts (episode starts, given by reset
	// seeds) drawn per update. Default 8.
	Prompts int `json:"prompts"`
	// GroupSize is G, the number of episodes run from each prompt; at
	// least 2. Default 8.
	GroupSize int `json:"group_size"`
	// MaxEpisodeSteps cuts an episode that has not ended after that many
	// steps; its return is the sum of the rewards so far. Default 1000.
	MaxEpisodeSteps int `json:"max_episode_steps"`

	// LR is Adam's learning rate. Default 1e-3.
	LR float64 `json:"lr"`
	// AdamEps is Adam's epsilon. Default 1e-5.
	AdamEps float64 `json:"adam_eps"`
	// UpdateEpochs is the number of passes over each update's episodes.
	// Default 4.
	UpdateEpochs int `json:"update_epochs"`
	// NumMinibatches is the number of minibatches the update's steps are
	// split into per epoch. Default 4.
	NumMinibatches int `json:"num_minibatches"`
	// ClipCoef is ε of the clipped objective: the probability ratio to the
	// sampling policy is kept within [1−ε, 1+ε]. Default 0.2.
	ClipCoef float64 `json:"clip_coef"`
	// KLCoef is β, the weight of the KL penalty to the frozen reference
	// policy; 0 disables it. Default 0.04.
	KLCoef float64 `json:"kl_coef"`
	// EntCoef weighs an entropy bonus; 0 disables it. Default 0.
	EntCoef float64 `json:"ent_coef"`
	// AdvEps is added to a group's standard deviation of returns before
	// dividing by it. Default 1e-8.
	AdvEps float64 `json:"adv_eps"`
	// MaxGradNorm clips the global norm of the gradient; 0 disables
	// clipping. Default 0.5.
	MaxGradNorm float64 `json:"max_grad_norm"`

	// Hidden lists the widths of the policy network's hidden layers: those
	// of a fresh network, or of Options.Actor, which must agree. Default
	// {64, 64}.
	Hidden []int `json:"hidden"`
	// Activation is the hidden layers' nonlinearity (Options.Actor's must
	// agree). Default nn.Tanh.
	Activation nn.Activation `json:"activation"`
	// InitLogStd is the initial log standard deviation of the Gaussian
	// policy for Box actions; leave it at 0 when Options.LogStd is given.
	// Default 0.
	InitLogStd float64 `json:"init_log_std"`
	// CheckpointEvery makes the run save a checkpoint every
	// CheckpointEvery updates (to Options.CheckpointPath), besides the one
	// Train writes at the end; 0 (the default) saves only that one. A run
	// resumed from any of them continues exactly as the uninterrupted run.
	CheckpointEvery int `json:"checkpoint_every"`
}

// DefaultGRPOConfig returns the documented defaults of every field.
func DefaultGRPOConfig() GRPOConfig {
	return GRPOConfig{
		Seed:            1,
		Updates:         100,
		Prompts:         8,
		GroupSize:       8,
		MaxEpisodeSteps: 1000,
		LR:              1e-3,
		AdamEps:         1e-5,
		UpdateEpochs:    4,
		NumMinibatches:  4,
		ClipCoef:        0.2,
		KLCoef:          0.04,
		EntCoef:         0,
		AdvEps:          1e-8,
		MaxGradNorm:     0.5,
		Hidden:          []int{64, 64},
		Activation:      nn.Tanh,
		InitLogStd:      0,
	}
}

// Validate reports every field that is out of range.
func (c GRPOConfig) Validate() error {
	var errs []error
	bad := func(field string, v any, want string) {
		errs = append(errs, fmt.Errorf("rl: GRPOConfig.%s is %v, want %s", field, v, want))
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	for _, f := range [...]struct {
		name string
		v    int
		min  int
	}{{"Updates", c.Updates, 1}, {"Prompts", c.Prompts, 1}, {"GroupSize", c.GroupSize, 2},
		{"MaxEpisodeSteps", c.MaxEpisodeSteps, 1}, {"UpdateEpochs", c.UpdateEpochs, 1}, {"NumMinibatches", c.NumMinibatches, 1}} {
		if f.v < f.min {
			bad(f.name, f.v, fmt.Sprintf("at least %d", f.min))
		}
	}
	for _, f := range [...]struct {
		name string
		v    float64
	}{{"LR", c.LR}, {"AdamEps", c.AdamEps}, {"ClipCoef", c.ClipCoef}, {"AdvEps", c.AdvEps}} {
		if !finite(f.v) || f.v <= 0 {
			bad(f.name, f.v, "a finite number > 0")
		}
	}
	for _, f := range [...]struct {
		name string
		v    float64
	}{{"KLCoef", c.KLCoef}, {"EntCoef", c.EntCoef}, {"MaxGradNorm", c.MaxGradNorm}} {
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
	if c.CheckpointEvery < 0 {
		bad("CheckpointEvery", c.CheckpointEvery, "0 (off) or more")
	}
	return errors.Join(errs...)
}

// GRPO trains a policy by group relative policy optimisation (Shao et
// al., 2024) over multi-turn episodes, without a critic. Each
// [GRPO.Update] draws GRPOConfig.Prompts prompts, each a reset seed, and
// runs a group of GRPOConfig.GroupSize episodes from every prompt: the
// same seed gives every episode of a group the same start (the same
// target, the same hidden state), while the actions, sampled from the
// policy with each episode's own random stream, differ. An episode's
// return R is the sum of its rewards, and every step of it gets the
// advantage
//
//	A = (R − mean of the group's returns) / (std of the group's returns + AdvEps)
//
// with the sample standard deviation (n − 1). When all the returns of a
// group are equal, its standard deviation is 0 and every advantage of the
// group is exactly 0: such a group teaches nothing about which actions
// are better and contributes only the KL term (and the entropy bonus) to
// the loss. [GRPOStats].ZeroStdFrac reports how many groups were so.
//
// The loss of a minibatch is the mean over its steps, every step weighing
// the same, of
//
//	−min(r·A, clip(r, 1−ε, 1+ε)·A) + β·k3 − EntCoef·H
//
// where r = π(a|s)/π_old(a|s) is the ratio to the policy that sampled the
// episode, H the policy's entropy, and k3 = exp(q) − q − 1 with
// q = log π_ref(a|s) − log π(a|s) the unbiased, always positive estimator
// of KL(π ‖ π_ref) to the frozen reference policy: a copy of the initial
// policy (a distilled one, when Options.Actor is given). Each update
// runs GRPOConfig.UpdateEpochs epochs of shuffled minibatches, with Adam
// and gradient clipping by global norm.
//
// Action spaces are those of [PPO]: a *spaces.Discrete (A = int) gets a
// categorical policy, with optional masks; a *spaces.Box (A = []float64)
// a diagonal Gaussian with learned, state-independent log standard
// deviations, whose samples are clipped to the box only on the way to the
// env.
//
// The envs given to NewGRPO run the episodes, one goroutine per env when
// there are several. Training is deterministic: the same configuration
// and seed give the same weights, bit for bit, whatever the number of
// envs, as long as each env's episodes depend only on its reset seed and
// the actions. Every random choice of an update derives from the seed and
// the update number, so a run resumed from a checkpoint ([GRPO.Resume])
// continues exactly as the uninterrupted run.
//
// A GRPO is not safe for concurrent use.
type GRPO[A any] struct {
	cfg    GRPOConfig
	opts   Options
	envs   []env.Env[[]float64, A]
	obsDim int
	actSp  string

	actor, ref *nn.MLP
	head       head
	refLogStd  []float64 // frozen Gaussian log std of the reference, nil for discrete
	codec      codec[A]
	maskDim    int
	actorOpt   *nn.Adam
	headOpt    *nn.Adam
	workers    []*grpoWorker[A]
	episodes   []grpoEpisode // Prompts × GroupSize, prompt-major
	update     int
	steps      int

	// The update's steps, episode by episode.
	rows                  int
	obs, act, logp, refLP []float64
	adv                   []float64
	masks                 []bool
	shuffleSrc            *rand.PCG
	shuffle               *rand.Rand
	idx                   []int
	mbObs, dActor         []float64
	ws, wsAct             *nn.Workspace
	actBuf                []float64
	groupRet, metricSum   []float64
	metricCount           []int
}

// grpoWorker runs episodes on one env.
type grpoWorker[A any] struct {
	id            int
	env           env.Env[[]float64, A]
	head, refHead head
	wsActor       *nn.Workspace
	wsRef         *nn.Workspace
	src           *rand.PCG
	rng           *rand.Rand
	action        A
	act           []float64
	mask          []bool
}

// grpoEpisode holds one episode's steps.
type grpoEpisode struct {
	obs, act, logp, refLP []float64
	masks                 []bool
	n                     int
	ret                   float64
	metrics               []float64
	metricOK              []bool
	err                   error
}

// NewGRPO sets up a run over envs, which it steps but does not own (close
// them after the run). Every env must have the same observation length and
// action space. The configuration is validated, the networks are set up
// and the run's buffers allocated.
func NewGRPO[A any](envs []env.Env[[]float64, A], cfg GRPOConfig, opts Options) (*GRPO[A], error) {
	if len(envs) == 0 {
		return nil, errors.New("rl: NewGRPO: no envs")
	}
	for i, e := range envs {
		if e == nil {
			return nil, fmt.Errorf("rl: NewGRPO: env %d is nil", i)
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.Hidden = slices.Clone(cfg.Hidden)
	obsDim, err := sameSpaces(envs)
	if err != nil {
		return nil, err
	}
	h, c, err := newHead(envs[0].ActionSpace(), cfg.InitLogStd)
	if err != nil {
		return nil, fmt.Errorf("rl: NewGRPO: %w", err)
	}
	maskDim := 0
	if opts.ActionMask != nil {
		maskDim = h.outDim()
	}
	net := freshNet{hidden: cfg.Hidden, activation: cfg.Activation, initLogStd: cfg.InitLogStd, gain: 0.01}
	actor, err := opts.setUp("NewGRPO", obsDim, h, envs[0].ActionSpace(), net, func() *rand.Rand {
		return rand.New(rand.NewPCG(cfg.Seed, grpoInitStream))
	})
	if err != nil {
		return nil, err
	}
	opts.Actor, opts.LogStd = nil, nil
	opts.EpisodeMetrics = slices.Clone(opts.EpisodeMetrics)

	g := &GRPO[A]{
		cfg: cfg, opts: opts, envs: envs, obsDim: obsDim, actSp: envs[0].ActionSpace().String(),
		actor: actor, ref: actor.Clone(), head: h, codec: c, maskDim: maskDim,
		episodes: make([]grpoEpisode, cfg.Prompts*cfg.GroupSize),
		groupRet: make([]float64, cfg.GroupSize),
		wsAct:    actor.NewWorkspace(1),
		actBuf:   make([]float64, h.actDim()),
	}
	g.shuffleSrc = rand.NewPCG(0, 0)
	g.shuffle = rand.New(g.shuffleSrc)
	if hp := h.params(); len(hp) > 0 {
		g.refLogStd = slices.Clone(hp)
	}
	adam := nn.AdamConfig{LR: cfg.LR, Beta1: 0.9, Beta2: 0.999, Eps: cfg.AdamEps}
	if g.actorOpt, err = nn.NewAdam(actor.NumParams(), adam); err != nil {
		return nil, err
	}
	if hp := h.params(); len(hp) > 0 {
		if g.headOpt, err = nn.NewAdam(len(hp), adam); err != nil {
			return nil, err
		}
	}
	for i := range g.episodes {
		g.episodes[i].metrics = make([]float64, len(opts.EpisodeMetrics))
		g.episodes[i].metricOK = make([]bool, len(opts.EpisodeMetrics))
	}
	g.metricSum = make([]float64, len(opts.EpisodeMetrics))
	g.metricCount = make([]int, len(opts.EpisodeMetrics))
	for i, e := range envs {
		g.workers = append(g.workers, g.newWorker(i, e))
	}
	return g, nil
}

// sameSpaces checks that every env has observations of one fixed length
// and the same action space, and returns that length.
func sameSpaces[A any](envs []env.Env[[]float64, A]) (int, error) {
	obsDim := 0
	for i, e := range envs {
		flat, ok := e.ObservationSpace().(interface{ FlatDim() int })
		if !ok || flat.FlatDim() < 1 {
			return 0, fmt.Errorf("rl: NewGRPO: env %d: observation space %v has no fixed length; want a space with a FlatDim, such as a Box", i, e.ObservationSpace())
		}
		if i == 0 {
			obsDim = flat.FlatDim()
		} else if flat.FlatDim() != obsDim {
			return 0, fmt.Errorf("rl: NewGRPO: env %d has observations of length %d, env 0 of length %d", i, flat.FlatDim(), obsDim)
		}
		if i > 0 && e.ActionSpace().String() != envs[0].ActionSpace().String() {
			return 0, fmt.Errorf("rl: NewGRPO: env %d has action space %v, env 0 has %v", i, e.ActionSpace(), envs[0].ActionSpace())
		}
	}
	return obsDim, nil
}

// newWorker returns the worker that runs episodes on env e, the run's
// i-th, with its own heads, workspaces and random stream.
func (g *GRPO[A]) newWorker(i int, e env.Env[[]float64, A]) *grpoWorker[A] {
	w := &grpoWorker[A]{
		id: i, env: e,
		head:    g.samplingHead(g.head.params()),
		refHead: g.samplingHead(g.refLogStd),
		wsActor: g.actor.NewWorkspace(1),
		wsRef:   g.actor.NewWorkspace(1),
		src:     rand.NewPCG(0, 0),
		action:  g.codec.newActions(1)[0],
		act:     make([]float64, g.head.actDim()),
	}
	w.rng = rand.New(w.src)
	if g.maskDim > 0 {
		w.mask = make([]bool, g.maskDim)
	}
	return w
}

// samplingHead returns a head of the run's kind for a worker: its own
// categorical buffer, or a Gaussian over the given log standard
// deviations (shared, read-only while episodes run).
func (g *GRPO[A]) samplingHead(logStd []float64) head {
	switch h := g.head.(type) {
	case *categoricalHead:
		return newCategoricalHead(h.outDim())
	default:
		return &gaussianHead{logStd: logStd, logStdGrad: make([]float64, len(logStd))}
	}
}

// Config returns the run's configuration.
func (g *GRPO[A]) Config() GRPOConfig {
	c := g.cfg
	c.Hidden = slices.Clone(c.Hidden)
	return c
}

// UpdatesDone is the number of updates made so far.
func (g *GRPO[A]) UpdatesDone() int { return g.update }

// GlobalStep is the number of env steps taken so far.
func (g *GRPO[A]) GlobalStep() int { return g.steps }

// Actor returns the policy network (not a copy).
func (g *GRPO[A]) Actor() *nn.MLP { return g.actor }

// Reference returns the frozen reference policy network (not a copy; do
// not modify it).
func (g *GRPO[A]) Reference() *nn.MLP { return g.ref }

// LogStd returns the Gaussian policy's log standard deviations (not a
// copy), or nil for a discrete policy.
func (g *GRPO[A]) LogStd() []float64 { return g.head.params() }

// Act returns the policy's action for one observation: the most likely
// action when rng is nil, otherwise a draw from rng. mask (nil for none)
// restricts a discrete policy's choice. A continuous action is clipped to
// the action space.
func (g *GRPO[A]) Act(obs []float64, mask []bool, rng *rand.Rand) (A, error) {
	return actOne(g.actor, g.wsAct, g.head, g.codec, g.actBuf, obs, mask, rng)
}

// GRPOStats are the statistics of one GRPO update.
type GRPOStats struct {
	// Update is the number of updates done, this one included.
	Update int
	// GlobalStep is the number of env steps taken, all updates together.
	GlobalStep int
	// StepsPerSecond is this update's env steps over its wall-clock time
	// (episodes and optimisation).
	StepsPerSecond float64
	// Episodes is the number of episodes of the update, Prompts ×
	// GroupSize.
	Episodes int
	// EpisodeReturn (the mean), MinReturn and MaxReturn summarise the episodes' returns
	// and EpisodeLength is their mean length.
	EpisodeReturn, MinReturn, MaxReturn, EpisodeLength float64
	// GroupStd is the mean over groups of the standard deviation of their
	// returns.
	GroupStd float64
	// ZeroStdFrac is the fraction of groups whose returns were all equal,
	// whose advantages are therefore all 0.
	ZeroStdFrac float64
	// EpisodeMetrics are the means of Options.EpisodeMetrics over the
	// update's episodes, in their order (NaN when no episode had one).
	EpisodeMetrics []Metric
	// PolicyLoss (the clipped objective, to minimise, without the KL
	// term), Entropy, ClipFrac (the fraction of steps whose probability
	// ratio left [1−ε, 1+ε]) and GradNorm (before clipping) are means over
	// the update's minibatches.
	PolicyLoss, Entropy, ClipFrac, GradNorm float64
	// KLRef is the mean k3 estimate of the KL divergence from the policy
	// to the reference over the last epoch's steps.
	KLRef float64
	// ApproxKL estimates the KL divergence between the sampling policy and
	// the updated one by the mean of (r − 1) − log r over the last epoch.
	ApproxKL float64
}

// Metrics lists the statistics as named metrics, in a fixed order, for a
// [Logger].
func (s GRPOStats) Metrics() []Metric {
	m := []Metric{
		{"update", float64(s.Update)},
		{"global_step", float64(s.GlobalStep)},
		{"steps_per_second", s.StepsPerSecond},
		{"episodes", float64(s.Episodes)},
		{"episode_return", s.EpisodeReturn},
		{"min_return", s.MinReturn},
		{"max_return", s.MaxReturn},
		{"episode_length", s.EpisodeLength},
		{"group_std", s.GroupStd},
		{"zero_std_frac", s.ZeroStdFrac},
	}
	m = append(m, s.EpisodeMetrics...)
	return append(m,
		Metric{"policy_loss", s.PolicyLoss},
		Metric{"entropy", s.Entropy},
		Metric{"kl_ref", s.KLRef},
		Metric{"approx_kl", s.ApproxKL},
		Metric{"clip_frac", s.ClipFrac},
		Metric{"grad_norm", s.GradNorm},
	)
}

// String is a one-line progress report.
func (s GRPOStats) String() string {
	line := fmt.Sprintf("update %d  step %d  sps %.0f  return %.4f  len %.1f  zero-std %.2f",
		s.Update, s.GlobalStep, s.StepsPerSecond, s.EpisodeReturn, s.EpisodeLength, s.ZeroStdFrac)
	for _, m := range s.EpisodeMetrics {
		line += fmt.Sprintf("  %s %.4f", m.Name, m.Value)
	}
	return line + fmt.Sprintf("  pg %.4f  ent %.3f  kl_ref %.4f  kl %.4f  clip %.3f",
		s.PolicyLoss, s.Entropy, s.KLRef, s.ApproxKL, s.ClipFrac)
}

// Train runs updates until GRPOConfig.Updates are done or ctx is cancelled
// (between updates), then writes a checkpoint when
// Options.CheckpointPath is set and flushes the logger. It returns the
// statistics of the last update it ran.
func (g *GRPO[A]) Train(ctx context.Context) (GRPOStats, error) {
	var last GRPOStats
	for g.update < g.cfg.Updates {
		if err := ctx.Err(); err != nil {
			return last, err
		}
		st, err := g.Update()
		if err != nil {
			return last, err
		}
		last = st
	}
	if g.opts.CheckpointPath != "" && !g.checkpointDue() {
		if err := g.Save(g.opts.CheckpointPath); err != nil {
			return last, err
		}
	}
	if g.opts.Logger != nil {
		if err := g.opts.Logger.Flush(); err != nil {
			return last, err
		}
	}
	return last, nil
}

// checkpointDue reports whether the updates done so far end a period of
// GRPOConfig.CheckpointEvery, at which Update writes a checkpoint.
func (g *GRPO[A]) checkpointDue() bool {
	return g.cfg.CheckpointEvery > 0 && g.update%g.cfg.CheckpointEvery == 0
}

// promptSeed is the reset seed of prompt b of update u.
func (g *GRPO[A]) promptSeed(u, b int) uint64 {
	return SubSeed(g.cfg.Seed, u*g.cfg.Prompts+b)
}

// Update runs one update: the episodes of every group, their advantages
// and the optimisation epochs. It logs and reports progress as
// Options say. Calling it after all GRPOConfig.Updates are done is an
// error.
func (g *GRPO[A]) Update() (GRPOStats, error) {
	if g.update >= g.cfg.Updates {
		return GRPOStats{}, fmt.Errorf("rl: GRPO.Update: the run has done all %d updates", g.cfg.Updates)
	}
	start := time.Now()
	if err := g.runEpisodes(); err != nil {
		return GRPOStats{}, fmt.Errorf("rl: GRPO update %d: %w", g.update+1, err)
	}
	st := g.advantages()
	if err := g.optimise(&st); err != nil {
		return GRPOStats{}, fmt.Errorf("rl: GRPO update %d: %w", g.update+1, err)
	}
	g.update++
	g.steps += g.rows
	st.Update = g.update
	st.GlobalStep = g.steps
	st.StepsPerSecond = float64(g.rows) / time.Since(start).Seconds()
	if g.opts.CheckpointPath != "" && g.checkpointDue() {
		if err := g.Save(g.opts.CheckpointPath); err != nil {
			return st, err
		}
	}
	if g.opts.Logger != nil {
		if err := g.opts.Logger.Log(st.Metrics()); err != nil {
			return st, err
		}
	}
	if g.opts.Progress != nil {
		if _, err := fmt.Fprintf(g.opts.Progress, "%d/%d %v\n", g.update, g.cfg.Updates, st); err != nil {
			return st, fmt.Errorf("rl: writing progress: %w", err)
		}
	}
	return st, nil
}

// runEpisodes runs every episode of the update, in parallel over the
// workers, each episode into its own slot.
func (g *GRPO[A]) runEpisodes() error {
	n := len(g.episodes)
	if len(g.workers) == 1 {
		for e := range n {
			g.workers[0].run(g, e)
		}
	} else {
		var next atomic.Int64
		var wg sync.WaitGroup
		for _, w := range g.workers {
			wg.Go(func() {
				for {
					e := int(next.Add(1)) - 1
					if e >= n {
						return
					}
					w.run(g, e)
				}
			})
		}
		wg.Wait()
	}
	for e := range g.episodes {
		if err := g.episodes[e].err; err != nil {
			return fmt.Errorf("prompt %d, episode %d of its group: %w", e/g.cfg.GroupSize, e%g.cfg.GroupSize, err)
		}
	}
	return nil
}

// run plays episode e of the current update with the worker's env.
func (w *grpoWorker[A]) run(g *GRPO[A], e int) {
	ep := &g.episodes[e]
	ep.obs, ep.act, ep.logp, ep.refLP, ep.masks = ep.obs[:0], ep.act[:0], ep.logp[:0], ep.refLP[:0], ep.masks[:0]
	ep.n, ep.ret, ep.err = 0, 0, nil
	clear(ep.metricOK)
	ep.err = w.play(g, e, ep)
}

func (w *grpoWorker[A]) play(g *GRPO[A], e int, ep *grpoEpisode) error {
	u, b := g.update, e/g.cfg.GroupSize
	w.src.Seed(SubSeed(g.cfg.Seed^grpoSampleStream, u*len(g.episodes)+e), grpoSampleStream)
	obs, _, err := w.env.Reset(env.SeedOf(g.promptSeed(u, b)), nil)
	if err != nil {
		return fmt.Errorf("resetting env %d: %w", w.id, err)
	}
	for ep.n < g.cfg.MaxEpisodeSteps {
		if err := checkObsVec(w.id, obs, g.obsDim); err != nil {
			return err
		}
		ep.obs = append(ep.obs, obs...)
		out, err := g.actor.Forward(w.wsActor, obs)
		if err != nil {
			return err
		}
		if w.mask != nil {
			clear(w.mask)
			if err := g.opts.ActionMask(w.id, w.mask); err != nil {
				return fmt.Errorf("action mask of env %d: %w", w.id, err)
			}
		}
		lp, err := w.head.sample(w.rng, out, w.mask, w.act)
		if err != nil {
			return fmt.Errorf("choosing the action of step %d: %w", ep.n+1, err)
		}
		refOut, err := g.ref.Forward(w.wsRef, obs)
		if err != nil {
			return err
		}
		rlp, _, err := w.refHead.eval(refOut, w.mask, w.act)
		if err != nil {
			return fmt.Errorf("reference policy at step %d: %w", ep.n+1, err)
		}
		ep.act = append(ep.act, w.act...)
		ep.masks = append(ep.masks, w.mask...)
		ep.logp = append(ep.logp, lp)
		ep.refLP = append(ep.refLP, rlp)
		g.codec.decode(w.act, &w.action)
		res, err := w.env.Step(w.action)
		if err != nil {
			return fmt.Errorf("step %d of env %d: %w", ep.n+1, w.id, err)
		}
		if math.IsNaN(res.Reward) || math.IsInf(res.Reward, 0) {
			return fmt.Errorf("env %d returned reward %g at step %d; rewards must be finite", w.id, res.Reward, ep.n+1)
		}
		ep.ret += res.Reward
		ep.n++
		obs = res.Obs
		if res.Done() || ep.n == g.cfg.MaxEpisodeSteps {
			for i, m := range g.opts.EpisodeMetrics {
				ep.metrics[i], ep.metricOK[i] = m.Value(res.Info)
			}
			break
		}
	}
	return nil
}

// checkObsVec verifies that o has length n and finite entries.
func checkObsVec(envIdx int, o []float64, n int) error {
	if len(o) != n {
		return fmt.Errorf("env %d returned an observation of length %d, want %d", envIdx, len(o), n)
	}
	for k, v := range o {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("env %d returned an observation with slot %d = %g; observations must be finite", envIdx, k, v)
		}
	}
	return nil
}

// advantages computes the group-relative advantages, gathers the update's
// steps into flat slices and returns the rollout's statistics.
func (g *GRPO[A]) advantages() GRPOStats {
	size := g.cfg.GroupSize
	st := GRPOStats{Episodes: len(g.episodes), MinReturn: math.Inf(1), MaxReturn: math.Inf(-1)}
	rows := 0
	for i := range g.episodes {
		rows += g.episodes[i].n
	}
	d, a := g.obsDim, g.head.actDim()
	g.obs = slices.Grow(g.obs[:0], rows*d)[:0]
	g.act = slices.Grow(g.act[:0], rows*a)[:0]
	g.masks = g.masks[:0]
	g.logp, g.refLP, g.adv = g.logp[:0], g.refLP[:0], g.adv[:0]
	clear(g.metricSum)
	clear(g.metricCount)
	zero := 0
	for b := range g.cfg.Prompts {
		group := g.episodes[b*size : (b+1)*size]
		mean, equal := 0.0, true
		for i := range group {
			g.groupRet[i] = group[i].ret
			mean += group[i].ret
			equal = equal && group[i].ret == group[0].ret
		}
		mean /= float64(size)
		ss := 0.0
		for _, r := range g.groupRet {
			ss += (r - mean) * (r - mean)
		}
		std := math.Sqrt(ss / float64(size-1))
		if equal {
			zero++
			std = 0
		}
		st.GroupStd += std
		for i := range group {
			ep := &group[i]
			adv := 0.0
			if !equal {
				adv = (ep.ret - mean) / (std + g.cfg.AdvEps)
			}
			st.EpisodeReturn += ep.ret
			st.MinReturn = math.Min(st.MinReturn, ep.ret)
			st.MaxReturn = math.Max(st.MaxReturn, ep.ret)
			st.EpisodeLength += float64(ep.n)
			for k, ok := range ep.metricOK {
				if ok {
					g.metricSum[k] += ep.metrics[k]
					g.metricCount[k]++
				}
			}
			g.obs = append(g.obs, ep.obs...)
			g.act = append(g.act, ep.act...)
			g.masks = append(g.masks, ep.masks...)
			g.logp = append(g.logp, ep.logp...)
			g.refLP = append(g.refLP, ep.refLP...)
			for range ep.n {
				g.adv = append(g.adv, adv)
			}
		}
	}
	g.rows = rows
	n := float64(len(g.episodes))
	st.EpisodeReturn /= n
	st.EpisodeLength /= n
	st.GroupStd /= float64(g.cfg.Prompts)
	st.ZeroStdFrac = float64(zero) / float64(g.cfg.Prompts)
	for k, m := range g.opts.EpisodeMetrics {
		v := math.NaN()
		if g.metricCount[k] > 0 {
			v = g.metricSum[k] / float64(g.metricCount[k])
		}
		st.EpisodeMetrics = append(st.EpisodeMetrics, Metric{m.Name, v})
	}
	return st
}

// optimise runs the epochs of minibatch steps over the update's steps.
func (g *GRPO[A]) optimise(st *GRPOStats) error {
	n := g.rows
	nan := math.NaN()
	st.PolicyLoss, st.Entropy, st.ClipFrac, st.GradNorm, st.KLRef, st.ApproxKL = nan, nan, nan, nan, nan, nan
	if n == 0 {
		return nil
	}
	mb := (n + g.cfg.NumMinibatches - 1) / g.cfg.NumMinibatches
	if g.ws == nil || g.ws.MaxRows() < mb {
		g.ws = g.actor.NewWorkspace(mb)
		g.mbObs = make([]float64, mb*g.obsDim)
		g.dActor = make([]float64, mb*g.head.outDim())
	}
	g.idx = g.idx[:0]
	for r := range n {
		g.idx = append(g.idx, r)
	}
	g.shuffleSrc.Seed(SubSeed(g.cfg.Seed^grpoShuffleStream, g.update), grpoShuffleStream)
	var sum grpoMB
	batches := 0
	for epoch := range g.cfg.UpdateEpochs {
		g.shuffle.Shuffle(n, func(i, j int) { g.idx[i], g.idx[j] = g.idx[j], g.idx[i] })
		var klRef, kl float64
		for s := 0; s < n; s += mb {
			rows := g.idx[s:min(s+mb, n)]
			res, err := g.minibatch(rows)
			if err != nil {
				return fmt.Errorf("epoch %d: %w", epoch+1, err)
			}
			sum.policyLoss += res.policyLoss
			sum.entropy += res.entropy
			sum.clipFrac += res.clipFrac
			sum.gradNorm += res.gradNorm
			batches++
			klRef += res.klRef
			kl += res.approxKL
		}
		st.KLRef, st.ApproxKL = klRef/float64(n), kl/float64(n)
	}
	b := float64(batches)
	st.PolicyLoss, st.Entropy = sum.policyLoss/b, sum.entropy/b
	st.ClipFrac, st.GradNorm = sum.clipFrac/b, sum.gradNorm/b
	return nil
}

// grpoMB holds the losses and diagnostics of one minibatch: means for the
// losses, sums over its rows for the KL estimates.
type grpoMB struct {
	policyLoss, entropy, clipFrac, gradNorm, klRef, approxKL float64
}

// minibatch takes one gradient step on the rows given.
func (g *GRPO[A]) minibatch(rows []int) (grpoMB, error) {
	m, d, k, a := len(rows), g.obsDim, g.head.outDim(), g.head.actDim()
	for j, r := range rows {
		copy(g.mbObs[j*d:(j+1)*d], g.obs[r*d:(r+1)*d])
	}
	out, err := g.actor.ForwardBatch(g.ws, g.mbObs[:m*d])
	if err != nil {
		return grpoMB{}, err
	}
	dActor := g.dActor[:m*k]
	clear(dActor)
	clear(g.head.grads())
	inv := 1 / float64(m)
	eps, beta := g.cfg.ClipCoef, g.cfg.KLCoef
	var res grpoMB
	for j, r := range rows {
		var mask []bool
		if g.maskDim > 0 {
			mask = g.masks[r*g.maskDim : (r+1)*g.maskDim]
		}
		logp, ent, err := g.head.eval(out[j*k:(j+1)*k], mask, g.act[r*a:(r+1)*a])
		if err != nil {
			return grpoMB{}, fmt.Errorf("step row %d: %w", r, err)
		}
		logRatio := logp - g.logp[r]
		ratio := math.Exp(logRatio)
		res.approxKL += (ratio - 1) - logRatio
		if math.Abs(ratio-1) > eps {
			res.clipFrac++
		}
		adv := g.adv[r]
		pg1 := -adv * ratio
		pg2 := -adv * math.Min(math.Max(ratio, 1-eps), 1+eps)
		gLogp := 0.0 // d(loss)/d(log p) of this row, before the 1/m
		if pg1 >= pg2 {
			res.policyLoss += pg1
			gLogp = -adv * ratio
		} else {
			res.policyLoss += pg2
		}
		q := g.refLP[r] - logp
		eq := math.Exp(q)
		res.klRef += eq - q - 1
		gLogp += beta * (1 - eq)
		res.entropy += ent
		if err := g.head.backward(dActor[j*k:(j+1)*k], gLogp*inv, -g.cfg.EntCoef*inv); err != nil {
			return grpoMB{}, fmt.Errorf("step row %d: %w", r, err)
		}
	}
	res.policyLoss *= inv
	res.entropy *= inv
	res.clipFrac *= inv
	g.actor.ZeroGrad()
	if err := g.actor.BackwardParams(g.ws, dActor); err != nil {
		return grpoMB{}, err
	}
	res.gradNorm = nn.ClipGradNorm(g.cfg.MaxGradNorm, g.actor.Grads(), g.head.grads())
	if math.IsNaN(res.gradNorm) || math.IsInf(res.gradNorm, 0) {
		return grpoMB{}, fmt.Errorf("gradient norm is %g", res.gradNorm)
	}
	if err := g.actorOpt.Step(g.actor.Params(), g.actor.Grads()); err != nil {
		return grpoMB{}, err
	}
	if g.headOpt != nil {
		if err := g.headOpt.Step(g.head.params(), g.head.grads()); err != nil {
			return grpoMB{}, err
		}
	}
	return res, nil
}

// grpoFormat names the content of a GRPO checkpoint's metadata.
const grpoFormat = "rl.grpo/1"

// Names of the entries of a GRPO checkpoint beyond those it shares with
// PPO's.
const (
	ckptReference = "reference"
	ckptRefLogStd = "reference_log_std"
)

// grpoMeta is the metadata of a GRPO checkpoint.
type grpoMeta struct {
	Format      string     `json:"format"`
	Config      GRPOConfig `json:"config"`
	Update      int        `json:"update"`
	GlobalStep  int        `json:"global_step"`
	ObsDim      int        `json:"obs_dim"`
	ActionSpace string     `json:"action_space"`
}

// Save writes a checkpoint of the run to path, atomically (see
// nn.WriteFile): the policy, the reference policy, the Gaussian log
// standard deviations, the optimiser states and the counters, with the
// configuration. The policy network is stored under "actor", so
// nn.ReadFile(path) and Checkpoint.NewMLPFrom("actor") load it alone.
func (g *GRPO[A]) Save(path string) error {
	meta := grpoMeta{
		Format: grpoFormat, Config: g.Config(), Update: g.update, GlobalStep: g.steps,
		ObsDim: g.obsDim, ActionSpace: g.actSp,
	}
	c := new(nn.Checkpoint)
	c.PutMLP(ckptActor, g.actor)
	c.PutMLP(ckptReference, g.ref)
	c.PutAdam(ckptActorOpt, g.actorOpt)
	if g.headOpt != nil {
		c.PutVector(ckptLogStd, g.head.params())
		c.PutVector(ckptRefLogStd, g.refLogStd)
		c.PutAdam(ckptLogStdOpt, g.headOpt)
	}
	var err error
	if c.Meta, err = json.Marshal(meta); err != nil {
		return fmt.Errorf("rl: encoding the checkpoint metadata: %w", err)
	}
	if err := nn.WriteFile(path, c); err != nil {
		return fmt.Errorf("rl: %w", err)
	}
	return nil
}

// Resume restores the run saved at path into g, which must have been made
// with the same observation length, action space and network shape; the
// error names what differs otherwise, and g is then left unchanged. A run
// resumed from its own checkpoint, with the same configuration and envs,
// continues exactly as the uninterrupted run would have.
func (g *GRPO[A]) Resume(path string) error {
	c, err := nn.ReadFile(path)
	if err != nil {
		return fmt.Errorf("rl: %w", err)
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("rl: resuming from %s: "+format, append([]any{path}, args...)...)
	}
	var meta grpoMeta
	if err := json.Unmarshal(c.Meta, &meta); err != nil {
		return fail("metadata: %w", err)
	}
	if meta.Format != grpoFormat {
		return fail("the checkpoint holds %q, want a GRPO run (%q)", meta.Format, grpoFormat)
	}
	if meta.ObsDim != g.obsDim {
		return fail("%w: observations have %d values in the checkpoint, %d in this run", nn.ErrShape, meta.ObsDim, g.obsDim)
	}
	if meta.ActionSpace != g.actSp {
		return fail("%w: action space %s in the checkpoint, %s in this run", nn.ErrShape, meta.ActionSpace, g.actSp)
	}
	if meta.Update < 0 || meta.GlobalStep < 0 {
		return fail("%w: negative counters (update %d, step %d)", nn.ErrCorrupt, meta.Update, meta.GlobalStep)
	}
	actor, ref, opt := g.actor.Clone(), g.ref.Clone(), g.actorOpt.Clone()
	if err := c.LoadMLP(ckptActor, actor); err != nil {
		return fail("%w", err)
	}
	if err := c.LoadMLP(ckptReference, ref); err != nil {
		return fail("%w", err)
	}
	if err := c.LoadAdam(ckptActorOpt, opt); err != nil {
		return fail("%w", err)
	}
	var logStd, refLogStd []float64
	var headOpt *nn.Adam
	if g.headOpt != nil {
		logStd, refLogStd = make([]float64, len(g.refLogStd)), make([]float64, len(g.refLogStd))
		if err := c.LoadVector(ckptLogStd, logStd); err != nil {
			return fail("%w", err)
		}
		if err := c.LoadVector(ckptRefLogStd, refLogStd); err != nil {
			return fail("%w", err)
		}
		headOpt = g.headOpt.Clone()
		if err := c.LoadAdam(ckptLogStdOpt, headOpt); err != nil {
			return fail("%w", err)
		}
	}
	_ = g.actor.CopyFrom(actor) // same shape: checked by LoadMLP
	_ = g.ref.CopyFrom(ref)
	*g.actorOpt = *opt
	if g.headOpt != nil {
		copy(g.head.params(), logStd)
		copy(g.refLogStd, refLogStd)
		*g.headOpt = *headOpt
	}
	g.update, g.steps = meta.Update, meta.GlobalStep
	return nil
}
