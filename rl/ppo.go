package rl

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/nn"
)

// rngStream is the second word of the PCG source of a run; the first is
// PPOConfig.Seed.
const rngStream = 0x7070_6f5f_726c_0001

// PPO trains an actor-critic on an env.Vector by proximal policy
// optimisation (Schulman et al., 2017), as CleanRL's ppo.py does. Each
// [PPO.Update] collects a rollout of PPOConfig.NumSteps steps of every
// env, computes GAE advantages, and runs PPOConfig.UpdateEpochs epochs of
// minibatch gradient steps on the clipped surrogate objective plus the
// value loss minus the entropy bonus.
//
// The actor and the critic are separate MLPs (no shared trunk), each with
// its own Adam optimiser, which is the same as one Adam over both since
// Adam is element-wise; the gradient of both (and of the Gaussian log
// standard deviations) is clipped by its joint norm. The actor's output
// layer is initialised with gain 0.01 (near-uniform, or near-zero-mean,
// actions) and the critic's with gain 1.
//
// Action spaces: a *spaces.Discrete (A = int) gets a categorical policy
// over its N actions, with optional masks; a *spaces.Box (A = []float64)
// gets a diagonal Gaussian with state-independent, learned log standard
// deviations. Gaussian samples are clipped to the box only on the way to
// the env; the buffer keeps, and training uses, the unclipped sample and
// its log-probability. Observations must be []float64 of a fixed length:
// the FlatDim of the observation space (a Box has one).
//
// The Vector should use NextStep autoreset (see [Buffer] for how its rows
// are recorded); SameStep works too, at the price of the Vector's copy of
// every final observation. Stepping the Vector in parallel does not change
// the results.
//
// A PPO is not safe for concurrent use.
type PPO[A any] struct {
	cfg  PPOConfig
	opts Options
	vec  *env.Vector[[]float64, A]

	actor, critic                *nn.MLP
	head                         head
	codec                        codec[A]
	actorOpt, criticOpt, headOpt *nn.Adam
	src                          *rand.PCG
	rng                          *rand.Rand

	buf       *Buffer
	col       *collector[A]
	tracker   *episodeTracker
	obsDim    int
	update    int // updates done
	needReset bool

	// Minibatch scratch, sized for the largest minibatch.
	idx      []int
	mbObs    []float64
	mbAdv    []float64
	dActor   []float64
	dCritic  []float64
	wsActor  *nn.Workspace
	wsCritic *nn.Workspace
	wsAct    *nn.Workspace // for Act
	actBuf   []float64
}

// NewPPO sets up a run on vec, which it steps but does not own (close it
// after the run). The configuration is validated, the networks are
// initialised from cfg.Seed, and every buffer the run needs is allocated.
func NewPPO[A any](vec *env.Vector[[]float64, A], cfg PPOConfig, opts Options) (*PPO[A], error) {
	if vec == nil {
		return nil, errors.New("rl: NewPPO: vec is nil")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.Hidden = slices.Clone(cfg.Hidden)
	flat, ok := vec.ObservationSpace().(interface{ FlatDim() int })
	if !ok || flat.FlatDim() < 1 {
		return nil, fmt.Errorf("rl: NewPPO: observation space %v has no fixed length; want a space with a FlatDim, such as a Box", vec.ObservationSpace())
	}
	obsDim := flat.FlatDim()
	h, c, err := newHead(vec.ActionSpace(), cfg.InitLogStd)
	if err != nil {
		return nil, fmt.Errorf("rl: NewPPO: %w", err)
	}
	maskDim := 0
	if opts.ActionMask != nil {
		maskDim = h.outDim()
	}
	src := rand.NewPCG(cfg.Seed, rngStream)
	rng := rand.New(src)
	net := freshNet{hidden: cfg.Hidden, activation: cfg.Activation, initLogStd: cfg.InitLogStd, gain: 0.01}
	actor, err := opts.setUp("NewPPO", obsDim, h, vec.ActionSpace(), net, func() *rand.Rand { return rng })
	if err != nil {
		return nil, err
	}
	sizes := func(out int) []int {
		return append(append([]int{obsDim}, cfg.Hidden...), out)
	}
	critic, err := nn.NewMLP(nn.MLPConfig{Sizes: sizes(1), Activation: cfg.Activation, OutputGain: 1}, rng)
	if err != nil {
		return nil, fmt.Errorf("rl: NewPPO: critic: %w", err)
	}
	adam := nn.AdamConfig{LR: cfg.LR, Beta1: 0.9, Beta2: 0.999, Eps: cfg.AdamEps}
	p := &PPO[A]{
		cfg: cfg, opts: opts, vec: vec,
		actor: actor, critic: critic, head: h, codec: c,
		src: src, rng: rng, obsDim: obsDim, needReset: true,
	}
	if p.actorOpt, err = nn.NewAdam(actor.NumParams(), adam); err != nil {
		return nil, err
	}
	if p.criticOpt, err = nn.NewAdam(critic.NumParams(), adam); err != nil {
		return nil, err
	}
	if hp := h.params(); len(hp) > 0 {
		if p.headOpt, err = nn.NewAdam(len(hp), adam); err != nil {
			return nil, err
		}
	}
	n := vec.NumEnvs()
	if p.buf, err = NewBuffer(cfg.NumSteps, n, obsDim, h.actDim(), maskDim); err != nil {
		return nil, err
	}
	p.tracker = newEpisodeTracker(n, cfg.StatsWindow, slices.Clone(opts.EpisodeMetrics))
	p.col = newCollector(vec, actor, critic, h, c, opts.ActionMask, rng, p.tracker, obsDim)

	rows := p.buf.Len()
	mb := (rows + cfg.NumMinibatches - 1) / cfg.NumMinibatches
	p.idx = make([]int, 0, rows)
	p.mbObs = make([]float64, mb*obsDim)
	p.mbAdv = make([]float64, mb)
	p.dActor = make([]float64, mb*h.outDim())
	p.dCritic = make([]float64, mb)
	p.wsActor = actor.NewWorkspace(mb)
	p.wsCritic = critic.NewWorkspace(mb)
	p.wsAct = actor.NewWorkspace(1)
	p.actBuf = make([]float64, h.actDim())
	return p, nil
}

// Config returns the run's configuration.
func (p *PPO[A]) Config() PPOConfig {
	c := p.cfg
	c.Hidden = slices.Clone(c.Hidden)
	return c
}

// UpdatesDone is the number of updates made so far (including those before
// the checkpoint the run resumed from).
func (p *PPO[A]) UpdatesDone() int { return p.update }

// GlobalStep is the number of env steps taken so far, all envs together.
func (p *PPO[A]) GlobalStep() int { return p.col.steps }

// Actor returns the policy network (not a copy): its outputs are the
// logits of a discrete policy or the mean of a Gaussian one.
func (p *PPO[A]) Actor() *nn.MLP { return p.actor }

// Critic returns the value network (not a copy).
func (p *PPO[A]) Critic() *nn.MLP { return p.critic }

// LogStd returns the Gaussian policy's log standard deviations (not a
// copy), or nil for a discrete policy.
func (p *PPO[A]) LogStd() []float64 { return p.head.params() }

// Buffer returns the buffer of the last rollout (not a copy).
func (p *PPO[A]) Buffer() *Buffer { return p.buf }

// Act returns the policy's action for one observation: the most likely
// action when rng is nil, otherwise a draw from rng. mask (nil for none)
// restricts a discrete policy's choice. A continuous action is clipped to
// the action space.
func (p *PPO[A]) Act(obs []float64, mask []bool, rng *rand.Rand) (A, error) {
	return actOne(p.actor, p.wsAct, p.head, p.codec, p.actBuf, obs, mask, rng)
}

// SubSeed derives the i-th seed of a run from the run's seed with the
// splitmix64 finaliser: PPO and GRPO seed the envs of the segment that
// starts at update i with it, and package rl/simulate its i-th episode.
func SubSeed(seed uint64, i int) uint64 {
	u := i
	z := seed ^ (uint64(u)+1)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// PPOStats are the statistics of one update.
type PPOStats struct {
	// Update is the number of updates done, this one included.
	Update int
	// GlobalStep is the number of env steps taken, all envs together.
	GlobalStep int
	// StepsPerSecond is this update's env steps over its wall-clock time
	// (rollout and optimisation).
	StepsPerSecond float64
	// LR is the learning rate the update used.
	LR float64
	// Episodes is the number of episodes that ended during the rollout.
	Episodes int
	// EpisodeReturn and EpisodeLength are means over the most recent
	// PPOConfig.StatsWindow episodes (NaN before the first ends).
	EpisodeReturn, EpisodeLength float64
	// EpisodeMetrics are the means of Options.EpisodeMetrics over the
	// same episodes, in their order.
	EpisodeMetrics []Metric
	// PolicyLoss (the clipped surrogate, to minimise), ValueLoss,
	// Entropy, ClipFrac (the fraction of samples whose probability ratio
	// left [1−ε, 1+ε]) and GradNorm (before clipping) are means over the
	// update's minibatches.
	PolicyLoss, ValueLoss, Entropy, ClipFrac, GradNorm float64
	// ApproxKL estimates the KL divergence between the policy before and
	// after the update by the mean of (r − 1) − log r over the last
	// epoch's samples, r the probability ratio.
	ApproxKL float64
	// ExplainedVariance says how well the critic's values predicted the
	// rollout's returns (see Buffer.ExplainedVariance).
	ExplainedVariance float64
	// Epochs is the number of epochs run (fewer than UpdateEpochs when the
	// target KL stopped the update early).
	Epochs int
}

// Metrics lists the statistics as named metrics, in a fixed order, for a
// [Logger].
func (s PPOStats) Metrics() []Metric {
	m := []Metric{
		{"update", float64(s.Update)},
		{"global_step", float64(s.GlobalStep)},
		{"steps_per_second", s.StepsPerSecond},
		{"lr", s.LR},
		{"episodes", float64(s.Episodes)},
		{"episode_return", s.EpisodeReturn},
		{"episode_length", s.EpisodeLength},
	}
	m = append(m, s.EpisodeMetrics...)
	return append(m,
		Metric{"policy_loss", s.PolicyLoss},
		Metric{"value_loss", s.ValueLoss},
		Metric{"entropy", s.Entropy},
		Metric{"approx_kl", s.ApproxKL},
		Metric{"clip_frac", s.ClipFrac},
		Metric{"explained_variance", s.ExplainedVariance},
		Metric{"grad_norm", s.GradNorm},
		Metric{"epochs", float64(s.Epochs)},
	)
}

// String is a one-line progress report.
func (s PPOStats) String() string {
	line := fmt.Sprintf("update %d  step %d  sps %.0f  return %.4f  len %.1f", s.Update, s.GlobalStep, s.StepsPerSecond, s.EpisodeReturn, s.EpisodeLength)
	for _, m := range s.EpisodeMetrics {
		line += fmt.Sprintf("  %s %.4f", m.Name, m.Value)
	}
	return line + fmt.Sprintf("  pg %.4f  v %.4f  ent %.3f  kl %.4f  clip %.3f  ev %.3f",
		s.PolicyLoss, s.ValueLoss, s.Entropy, s.ApproxKL, s.ClipFrac, s.ExplainedVariance)
}

// Train runs updates until PPOConfig.Updates are done or ctx is cancelled
// (between updates), then writes a final checkpoint when
// Options.CheckpointPath is set and the last update did not just write
// one. It returns the statistics of the last update it ran.
func (p *PPO[A]) Train(ctx context.Context) (PPOStats, error) {
	var last PPOStats
	for p.update < p.cfg.Updates {
		if err := ctx.Err(); err != nil {
			return last, err
		}
		st, err := p.Update()
		if err != nil {
			return last, err
		}
		last = st
	}
	if p.opts.CheckpointPath != "" && !p.checkpointDue() {
		if err := p.Save(p.opts.CheckpointPath); err != nil {
			return last, err
		}
	}
	if p.opts.Logger != nil {
		if err := p.opts.Logger.Flush(); err != nil {
			return last, err
		}
	}
	return last, nil
}

// checkpointDue reports whether the updates done so far end a segment, at
// which the run writes a checkpoint and restarts the envs.
func (p *PPO[A]) checkpointDue() bool {
	return p.cfg.CheckpointEvery > 0 && p.update%p.cfg.CheckpointEvery == 0
}

// Update runs one update: a rollout, advantage estimation and the
// optimisation epochs. It logs and reports progress as Options say, and
// writes a checkpoint when one is due. Calling it after all
// PPOConfig.Updates are done is an error.
func (p *PPO[A]) Update() (PPOStats, error) {
	if p.update >= p.cfg.Updates {
		return PPOStats{}, fmt.Errorf("rl: Update: the run has done all %d updates", p.cfg.Updates)
	}
	start := time.Now()
	u := p.update
	if p.needReset || !p.col.started || (p.cfg.CheckpointEvery > 0 && u%p.cfg.CheckpointEvery == 0) {
		if err := p.col.reset(SubSeed(p.cfg.Seed, u)); err != nil {
			return PPOStats{}, err
		}
		p.needReset = false
	}
	lr := p.cfg.LR
	if p.cfg.AnnealLR {
		lr *= 1 - float64(u)/float64(p.cfg.Updates)
	}
	for _, opt := range []*nn.Adam{p.actorOpt, p.criticOpt, p.headOpt} {
		if opt != nil {
			if err := opt.SetLR(lr); err != nil {
				return PPOStats{}, err
			}
		}
	}
	episodes := p.tracker.total
	if err := p.col.collect(p.buf); err != nil {
		return PPOStats{}, err
	}
	if err := p.buf.ComputeGAE(p.cfg.Gamma, p.cfg.GAELambda); err != nil {
		return PPOStats{}, err
	}
	st := PPOStats{LR: lr, ExplainedVariance: p.buf.ExplainedVariance()}
	if err := p.optimise(&st); err != nil {
		return PPOStats{}, err
	}
	p.update++
	st.Update = p.update
	st.GlobalStep = p.col.steps
	st.StepsPerSecond = float64(p.buf.Len()) / time.Since(start).Seconds()
	st.Episodes = p.tracker.total - episodes
	st.EpisodeReturn = p.tracker.returns.mean()
	st.EpisodeLength = p.tracker.lengths.mean()
	for k, m := range p.tracker.metrics {
		st.EpisodeMetrics = append(st.EpisodeMetrics, Metric{m.Name, p.tracker.values[k].mean()})
	}
	if p.opts.CheckpointPath != "" && p.checkpointDue() {
		if err := p.Save(p.opts.CheckpointPath); err != nil {
			return st, err
		}
	}
	if p.opts.Logger != nil {
		if err := p.opts.Logger.Log(st.Metrics()); err != nil {
			return st, err
		}
	}
	if p.opts.Progress != nil {
		if _, err := fmt.Fprintf(p.opts.Progress, "%d/%d %v\n", p.update, p.cfg.Updates, st); err != nil {
			return st, fmt.Errorf("rl: writing progress: %w", err)
		}
	}
	return st, nil
}

// optimise runs the epochs of minibatch steps on the rollout in p.buf.
func (p *PPO[A]) optimise(st *PPOStats) error {
	buf := p.buf
	p.idx = p.idx[:0]
	for r, ok := range buf.Valid {
		if ok {
			p.idx = append(p.idx, r)
		}
	}
	n := len(p.idx)
	nan := math.NaN()
	st.PolicyLoss, st.ValueLoss, st.Entropy, st.ClipFrac, st.GradNorm, st.ApproxKL = nan, nan, nan, nan, nan, nan
	if n == 0 {
		return nil
	}
	mb := (n + p.cfg.NumMinibatches - 1) / p.cfg.NumMinibatches
	var sum mbResult
	batches := 0
	for epoch := range p.cfg.UpdateEpochs {
		p.rng.Shuffle(n, func(i, j int) { p.idx[i], p.idx[j] = p.idx[j], p.idx[i] })
		epochKL, epochRows := 0.0, 0
		for s := 0; s < n; s += mb {
			rows := p.idx[s:min(s+mb, n)]
			res, err := p.minibatch(rows)
			if err != nil {
				return fmt.Errorf("rl: update %d, epoch %d: %w", p.update+1, epoch+1, err)
			}
			sum.policyLoss += res.policyLoss
			sum.valueLoss += res.valueLoss
			sum.entropy += res.entropy
			sum.clipFrac += res.clipFrac
			sum.gradNorm += res.gradNorm
			batches++
			epochKL += res.approxKL * float64(len(rows))
			epochRows += len(rows)
		}
		st.Epochs = epoch + 1
		st.ApproxKL = epochKL / float64(epochRows)
		if p.cfg.TargetKL > 0 && st.ApproxKL > p.cfg.TargetKL {
			break
		}
	}
	b := float64(batches)
	st.PolicyLoss, st.ValueLoss, st.Entropy = sum.policyLoss/b, sum.valueLoss/b, sum.entropy/b
	st.ClipFrac, st.GradNorm = sum.clipFrac/b, sum.gradNorm/b
	return nil
}

// mbResult holds the losses and diagnostics of one minibatch.
type mbResult struct {
	policyLoss, valueLoss, entropy, approxKL, clipFrac, gradNorm float64
}

// minibatch takes one gradient step on the buffer rows given.
func (p *PPO[A]) minibatch(rows []int) (mbResult, error) {
	buf, cfg := p.buf, p.cfg
	m, d, k := len(rows), p.obsDim, p.head.outDim()
	for j, r := range rows {
		copy(p.mbObs[j*d:(j+1)*d], buf.ObsRow(r))
	}
	obs := p.mbObs[:m*d]
	out, err := p.actor.ForwardBatch(p.wsActor, obs)
	if err != nil {
		return mbResult{}, err
	}
	vals, err := p.critic.ForwardBatch(p.wsCritic, obs)
	if err != nil {
		return mbResult{}, err
	}
	adv := p.mbAdv[:m]
	for j, r := range rows {
		adv[j] = buf.Advantages[r]
	}
	if cfg.NormAdv && m > 1 {
		normalize(adv)
	}

	dActor, dCritic := p.dActor[:m*k], p.dCritic[:m]
	clear(dActor)
	clear(p.head.grads())
	inv := 1 / float64(m)
	var res mbResult
	for j, r := range rows {
		if err := p.policyRow(&res, out[j*k:(j+1)*k], dActor[j*k:(j+1)*k], r, adv[j], inv); err != nil {
			return mbResult{}, fmt.Errorf("row %d: %w", r, err)
		}
		loss, g := valueLoss(vals[j], buf.Returns[r], buf.Values[r], cfg.ClipCoef, cfg.ClipVLoss)
		res.valueLoss += loss
		dCritic[j] = cfg.VFCoef * g * inv
	}
	res.policyLoss *= inv
	res.valueLoss *= 0.5 * inv
	res.entropy *= inv
	res.approxKL *= inv
	res.clipFrac *= inv
	if res.gradNorm, err = p.step(dActor, dCritic); err != nil {
		return mbResult{}, err
	}
	return res, nil
}

// normalize rescales adv to mean 0 and standard deviation 1 (the unbiased
// one, as torch.std), plus 1e-8 against a zero spread.
func normalize(adv []float64) {
	m := len(adv)
	mean := 0.0
	for _, a := range adv {
		mean += a
	}
	mean /= float64(m)
	ss := 0.0
	for _, a := range adv {
		ss += (a - mean) * (a - mean)
	}
	std := math.Sqrt(ss / float64(m-1))
	for j := range adv {
		adv[j] = (adv[j] - mean) / (std + 1e-8)
	}
}

// policyRow adds buffer row r's clipped surrogate, entropy, approximate KL
// and clipping to res, and writes the gradient of its loss (weighted inv)
// with respect to the actor's output out into dOut.
func (p *PPO[A]) policyRow(res *mbResult, out, dOut []float64, r int, adv, inv float64) error {
	buf, eps := p.buf, p.cfg.ClipCoef
	logp, ent, err := p.head.eval(out, buf.MaskRow(r), buf.ActionRow(r))
	if err != nil {
		return err
	}
	logRatio := logp - buf.LogProbs[r]
	ratio := math.Exp(logRatio)
	res.approxKL += (ratio - 1) - logRatio
	if math.Abs(ratio-1) > eps {
		res.clipFrac++
	}
	pg1 := -adv * ratio
	pg2 := -adv * math.Min(math.Max(ratio, 1-eps), 1+eps)
	gLogp := 0.0 // d(policy loss)/d(log p): zero where the clipped term is taken
	if pg1 >= pg2 {
		res.policyLoss += pg1
		gLogp = -adv * ratio * inv
	} else {
		res.policyLoss += pg2
	}
	res.entropy += ent
	return p.head.backward(dOut, gLogp, -p.cfg.EntCoef*inv)
}

// valueLoss returns the squared error of the value v against the return
// ret, clipped (when clip is set) to within eps of the rollout's estimate
// old, and its derivative in v.
func valueLoss(v, ret, old, eps float64, clip bool) (loss, grad float64) {
	if !clip {
		return (v - ret) * (v - ret), v - ret
	}
	vc := old + math.Min(math.Max(v-old, -eps), eps)
	l1, l2 := (v-ret)*(v-ret), (vc-ret)*(vc-ret)
	if l1 >= l2 {
		return l1, v - ret
	}
	if math.Abs(v-old) < eps {
		return l2, vc - ret
	}
	return l2, 0
}

// step backpropagates the output gradients through the actor and the
// critic, clips the joint gradient and takes one Adam step of every
// parameter. It returns the gradient norm before clipping.
func (p *PPO[A]) step(dActor, dCritic []float64) (float64, error) {
	p.actor.ZeroGrad()
	p.critic.ZeroGrad()
	if err := p.actor.BackwardParams(p.wsActor, dActor); err != nil {
		return 0, err
	}
	if err := p.critic.BackwardParams(p.wsCritic, dCritic); err != nil {
		return 0, err
	}
	norm := nn.ClipGradNorm(p.cfg.MaxGradNorm, p.actor.Grads(), p.critic.Grads(), p.head.grads())
	if math.IsNaN(norm) || math.IsInf(norm, 0) {
		return 0, fmt.Errorf("gradient norm is %g", norm)
	}
	if err := p.actorOpt.Step(p.actor.Params(), p.actor.Grads()); err != nil {
		return 0, err
	}
	if err := p.criticOpt.Step(p.critic.Params(), p.critic.Grads()); err != nil {
		return 0, err
	}
	if p.headOpt != nil {
		if err := p.headOpt.Step(p.head.params(), p.head.grads()); err != nil {
			return 0, err
		}
	}
	return norm, nil
}

// ActionMasker is implemented by envs that know which discrete actions
// their current state allows, such as research.Discrete.
type ActionMasker interface {
	ActionMask() []bool
}

// EnvMasks returns a MaskFunc that asks envs[i] (or the first layer of its
// wrappers that implements ActionMasker) for its mask. Pass the envs given
// to env.NewVector, in the same order. It fails if an env has no
// ActionMasker inside.
func EnvMasks[O, A any](envs []env.Env[O, A]) (MaskFunc, error) {
	maskers := make([]ActionMasker, len(envs))
	for i, e := range envs {
		m, ok := env.As[ActionMasker](e)
		if !ok {
			return nil, fmt.Errorf("rl: EnvMasks: env %d (%T) has no ActionMask method in its wrapper chain", i, e)
		}
		maskers[i] = m
	}
	return func(i int, mask []bool) error {
		if i < 0 || i >= len(maskers) {
			return fmt.Errorf("env index %d out of range [0, %d)", i, len(maskers))
		}
		src := maskers[i].ActionMask()
		if len(src) != len(mask) {
			return fmt.Errorf("env %d reports a mask of %d actions, want %d", i, len(src), len(mask))
		}
		copy(mask, src)
		return nil
	}, nil
}
