package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/internal/parallel"
	"github.com/autollmresearch/gym/nn"
	"github.com/autollmresearch/gym/prior"
	"github.com/autollmresearch/gym/tasks"
)

// GRPOConfig holds the hyperparameters of FineTune, multi-turn GRPO on
// prior worlds. Start from DefaultGRPOConfig; Validate names every bad
// field.
type GRPOConfig struct {
	// Worlds is how many prior draws are played, world i having seed
	// WorldSeed + i (by default other worlds than Train's).
	Worlds    int    `json:"worlds"`
	WorldSeed uint64 `json:"world_seed"`
	// Seed drives the sampled episodes.
	Seed uint64 `json:"seed"`
	// Trials is K.
	Trials int `json:"trials"`
	// Group is how many episodes are sampled per held-out target: their
	// returns are compared with each other (the group-relative advantage).
	Group int `json:"group"`
	// Temperature turns the network's scores s into the sampling policy
	// π ∝ exp(−s/Temperature) over the untried candidates.
	Temperature float64 `json:"temperature"`
	// WorldsPerUpdate is how many worlds' episodes make one gradient step.
	WorldsPerUpdate int `json:"worlds_per_update"`
	// LR is Adam's step size and MaxGradNorm the clip on the gradient's norm.
	LR          float64 `json:"lr"`
	MaxGradNorm float64 `json:"max_grad_norm"`
	// Split is the split whose targets the episodes play: Test (the
	// default, the zero value) on generated worlds; Train to fine-tune on
	// a real table's own train split without touching its held-out
	// targets (see TableWorlds).
	Split research.Split `json:"split,omitempty"`
	// Workers is how many worlds are played at once; 0 means GOMAXPROCS.
	// The result does not depend on it.
	Workers int `json:"-"`
}

// DefaultGRPOConfig returns the defaults: 100 worlds, groups of 8,
// temperature 0.05, 8 worlds per update, learning rate 3e-4.
func DefaultGRPOConfig() GRPOConfig {
	return GRPOConfig{Worlds: 100, WorldSeed: 2_000_000, Seed: 1, Trials: research.DefaultTrials, Group: 8,
		Temperature: 0.05, WorldsPerUpdate: 8, LR: 3e-4, MaxGradNorm: 1}
}

// Validate reports every field out of range.
func (c GRPOConfig) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if c.Worlds < 1 {
		bad("field Worlds is %d, want at least 1", c.Worlds)
	}
	if c.Trials < 1 {
		bad("field Trials is %d, want at least 1", c.Trials)
	}
	if c.Group < 2 {
		bad("field Group is %d, want at least 2 (advantages compare a group's episodes)", c.Group)
	}
	if !(c.Temperature > 0) || math.IsInf(c.Temperature, 0) {
		bad("field Temperature is %g, want a positive number", c.Temperature)
	}
	if c.WorldsPerUpdate < 1 {
		bad("field WorldsPerUpdate is %d, want at least 1", c.WorldsPerUpdate)
	}
	if !(c.LR > 0) || math.IsInf(c.LR, 0) {
		bad("field LR is %g, want a positive step size", c.LR)
	}
	if !(c.MaxGradNorm > 0) {
		bad("field MaxGradNorm is %g, want a positive norm", c.MaxGradNorm)
	}
	if c.Workers < 0 {
		bad("field Workers is %d, want at least 0", c.Workers)
	}
	if len(errs) > 0 {
		return fmt.Errorf("agent: invalid GRPOConfig: %w", errors.Join(errs...))
	}
	return nil
}

// GRPOReport is one update of FineTune.
type GRPOReport struct {
	// Update numbers the update from 0; Episodes counts its episodes.
	Update, Episodes int
	// Return is the episodes' mean return, the mean over the K trials of
	// 1 − best-so-far regret, and Regret1 and RegretK their mean regret
	// after one and K trials.
	Return, Regret1, RegretK float64
	// GradNorm is the gradient's norm before clipping.
	GradNorm float64
}

// TableWorlds is a prior.Prior whose every draw is one table, such as a
// real one, for fine-tuning an agent on it (FineTune with Split Train).
// Draw returns the table with a reference the caller releases.
type TableWorlds struct{ T *tasks.Table }

// Task is the table's task.
func (w TableWorlds) Task() string { return w.T.Meta().Task }

// Draw returns the table, whatever the seed.
func (w TableWorlds) Draw(uint64) (*tasks.Table, error) {
	w.T.Retain()
	return w.T, nil
}

// FineTune improves a trained agent with multi-turn GRPO on draws of p:
// for every held-out target of a world it samples Group episodes from the
// softmax policy over the network's scores, scores each by its anytime
// return (the mean over the K trials of 1 − regret, so that early good
// picks and later improvements both count), and pushes up the log
// probability of each episode's choices in proportion to how much its
// return beats its group's mean (divided by the group's standard
// deviation). The agent is updated in place. The same configuration gives
// the same agent whatever Workers is.
func FineTune(ctx context.Context, p prior.Prior, a *Agent, cfg GRPOConfig, progress io.Writer) ([]GRPOReport, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if a.task != p.Task() {
		return nil, fmt.Errorf("agent: fine-tuning an agent of task %q on the %q prior", a.task, p.Task())
	}
	opt, err := nn.NewAdam(a.net.NumParams(), nn.AdamConfig{LR: cfg.LR, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8})
	if err != nil {
		return nil, fmt.Errorf("agent: %w", err)
	}
	var reports []GRPOReport
	start := time.Now()
	for lo := 0; lo < cfg.Worlds; lo += cfg.WorldsPerUpdate {
		if err := ctx.Err(); err != nil {
			return reports, err
		}
		hi := min(cfg.Worlds, lo+cfg.WorldsPerUpdate)
		results := make([]grpoWorld, hi-lo)
		if err := parallel.For(ctx, hi-lo, cfg.Workers, func(i int) { results[i] = playWorld(p, a, cfg, lo+i) }); err != nil {
			return reports, err
		}
		r := GRPOReport{Update: len(reports)}
		a.net.ZeroGrad()
		grads := a.net.Grads()
		for _, res := range results {
			if res.err != nil {
				return reports, fmt.Errorf("agent: world %d: %w", res.seed, res.err)
			}
			for i, g := range res.grads {
				grads[i] += g
			}
			r.Episodes += res.episodes
			r.Return += res.ret
			r.Regret1 += res.regret1
			r.RegretK += res.regretK
		}
		if r.Episodes > 0 {
			scale := 1 / float64(r.Episodes)
			for i := range grads {
				grads[i] *= scale
			}
			r.Return *= scale
			r.Regret1 *= scale
			r.RegretK *= scale
		}
		r.GradNorm = nn.ClipGradNorm(cfg.MaxGradNorm, grads)
		if err := opt.Step(a.net.Params(), grads); err != nil {
			return reports, fmt.Errorf("agent: %w", err)
		}
		reports = append(reports, r)
		if progress != nil {
			fmt.Fprintf(progress, "agent %s grpo update %d (%d/%d worlds): return %.3f, regret k=1 %.3f, k=%d %.3f, grad norm %.3g, %s\n",
				a.task, r.Update+1, hi, cfg.Worlds, r.Return, r.Regret1, cfg.Trials, r.RegretK, r.GradNorm, time.Since(start).Round(time.Second))
		}
	}
	return reports, nil
}

// grpoWorld is one world's contribution to an update: its summed policy
// gradient and episode statistics.
type grpoWorld struct {
	seed                  uint64
	grads                 []float64
	episodes              int
	ret, regret1, regretK float64
	err                   error
}

// step is one decision of a sampled episode: the untried candidates'
// standardised features, which of them was chosen and its probabilities.
type step struct {
	rows   []float64
	chosen int
	probs  []float64
}

// playWorld samples Group episodes per held-out target of world w with the
// agent's current network and returns the gradient of the GRPO loss summed
// over them.
func playWorld(p prior.Prior, a *Agent, cfg GRPOConfig, w int) (out grpoWorld) {
	out.seed = cfg.WorldSeed + uint64(w)
	t, err := p.Draw(out.seed)
	if err != nil {
		out.err = err
		return out
	}
	defer t.Release()
	split := cfg.Split
	if split == 0 {
		split = research.Test
	}
	e, err := research.New(t, research.Options{Split: split, Trials: cfg.Trials})
	if err != nil {
		out.err = err
		return out
	}
	defer e.Close()
	// The network is only read here: every world of an update plays and
	// backpropagates with its own workspace into its own gradient vector.
	net := a.net
	out.grads = make([]float64, net.NumParams())
	// One workspace serves the plays and the updates, which take turns;
	// each grows it when a batch needs more rows.
	var ws *nn.Workspace
	rng := rand.New(rand.NewPCG(cfg.Seed^uint64(w)<<20, 0x6772706f2d616774))
	for ti, target := range e.Targets() {
		episodes := make([][]step, cfg.Group)
		returns := make([]float64, cfg.Group)
		for g := range cfg.Group {
			steps, ret, r1, rk, err := sampleEpisode(e, a, net, &ws, target, uint64(w)<<16|uint64(ti), cfg, rng)
			if err != nil {
				out.err = err
				return out
			}
			episodes[g], returns[g] = steps, ret
			out.episodes++
			out.ret += ret
			out.regret1 += r1
			out.regretK += rk
		}
		var mean, sd float64
		for _, r := range returns {
			mean += r / float64(cfg.Group)
		}
		for _, r := range returns {
			sd += (r - mean) * (r - mean) / float64(cfg.Group)
		}
		sd = math.Sqrt(sd)
		if sd < 1e-9 {
			continue // every episode did as well: nothing to learn here
		}
		for g, steps := range episodes {
			adv := (returns[g] - mean) / sd
			for _, s := range steps {
				if ws == nil || ws.MaxRows() < len(s.probs) {
					ws = net.NewWorkspace(len(s.probs))
				}
				if err := accumulate(net, ws, s, adv, cfg.Temperature, out.grads); err != nil {
					out.err = err
					return out
				}
			}
		}
	}
	return out
}

// sampleEpisode plays one episode on target, sampling each choice from the
// softmax policy, and returns its steps and its anytime return. It scores
// the candidates in batches of up to 512 in *ws, which it replaces when
// too small.
func sampleEpisode(e *research.Env, a *Agent, net *nn.MLP, ws **nn.Workspace, target string, seed uint64, cfg GRPOConfig, rng *rand.Rand) ([]step, float64, float64, float64, error) {
	obs, _, err := e.Reset(env.SeedOf(seed), env.Options{research.ResetOptionTarget: target})
	if err != nil {
		return nil, 0, 0, 0, err
	}
	ep, err := newEpisode(obs)
	if err != nil {
		return nil, 0, 0, 0, err
	}
	tried := make([]bool, len(ep.x))
	chunk := min(len(ep.x), 512)
	if *ws == nil || (*ws).MaxRows() < chunk {
		*ws = net.NewWorkspace(chunk)
	}
	var steps []step
	var ret, r1 float64
	for k := range cfg.Trials {
		feat := ep.features(obs)
		var idx []int
		var rows []float64
		for j := range ep.x {
			if !tried[j] {
				idx = append(idx, j)
				row := feat[j*NumFeatures : (j+1)*NumFeatures]
				for q, v := range row {
					rows = append(rows, (v-a.mean[q])/a.std[q])
				}
			}
		}
		if len(idx) == 0 { // every config tried: the rest keep the regret reached
			ret += (1 - e.Regret()) * float64(cfg.Trials-k) / float64(cfg.Trials)
			break
		}
		scores := make([]float64, len(idx))
		for lo := 0; lo < len(idx); lo += chunk {
			hi := min(len(idx), lo+chunk)
			y, err := net.ForwardBatch(*ws, rows[lo*NumFeatures:hi*NumFeatures])
			if err != nil {
				return nil, 0, 0, 0, err
			}
			copy(scores[lo:hi], y)
		}
		probs := softmin(scores, cfg.Temperature)
		c := sample(probs, rng)
		steps = append(steps, step{rows: rows, chosen: c, probs: probs})
		tried[idx[c]] = true
		r, err := e.Step(research.Action{Config: obs.TargetConfigs[idx[c]]})
		if err != nil {
			return nil, 0, 0, 0, err
		}
		obs = r.Obs
		reg := e.Regret()
		if k == 0 {
			r1 = reg
		}
		ret += (1 - reg) / float64(cfg.Trials)
		if r.Done() {
			// the remaining trials keep the final regret
			ret += (1 - reg) * float64(cfg.Trials-k-1) / float64(cfg.Trials)
			break
		}
	}
	return steps, ret, r1, e.Regret(), nil
}

// accumulate adds to grads the gradient of −adv·log π(chosen) at step s,
// with π ∝ exp(−score/τ): ∂/∂score_i = adv/τ·(1[i=chosen] − π_i). net is
// only read; ws must hold len(s.probs) rows.
func accumulate(net *nn.MLP, ws *nn.Workspace, s step, adv, tau float64, grads []float64) error {
	n := len(s.probs)
	if _, err := net.ForwardBatch(ws, s.rows); err != nil {
		return err
	}
	d := make([]float64, n)
	for i, p := range s.probs {
		ind := 0.0
		if i == s.chosen {
			ind = 1
		}
		d[i] = adv / tau * (ind - p)
	}
	return net.BackwardParamsTo(ws, d, grads)
}

// softmin returns the probabilities exp(−s_i/τ)/Σ exp(−s_j/τ).
func softmin(s []float64, tau float64) []float64 {
	lo := math.Inf(1)
	for _, v := range s {
		lo = min(lo, v)
	}
	p := make([]float64, len(s))
	var sum float64
	for i, v := range s {
		p[i] = math.Exp(-(v - lo) / tau)
		sum += p[i]
	}
	for i := range p {
		p[i] /= sum
	}
	return p
}

// sample draws an index from the probabilities p.
func sample(p []float64, rng *rand.Rand) int {
	u := rng.Float64()
	for i, v := range p {
		if u -= v; u < 0 {
			return i
		}
	}
	return len(p) - 1
}

// Recipe is a whole training run: distillation (Train with Distil), then
// GRPO (FineTune with GRPO) unless GRPO.Worlds is 0.
type Recipe struct {
	Distil TrainConfig `json:"distil"`
	GRPO   GRPOConfig  `json:"grpo"`
}

// Validate checks both stages; a GRPO stage of 0 worlds is skipped, not
// checked.
func (r Recipe) Validate() error {
	if err := r.Distil.Validate(); err != nil {
		return err
	}
	if r.GRPO.Worlds == 0 {
		return nil
	}
	return r.GRPO.Validate()
}

// Log is what a recipe's stages reported: the distillation rounds and the
// GRPO updates, the learning curves of a training run.
type Log struct {
	Rounds  []RoundReport
	Updates []GRPOReport
}

// Train runs the recipe on p's worlds and returns the agent and its log.
func (r Recipe) Train(ctx context.Context, p prior.Prior, progress io.Writer) (*Agent, *Log, error) {
	if err := r.Validate(); err != nil {
		return nil, nil, err
	}
	var log Log
	a, rounds, err := Train(ctx, p, r.Distil, progress)
	if err != nil {
		return nil, nil, err
	}
	log.Rounds = rounds
	if r.GRPO.Worlds > 0 {
		if log.Updates, err = FineTune(ctx, p, a, r.GRPO, progress); err != nil {
			return nil, nil, err
		}
	}
	info, err := json.Marshal(struct {
		Prior  string `json:"prior"`
		Recipe Recipe `json:"recipe"`
	}{p.Task(), r})
	if err != nil {
		return nil, nil, fmt.Errorf("agent: %w", err)
	}
	a.info = info
	return a, &log, nil
}
