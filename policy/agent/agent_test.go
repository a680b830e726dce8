package agent

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/nn"
	"github.com/autollmresearch/gym/prior"
	"github.com/autollmresearch/gym/spaces"
	"github.com/autollmresearch/gym/tasks"
)

// tinyConfig trains in well under a second.
func tinyConfig() TrainConfig {
	c := DefaultTrainConfig()
	c.Worlds, c.Rounds, c.Epochs, c.Hidden, c.Candidates = 6, 2, 2, []int{8}, 8
	return c
}

func trainTiny(t *testing.T, task string, workers int) *Agent {
	t.Helper()
	p, err := prior.New(task)
	require.NoError(t, err)
	cfg := tinyConfig()
	cfg.Workers = workers
	a, reports, err := Train(context.Background(), p, cfg, nil)
	require.NoError(t, err)
	require.Len(t, reports, cfg.Rounds)
	for _, r := range reports {
		assert.Positive(t, r.Rows)
		assert.False(t, math.IsNaN(r.Loss))
	}
	return a
}

func TestTrainIsDeterministic(t *testing.T) {
	a := trainTiny(t, "pretrain", 1)
	b := trainTiny(t, "pretrain", 3)
	assert.Equal(t, a.net.Params(), b.net.Params(), "the same config gives the same agent whatever the workers")
	assert.Equal(t, a.mean, b.mean)
}

func TestFeaturesAreFinite(t *testing.T) {
	for _, task := range research.Tasks() {
		tb, err := research.DefaultTable(task)
		require.NoError(t, err)
		e, err := research.New(tb, research.Options{Split: research.Test})
		require.NoError(t, err)
		obs, _, err := e.Reset(env.SeedOf(3), nil)
		require.NoError(t, err)
		ep, err := newEpisode(obs)
		require.NoError(t, err, task)
		for step := range 3 {
			f := ep.features(obs)
			require.Len(t, f, len(obs.TargetConfigs)*NumFeatures)
			for i, v := range f {
				require.False(t, math.IsNaN(v) || math.IsInf(v, 0), "%s step %d: feature %s of candidate %d is %g", task, step, featureNames[i%NumFeatures], i/NumFeatures, v)
			}
			r, err := e.Step(research.Action{Config: obs.TargetConfigs[step]})
			require.NoError(t, err)
			obs = r.Obs
		}
		e.Close()
	}
}

func TestFitLawRecoversALinearLaw(t *testing.T) {
	// optimum = 0.2 + 0.1·log10 N − 0.05·log10 D, in one coordinate
	var ctx []contextExp
	for _, nd := range [][2]float64{{8, 9}, {8, 10}, {9, 10}, {9, 11}, {10, 11}} {
		ctx = append(ctx, contextExp{fid: nd[:], opt: []float64{0.2 + 0.1*(nd[0]-8) - 0.05*(nd[1]-9)}})
	}
	pred, residual := fitLaw(ctx, []float64{11, 12}, 1)
	// the ridge shrinks the slopes a little
	assert.InDelta(t, 0.2+0.3-0.15, pred[0], 0.03)
	assert.Less(t, residual, 0.01)

	one, _ := fitLaw(ctx[:1], []float64{11, 12}, 1)
	assert.Equal(t, ctx[0].opt, one, "one lower fidelity: its optimum")
	none, _ := fitLaw(nil, []float64{11, 12}, 1)
	assert.Equal(t, []float64{0.5}, none)
}

func TestPercentiles(t *testing.T) {
	assert.Equal(t, []float64{0.5, 0, 1, 0.5}, percentiles([]float64{2, 1, 3, 2})[:4])
}

func TestFileRoundTrip(t *testing.T) {
	a := trainTiny(t, "mixture", 2)
	var buf bytes.Buffer
	_, err := a.WriteTo(&buf)
	require.NoError(t, err)
	b, err := Read(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	assert.Equal(t, a.task, b.task)
	assert.Equal(t, a.net.Params(), b.net.Params())
	assert.Equal(t, a.std, b.std)
	assert.JSONEq(t, string(a.Info()), string(b.Info()))

	path := t.TempDir() + "/mixture.gymagent"
	require.NoError(t, a.WriteFile(path))
	c, err := ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, a.net.Params(), c.net.Params())

	data := buf.Bytes()
	flipped := bytes.Clone(data)
	flipped[len(flipped)/2] ^= 1
	_, err = Read(bytes.NewReader(flipped))
	require.Error(t, err, "a flipped bit fails the checksum")

	_, err = Read(bytes.NewReader(data[:len(data)/3]))
	require.Error(t, err)

	var other nn.Checkpoint
	other.Meta = []byte(`{"format":"something else","version":1}`)
	other.PutVector("x", []float64{1})
	var ob bytes.Buffer
	_, err = other.WriteTo(&ob)
	require.NoError(t, err)
	_, err = Read(&ob)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not an agent")
}

func TestPolicyPlaysAndRefusesOtherTasks(t *testing.T) {
	a := trainTiny(t, "pretrain", 2)
	tb, err := research.DefaultTable("pretrain")
	require.NoError(t, err)
	e, err := research.New(tb, research.Options{Split: research.Test})
	require.NoError(t, err)
	defer e.Close()
	pol := a.NewPolicy()
	obs, _, err := e.Reset(env.SeedOf(1), nil)
	require.NoError(t, err)
	require.NoError(t, pol.Reset(obs, rand.New(rand.NewPCG(1, 1))))
	seen := map[int]bool{}
	for range 5 {
		act, err := pol.Act(obs)
		require.NoError(t, err)
		r, err := e.Step(act)
		require.NoError(t, err)
		last := r.Obs.History[len(r.Obs.History)-1]
		assert.False(t, seen[last.Candidate], "the agent never repeats a config")
		seen[last.Candidate] = true
		obs = r.Obs
	}
	assert.LessOrEqual(t, e.Regret(), 1.0)

	mt, err := research.DefaultTable("mixture")
	require.NoError(t, err)
	me, err := research.New(mt, research.Options{Split: research.Test})
	require.NoError(t, err)
	defer me.Close()
	mobs, _, err := me.Reset(env.SeedOf(1), nil)
	require.NoError(t, err)
	err = pol.Reset(mobs, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `trained on task "pretrain"`)

	set, err := NewSet(a)
	require.NoError(t, err)
	err = set.NewPolicy().Reset(mobs, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `no agent for task "mixture"`)
	_, err = NewSet(a, a)
	require.Error(t, err)
}

func TestTrainConfigValidate(t *testing.T) {
	require.NoError(t, DefaultTrainConfig().Validate())
	c := DefaultTrainConfig()
	c.Worlds, c.Explore, c.Hidden, c.LR = 0, 2, nil, 0
	err := c.Validate()
	require.Error(t, err)
	for _, f := range []string{"Worlds", "Explore", "Hidden", "LR"} {
		assert.Contains(t, err.Error(), f)
	}
}

func TestFineTuneIsDeterministic(t *testing.T) {
	p, err := prior.New("pretrain")
	require.NoError(t, err)
	tune := func(workers int) *Agent {
		a := trainTiny(t, "pretrain", 2)
		cfg := DefaultGRPOConfig()
		cfg.Worlds, cfg.Group, cfg.WorldsPerUpdate, cfg.Workers = 4, 3, 2, workers
		reports, err := FineTune(context.Background(), p, a, cfg, nil)
		require.NoError(t, err)
		require.Len(t, reports, 2)
		for _, r := range reports {
			assert.Positive(t, r.Episodes)
			assert.False(t, math.IsNaN(r.Return) || math.IsNaN(r.GradNorm))
		}
		return a
	}
	a, b := tune(1), tune(3)
	assert.Equal(t, a.net.Params(), b.net.Params())
	before := trainTiny(t, "pretrain", 2)
	assert.NotEqual(t, before.net.Params(), a.net.Params(), "GRPO moved the network")

	m, err := prior.New("mixture")
	require.NoError(t, err)
	_, err = FineTune(context.Background(), m, a, DefaultGRPOConfig(), nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"pretrain" on the "mixture" prior`)
}

func TestRecipe(t *testing.T) {
	r := Recipe{Distil: tinyConfig(), GRPO: DefaultGRPOConfig()}
	r.Distil.Rounds, r.Distil.Epochs = 1, 0 // RL alone
	r.GRPO.Worlds, r.GRPO.Group, r.GRPO.WorldsPerUpdate = 2, 2, 2
	p, err := prior.New("arch")
	require.NoError(t, err)
	a, log, err := r.Train(context.Background(), p, nil)
	require.NoError(t, err)
	assert.Contains(t, string(a.Info()), `"recipe"`)
	assert.Len(t, log.Rounds, 1)
	assert.Len(t, log.Updates, 1)

	r.Distil.Rounds = 2
	require.Error(t, r.Validate(), "no fitting is only for a single round")
	r.Distil.Rounds, r.GRPO.Worlds, r.GRPO.Group = 1, 0, 0
	require.NoError(t, r.Validate(), "a GRPO stage of 0 worlds is skipped")
	r.GRPO.Worlds = 3
	require.Error(t, r.Validate())
}

func TestPretrainedAgents(t *testing.T) {
	set, err := PretrainedSet()
	require.NoError(t, err)
	for _, task := range PretrainedTasks() {
		a, ok := set.Agent(task)
		require.True(t, ok)
		assert.Equal(t, task, a.Task())
		_, err := PretrainedRecipe(task)
		require.NoError(t, err)
	}
	_, err = Pretrained("poetry")
	require.Error(t, err)
}

// TestFeaturesOnAnyTable computes the features on a table of a task no
// prior knows, with integer, categorical and log knobs, a levelled
// fidelity and a context of one experiment: they stay finite.
func TestFeaturesOnAnyTable(t *testing.T) {
	space := spaces.MustConfigSpace(
		spaces.LogDim("lr", 1e-4, 1e-1),
		spaces.IntDim("layers", 2, 24),
		spaces.CategoricalDim("opt", "adam", "sgd"),
	)
	md := tasks.Meta{
		Task: "custom", Space: space,
		Fidelity: []tasks.FidelityColumn{{Name: "size", Levels: []string{"small", "large"}}, {Name: "tokens"}},
		Metrics:  []string{"loss"}, Objective: "loss", Direction: tasks.Minimize, Provenance: tasks.Synthetic,
	}
	b, err := tasks.NewBuilder(md)
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(5, 5))
	for _, size := range []string{"small", "large"} {
		for i := range 30 {
			lr := math.Exp(math.Log(1e-4) + rng.Float64()*math.Log(1e3))
			b.Add(tasks.Row{
				Experiment: "custom/" + size,
				Fidelity:   map[string]any{"size": size, "tokens": 1e9},
				Config:     spaces.Config{"lr": lr, "layers": 2 + i%20, "opt": []string{"adam", "sgd"}[i%2]},
				Metrics:    map[string]float64{"loss": 3 + math.Pow(math.Log10(lr)+2.5, 2) + rng.Float64()*0.1},
			})
		}
	}
	tb, err := b.Build()
	require.NoError(t, err)
	defer tb.Release()
	e, err := research.New(tb, research.Options{Split: research.Test})
	require.NoError(t, err)
	defer e.Close()
	obs, _, err := e.Reset(env.SeedOf(1), nil)
	require.NoError(t, err)
	ep, err := newEpisode(obs)
	require.NoError(t, err)
	for range 3 {
		for i, v := range ep.features(obs) {
			require.False(t, math.IsNaN(v) || math.IsInf(v, 0), "feature %s of candidate %d is %g", featureNames[i%NumFeatures], i/NumFeatures, v)
		}
		r, err := e.Step(research.Action{Config: obs.TargetConfigs[rng.IntN(len(obs.TargetConfigs))]})
		require.NoError(t, err)
		obs = r.Obs
	}
}

// TestConfigKeyIsNineDigits checks that configKey writes each value as
// fmt's "%.9g," does, the key format the agent has always used, over
// special values and many random ones.
func TestConfigKeyIsNineDigits(t *testing.T) {
	vals := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(), 1e-320, math.MaxFloat64, 0.1, 123456789.5}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		vals = append(vals, r.NormFloat64()*math.Pow(10, float64(r.IntN(40)-20)), math.Float64frombits(r.Uint64()))
	}
	for i := 0; i+3 <= len(vals); i += 3 {
		x := vals[i : i+3]
		want := fmt.Sprintf("%.9g,%.9g,%.9g,", x[0], x[1], x[2])
		require.Equal(t, want, configKey(x))
	}
}
