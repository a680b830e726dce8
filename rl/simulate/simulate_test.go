package simulate

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/nn"
	"github.com/autollmresearch/gym/policy"
	"github.com/autollmresearch/gym/rl"
	"github.com/autollmresearch/gym/spaces"
)

// pretrainEnv returns a builder of pretrain research envs over the
// embedded default table with the given options.
func pretrainEnv(opts env.Options) func() (*research.Env, error) {
	return func() (*research.Env, error) { return research.NewFromOptions("pretrain", opts) }
}

func simulateOracle(t testing.TB, episodes, workers int) *Trajectories {
	t.Helper()
	tr, err := Run(context.Background(), Options{
		Env: pretrainEnv(nil), Teacher: policy.NewOracle, Episodes: episodes, Seed: 3, Workers: workers,
	})
	require.NoError(t, err)
	return tr
}

func TestSimulateOracle(t *testing.T) {
	tr := simulateOracle(t, 12, 1)
	assert.Equal(t, "pretrain", tr.Task)
	assert.Equal(t, "oracle", tr.Teacher)
	assert.Equal(t, research.Extrapolate, tr.Setting)
	assert.Equal(t, 12, tr.Episodes())

	e, err := research.NewFromOptions("pretrain", nil)
	require.NoError(t, err)
	defer e.Close()
	num, err := research.NewNumeric(e)
	require.NoError(t, err)
	space := e.Table().Meta().Space
	trials := e.Options().Trials
	assert.Equal(t, num.ObservationSpace().(*spaces.Box).Dim(), tr.ObsDim)
	assert.Equal(t, space.EncodedDim(), tr.ActDim)
	require.Len(t, tr.Steps, 12*trials)

	for i, s := range tr.Steps {
		ep, k := i/trials, i%trials
		assert.Equal(t, ep, s.Episode)
		assert.Equal(t, k+1, s.Step)
		assert.Equal(t, k == trials-1, s.Done)
		require.Len(t, s.Obs, tr.ObsDim)
		require.Len(t, s.Action, tr.ActDim)
		for _, x := range s.Action {
			assert.True(t, x >= 0 && x <= 1)
		}
		require.Len(t, s.Mask, tr.MaskDim)
		assert.True(t, s.Mask[s.Candidate], "the run config was allowed")
		assert.Contains(t, e.Targets(), s.Target)
		cfg, err := space.ParseJSON([]byte(s.Config))
		require.NoError(t, err, s.Config)

		if k == 0 {
			// The oracle is right the first time: its first trial is the
			// target's best config.
			assert.Zero(t, s.Regret, "episode %d", ep)
			_, _, err := e.Reset(env.SeedOf(rl.SubSeed(3, ep)), nil)
			require.NoError(t, err)
			best, bestCfg, err := e.Oracle()
			require.NoError(t, err)
			assert.Equal(t, best, s.Candidate)
			assert.True(t, space.Equal(bestCfg, cfg))
			assert.InDelta(t, 1, s.Reward, 1e-12)
			// The observation is what the numeric view shows at reset.
			obs, _, err := num.Reset(env.SeedOf(rl.SubSeed(3, ep)), nil)
			require.NoError(t, err)
			assert.Equal(t, obs, s.Obs)
		} else {
			prev := tr.Steps[i-1]
			assert.Equal(t, 0.0, s.Reward)
			assert.NotEqual(t, prev.Candidate, s.Candidate, "the next best config")
			assert.False(t, s.Mask[prev.Candidate], "the mask excludes configs already run")
		}
	}

	// Parallel workers record the same trajectories.
	assert.Equal(t, tr, simulateOracle(t, 12, 3))
}

func TestSimulateBaselineTeachers(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    policy.Factory
	}{
		{"random", func() policy.Policy { return policy.NewRandom() }},
		{"transfer", func() policy.Policy { return policy.NewTransfer() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Run(context.Background(), Options{
				Env: pretrainEnv(nil), Teacher: FactoryTeacher(tc.f), Episodes: 8, Seed: 1, Workers: 2,
			})
			require.NoError(t, err)
			assert.Equal(t, tc.name, tr.Teacher)
			assert.Equal(t, 8, tr.Episodes())
			// Returns add up to 1 − final regret in every episode.
			ret := 0.0
			for _, s := range tr.Steps {
				ret += s.Reward
				if s.Done {
					assert.InDelta(t, 1-s.Regret, ret, 1e-9)
					ret = 0
				}
			}
		})
	}
}

func TestSimulateMultiFidelity(t *testing.T) {
	tr, err := Run(context.Background(), Options{
		Env:     pretrainEnv(env.Options{research.OptionSetting: "multi-fidelity"}),
		Teacher: FactoryTeacher(func() policy.Policy { return policy.NewRandom() }), Episodes: 3, Seed: 1,
	})
	require.NoError(t, err)
	assert.Equal(t, research.MultiFidelity, tr.Setting)
	assert.Zero(t, tr.MaskDim)
	d := tr.ActDim - 2
	for _, s := range tr.Steps {
		assert.Nil(t, s.Mask)
		if s.Candidate < 0 { // a stop
			assert.Equal(t, 1.0, s.Action[d+1])
			assert.Empty(t, s.Config)
		} else {
			assert.Less(t, s.Action[d+1], 0.5)
		}
	}
	_, err = tr.ToDataset(rl.DiscreteActions)
	assert.ErrorContains(t, err, "discrete actions need the extrapolate setting")
	ds, err := tr.ToDataset(rl.BoxActions)
	require.NoError(t, err)
	assert.Equal(t, len(tr.Steps), ds.Len())
}

func TestSimulateErrors(t *testing.T) {
	ctx := context.Background()
	oracle := Teacher(policy.NewOracle)
	cases := []struct {
		name string
		opts Options
		want string
	}{
		{"no env", Options{Teacher: oracle, Episodes: 1}, "Options.Env is nil"},
		{"no teacher", Options{Env: pretrainEnv(nil), Episodes: 1}, "Options.Teacher is nil"},
		{"episodes", Options{Env: pretrainEnv(nil), Teacher: oracle}, "Episodes is 0, want at least 1"},
		{"workers", Options{Env: pretrainEnv(nil), Teacher: oracle, Episodes: 1, Workers: -1}, "Workers is -1"},
		{"test split", Options{Env: pretrainEnv(env.Options{research.OptionSplit: "test"}), Teacher: oracle, Episodes: 1},
			"the env's split is test; trajectories are recorded on the train split only"},
		{"env error", Options{Env: func() (*research.Env, error) { return nil, errors.New("no table") }, Teacher: oracle, Episodes: 1},
			"building the env of worker 0: no table"},
		{"nil env", Options{Env: func() (*research.Env, error) { return nil, nil }, Teacher: oracle, Episodes: 1},
			"returned a nil env"},
		{"teacher error", Options{Env: pretrainEnv(nil), Episodes: 1,
			Teacher: func(*research.Env) (policy.Policy, error) { return nil, errors.New("no model") }},
			"building the teacher of worker 0: no model"},
		{"nil factory", Options{Env: pretrainEnv(nil), Teacher: FactoryTeacher(nil), Episodes: 1}, "the factory is nil"},
		{"bad action", Options{Env: pretrainEnv(nil), Episodes: 2,
			Teacher: FactoryTeacher(func() policy.Policy { return badPolicy{} })},
			"simulate: episode 0: teacher bad: step 1: the config"},
		{"learner error", Options{Env: pretrainEnv(nil), Teacher: oracle, Episodes: 1,
			Learner: func(*research.Env) (policy.Policy, error) { return nil, errors.New("no weights") }},
			"building the learner of worker 0: no weights"},
		{"nil learner", Options{Env: pretrainEnv(nil), Teacher: oracle, Episodes: 1,
			Learner: func(*research.Env) (policy.Policy, error) { return nil, nil }},
			"the learner of worker 0 is nil"},
		{"bad learner action", Options{Env: pretrainEnv(nil), Teacher: oracle, Episodes: 1,
			Learner: FactoryTeacher(func() policy.Policy { return badPolicy{} })},
			"simulate: episode 0: learner bad: step 1: the config"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Run(ctx, tc.opts)
			assert.ErrorContains(t, err, tc.want)
		})
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err := Run(cancelled, Options{Env: pretrainEnv(nil), Teacher: oracle, Episodes: 3})
	assert.ErrorIs(t, err, context.Canceled)

	o, err := policy.NewOracle(nil)
	assert.ErrorContains(t, err, "the env is nil")
	assert.Nil(t, o)
}

// badPolicy proposes a config with an unknown knob.
type badPolicy struct{}

func (badPolicy) Name() string                                  { return "bad" }
func (badPolicy) Reset(*research.Observation, *rand.Rand) error { return nil }
func (badPolicy) Act(*research.Observation) (research.Action, error) {
	return research.Action{Config: spaces.Config{"nope": 1.0}}, nil
}

func TestTrajectoriesParquetRoundTrip(t *testing.T) {
	tr := simulateOracle(t, 5, 2)
	var buf bytes.Buffer
	require.NoError(t, tr.WriteParquet(&buf))
	got, err := ReadParquet(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	assert.Equal(t, tr, got)

	mf, err := Run(context.Background(), Options{
		Env:     pretrainEnv(env.Options{research.OptionSetting: "multi-fidelity"}),
		Teacher: FactoryTeacher(func() policy.Policy { return policy.NewRandom() }), Episodes: 2, Seed: 1,
	})
	require.NoError(t, err)
	buf.Reset()
	require.NoError(t, mf.WriteParquet(&buf))
	got, err = ReadParquet(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	assert.Equal(t, mf, got)

	// A truncated file is an error, not a panic.
	buf.Reset()
	require.NoError(t, tr.WriteParquet(&buf))
	_, err = ReadParquet(bytes.NewReader(buf.Bytes()[:buf.Len()/2]))
	assert.Error(t, err)
}

// writeParquet writes one record batch of the given columns.
func writeParquet(t *testing.T, md map[string]string, fields []arrow.Field, cols []arrow.Array) *bytes.Reader {
	t.Helper()
	meta := arrow.MetadataFrom(md)
	schema := arrow.NewSchema(fields, &meta)
	rec := array.NewRecordBatch(schema, cols, int64(cols[0].Len()))
	defer rec.Release()
	var buf bytes.Buffer
	fw, err := pqarrow.NewFileWriter(schema, struct{ io.Writer }{&buf}, nil, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	require.NoError(t, err)
	require.NoError(t, fw.Write(rec))
	require.NoError(t, fw.Close())
	return bytes.NewReader(buf.Bytes())
}

func TestReadTrajectoriesParquetErrors(t *testing.T) {
	mem := memory.DefaultAllocator
	good := map[string]string{
		metaFormat: trajFormat, metaTask: "pretrain", metaTeacher: "oracle", metaSetting: "extrapolate",
		metaObsDim: "2", metaActDim: "1", metaMaskDim: "0",
	}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for key, val := range good {
			m[key] = val
		}
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	ints := func(vals ...int64) arrow.Array {
		b := array.NewInt64Builder(mem)
		defer b.Release()
		b.AppendValues(vals, nil)
		return b.NewArray()
	}
	floatCol := func(vals ...float64) arrow.Array {
		b := array.NewFloat64Builder(mem)
		defer b.Release()
		b.AppendValues(vals, nil)
		return b.NewArray()
	}
	one := []arrow.Field{{Name: colEpisode, Type: arrow.PrimitiveTypes.Int64}}
	cases := []struct {
		name   string
		md     map[string]string
		fields []arrow.Field
		cols   []arrow.Array
		want   string
	}{
		{"format", with(metaFormat, "9"), one, []arrow.Array{ints(1)}, `format "9", want "1"`},
		{"no task", with(metaTask, ""), one, []arrow.Array{ints(1)}, `missing metadata key "gym.trajectories.task"`},
		{"setting", with(metaSetting, "sideways"), one, []arrow.Array{ints(1)}, `unknown setting "sideways"`},
		{"obs dim", with(metaObsDim, "zero"), one, []arrow.Array{ints(1)}, `metadata "gym.trajectories.obs_dim" is "zero", want an integer >= 1`},
		{"missing column", good, one, []arrow.Array{ints(1)}, `missing column "step" (want int64)`},
		{"wrong type", good, []arrow.Field{{Name: colEpisode, Type: arrow.PrimitiveTypes.Float64}}, []arrow.Array{floatCol(1)},
			`column "episode" is float64, want int64`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadParquet(writeParquet(t, tc.md, tc.fields, tc.cols))
			assert.ErrorContains(t, err, tc.want)
		})
	}

	// A list of the wrong length is named by row and column.
	tr := &Trajectories{Task: "pretrain", Teacher: "oracle", Setting: research.Extrapolate, ObsDim: 2, ActDim: 1,
		Steps: []Step{
			{Obs: []float64{0, 1}, Action: []float64{0.5}},
			{Obs: []float64{0, 1, 2}, Action: []float64{0.5}},
		}}
	var buf bytes.Buffer
	require.NoError(t, tr.WriteParquet(&buf))
	_, err := ReadParquet(bytes.NewReader(buf.Bytes()))
	assert.ErrorContains(t, err, `row 1: column "observation" has 3 values, want 2`)

	tr.Steps = tr.Steps[:1]
	tr.Steps[0].Reward = math.NaN()
	buf.Reset()
	require.NoError(t, tr.WriteParquet(&buf))
	_, err = ReadParquet(bytes.NewReader(buf.Bytes()))
	assert.ErrorContains(t, err, `row 0: column "reward" is NaN, want a finite number`)
}

// TestDistilOracle clones the oracle's first choice from its
// trajectories: the cloned policy's loss falls and its held-out accuracy
// beats a uniform guess among the allowed configs.
func TestDistilOracle(t *testing.T) {
	tr := simulateOracle(t, 200, 2)
	data, err := tr.ToDataset(rl.DiscreteActions)
	require.NoError(t, err)
	assert.Equal(t, len(tr.Steps), data.Len())
	assert.Equal(t, tr.MaskDim, data.MaskDim)
	actor := newTestActor(t, tr.ObsDim, 64, 64, tr.MaskDim)
	cfg := rl.DefaultBCConfig()
	cfg.Epochs = 15
	cfg.LR = 3e-3
	st, err := rl.TrainBC(actor, rl.DiscreteActions, data, cfg)
	require.NoError(t, err)
	t.Logf("train loss %.3f -> %.3f, val loss %.3f -> %.3f, val accuracy %.3f -> %.3f",
		st.TrainLoss[0], st.TrainLoss[cfg.Epochs-1], st.ValLoss[0], st.ValLoss[cfg.Epochs-1], st.ValAccuracy[0], st.ValAccuracy[cfg.Epochs-1])
	assert.Less(t, st.TrainLoss[cfg.Epochs-1], st.TrainLoss[0]/2)
	assert.Less(t, st.ValLoss[cfg.Epochs-1], st.ValLoss[0])

	// Box actions: the config encodings themselves.
	box, err := tr.ToDataset(rl.BoxActions)
	require.NoError(t, err)
	assert.Equal(t, tr.ActDim, box.ActDim)
	_, err = tr.ToDataset(rl.ActionKind(0))
	assert.ErrorContains(t, err, "want rl.DiscreteActions or rl.BoxActions")
}

// newTestActor returns a policy network with the given layer sizes.
func newTestActor(t testing.TB, sizes ...int) *nn.MLP {
	t.Helper()
	m, err := nn.NewMLP(nn.MLPConfig{Sizes: sizes, OutputGain: 0.01}, rand.New(rand.NewPCG(5, 5)))
	require.NoError(t, err)
	return m
}

// BenchmarkSimulate measures recording 100 oracle episodes of the
// pretrain env (5 steps each) on one worker, and reports steps per
// second.
func BenchmarkSimulate(b *testing.B) {
	opts := Options{Env: pretrainEnv(nil), Teacher: policy.NewOracle, Episodes: 100, Seed: 1}
	b.ReportAllocs()
	steps := 0
	for b.Loop() {
		tr, err := Run(context.Background(), opts)
		if err != nil {
			b.Fatal(err)
		}
		steps += len(tr.Steps)
	}
	b.ReportMetric(float64(steps)/b.Elapsed().Seconds(), "steps/s")
}

// TestSimulateDAgger lets random search drive the episodes while the
// oracle labels them: every recorded action is the best target config the
// learner has not run yet, and the runs are the learner's.
func TestSimulateDAgger(t *testing.T) {
	opts := Options{
		Env: pretrainEnv(nil), Teacher: policy.NewOracle, Learner: FactoryTeacher(func() policy.Policy { return policy.NewRandom() }),
		Episodes: 8, Seed: 5, Workers: 2,
	}
	tr, err := Run(context.Background(), opts)
	require.NoError(t, err)
	require.NotEmpty(t, tr.Steps)

	e, err := research.NewFromOptions("pretrain", nil)
	require.NoError(t, err)
	defer e.Close()
	space := e.Table().Meta().Space
	point := make([]float64, space.EncodedDim())
	differ := 0
	var ran []int
	for _, s := range tr.Steps {
		if s.Step == 1 {
			_, _, err := e.Reset(env.SeedOf(rl.SubSeed(opts.Seed, s.Episode)), nil)
			require.NoError(t, err)
			ran = ran[:0]
		}
		// The label: the lowest-regret candidate not in ran.
		want, wantReg := -1, math.Inf(1)
		obs, _, err := e.Reset(env.SeedOf(rl.SubSeed(opts.Seed, s.Episode)), nil)
		require.NoError(t, err)
		for j := range obs.TargetConfigs {
			r, err := e.TargetRegret(j)
			require.NoError(t, err)
			if !slices.Contains(ran, j) && r < wantReg {
				want, wantReg = j, r
			}
		}
		require.NoError(t, space.Encode(obs.TargetConfigs[want], point))
		assert.InDeltaSlice(t, point, s.Action, 1e-12, "episode %d step %d: the label is the best untried config", s.Episode, s.Step)
		if s.Candidate != want {
			differ++
		}
		ran = append(ran, s.Candidate)
	}
	assert.Positive(t, differ, "random search runs other configs than the oracle's")
	assert.Equal(t, tr, func() *Trajectories {
		opts.Workers = 1
		again, err := Run(context.Background(), opts)
		require.NoError(t, err)
		return again
	}(), "the same seed gives the same trajectories whatever the workers")
}
