package rl_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/toy"
	"github.com/autollmresearch/gym/nn"
	"github.com/autollmresearch/gym/rl"
)

// toyDesign is a spread of 6 points of the 8×8 toy grid.
var toyDesign = [...]int{1*8 + 1, 1*8 + 6, 6*8 + 1, 6*8 + 6, 3*8 + 3, 4*8 + 4}

// toyTeacher is a deterministic policy for the toy env: it probes the
// design points in turn, then probes the best point observed so far
// again, moved one grid step towards the grid's centre where it can.
func toyTeacher(obs []float64) int {
	step := int(math.Round((1 - obs[6]) * 10))
	if step < len(toyDesign) {
		return toyDesign[step]
	}
	i, j := int(math.Round(obs[4]*7)), int(math.Round(obs[5]*7))
	toward := func(x int) int {
		switch {
		case x < 3:
			return x + 1
		case x > 4:
			return x - 1
		}
		return x
	}
	return toward(i)*8 + toward(j)
}

// teacherDataset records the teacher's (observation, action) pairs over
// episodes of the toy env.
func teacherDataset(t testing.TB, episodes int) rl.Dataset {
	t.Helper()
	g, err := toy.New(toy.DefaultConfig())
	require.NoError(t, err)
	d := rl.Dataset{ObsDim: 7, ActDim: 1}
	for ep := range episodes {
		obs, _, err := g.Reset(env.SeedOf(uint64(ep)), nil)
		require.NoError(t, err)
		for {
			a := toyTeacher(obs)
			d.Obs = append(d.Obs, obs...)
			d.Actions = append(d.Actions, float64(a))
			res, err := g.Step(a)
			require.NoError(t, err)
			if res.Done() {
				break
			}
			obs = res.Obs
		}
	}
	return d
}

func newActor(t testing.TB, sizes ...int) *nn.MLP {
	t.Helper()
	m, err := nn.NewMLP(nn.MLPConfig{Sizes: sizes, OutputGain: 0.01}, rand.New(rand.NewPCG(5, 5)))
	require.NoError(t, err)
	return m
}

// TestBCReproducesTeacher clones the deterministic toy teacher and checks
// that the clone picks the teacher's action on held-out states and on
// fresh episodes.
func TestBCReproducesTeacher(t *testing.T) {
	data := teacherDataset(t, 300)
	actor := newActor(t, 7, 64, 64, 64)
	cfg := rl.DefaultBCConfig()
	cfg.Epochs = 30
	cfg.LR = 3e-3
	st, err := rl.TrainBC(actor, rl.DiscreteActions, data, cfg)
	require.NoError(t, err)
	t.Logf("train loss %.4f -> %.4f, val loss %.4f -> %.4f, val accuracy %.3f -> %.3f",
		st.TrainLoss[0], st.TrainLoss[cfg.Epochs-1], st.ValLoss[0], st.ValLoss[cfg.Epochs-1], st.ValAccuracy[0], st.ValAccuracy[cfg.Epochs-1])
	assert.Equal(t, 300, st.ValRows)
	assert.Equal(t, 2700, st.TrainRows)
	require.Len(t, st.TrainLoss, cfg.Epochs)
	assert.Less(t, st.TrainLoss[cfg.Epochs-1], st.TrainLoss[0]/4, "the loss decreased")
	assert.Less(t, st.ValLoss[cfg.Epochs-1], st.ValLoss[0]/4)
	assert.Greater(t, st.ValAccuracy[cfg.Epochs-1], 0.9)

	// Greedy actions of the clone match the teacher on fresh episodes.
	g, err := toy.New(toy.DefaultConfig())
	require.NoError(t, err)
	ws := actor.NewWorkspace(1)
	dist := nn.NewCategorical(64)
	agree, total := 0, 0
	for ep := range 50 {
		obs, _, err := g.Reset(env.SeedOf(uint64(100000+ep)), nil)
		require.NoError(t, err)
		for {
			out, err := actor.Forward(ws, obs)
			require.NoError(t, err)
			require.NoError(t, dist.Set(out, nil))
			a, err := dist.Mode()
			require.NoError(t, err)
			want := toyTeacher(obs)
			if a == want {
				agree++
			}
			total++
			res, err := g.Step(want)
			require.NoError(t, err)
			if res.Done() {
				break
			}
			obs = res.Obs
		}
	}
	assert.Greater(t, float64(agree)/float64(total), 0.9)
}

func TestBCBox(t *testing.T) {
	// Teacher: act at the target itself, a = c.
	rng := rand.New(rand.NewPCG(2, 2))
	d := rl.Dataset{ObsDim: 1, ActDim: 1}
	for range 1000 {
		c := rng.Float64()
		d.Obs = append(d.Obs, c)
		d.Actions = append(d.Actions, c)
	}
	actor := newActor(t, 1, 16, 1)
	cfg := rl.DefaultBCConfig()
	cfg.LR = 1e-2
	st, err := rl.TrainBC(actor, rl.BoxActions, d, cfg)
	require.NoError(t, err)
	last := cfg.Epochs - 1
	assert.Less(t, st.ValLoss[last], 1e-3)
	assert.Less(t, st.TrainLoss[last], st.TrainLoss[0])
	assert.True(t, math.IsNaN(st.ValAccuracy[last]), "no accuracy for Box actions")
	out, err := actor.Forward(actor.NewWorkspace(1), []float64{0.3})
	require.NoError(t, err)
	assert.InDelta(t, 0.3, out[0], 0.05)
}

func TestBCMasks(t *testing.T) {
	// The recorded action is always the lowest allowed one; the mask makes
	// that easy to learn from a constant observation.
	rng := rand.New(rand.NewPCG(4, 4))
	d := rl.Dataset{ObsDim: 1, ActDim: 1, MaskDim: 4}
	for range 400 {
		mask := make([]bool, 4)
		for !mask[0] && !mask[1] && !mask[2] && !mask[3] {
			for k := range mask {
				mask[k] = rng.IntN(2) == 0
			}
		}
		a := 0
		for !mask[a] {
			a++
		}
		d.Obs = append(d.Obs, 1)
		d.Actions = append(d.Actions, float64(a))
		d.Masks = append(d.Masks, mask...)
	}
	cfg := rl.DefaultBCConfig()
	cfg.LR = 1e-2
	cfg.ValFraction = 0.25
	st, err := rl.TrainBC(newActor(t, 1, 8, 4), rl.DiscreteActions, d, cfg)
	require.NoError(t, err)
	assert.Equal(t, 1.0, st.ValAccuracy[cfg.Epochs-1])
}

func TestBCDeterministic(t *testing.T) {
	data := teacherDataset(t, 20)
	cfg := rl.DefaultBCConfig()
	cfg.Epochs = 3
	a, b := newActor(t, 7, 16, 64), newActor(t, 7, 16, 64)
	sa, err := rl.TrainBC(a, rl.DiscreteActions, data, cfg)
	require.NoError(t, err)
	sb, err := rl.TrainBC(b, rl.DiscreteActions, data, cfg)
	require.NoError(t, err)
	assert.Equal(t, a.Params(), b.Params())
	assert.Equal(t, sa, sb)
	cfg.Seed = 9
	c := newActor(t, 7, 16, 64)
	_, err = rl.TrainBC(c, rl.DiscreteActions, data, cfg)
	require.NoError(t, err)
	assert.NotEqual(t, a.Params(), c.Params())

	// Without held-out rows, validation is NaN.
	cfg.ValFraction = 0
	st, err := rl.TrainBC(newActor(t, 7, 16, 64), rl.DiscreteActions, data, cfg)
	require.NoError(t, err)
	assert.Zero(t, st.ValRows)
	assert.True(t, math.IsNaN(st.ValLoss[0]))
}

func TestBCErrors(t *testing.T) {
	good := rl.Dataset{ObsDim: 2, ActDim: 1, Obs: []float64{0, 1, 1, 0}, Actions: []float64{0, 2}}
	actor := newActor(t, 2, 4, 3)
	cfg := rl.DefaultBCConfig()
	_, err := rl.TrainBC(actor, rl.DiscreteActions, good, cfg)
	require.NoError(t, err)

	cases := []struct {
		name string
		kind rl.ActionKind
		data func() rl.Dataset
		cfg  func(*rl.BCConfig)
		want string
	}{
		{"epochs", rl.DiscreteActions, func() rl.Dataset { return good }, func(c *rl.BCConfig) { c.Epochs = 0 }, "BCConfig.Epochs is 0"},
		{"batch", rl.DiscreteActions, func() rl.Dataset { return good }, func(c *rl.BCConfig) { c.BatchSize = 0 }, "BCConfig.BatchSize is 0"},
		{"lr", rl.DiscreteActions, func() rl.Dataset { return good }, func(c *rl.BCConfig) { c.LR = math.NaN() }, "BCConfig.LR is NaN"},
		{"val", rl.DiscreteActions, func() rl.Dataset { return good }, func(c *rl.BCConfig) { c.ValFraction = 1 }, "BCConfig.ValFraction is 1, want a number in [0, 1)"},
		{"weight decay", rl.DiscreteActions, func() rl.Dataset { return good }, func(c *rl.BCConfig) { c.WeightDecay = -0.1 }, "BCConfig.WeightDecay is -0.1, want a finite number >= 0"},
		{"kind", rl.ActionKind(7), func() rl.Dataset { return good }, nil, "action kind ActionKind(7)"},
		{"empty", rl.DiscreteActions, func() rl.Dataset { return rl.Dataset{ObsDim: 2, ActDim: 1} }, nil, "want a positive multiple of ObsDim 2"},
		{"obs dim", rl.DiscreteActions, func() rl.Dataset { d := good; d.ObsDim = 4; d.Actions = d.Actions[:1]; return d }, nil, "the network takes 2 inputs, the observations have 4 values"},
		{"actions", rl.DiscreteActions, func() rl.Dataset { d := good; d.Actions = d.Actions[:1]; return d }, nil, "1 action values for 2 rows, want 2"},
		{"masks", rl.DiscreteActions, func() rl.Dataset { d := good; d.MaskDim = 3; return d }, nil, "0 mask entries for 2 rows, want 6"},
		{"nan obs", rl.DiscreteActions, func() rl.Dataset { d := good; d.Obs = []float64{0, 1, math.NaN(), 0}; return d }, nil, "row 1: observation slot 0 is NaN"},
		{"range", rl.DiscreteActions, func() rl.Dataset { d := good; d.Actions = []float64{0, 3}; return d }, nil, "row 1: discrete action 3, want an integer in [0, 3)"},
		{"fraction", rl.DiscreteActions, func() rl.Dataset { d := good; d.Actions = []float64{0.5, 1}; return d }, nil, "row 0: discrete action 0.5"},
		{"masked", rl.DiscreteActions, func() rl.Dataset {
			d := good
			d.MaskDim, d.Masks = 3, []bool{true, true, true, true, true, false}
			return d
		}, nil, "row 1: action 2 is masked out"},
		{"box dims", rl.BoxActions, func() rl.Dataset { return good }, nil, "actions have 1 values, the network has 3 outputs"},
		{"box nan", rl.BoxActions, func() rl.Dataset {
			return rl.Dataset{ObsDim: 2, ActDim: 3, Obs: []float64{0, 1}, Actions: []float64{0, math.Inf(1), 0}}
		}, nil, "row 0: action coordinate 1 is +Inf"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := cfg
			if tc.cfg != nil {
				tc.cfg(&c)
			}
			_, err := rl.TrainBC(actor, tc.kind, tc.data(), c)
			assert.ErrorContains(t, err, tc.want)
		})
	}
	_, err = rl.TrainBC(nil, rl.DiscreteActions, good, cfg)
	assert.ErrorContains(t, err, "actor is nil")
	assert.Equal(t, "discrete", rl.DiscreteActions.String())
	assert.Equal(t, "box", rl.BoxActions.String())
}

// BenchmarkTrainBCEpoch measures one epoch of behaviour cloning over
// 3,000 recorded toy steps (minibatches of 64) with a 64×64 network.
func BenchmarkTrainBCEpoch(b *testing.B) {
	data := teacherDataset(b, 300)
	actor := newActor(b, 7, 64, 64, 64)
	cfg := rl.DefaultBCConfig()
	cfg.Epochs = 1
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rl.TrainBC(actor, rl.DiscreteActions, data, cfg); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*data.Len())/b.Elapsed().Seconds(), "rows/s")
}

// TestTrainBCSameWhateverGOMAXPROCS checks that behaviour cloning, which
// passes the chunks of a minibatch in parallel, gives the same network and
// statistics bit for bit on one core or several, for both action kinds.
func TestTrainBCSameWhateverGOMAXPROCS(t *testing.T) {
	discrete := teacherDataset(t, 40)
	r := rand.New(rand.NewPCG(3, 3))
	box := rl.Dataset{ObsDim: 5, ActDim: 2}
	for range 500 {
		for range 5 {
			box.Obs = append(box.Obs, r.NormFloat64())
		}
		box.Actions = append(box.Actions, r.NormFloat64(), r.NormFloat64())
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, tc := range []struct {
		name string
		kind rl.ActionKind
		data rl.Dataset
		out  int
	}{{"discrete", rl.DiscreteActions, discrete, 64}, {"box", rl.BoxActions, box, 2}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := rl.DefaultBCConfig()
			cfg.Epochs, cfg.BatchSize = 3, 100 // chunks of unequal length
			var want []float64
			var wantSt rl.BCStats
			for _, procs := range []int{1, 2, 3, 8} {
				runtime.GOMAXPROCS(procs)
				actor := newActor(t, tc.data.ObsDim, 32, 32, tc.out)
				st, err := rl.TrainBC(actor, tc.kind, tc.data, cfg)
				require.NoError(t, err)
				if want == nil {
					want, wantSt = append([]float64(nil), actor.Params()...), st
					continue
				}
				require.Equal(t, want, actor.Params(), "GOMAXPROCS %d", procs)
				require.Equal(t, fmt.Sprint(wantSt), fmt.Sprint(st), "GOMAXPROCS %d (NaN accuracies compare as text)", procs)
			}
		})
	}
}
