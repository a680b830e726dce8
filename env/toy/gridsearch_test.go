package toy_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/toy"
)

func newGrid(t testing.TB, cfg toy.Config) *toy.GridSearch {
	t.Helper()
	g, err := toy.New(cfg)
	require.NoError(t, err)
	return g
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*toy.Config)
		want []string // substrings of the error; none means valid
	}{
		{"default", func(*toy.Config) {}, nil},
		{"one dim", func(c *toy.Config) { c.Dims = 1 }, nil},
		{"zero noise", func(c *toy.Config) { c.Noise = 0 }, nil},
		{"zero dims", func(c *toy.Config) { c.Dims = 0 }, []string{"Dims is 0"}},
		{"one point", func(c *toy.Config) { c.Points = 1 }, []string{"Points is 1"}},
		{"zero budget", func(c *toy.Config) { c.Budget = 0 }, []string{"Budget is 0"}},
		{"negative noise", func(c *toy.Config) { c.Noise = -1 }, []string{"Noise is -1"}},
		{"NaN noise", func(c *toy.Config) { c.Noise = math.NaN() }, []string{"Noise is NaN"}},
		{"infinite noise", func(c *toy.Config) { c.Noise = math.Inf(1) }, []string{"Noise is +Inf"}},
		{"grid too large", func(c *toy.Config) { c.Dims, c.Points = 31, 2 }, []string{"2^31", "larger than"}},
		{"several faults", func(c *toy.Config) { c.Dims, c.Budget = -1, -2 }, []string{"Dims is -1", "Budget is -2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := toy.DefaultConfig()
			tt.edit(&cfg)
			g, err := toy.New(cfg)
			if tt.want == nil {
				require.NoError(t, err)
				assert.Equal(t, cfg, g.Config())
				return
			}
			require.Error(t, err)
			assert.Nil(t, g)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestNewFromOptions(t *testing.T) {
	tests := []struct {
		name    string
		opts    env.Options
		want    toy.Config
		wantErr []string
	}{
		{name: "nil gives defaults", opts: nil, want: toy.DefaultConfig()},
		{
			name: "Go types",
			opts: env.Options{"dims": 3, "points": int64(4), "budget": uint8(7), "noise": float32(0.5)},
			want: toy.Config{Dims: 3, Points: 4, Budget: 7, Noise: 0.5},
		},
		{
			name: "JSON numbers",
			opts: env.Options{"dims": 1.0, "points": 5.0, "budget": 20.0, "noise": 0.0},
			want: toy.Config{Dims: 1, Points: 5, Budget: 20, Noise: 0},
		},
		{name: "integer noise", opts: env.Options{"noise": 1}, want: toy.Config{Dims: 2, Points: 8, Budget: 10, Noise: 1}},
		{name: "unknown key", opts: env.Options{"dim": 2}, wantErr: []string{`unknown option "dim"`, "dims"}},
		{name: "string value", opts: env.Options{"budget": "10"}, wantErr: []string{`"budget"`, "string", "want an integer"}},
		{name: "fractional integer", opts: env.Options{"points": 2.5}, wantErr: []string{`"points"`, "2.5", "want an integer"}},
		{name: "bool noise", opts: env.Options{"noise": true}, wantErr: []string{`"noise"`, "bool", "want a number"}},
		{name: "huge value", opts: env.Options{"dims": uint64(1) << 40}, wantErr: []string{`"dims"`, "too large"}},
		{name: "out of range", opts: env.Options{"points": 1}, wantErr: []string{"Points is 1"}},
		{
			name:    "every fault reported",
			opts:    env.Options{"budget": "x", "zzz": 1, "dims": 0.5},
			wantErr: []string{`"budget"`, `"zzz"`, `"dims"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := toy.NewFromOptions(tt.opts)
			if tt.wantErr != nil {
				require.Error(t, err)
				for _, w := range tt.wantErr {
					assert.Contains(t, err.Error(), w)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, g.Config())
		})
	}
}

func TestSpaces(t *testing.T) {
	g := newGrid(t, toy.Config{Dims: 3, Points: 4, Budget: 5, Noise: 0.1})
	assert.Equal(t, "Discrete(64)", g.ActionSpace().String())
	obs, _, err := g.Reset(env.SeedOf(1), nil)
	require.NoError(t, err)
	assert.Len(t, obs, 2*3+3)
	assert.True(t, g.ObservationSpace().Contains(obs))

	r := rand.New(rand.NewPCG(1, 2))
	for range 5 {
		res, err := g.Step(g.ActionSpace().Sample(r))
		require.NoError(t, err)
		assert.True(t, g.ObservationSpace().Contains(res.Obs), "obs %v", res.Obs)
	}
}

func TestObservationLayout(t *testing.T) {
	// Noise-free, 2 dims, 3 points per dim: coordinates 0, 0.5, 1.
	g := newGrid(t, toy.Config{Dims: 2, Points: 3, Budget: 3, Noise: 0})
	centre := []float64{0.5, 1}
	obs, info, err := g.Reset(env.NoSeed, env.Options{toy.ResetOptionCentre: centre})
	require.NoError(t, err)
	assert.Equal(t, []float64{0, 0, 0, 0, 0, 0, 1}, obs)
	assertNum(t, info, "regret", 1)
	assertNum(t, info, "step", 0)
	assert.Equal(t, centre, g.Centre())

	// f_min = 0 at (0.5, 1); f_max = 0.25 + 1 = 1.25 at (0, 0) or (1, 0).
	// Action 1 is row 0, column 1: the point (0, 0.5), f = 0.25 + 0.25.
	res, err := g.Step(1)
	require.NoError(t, err)
	assert.Equal(t, []float64{0, 0.5, 0.5, 0.5, 0, 0.5, 2.0 / 3}, res.Obs)
	assert.InDelta(t, 1-0.5/1.25, res.Reward, 1e-15)
	assertNum(t, res.Info, "regret", 0.4)
	assertNum(t, res.Info, "step", 1)
	assert.False(t, res.Terminated)

	// Action 6 is (1, 0), the worst point: no improvement, best kept.
	res, err = g.Step(6)
	require.NoError(t, err)
	assert.Equal(t, []float64{1, 0, 1.25, 0.5, 0, 0.5, 1.0 / 3}, res.Obs)
	assert.Zero(t, res.Reward)
	assertNum(t, res.Info, "regret", 0.4)

	// Action 5 is (0.5, 1), the optimum: regret 0, episode over.
	res, err = g.Step(5)
	require.NoError(t, err)
	assert.Equal(t, []float64{0.5, 1, 0, 0, 0.5, 1, 0}, res.Obs)
	assert.InDelta(t, 0.4, res.Reward, 1e-15)
	assertNum(t, res.Info, "regret", 0)
	assertNum(t, res.Info, "step", 3)
	assert.True(t, res.Terminated)
	assert.False(t, res.Truncated)
}

func assertNum(t *testing.T, info env.Info, key string, want float64) {
	t.Helper()
	got, ok := info.Num(key)
	require.True(t, ok, "info has no %q", key)
	assert.InDelta(t, want, got, 1e-12, "info %q", key)
}

func TestRegret(t *testing.T) {
	g := newGrid(t, toy.Config{Dims: 2, Points: 5, Budget: 4, Noise: 0.3})
	_, err := g.Regret(0)
	require.ErrorIs(t, err, env.ErrResetNeeded)

	_, _, err = g.Reset(env.SeedOf(3), nil)
	require.NoError(t, err)
	lo, hi := math.Inf(1), math.Inf(-1)
	for a := range 25 {
		r, err := g.Regret(a)
		require.NoError(t, err)
		lo, hi = min(lo, r), max(hi, r)
	}
	assert.Equal(t, 0.0, lo, "the best grid point has regret 0")
	assert.Equal(t, 1.0, hi, "the worst grid point has regret 1")

	// Regret is what a step reports when it improves on the start.
	want, err := g.Regret(7)
	require.NoError(t, err)
	res, err := g.Step(7)
	require.NoError(t, err)
	assertNum(t, res.Info, "regret", want)
	assert.InDelta(t, 1-want, res.Reward, 1e-15)

	_, err = g.Regret(25)
	assert.ErrorContains(t, err, "action 25")
}

// episode runs one episode with actions drawn from r and returns its
// observations (copied), rewards and the final info regret.
func episode(t *testing.T, g *toy.GridSearch, seed env.Seed, r *rand.Rand) (obs [][]float64, rewards []float64, regret float64) {
	t.Helper()
	o, _, err := g.Reset(seed, nil)
	require.NoError(t, err)
	obs = append(obs, append([]float64(nil), o...))
	for {
		res, err := g.Step(g.ActionSpace().Sample(r))
		require.NoError(t, err)
		obs = append(obs, append([]float64(nil), res.Obs...))
		rewards = append(rewards, res.Reward)
		if res.Done() {
			regret, _ = res.Info.Num("regret")
			return obs, rewards, regret
		}
	}
}

func TestDeterminism(t *testing.T) {
	cfg := toy.DefaultConfig()
	a, b := newGrid(t, cfg), newGrid(t, cfg)

	obsA, rewA, _ := episode(t, a, env.SeedOf(42), rand.New(rand.NewPCG(1, 1)))
	obsB, rewB, _ := episode(t, b, env.SeedOf(42), rand.New(rand.NewPCG(1, 1)))
	assert.Equal(t, obsA, obsB, "same seed, same actions: same observations")
	assert.Equal(t, rewA, rewB)

	// NoSeed continues the stream: the next episodes agree with each other
	// but differ from the first.
	obsA2, _, _ := episode(t, a, env.NoSeed, rand.New(rand.NewPCG(1, 1)))
	obsB2, _, _ := episode(t, b, env.NoSeed, rand.New(rand.NewPCG(1, 1)))
	assert.Equal(t, obsA2, obsB2)
	assert.NotEqual(t, obsA, obsA2)

	// A different seed gives a different episode.
	obsC, _, _ := episode(t, b, env.SeedOf(43), rand.New(rand.NewPCG(1, 1)))
	assert.NotEqual(t, obsA, obsC)

	// Re-seeding with the first seed replays the first episode.
	obsD, _, _ := episode(t, b, env.SeedOf(42), rand.New(rand.NewPCG(1, 1)))
	assert.Equal(t, obsA, obsD)

	// A never-seeded env behaves as if seeded with 0.
	c, d := newGrid(t, cfg), newGrid(t, cfg)
	obsC0, _, _ := episode(t, c, env.NoSeed, rand.New(rand.NewPCG(5, 5)))
	obsD0, _, _ := episode(t, d, env.SeedOf(0), rand.New(rand.NewPCG(5, 5)))
	assert.Equal(t, obsC0, obsD0)
}

func TestReturnIsOneMinusFinalRegret(t *testing.T) {
	for _, cfg := range []toy.Config{
		toy.DefaultConfig(),
		{Dims: 1, Points: 2, Budget: 1, Noise: 0},
		{Dims: 4, Points: 5, Budget: 30, Noise: 1},
	} {
		g := newGrid(t, cfg)
		r := rand.New(rand.NewPCG(7, 7))
		for ep := range 50 {
			obs, rewards, regret := episode(t, g, env.SeedOf(uint64(ep)), r)
			assert.Len(t, rewards, cfg.Budget, "every episode lasts the budget")
			assert.Len(t, obs, cfg.Budget+1)
			sum := 0.0
			for _, rw := range rewards {
				assert.GreaterOrEqual(t, rw, 0.0)
				sum += rw
			}
			assert.InDelta(t, 1-regret, sum, 1e-12, "config %+v episode %d", cfg, ep)
			assert.GreaterOrEqual(t, regret, 0.0)
			assert.LessOrEqual(t, regret, 1.0)
		}
	}
}

func TestStepErrors(t *testing.T) {
	g := newGrid(t, toy.Config{Dims: 1, Points: 4, Budget: 1, Noise: 0})
	_, err := g.Step(0)
	require.ErrorIs(t, err, env.ErrResetNeeded)

	_, _, err = g.Reset(env.SeedOf(1), nil)
	require.NoError(t, err)
	for _, a := range []int{-1, 4, math.MaxInt} {
		_, err = g.Step(a)
		require.Error(t, err)
		assert.ErrorContains(t, err, "Discrete(4)")
		assert.NotErrorIs(t, err, env.ErrEpisodeEnded)
	}
	res, err := g.Step(3)
	require.NoError(t, err, "a bad action does not spend the budget")
	require.True(t, res.Terminated)

	_, err = g.Step(0)
	require.ErrorIs(t, err, env.ErrEpisodeEnded)

	require.NoError(t, g.Close())
	require.NoError(t, g.Close(), "Close is idempotent")
	_, err = g.Step(0)
	assert.ErrorIs(t, err, env.ErrClosed)
	_, _, err = g.Reset(env.SeedOf(1), nil)
	assert.ErrorIs(t, err, env.ErrClosed)
}

func TestResetOptionErrors(t *testing.T) {
	tests := []struct {
		name string
		opts env.Options
		want string
	}{
		{"unknown key", env.Options{"center": []float64{0.5, 0.5}}, `unknown Reset options ["center"]`},
		{"wrong type", env.Options{"centre": []int{0, 1}}, "[]int, want []float64"},
		{"wrong length", env.Options{"centre": []float64{0.5}}, "1 coordinates, want 2"},
		{"out of range", env.Options{"centre": []float64{0.5, 1.5}}, "coordinate 1 is 1.5"},
		{"NaN", env.Options{"centre": []float64{math.NaN(), 0}}, "coordinate 0 is NaN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGrid(t, toy.DefaultConfig())
			_, _, err := g.Reset(env.SeedOf(1), tt.opts)
			require.ErrorContains(t, err, tt.want)
			_, err = g.Step(0)
			assert.ErrorIs(t, err, env.ErrResetNeeded, "a failed Reset starts no episode")
		})
	}
}

func TestNoAllocations(t *testing.T) {
	g := newGrid(t, toy.DefaultConfig())
	_, _, err := g.Reset(env.SeedOf(1), nil)
	require.NoError(t, err)
	a := 0
	allocs := testing.AllocsPerRun(200, func() {
		res, err := g.Step(a % 64)
		if err != nil {
			t.Fatal(err)
		}
		a += 13
		if res.Done() {
			if _, _, err := g.Reset(env.NoSeed, nil); err != nil {
				t.Fatal(err)
			}
		}
	})
	assert.Zero(t, allocs, "Step and Reset must not allocate")
	allocs = testing.AllocsPerRun(50, func() {
		if _, _, err := g.Reset(env.SeedOf(9), nil); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs, "a seeded Reset must not allocate")
}
