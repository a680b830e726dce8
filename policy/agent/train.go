package agent

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/internal/parallel"
	"github.com/autollmresearch/gym/nn"
	"github.com/autollmresearch/gym/policy"
	"github.com/autollmresearch/gym/prior"
)

// TrainConfig holds the hyperparameters of Train. Start from
// DefaultTrainConfig; Validate names every bad field.
type TrainConfig struct {
	// Worlds is how many draws of the task's prior the agent learns from;
	// world i has seed WorldSeed + i. Default 200.
	Worlds    int    `json:"worlds"`
	WorldSeed uint64 `json:"world_seed"`
	// Seed drives the network's initialisation, the behaviour's
	// exploration and the minibatch order: the training seed.
	Seed uint64 `json:"seed"`
	// Trials is K, the target trials per episode. Default 5.
	Trials int `json:"trials"`
	// Rounds is the number of data-collection rounds: in the first the
	// scaling-law baseline acts, in the later ones the agent being trained
	// (DAgger); every round's states are labelled with every candidate's
	// true regret, which the teacher may see. Default 3.
	Rounds int `json:"rounds"`
	// Explore is the probability that the behaviour runs a random untried
	// candidate instead of its own choice. Default 0.2.
	Explore float64 `json:"explore"`
	// Candidates is how many candidates of each state become training
	// rows: the Candidates/4 with the lowest true regret and a random
	// sample of the rest. Default 32.
	Candidates int `json:"candidates"`
	// Hidden lists the hidden layer widths. Default 64, 64.
	Hidden []int `json:"hidden"`
	// Epochs is the passes over the aggregated data after each round,
	// Batch the minibatch size and LR Adam's step size. Defaults 4, 256,
	// 1e-3. Epochs 0 (with Rounds 1) fits nothing: the agent keeps its
	// random network, with the features standardised on the round's data,
	// ready for RL alone (FineTune).
	Epochs int     `json:"epochs"`
	Batch  int     `json:"batch"`
	LR     float64 `json:"lr"`
	// Workers is how many worlds are rolled out at once; 0 means
	// GOMAXPROCS. The result does not depend on it.
	Workers int `json:"-"`
}

// DefaultTrainConfig returns the defaults.
func DefaultTrainConfig() TrainConfig {
	return TrainConfig{
		Worlds: 200, WorldSeed: 1_000_000, Seed: 1, Trials: research.DefaultTrials,
		Rounds: 3, Explore: 0.2, Candidates: 32, Hidden: []int{64, 64},
		Epochs: 4, Batch: 256, LR: 1e-3,
	}
}

// Validate reports every field out of range.
func (c TrainConfig) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if c.Worlds < 1 {
		bad("field Worlds is %d, want at least 1", c.Worlds)
	}
	if c.Trials < 1 {
		bad("field Trials is %d, want at least 1", c.Trials)
	}
	if c.Rounds < 1 {
		bad("field Rounds is %d, want at least 1", c.Rounds)
	}
	if !(c.Explore >= 0 && c.Explore <= 1) {
		bad("field Explore is %g, want a probability in [0, 1]", c.Explore)
	}
	if c.Candidates < 2 {
		bad("field Candidates is %d, want at least 2", c.Candidates)
	}
	if len(c.Hidden) == 0 {
		bad("field Hidden is empty, want at least one hidden layer")
	}
	for i, h := range c.Hidden {
		if h < 1 || h > 4096 {
			bad("field Hidden[%d] is %d, want a width in [1, 4096]", i, h)
		}
	}
	if c.Epochs < 0 || (c.Epochs == 0 && c.Rounds > 1) {
		bad("field Epochs is %d, want at least 1 (or 0 with Rounds 1, to fit nothing)", c.Epochs)
	}
	if c.Batch < 1 {
		bad("field Batch is %d, want at least 1", c.Batch)
	}
	if !(c.LR > 0) || math.IsInf(c.LR, 0) {
		bad("field LR is %g, want a positive step size", c.LR)
	}
	if c.Workers < 0 {
		bad("field Workers is %d, want at least 0", c.Workers)
	}
	if len(errs) > 0 {
		return fmt.Errorf("agent: invalid TrainConfig: %w", errors.Join(errs...))
	}
	return nil
}

// RoundReport is what one training round did and reached.
type RoundReport struct {
	// Round numbers the round from 0; States and Rows count the states
	// visited and the rows added to the data.
	Round, States, Rows int
	// Regret1 and RegretK are the behaviour's mean regret after one and
	// after K target trials over the round's episodes.
	Regret1, RegretK float64
	// Loss is the mean squared error on the aggregated data after the
	// round's training.
	Loss float64
	// Duration is the round's wall time.
	Duration time.Duration
}

// Train meta-trains an agent on draws of p: it rolls out episodes on the
// held-out targets of each world, labels every state's candidates with
// their true regret and fits the network to it, round after round. The
// same configuration gives the same agent whatever Workers is. Progress
// (one line per round) goes to progress when it is not nil.
func Train(ctx context.Context, p prior.Prior, cfg TrainConfig, progress io.Writer) (*Agent, []RoundReport, error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	sizes := append(append([]int{NumFeatures}, cfg.Hidden...), 1)
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x6167656e742d6e6e))
	net, err := nn.NewMLP(nn.MLPConfig{Sizes: sizes, Skip: true}, rng)
	if err != nil {
		return nil, nil, fmt.Errorf("agent: %w", err)
	}
	info, err := json.Marshal(struct {
		Prior  string      `json:"prior"`
		Config TrainConfig `json:"config"`
	}{p.Task(), cfg})
	if err != nil {
		return nil, nil, fmt.Errorf("agent: %w", err)
	}
	a := &Agent{task: p.Task(), net: net, info: info}
	opt, err := nn.NewAdam(net.NumParams(), nn.AdamConfig{LR: cfg.LR, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8})
	if err != nil {
		return nil, nil, fmt.Errorf("agent: %w", err)
	}
	var data dataset
	var reports []RoundReport
	for round := range cfg.Rounds {
		start := time.Now()
		d, stats, err := collect(ctx, p, a, cfg, round)
		if err != nil {
			return nil, reports, err
		}
		if round == 0 {
			a.mean, a.std = d.moments()
		}
		data.append(d)
		loss, err := fit(a, opt, &data, cfg, rng)
		if err != nil {
			return nil, reports, fmt.Errorf("agent: training: %w", err)
		}
		r := RoundReport{Round: round, States: stats.states, Rows: d.rows(), Regret1: stats.regret1, RegretK: stats.regretK, Loss: loss, Duration: time.Since(start)}
		reports = append(reports, r)
		if progress != nil {
			behaviour := "scaling-law"
			if round > 0 {
				behaviour = "agent"
			}
			fmt.Fprintf(progress, "agent %s round %d/%d: %d states, %d rows; behaviour (%s) regret k=1 %.3f, k=%d %.3f; fit loss %.4f; %s\n",
				p.Task(), round+1, cfg.Rounds, r.States, r.Rows, behaviour, r.Regret1, cfg.Trials, r.RegretK, r.Loss, r.Duration.Round(time.Millisecond))
		}
	}
	return a, reports, nil
}

// dataset is rows of standardised-later features and targets.
type dataset struct {
	x []float64 // rows × NumFeatures
	y []float64 // √regret
}

func (d *dataset) rows() int { return len(d.y) }

func (d *dataset) append(o *dataset) {
	d.x = append(d.x, o.x...)
	d.y = append(d.y, o.y...)
}

// moments returns each feature's mean and standard deviation (1 where it
// is constant).
func (d *dataset) moments() (mean, std []float64) {
	mean, std = make([]float64, NumFeatures), make([]float64, NumFeatures)
	n := float64(d.rows())
	for i := range d.rows() {
		for k := range NumFeatures {
			mean[k] += d.x[i*NumFeatures+k] / n
		}
	}
	for i := range d.rows() {
		for k := range NumFeatures {
			v := d.x[i*NumFeatures+k] - mean[k]
			std[k] += v * v / n
		}
	}
	for k := range std {
		if std[k] = math.Sqrt(std[k]); !(std[k] > 1e-9) {
			std[k] = 1
		}
	}
	return mean, std
}

// fit runs cfg.Epochs passes of minibatch Adam on the mean squared error
// and returns the final epoch's mean loss.
func fit(a *Agent, opt *nn.Adam, d *dataset, cfg TrainConfig, rng *rand.Rand) (float64, error) {
	n := d.rows()
	ws := a.net.NewWorkspace(cfg.Batch)
	xb := make([]float64, cfg.Batch*NumFeatures)
	grad := make([]float64, cfg.Batch)
	loss := math.NaN()
	for range cfg.Epochs {
		perm := rng.Perm(n)
		loss = 0
		for lo := 0; lo < n; lo += cfg.Batch {
			idx := perm[lo:min(n, lo+cfg.Batch)]
			for r, i := range idx {
				row := xb[r*NumFeatures : (r+1)*NumFeatures]
				copy(row, d.x[i*NumFeatures:(i+1)*NumFeatures])
				for k := range row {
					row[k] = (row[k] - a.mean[k]) / a.std[k]
				}
			}
			out, err := a.net.ForwardBatch(ws, xb[:len(idx)*NumFeatures])
			if err != nil {
				return 0, err
			}
			for r, i := range idx {
				e := out[r] - d.y[i]
				loss += e * e
				grad[r] = 2 * e / float64(len(idx))
			}
			a.net.ZeroGrad()
			if err := a.net.BackwardParams(ws, grad[:len(idx)]); err != nil {
				return 0, err
			}
			if err := opt.Step(a.net.Params(), a.net.Grads()); err != nil {
				return 0, err
			}
		}
		loss /= float64(n)
	}
	return loss, nil
}

// roundStats summarises a round's rollouts.
type roundStats struct {
	states           int
	regret1, regretK float64
	episodes         int
}

// collect rolls out one round on every world and returns the labelled rows
// in world order.
func collect(ctx context.Context, p prior.Prior, a *Agent, cfg TrainConfig, round int) (*dataset, roundStats, error) {
	parts := make([]*dataset, cfg.Worlds)
	stats := make([]roundStats, cfg.Worlds)
	errs := make([]error, cfg.Worlds)
	if err := parallel.For(ctx, cfg.Worlds, cfg.Workers, func(w int) {
		parts[w], stats[w], errs[w] = rollWorld(p, a, cfg, round, w)
	}); err != nil {
		return nil, roundStats{}, err
	}
	out := &dataset{}
	var total roundStats
	for w := range cfg.Worlds {
		if errs[w] != nil {
			return nil, roundStats{}, fmt.Errorf("agent: world %d: %w", cfg.WorldSeed+uint64(w), errs[w])
		}
		out.append(parts[w])
		total.states += stats[w].states
		total.episodes += stats[w].episodes
		total.regret1 += stats[w].regret1
		total.regretK += stats[w].regretK
	}
	if total.episodes > 0 {
		total.regret1 /= float64(total.episodes)
		total.regretK /= float64(total.episodes)
	}
	return out, total, nil
}

// rollWorld plays one episode on every held-out target of world w with the
// round's behaviour and labels every state.
func rollWorld(p prior.Prior, a *Agent, cfg TrainConfig, round, w int) (*dataset, roundStats, error) {
	t, err := p.Draw(cfg.WorldSeed + uint64(w))
	if err != nil {
		return nil, roundStats{}, err
	}
	defer t.Release()
	e, err := research.New(t, research.Options{Split: research.Test, Trials: cfg.Trials})
	if err != nil {
		return nil, roundStats{}, err
	}
	defer e.Close()
	r := &rollout{
		e:   e,
		cfg: cfg,
		rng: rand.New(rand.NewPCG(cfg.Seed^uint64(round)<<32^uint64(w), 0x6167656e742d726f)),
		d:   &dataset{},
	}
	if round == 0 {
		r.baseline = policy.NewScalingLaw(policy.ScalingLawOptions{})
	} else {
		r.learner = &player{a: a}
	}
	for ti, target := range e.Targets() {
		obs, _, err := e.Reset(env.SeedOf(uint64(w)<<16|uint64(ti)), env.Options{research.ResetOptionTarget: target})
		if err != nil {
			return nil, r.st, err
		}
		if err := r.play(obs); err != nil {
			return nil, r.st, err
		}
	}
	return r.d, r.st, nil
}

// rollout is the state of rollWorld on one world: the env, the behaviour
// (the scaling-law baseline in round 0, else the learner), and the
// labelled states and statistics gathered so far.
type rollout struct {
	e        *research.Env
	cfg      TrainConfig
	rng      *rand.Rand
	baseline policy.Policy // round 0
	learner  *player       // later rounds
	d        *dataset
	st       roundStats
}

// play plays the episode that starts at obs to its end, labelling every
// state with the target's true regrets.
func (r *rollout) play(obs *research.Observation) error {
	ep, err := newEpisode(obs)
	if err != nil {
		return err
	}
	truth := make([]float64, len(ep.x))
	for j := range truth {
		if truth[j], err = r.e.TargetRegret(j); err != nil {
			return err
		}
	}
	if r.baseline != nil {
		if err := r.baseline.Reset(obs, r.rng); err != nil {
			return err
		}
	} else {
		r.learner.start(ep) // the episode's features are built once, above
	}
	tried := make([]bool, len(ep.x))
	for k := range r.cfg.Trials {
		feat := ep.features(obs)
		label(r.d, feat, truth, tried, r.cfg.Candidates, r.rng)
		r.st.states++
		j, err := r.choose(obs, ep, tried)
		if err != nil {
			return err
		}
		if j < 0 {
			break
		}
		tried[j] = true
		res, err := r.e.Step(research.Action{Config: obs.TargetConfigs[j]})
		if err != nil {
			return err
		}
		obs = res.Obs
		if k == 0 {
			r.st.regret1 += r.e.Regret()
		}
		if res.Done() {
			break
		}
	}
	r.st.regretK += r.e.Regret()
	r.st.episodes++
	return nil
}

// choose returns the index of the next candidate to try (-1: none left):
// an untried one at random with probability Explore, else the behaviour's
// choice, the baseline's snapped to the nearest untried candidate.
func (r *rollout) choose(obs *research.Observation, ep *episode, tried []bool) (int, error) {
	switch {
	case r.rng.Float64() < r.cfg.Explore:
		return randomUntried(tried, r.rng), nil
	case r.baseline != nil:
		act, err := r.baseline.Act(obs)
		if err != nil {
			return 0, err
		}
		j := -1
		if act.Config != nil {
			j = nearestIndex(ep, act.Config)
		}
		if j < 0 || tried[j] {
			j = randomUntried(tried, r.rng)
		}
		return j, nil
	default:
		return r.learner.choose(obs)
	}
}

// label adds rows for the state's untried candidates: the quarter with the
// lowest true regret and a random sample of the rest, up to n.
func label(d *dataset, feat, truth []float64, tried []bool, n int, rng *rand.Rand) {
	var untried []int
	for j, t := range tried {
		if !t {
			untried = append(untried, j)
		}
	}
	if len(untried) > n {
		best := append([]int(nil), untried...)
		sortByTruth(best, truth)
		keep := best[:n/4]
		rest := best[n/4:]
		rng.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
		untried = append(keep, rest[:n-len(keep)]...)
	}
	for _, j := range untried {
		d.x = append(d.x, feat[j*NumFeatures:(j+1)*NumFeatures]...)
		d.y = append(d.y, math.Sqrt(math.Max(0, truth[j])))
	}
}

func sortByTruth(idx []int, truth []float64) {
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(truth[a], truth[b]) })
}

func randomUntried(tried []bool, rng *rand.Rand) int {
	var free []int
	for j, t := range tried {
		if !t {
			free = append(free, j)
		}
	}
	if len(free) == 0 {
		return -1
	}
	return free[rng.IntN(len(free))]
}

// nearestIndex returns the target config nearest to c.
func nearestIndex(ep *episode, c map[string]any) int {
	x := make([]float64, ep.space.EncodedDim())
	if err := ep.space.Encode(c, x); err != nil {
		return -1
	}
	best, bd := -1, math.Inf(1)
	for j, y := range ep.x {
		if d := dist(x, y); d < bd {
			best, bd = j, d
		}
	}
	return best
}
