package policy

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/spaces"
	"github.com/autollmresearch/gym/tasks"
	"github.com/autollmresearch/gym/tasks/pretrain"
)

// baselines lists a factory for every baseline of this file set, with
// default options.
func baselines() []Factory {
	return []Factory{
		func() Policy { return NewRandom() },
		func() Policy { return NewTransfer() },
		func() Policy { return NewScalingLaw(ScalingLawOptions{}) },
		func() Policy { return NewSuccessiveHalving(SuccessiveHalvingOptions{}) },
		func() Policy { return NewHyperband(HyperbandOptions{}) },
	}
}

// policyRand is the random stream a test gives a policy for a seed.
func policyRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x706f6c696379)) }

// ---------------------------------------------------------------------------
// A hand-built stand-in for the env.

// The hand task: learning rate, batch size and activation, at four model
// sizes k = 0..3 with 1e6·4^k parameters. The optimum moves with size as a
// power law, lr* = 2e-4·2^k and bs* = 32·2^k; gelu beats relu by 0.02; a
// learning rate of 16·lr* or more diverges; a run costs 4^k GPU hours.
var handSpace = spaces.MustConfigSpace(
	spaces.LogDim("lr", 1e-4, 1e-1),
	spaces.LogDim("bs", 16, 1024),
	spaces.CategoricalDim("act", "relu", "gelu"),
)

const handSizes = 4

func handID(k int) string { return fmt.Sprintf("hand/k=%d", k) }

// handGrid is every experiment's configs: 10 learning rates, 7 batch sizes
// and both activations.
func handGrid() []spaces.Config {
	var out []spaces.Config
	for i := range 10 {
		for j := range 7 {
			for _, act := range []string{"relu", "gelu"} {
				out = append(out, spaces.Config{"lr": 1e-4 * math.Exp2(float64(i)), "bs": 16 * math.Exp2(float64(j)), "act": act})
			}
		}
	}
	return out
}

// handOutcome is the loss of c at size k and whether it diverged.
func handOutcome(k int, c spaces.Config) (float64, bool) {
	lrOpt, bsOpt := 2e-4*math.Exp2(float64(k)), 32*math.Exp2(float64(k))
	lr, bs := c["lr"].(float64), c["bs"].(float64)
	if lr >= 16*lrOpt {
		return 7, true
	}
	loss := 3 - 0.3*float64(k) + 0.05*math.Pow(math.Log2(lr/lrOpt), 2) + 0.03*math.Pow(math.Log2(bs/bsOpt), 2)
	if c["act"] == "relu" {
		loss += 0.02
	}
	return loss, false
}

func handFidelity(k int) research.Fidelity {
	n := 1e6 * math.Pow(4, float64(k))
	return research.Fidelity{
		Experiment: handID(k),
		Coords:     map[string]any{"params": n},
		Rank:       k,
		Features:   []float64{float64(k) / (handSizes - 1)},
		CostPerRun: math.Pow(4, float64(k)),
		MinCost:    math.Pow(4, float64(k)),
		MaxCost:    math.Pow(4, float64(k)),
	}
}

// handEnv fills a research.Observation by hand and applies actions to it,
// looking outcomes up with handOutcome: the policies' view of an env,
// without the env. It has no context (Observation.Context is nil).
type handEnv struct {
	obs    research.Observation
	cands  *spaces.Candidates
	budget float64
}

func newHandEnv(t testing.TB, setting research.Setting, trials int, budget float64) *handEnv {
	t.Helper()
	grid := handGrid()
	cands, err := spaces.NewCandidates(handSpace, grid)
	require.NoError(t, err)
	target := handFidelity(handSizes - 1)
	h := &handEnv{cands: cands, budget: budget}
	h.obs = research.Observation{
		Task: "hand", Setting: setting, Space: handSpace, Objective: "loss", Direction: tasks.Minimize,
		Target: target, TargetConfigs: grid, Fidelities: []research.Fidelity{target},
		TrialsLeft: trials, BudgetLeft: math.Inf(1),
	}
	if setting == research.MultiFidelity {
		h.obs.Fidelities = nil
		for k := range handSizes {
			h.obs.Fidelities = append(h.obs.Fidelities, handFidelity(k))
		}
		h.obs.BudgetLeft = budget
	}
	return h
}

// step applies a; it fails the test on an action the env would refuse.
func (h *handEnv) step(t testing.TB, a research.Action) (done bool) {
	t.Helper()
	if a.Stop {
		return true
	}
	k := handSizes - 1
	if a.Experiment != "" {
		k = slices.IndexFunc(h.obs.Fidelities, func(f research.Fidelity) bool { return f.Experiment == a.Experiment })
		require.GreaterOrEqual(t, k, 0, "action names experiment %q, which the episode cannot run", a.Experiment)
		k = h.obs.Fidelities[k].Rank
	}
	i, _, err := h.cands.NearestConfig(a.Config)
	require.NoError(t, err)
	cost := math.Pow(4, float64(k))
	if h.obs.Setting == research.MultiFidelity {
		require.LessOrEqual(t, cost, h.obs.BudgetLeft*(1+1e-9), "run at %s costs more than the budget left", handID(k))
	}
	y, div := handOutcome(k, h.cands.Config(i))
	h.obs.Step++
	h.obs.History = append(h.obs.History, research.Trial{
		Step: h.obs.Step, Experiment: handID(k), Target: k == handSizes-1,
		Asked: a.Config, Run: h.cands.Config(i), Candidate: i, Objective: y, Diverged: div, Cost: cost,
	})
	h.obs.Spent += cost
	if h.obs.Setting == research.MultiFidelity {
		h.obs.BudgetLeft = h.budget - h.obs.Spent
	}
	if k == handSizes-1 {
		h.obs.TrialsLeft--
	}
	return h.obs.TrialsLeft <= 0 || (h.obs.Setting == research.MultiFidelity && h.obs.BudgetLeft < 1)
}

// play runs p on h to the end and returns its actions.
func (h *handEnv) play(t testing.TB, p Policy, seed uint64) []research.Action {
	t.Helper()
	require.NoError(t, p.Reset(&h.obs, policyRand(seed)))
	var acts []research.Action
	for range 1000 {
		a, err := p.Act(&h.obs)
		require.NoError(t, err)
		acts = append(acts, a)
		if h.step(t, a) {
			return acts
		}
	}
	t.Fatalf("%s: episode did not end", p.Name())
	return nil
}

// handTable is the hand task as an outcome table, for the real env.
func handTable(t testing.TB) *tasks.Table {
	t.Helper()
	b, err := tasks.NewBuilder(tasks.Meta{
		Task: "hand", Space: handSpace, Fidelity: []tasks.FidelityColumn{{Name: "params"}},
		Metrics: []string{"loss"}, Objective: "loss", Direction: tasks.Minimize,
		Provenance: tasks.Synthetic, CostSource: "estimated: 4^size", Source: "policy package tests",
	})
	require.NoError(t, err)
	for k := range handSizes {
		for _, c := range handGrid() {
			y, div := handOutcome(k, c)
			b.Add(tasks.Row{
				Experiment: handID(k), Fidelity: map[string]any{"params": 1e6 * math.Pow(4, float64(k))},
				Config: c, Metrics: map[string]float64{"loss": y}, CostGPUHours: math.Pow(4, float64(k)), Diverged: div,
			})
		}
	}
	tbl, err := b.Build()
	require.NoError(t, err)
	t.Cleanup(tbl.Release)
	return tbl
}

// ---------------------------------------------------------------------------
// The episode runner over the real env.

// episodeResult is what runEpisode records.
type episodeResult struct {
	actions []research.Action
	regrets []float64 // best-so-far regret at the target after each step
	final   float64
	spent   float64
	budget  float64
	history []research.Trial
}

// runEpisode resets e with seed, lets p act until the episode ends and
// collects the env's "regret" after every step. A step the env refuses
// (such as a run over budget) fails the test.
func runEpisode(t testing.TB, e *research.Env, p Policy, seed uint64) episodeResult {
	t.Helper()
	obs, _, err := e.Reset(env.SeedOf(seed), nil)
	require.NoError(t, err)
	res := episodeResult{budget: obs.BudgetLeft}
	require.NoError(t, p.Reset(obs, policyRand(seed)))
	for step := 0; ; step++ {
		require.Less(t, step, research.MaxEpisodeSteps, "%s: episode did not end", p.Name())
		a, err := p.Act(obs)
		require.NoError(t, err)
		res.actions = append(res.actions, a)
		r, err := e.Step(a)
		require.NoError(t, err, "%s: step %d: %+v", p.Name(), step, a)
		obs = r.Obs
		reg, ok := r.Info.Num("regret")
		require.True(t, ok, "info has no regret")
		res.regrets = append(res.regrets, reg)
		if r.Done() {
			break
		}
	}
	res.final, res.spent = e.Regret(), obs.Spent
	res.history = slices.Clone(obs.History)
	return res
}

func newEnv(t testing.TB, tbl *tasks.Table, opts research.Options) *research.Env {
	t.Helper()
	e, err := research.New(tbl, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = e.Close() })
	return e
}

func pretrainTable(t testing.TB) *tasks.Table {
	t.Helper()
	tbl, err := pretrain.Default()
	require.NoError(t, err)
	return tbl
}

// multiFidelityEnvs returns one MultiFidelity env per target of the
// pretrain default's test split, each with K trials and a budget of mult
// times the cost of K runs at its target.
func multiFidelityEnvs(t testing.TB, trials int, mult float64) []*research.Env {
	t.Helper()
	tbl := pretrainTable(t)
	split := newEnv(t, tbl, research.Options{Split: research.Test})
	var out []*research.Env
	for _, id := range split.Targets() {
		f, ok := split.Fidelity(id)
		require.True(t, ok)
		out = append(out, newEnv(t, tbl, research.Options{
			Setting: research.MultiFidelity, Split: research.Test, Target: id,
			Trials: trials, BudgetGPUHours: mult * float64(trials) * f.CostPerRun,
		}))
	}
	return out
}

// finalRegrets plays n episodes, episode s (seed s+1) on envs[s mod
// len(envs)], and returns the final regrets.
func finalRegrets(t testing.TB, envs []*research.Env, f Factory, n int) []float64 {
	out := make([]float64, n)
	for s := range n {
		out[s] = runEpisode(t, envs[s%len(envs)], f(), uint64(s+1)).final
	}
	return out
}

func meanSE(xs []float64) (mean, se float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss/float64(len(xs)-1)) / math.Sqrt(float64(len(xs)))
}

// requireBeats checks the criterion for "beats random search": the mean
// final regret over the episodes is lower than random's by more than two
// standard errors of the difference of the means, sqrt(se_p² + se_r²)
// (the episodes of the two policies are independent draws).
func requireBeats(t *testing.T, name string, got, random []float64) {
	t.Helper()
	m, se := meanSE(got)
	mr, ser := meanSE(random)
	margin := 2 * math.Hypot(se, ser)
	t.Logf("%-18s mean final regret %.4f ± %.4f; random %.4f ± %.4f; needed below %.4f", name, m, se, mr, ser, mr-margin)
	require.Less(t, m, mr-margin, "%s does not beat random search", name)
}

// ---------------------------------------------------------------------------
// Shared helpers.

func TestScore(t *testing.T) {
	tests := []struct {
		dir      tasks.Direction
		y        float64
		diverged bool
		want     float64
	}{
		{tasks.Minimize, 2.5, false, 2.5},
		{tasks.Maximize, 0.6, false, -0.6},
		{tasks.Minimize, 2.5, true, math.Inf(1)},
		{tasks.Maximize, 0.6, true, math.Inf(1)},
		{tasks.Minimize, math.NaN(), false, math.Inf(1)},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, score(tc.dir, tc.y, tc.diverged), "%v %g %v", tc.dir, tc.y, tc.diverged)
	}
	assert.True(t, score(tasks.Maximize, 0.7, false) < score(tasks.Maximize, 0.6, false), "higher is better when maximising")
}

func TestLevelCentre(t *testing.T) {
	l := level{width: 2, points: []float64{0, 0, 1, 1, 0.5, 0.5, 0.2, 0.4}, scores: []float64{3, 1, math.Inf(1), 2}}
	assert.Equal(t, []int{1, 3, 0, 2}, l.order(), "best first, diverged last")
	dst := make([]float64, 2)

	require.True(t, l.centre(1, dst))
	assert.Equal(t, []float64{1, 1}, dst, "TopK 1 is the best config")

	// Top two: scores 1 and 2, the third best scores 3: weights 2 and 1.
	require.True(t, l.centre(2, dst))
	assert.InDeltaSlice(t, []float64{(2*1 + 0.2) / 3, (2*1 + 0.4) / 3}, dst, 1e-12)

	// k beyond the configs that did not diverge uses them all.
	require.True(t, l.centre(10, dst))
	for _, x := range dst {
		assert.False(t, math.IsNaN(x))
	}

	all := level{width: 1, points: []float64{0, 1}, scores: []float64{math.Inf(1), math.Inf(1)}}
	assert.False(t, all.centre(3, dst[:1]), "every config diverged")
	assert.False(t, all.finite())
}

func TestNearestUntried(t *testing.T) {
	h := newHandEnv(t, research.Extrapolate, 5, 0)
	ep, err := newEpisode("test", &h.obs)
	require.NoError(t, err)
	p := make([]float64, handSpace.EncodedDim())
	require.NoError(t, handSpace.Encode(spaces.Config{"lr": 8e-4, "bs": 64.0, "act": "gelu"}, p))
	i := ep.nearestUntried(p, nil)
	assert.True(t, handSpace.Equal(spaces.Config{"lr": 8e-4, "bs": 64.0, "act": "gelu"}, ep.cands.Config(i)))
	ep.tried[i], ep.numTried = true, 1
	j := ep.nearestUntried(p, nil)
	assert.NotEqual(t, i, j, "a tried candidate is skipped")
	// A factor of 2 in lr is 0.1 in the encoding, in bs 0.17, and another
	// activation 1: the next nearest is a learning rate one step away.
	got := ep.cands.Config(j)
	assert.Contains(t, []float64{4e-4, 1.6e-3}, got["lr"])
	assert.Equal(t, 64.0, got["bs"])
	assert.Equal(t, "gelu", got["act"])
	assert.Equal(t, -1, ep.nearestUntried(p, func(int) bool { return true }))
}

// ---------------------------------------------------------------------------
// Scaling-law fits.

func TestFitLinear(t *testing.T) {
	x := [][]float64{{0, 1}, {1, 0}, {1, 1}, {2, 3}}
	y := make([]float64, len(x))
	for i, r := range x {
		y[i] = 0.5 - 2*r[0] + 3*r[1]
	}
	coef, err := fitLinear(x, y)
	require.NoError(t, err)
	assert.InDeltaSlice(t, []float64{0.5, -2, 3}, coef, 1e-9)

	_, err = fitLinear([][]float64{{1, 2}, {2, 4}, {3, 6}}, []float64{1, 2, 3})
	assert.ErrorContains(t, err, "collinear")
	_, err = fitLinear([][]float64{{1}, {1}, {1}}, []float64{1, 2, 3})
	assert.ErrorContains(t, err, "constant")
	_, err = fitLinear([][]float64{{1, 2}, {2, 1}}, []float64{1, 2})
	assert.ErrorContains(t, err, "cannot determine")
}

func TestTrend(t *testing.T) {
	// Three features like (compute, params, tokens) in log space: the
	// first is the sum of the other two, so at most two enter a fit.
	var x [][]float64
	var ys, neg []float64
	law := func(f []float64) float64 { return 2e-3 * math.Exp(-0.7*f[1]+0.3*f[2]) }
	for _, p := range [][2]float64{{0, 0}, {0, 0.5}, {0.3, 0.2}, {0.5, 0.6}, {0.2, 0.9}} {
		f := []float64{(p[0] + p[1]) / 2, p[0], p[1]}
		x = append(x, f)
		ys = append(ys, law(f))
		neg = append(neg, -1+2*f[1]-f[2])
	}
	target := []float64{0.9, 1, 0.8}
	tests := []struct {
		name     string
		x        [][]float64
		ys       []float64
		positive bool
		want     float64
	}{
		{"power law, collinear third feature", x, ys, true, law(target)},
		{"linear for values that are not all positive", x, neg, false, -1 + 2*target[1] - target[2]},
		{"one point is transferred", x[:1], ys[:1], true, ys[0]},
		{"two points fit the first feature only", x[:2], []float64{1, 2}, true, math.Exp(math.Log(2) * target[0] / x[1][0])},
		{"constant features give the geometric mean", [][]float64{{0.5, 0.5, 0.5}, {0.5, 0.5, 0.5}, {0.5, 0.5, 0.5}}, []float64{1, 4, 16}, true, 4},
		{"constant features give the mean", [][]float64{{0.5, 0.5, 0.5}, {0.5, 0.5, 0.5}}, []float64{-1, 3}, false, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.InDelta(t, tc.want, trend(tc.x, tc.ys, tc.positive, target), 1e-9*math.Max(1, math.Abs(tc.want)))
		})
	}
}

// handLevels are the hand task's sizes 0..upTo as context levels.
func handLevels(t testing.TB, upTo int) []level {
	t.Helper()
	grid := handGrid()
	var out []level
	for k := 0; k <= upTo; k++ {
		l := level{fid: handFidelity(k), width: handSpace.EncodedDim()}
		for _, c := range grid {
			p := make([]float64, l.width)
			require.NoError(t, handSpace.Encode(c, p))
			y, div := handOutcome(k, c)
			l.points = append(l.points, p...)
			l.scores = append(l.scores, score(tasks.Minimize, y, div))
		}
		out = append(out, l)
	}
	return out
}

func TestPredictOptimum(t *testing.T) {
	target := handFidelity(handSizes - 1)
	want := spaces.Config{"lr": 1.6e-3, "bs": 256.0, "act": "gelu"}
	tests := []struct {
		name   string
		levels int
		want   spaces.Config
	}{
		{"three sizes extrapolate the power law", 3, want},
		{"two sizes fit one feature", 2, want},
		{"one size is transferred", 1, spaces.Config{"lr": 2e-4, "bs": 32.0, "act": "gelu"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []int{1, DefaultScalingTopK} {
				p := predictOptimum(handSpace, handLevels(t, tc.levels-1), target, ScalingLawOptions{TopK: k, Nearest: DefaultScalingNearest})
				require.NotNil(t, p)
				got, err := handSpace.Decode(p)
				require.NoError(t, err)
				assert.InEpsilon(t, tc.want["lr"], got["lr"], 1e-6, "TopK %d", k)
				assert.InEpsilon(t, tc.want["bs"], got["bs"], 1e-6, "TopK %d", k)
				assert.Equal(t, tc.want["act"], got["act"], "TopK %d", k)
			}
		})
	}
	assert.Nil(t, predictOptimum(handSpace, nil, target, ScalingLawOptions{TopK: 5, Nearest: 3}), "no context")
}

// ---------------------------------------------------------------------------
// Halving.

func TestHalvingRounds(t *testing.T) {
	tests := []struct{ n, k, want int }{{120, 5, 3}, {5, 5, 0}, {6, 5, 1}, {140, 5, 4}, {10, 0, 0}}
	for _, tc := range tests {
		assert.Equal(t, tc.want, halvingRounds(tc.n, tc.k, 3), "%d configs to %d", tc.n, tc.k)
	}
}

func TestHalvingOrder(t *testing.T) {
	// Nine target configs on a line; two rungs of three configs each.
	space := spaces.MustConfigSpace(spaces.LinearDim("x", 0, 8))
	var cfgs []spaces.Config
	for i := range 9 {
		cfgs = append(cfgs, spaces.Config{"x": float64(i)})
	}
	ep, err := newEpisode("test", &research.Observation{
		Setting: research.Extrapolate, Space: space, Direction: tasks.Minimize, TargetConfigs: cfgs, TrialsLeft: 2,
	})
	require.NoError(t, err)
	at := func(xs ...float64) []float64 {
		out := make([]float64, len(xs))
		for i, x := range xs {
			out[i] = x / 8
		}
		return out
	}
	// Rung 0 sees x = 0, 4, 8 with 4 best, 8 next and 0 worst. Target
	// configs map to their nearest config there, ties to the lower index:
	// x = 0..2 to 0, x = 3..6 to 4, x = 7, 8 to 8. It keeps ⌈9/3⌉ = 3, which
	// would split the four tied on 4, so it keeps x = 3..6. Rung 1 sees
	// x = 1, 5, 7, with 7 best, then 5, then 1: x = 4, 5, 6 map to 5 and
	// x = 3 to 1.
	levels := []level{
		{width: 1, points: at(0, 4, 8), scores: []float64{3, 1, 2}},
		{width: 1, points: at(1, 5, 7), scores: []float64{3, 2, 1}},
	}
	got := halvingOrder(ep, levels, []int{0, 1}, 3, 2)
	// The survivors in rung 1's order, then those cut at rung 0 in its
	// order.
	assert.Equal(t, []int{4, 5, 6, 3, 7, 8, 0, 1, 2}, got)
}

func TestPlanBracket(t *testing.T) {
	fids := []research.Fidelity{
		{Experiment: "a", Features: []float64{0}, MaxCost: 1},
		{Experiment: "b", Features: []float64{0.5}, MaxCost: 4},
		{Experiment: "c", Features: []float64{0.8}, MaxCost: 16},
		{Experiment: "t", Features: []float64{1}, MaxCost: 64},
	}
	tests := []struct {
		name   string
		budget float64
		trials int
		pool   int
		s      int
		want   []rungPlan
	}{
		{"one round", 320, 5, 100, 1, []rungPlan{{1, 12}, {3, 4}}},
		{"larger budget reaches the nearer fidelity", 640, 5, 100, 1, []rungPlan{{2, 15}, {3, 5}}},
		{"two rounds", 320, 5, 100, 2, []rungPlan{{0, 27}, {1, 9}, {3, 3}}},
		{"no rounds", 320, 5, 100, 0, []rungPlan{{3, 5}}},
		{"one target run even when the share is short", 64, 5, 100, 0, []rungPlan{{3, 1}}},
		{"nothing cheaper fits", 65, 5, 100, 1, nil},
		{"target unaffordable", 63, 5, 100, 0, nil},
		{"too few configs to start from", 320, 5, 10, 1, nil},
		{"no trials", 320, 0, 100, 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := planBracket(fids, tc.budget, tc.trials, tc.pool, tc.s, 3)
			assert.Equal(t, tc.want, got)
			cost := 0.0
			for _, r := range got {
				cost += float64(r.count) * fids[r.fid].MaxCost
			}
			assert.LessOrEqual(t, cost, tc.budget)
		})
	}
}

// ---------------------------------------------------------------------------
// Policies on hand-built observations.

func TestPoliciesHandBuilt(t *testing.T) {
	for _, setting := range []research.Setting{research.Extrapolate, research.MultiFidelity} {
		for _, f := range baselines() {
			name := f().Name()
			t.Run(fmt.Sprintf("%v/%s", setting, name), func(t *testing.T) {
				h := newHandEnv(t, setting, 8, 8*64*2)
				acts := h.play(t, f(), 1)
				require.NotEmpty(t, acts)
				var target []int
				asked := make(map[string]int)
				for _, tr := range h.obs.History {
					if tr.Target {
						target = append(target, tr.Candidate)
						continue
					}
					assert.Equal(t, research.MultiFidelity, setting, "runs below the target only in the MultiFidelity setting")
					key := tr.Experiment + " " + handSpace.Format(tr.Asked)
					asked[key]++
					assert.Equal(t, 1, asked[key], "%s asked twice", key)
				}
				assert.Len(t, target, 8, "every target trial used")
				assert.Len(t, slices.Compact(slices.Sorted(slices.Values(target))), len(target), "a target config repeated: %v", target)
				if setting == research.MultiFidelity {
					assert.LessOrEqual(t, h.obs.Spent, h.budget)
				}
			})
		}
	}
}

func TestPoliciesRunOutOfConfigs(t *testing.T) {
	// More trials than target configs: every config is run once, then the
	// Extrapolate setting repeats the best and the MultiFidelity one stops.
	grid := handGrid()
	for _, f := range baselines() {
		h := newHandEnv(t, research.Extrapolate, len(grid)+2, 0)
		acts := h.play(t, f(), 3)
		require.Len(t, acts, len(grid)+2)
		seen := make(map[int]bool)
		for _, tr := range h.obs.History[:len(grid)] {
			assert.False(t, seen[tr.Candidate], "%s repeated a config while others were untried", f().Name())
			seen[tr.Candidate] = true
		}
		best := slices.MinFunc(h.obs.History[:len(grid)], func(a, b research.Trial) int {
			return int(math.Copysign(1, score(tasks.Minimize, a.Objective, a.Diverged)-score(tasks.Minimize, b.Objective, b.Diverged)))
		})
		assert.Equal(t, best.Candidate, h.obs.History[len(grid)].Candidate, "%s repeats the best config", f().Name())

		h = newHandEnv(t, research.MultiFidelity, len(grid)+2, 1e9)
		acts = h.play(t, f(), 3)
		assert.True(t, acts[len(acts)-1].Stop, "%s stops once every target config was run", f().Name())
	}
}

func TestPoliciesStopWhenTargetUnaffordable(t *testing.T) {
	for _, f := range baselines() {
		// 63 GPU hours cannot pay for a 64-hour target run; a policy must
		// neither run the target nor spend on probes it cannot use.
		h := newHandEnv(t, research.MultiFidelity, 5, 63)
		acts := h.play(t, f(), 1)
		assert.Equal(t, []research.Action{{Stop: true}}, acts, f().Name())
	}
}

func TestMultiFidelityHalvingPlan(t *testing.T) {
	// Budget 5 target runs (320 GPU hours), K = 5: one round sets one
	// target run's worth aside for 12 configs at size 1 (4 hours each, the
	// nearest size whose 12 runs fit in 64 hours) and runs the best 4 at
	// the target; the 16 hours left pay for no further target run.
	h := newHandEnv(t, research.MultiFidelity, 5, 320)
	h.play(t, NewSuccessiveHalving(SuccessiveHalvingOptions{}), 1)
	var perExp = map[string]int{}
	for _, tr := range h.obs.History {
		perExp[tr.Experiment]++
	}
	assert.Equal(t, map[string]int{handID(1): 12, handID(3): 4}, perExp)
	assert.LessOrEqual(t, h.obs.Spent, 320.0)
	// The four promoted configs are the best four of the twelve at size 1.
	low := h.obs.History[:12]
	slices.SortStableFunc(low, func(a, b research.Trial) int {
		return int(math.Copysign(1, a.Objective-b.Objective))
	})
	for k, tr := range h.obs.History[12:16] {
		assert.True(t, handSpace.Equal(low[k].Asked, tr.Asked), "target run %d is the %d-th best probe", k, k)
	}
}

// ---------------------------------------------------------------------------
// Errors.

func TestResetErrors(t *testing.T) {
	good := newHandEnv(t, research.Extrapolate, 5, 0).obs
	noSpace := good
	noSpace.Space = nil
	noConfigs := good
	noConfigs.TargetConfigs = nil
	badConfig := good
	badConfig.TargetConfigs = []spaces.Config{{"lr": -1.0, "bs": 16.0, "act": "relu"}}
	noDirection := good
	noDirection.Direction = 0
	tests := []struct {
		name string
		p    Policy
		obs  *research.Observation
		rng  *rand.Rand
		want string
	}{
		{"nil observation", NewRandom(), nil, policyRand(1), "nil observation"},
		{"nil rng", NewTransfer(), &good, nil, "random stream"},
		{"no space", NewScalingLaw(ScalingLawOptions{}), &noSpace, policyRand(1), "no configuration space"},
		{"no target configs", NewSuccessiveHalving(SuccessiveHalvingOptions{}), &noConfigs, policyRand(1), "no target configs"},
		{"invalid target config", NewHyperband(HyperbandOptions{}), &badConfig, policyRand(1), "lr"},
		{"no direction", NewRandom(), &noDirection, policyRand(1), "direction"},
		{"TopK", NewScalingLaw(ScalingLawOptions{TopK: -1}), &good, policyRand(1), "TopK is -1"},
		{"Nearest", NewScalingLaw(ScalingLawOptions{Nearest: -2}), &good, policyRand(1), "Nearest is -2"},
		{"Eta 1", NewSuccessiveHalving(SuccessiveHalvingOptions{Eta: 1}), &good, policyRand(1), "Eta is 1"},
		{"Eta NaN", NewHyperband(HyperbandOptions{Eta: math.NaN()}), &good, policyRand(1), "Eta is NaN"},
		{"Rounds", NewSuccessiveHalving(SuccessiveHalvingOptions{Rounds: -1}), &good, policyRand(1), "Rounds is -1"},
		{"Brackets", NewHyperband(HyperbandOptions{Brackets: -3}), &good, policyRand(1), "Brackets is -3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.p.Reset(tc.obs, tc.rng)
			require.Error(t, err)
			assert.ErrorContains(t, err, tc.want)
			assert.ErrorContains(t, err, tc.p.Name())
		})
	}
}

func TestActErrors(t *testing.T) {
	for _, f := range baselines() {
		p := f()
		_, err := p.Act(&newHandEnv(t, research.Extrapolate, 5, 0).obs)
		assert.ErrorContains(t, err, "before Reset", p.Name())

		h := newHandEnv(t, research.Extrapolate, 5, 0)
		require.NoError(t, p.Reset(&h.obs, policyRand(1)))
		a, err := p.Act(&h.obs)
		require.NoError(t, err)
		h.step(t, a)
		_, err = p.Act(&h.obs)
		require.NoError(t, err)

		other := h.obs
		other.Target.Experiment = "hand/elsewhere"
		_, err = p.Act(&other)
		assert.ErrorContains(t, err, `target "hand/elsewhere"`, p.Name())

		shrunk := h.obs
		shrunk.History = nil
		_, err = p.Act(&shrunk)
		assert.ErrorContains(t, err, "already seen", p.Name())

		_, err = p.Act(nil)
		assert.ErrorContains(t, err, "nil observation", p.Name())
	}
}

// ---------------------------------------------------------------------------
// Policies on the real env over the hand task.

func TestContextPoliciesOnHandTable(t *testing.T) {
	e := newEnv(t, handTable(t), research.Options{Split: research.Test})
	opt := spaces.Config{"lr": 1.6e-3, "bs": 256.0, "act": "gelu"}
	best2 := spaces.Config{"lr": 8e-4, "bs": 128.0, "act": "gelu"} // optimum one size down

	r := runEpisode(t, e, NewScalingLaw(ScalingLawOptions{}), 1)
	assert.True(t, handSpace.Equal(opt, r.actions[0].Config), "scaling law hits the optimum first: %v", r.actions[0].Config)
	assert.Zero(t, r.regrets[0])

	for _, p := range []Policy{NewTransfer(), NewSuccessiveHalving(SuccessiveHalvingOptions{}), NewHyperband(HyperbandOptions{Brackets: 1})} {
		r := runEpisode(t, e, p, 1)
		assert.True(t, handSpace.Equal(best2, r.actions[0].Config), "%s starts with the best config one size down: %v", p.Name(), r.actions[0].Config)
		assert.Less(t, r.final, 0.2, p.Name())
	}

	// Hyperband's brackets take turns: its first two trials differ.
	r = runEpisode(t, e, NewHyperband(HyperbandOptions{}), 1)
	assert.False(t, handSpace.Equal(r.actions[0].Config, r.actions[1].Config))
}

// ---------------------------------------------------------------------------
// Policies on the pretrain default.

func TestBeatRandomExtrapolate(t *testing.T) {
	// The pretrain default's test split: the held-out top cells as targets
	// (drawn by seed), K = 5, every cheaper cell as free context. 60
	// episodes per policy, seeds 1..60.
	envs := []*research.Env{newEnv(t, pretrainTable(t), research.Options{Split: research.Test})}
	const n = 60
	random := finalRegrets(t, envs, func() Policy { return NewRandom() }, n)
	for _, f := range baselines()[1:] {
		got := finalRegrets(t, envs, f, n)
		requireBeats(t, f().Name(), got, random)
		if f().Name() == "scaling-law" {
			m, _ := meanSE(got)
			assert.Less(t, m, 0.05, "scaling-law mean regret at K=5")
		}
	}
}

func TestBeatRandomExtrapolateTrainSplit(t *testing.T) {
	// A wider check: the targets of the train split, drawn by seed.
	envs := []*research.Env{newEnv(t, pretrainTable(t), research.Options{Split: research.Train})}
	const n = 60
	random := finalRegrets(t, envs, func() Policy { return NewRandom() }, n)
	for _, f := range baselines()[1:] {
		requireBeats(t, f().Name(), finalRegrets(t, envs, f, n), random)
	}
}

func TestHalvingBeatsRandomMultiFidelity(t *testing.T) {
	// The MultiFidelity setting on the pretrain default's test targets
	// (taken in turn), K = 5 target trials and a budget of twice their cost,
	// so that half of it can go to cheaper probes. (With exactly K target
	// runs' worth every probe costs a target run, and halving gains only a
	// little over random search on these noisy targets.) 120 episodes per
	// policy.
	envs := multiFidelityEnvs(t, 5, 2)
	const n = 120
	random := finalRegrets(t, envs, func() Policy { return NewRandom() }, n)
	for _, f := range []Factory{
		func() Policy { return NewSuccessiveHalving(SuccessiveHalvingOptions{}) },
		func() Policy { return NewHyperband(HyperbandOptions{}) },
	} {
		requireBeats(t, f().Name(), finalRegrets(t, envs, f, n), random)
	}
}

func TestDeterminism(t *testing.T) {
	for _, e := range []*research.Env{
		newEnv(t, pretrainTable(t), research.Options{Split: research.Train}),
		multiFidelityEnvs(t, 5, 2)[0],
	} {
		for _, f := range baselines() {
			t.Run(fmt.Sprintf("%v/%s", e.Options().Setting, f().Name()), func(t *testing.T) {
				for seed := uint64(1); seed <= 3; seed++ {
					a := runEpisode(t, e, f(), seed)
					b := runEpisode(t, e, f(), seed)
					require.Equal(t, len(a.actions), len(b.actions))
					for k := range a.actions {
						assert.Equal(t, a.actions[k].Stop, b.actions[k].Stop)
						assert.Equal(t, a.actions[k].Experiment, b.actions[k].Experiment)
						if !a.actions[k].Stop {
							assert.True(t, pretrain.Space().Equal(a.actions[k].Config, b.actions[k].Config), "seed %d step %d", seed, k)
						}
					}
					assert.Equal(t, a.regrets, b.regrets)
				}
			})
		}
	}
}

func TestNoRepeats(t *testing.T) {
	// 40 target trials of 120 configs: no policy may run a target config
	// twice, nor ask for a config twice at a lower fidelity.
	for _, e := range []*research.Env{
		newEnv(t, pretrainTable(t), research.Options{Split: research.Test, Trials: 40}),
		multiFidelityEnvs(t, 40, 5)[0],
	} {
		for _, f := range baselines() {
			r := runEpisode(t, e, f(), 7)
			ran := make(map[int]bool)
			asked := make(map[string]bool)
			targets := 0
			for _, tr := range r.history {
				if tr.Target {
					assert.False(t, ran[tr.Candidate], "%s/%v: target config %d run twice", f().Name(), e.Options().Setting, tr.Candidate)
					ran[tr.Candidate] = true
					targets++
					continue
				}
				key := tr.Experiment + " " + pretrain.Space().Format(tr.Asked)
				assert.False(t, asked[key], "%s: asked twice: %s", f().Name(), key)
				asked[key] = true
			}
			assert.Equal(t, 40, targets, "%s/%v uses every target trial", f().Name(), e.Options().Setting)
		}
	}
}

func TestBudget(t *testing.T) {
	// Budgets from half a target run to four times K runs: no policy makes a
	// run the env refuses (runEpisode fails on ErrOverBudget) or spends
	// more than the budget, and each makes a target run when it can.
	for _, mult := range []float64{0.5, 1, 1.5, 2.9, 5, 10, 20} {
		e := multiFidelityEnvs(t, 5, mult/5)[0]
		for _, f := range baselines() {
			for seed := uint64(1); seed <= 3; seed++ {
				r := runEpisode(t, e, f(), seed)
				assert.LessOrEqual(t, r.spent, r.budget*(1+1e-9), "%s budget %g·C", f().Name(), mult)
				targets := 0
				for _, tr := range r.history {
					if tr.Target {
						targets++
					}
				}
				if mult >= 1 {
					assert.Positive(t, targets, "%s budget %g·C makes no target run", f().Name(), mult)
				} else {
					assert.Zero(t, targets)
				}
			}
		}
	}
}

func TestOtherTasks(t *testing.T) {
	// Every baseline plays whole episodes of the other built-in tasks:
	// categorical and integer knobs (arch), a 19-part simplex and
	// maximisation (mixture).
	for _, task := range []string{"arch", "mixture"} {
		for _, setting := range []string{"extrapolate", "multi-fidelity"} {
			e, err := research.NewFromOptions(task, env.Options{"setting": setting, "split": "test"})
			require.NoError(t, err)
			t.Cleanup(func() { _ = e.Close() })
			for _, f := range baselines() {
				r := runEpisode(t, e, f(), 1)
				assert.NotEmpty(t, r.actions, "%s %s %s", task, setting, f().Name())
				assert.LessOrEqual(t, r.spent, r.budget*(1+1e-9))
			}
		}
	}
}
