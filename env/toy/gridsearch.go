package toy

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/spaces"
)

// Option keys read by [NewFromOptions]; each sets the [Config] field of the
// same meaning.
const (
	// OptionDims sets Config.Dims (an integer, default 2).
	OptionDims = "dims"
	// OptionPoints sets Config.Points (an integer, default 8).
	OptionPoints = "points"
	// OptionBudget sets Config.Budget (an integer, default 10).
	OptionBudget = "budget"
	// OptionNoise sets Config.Noise (a number, default 0.05).
	OptionNoise = "noise"
)

// ResetOptionCentre is the one key [GridSearch.Reset] accepts: a []float64
// of length Config.Dims with entries in [0, 1] that fixes the hidden centre
// of the episode instead of drawing it. No random number is drawn then.
const ResetOptionCentre = "centre"

// MaxGridSize is the largest number of grid points, Points^Dims, that a
// GridSearch accepts.
const MaxGridSize = 1 << 30

// seedStream is the second PCG word; the first is the user's seed.
const seedStream = 0x6a09e667f3bcc908

// Config holds the settings of a [GridSearch].
type Config struct {
	// Dims is D, the number of coordinates of a grid point. At least 1.
	Dims int
	// Points is G, the number of grid points per coordinate, spaced
	// evenly over [0, 1] (i/(G-1) for i = 0..G-1). At least 2.
	Points int
	// Budget is the number of probes per episode. At least 1.
	Budget int
	// Noise is σ, the standard deviation of the Gaussian noise added to
	// each observed value. Finite and not negative; 0 gives exact values.
	Noise float64
}

// DefaultConfig returns the default settings: 2 dimensions, 8 points per
// dimension (64 grid points), a budget of 10 probes and noise σ = 0.05.
func DefaultConfig() Config {
	return Config{Dims: 2, Points: 8, Budget: 10, Noise: 0.05}
}

// Validate reports every setting that is out of range.
func (c Config) Validate() error {
	var errs []error
	if c.Dims < 1 {
		errs = append(errs, fmt.Errorf("toy: Dims is %d, want at least 1", c.Dims))
	}
	if c.Points < 2 {
		errs = append(errs, fmt.Errorf("toy: Points is %d, want at least 2", c.Points))
	}
	if c.Budget < 1 {
		errs = append(errs, fmt.Errorf("toy: Budget is %d, want at least 1", c.Budget))
	}
	if math.IsNaN(c.Noise) || math.IsInf(c.Noise, 0) || c.Noise < 0 {
		errs = append(errs, fmt.Errorf("toy: Noise is %g, want a finite number >= 0", c.Noise))
	}
	if len(errs) == 0 {
		if _, ok := gridSize(c.Points, c.Dims); !ok {
			errs = append(errs, fmt.Errorf("toy: grid of %d^%d points is larger than %d", c.Points, c.Dims, MaxGridSize))
		}
	}
	return errors.Join(errs...)
}

// gridSize returns points^dims, or false when it exceeds MaxGridSize.
func gridSize(points, dims int) (int, bool) {
	n := 1
	for range dims {
		if n > MaxGridSize/points {
			return 0, false
		}
		n *= points
	}
	return n, true
}

// GridSearch is an [env.Env] in which an agent looks for the minimum of a
// noisy quadratic over a grid within a budget of probes.
//
// Each Reset draws a hidden centre c uniformly from [0, 1]^D. The objective
// of a grid point x is f(x) = Σ_d (x_d − c_d)², where coordinate d of grid
// index i is i/(G−1). An action is the index of a grid point in row-major
// order (the last coordinate varies fastest), so the action space is
// Discrete(G^D). A probe observes f(x) + σ·N(0, 1).
//
// The regret of a probe is (f(x) − f_min)/(f_max − f_min), with the
// noise-free extremes taken over the grid; it is 0 at the best grid point
// and 1 at the worst. The episode's regret is the smallest regret of any
// probe so far; it starts at 1. The reward of a step is the decrease of that
// best-so-far regret, so the return of an episode is 1 minus its final
// regret. Regret uses the noise-free objective, which the agent does not
// see: the agent has to find good points through noisy values.
//
// An episode is terminated when the budget is spent, and only then: every
// episode lasts exactly Budget steps, even when a probe has found the
// optimum.
//
// The observation is a vector of 2D+3 numbers:
//
//	[0, D)        coordinates of the last probe, in [0, 1]
//	D             observed (noisy) value of the last probe
//	D+1           best observed value so far (the smallest)
//	[D+2, 2D+2)   coordinates of the probe with the best observed value
//	2D+2          fraction of the budget left, in [0, 1]
//
// After Reset nothing has been probed: coordinates and values are 0 and the
// budget fraction is 1. Observed values are bounded by [0, D] when Noise is
// 0 and unbounded otherwise.
//
// Info, after Reset and every Step, holds the numbers "regret" (best so
// far) and "step" (probes made in this episode).
//
// The observation slice and the Info are buffers the env owns and reuses:
// they are valid until the next Reset or Step. Reset and Step do not
// allocate (except when returning an error).
//
// An env that was never seeded behaves as if Reset had been given
// env.SeedOf(0) the first time.
type GridSearch struct {
	cfg      Config
	size     int
	obsSpace *spaces.Box
	actSpace *spaces.Discrete

	src *rand.PCG
	rng *rand.Rand

	centre []float64
	obs    []float64
	info   env.Info

	fMin, fMax float64
	regret     float64 // best so far
	bestValue  float64 // best observed
	steps      int

	started, ended, closed bool
}

// New returns a GridSearch with the given settings, or an error naming each
// setting that is out of range.
func New(cfg Config) (*GridSearch, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	size, _ := gridSize(cfg.Points, cfg.Dims)
	d := cfg.Dims
	n := 2*d + 3
	low := make([]float64, n)
	high := make([]float64, n)
	valueLow, valueHigh := math.Inf(-1), math.Inf(1)
	if cfg.Noise == 0 {
		valueLow, valueHigh = 0, float64(d)
	}
	for i := range n {
		low[i], high[i] = 0, 1
	}
	low[d], high[d] = valueLow, valueHigh
	low[d+1], high[d+1] = valueLow, valueHigh
	obsSpace, err := spaces.NewBoxBounds(low, high, n)
	if err != nil {
		return nil, fmt.Errorf("toy: observation space: %w", err)
	}
	src := rand.NewPCG(0, seedStream)
	g := &GridSearch{
		cfg:      cfg,
		size:     size,
		obsSpace: obsSpace,
		actSpace: spaces.NewDiscrete(size),
		src:      src,
		rng:      rand.New(src),
		centre:   make([]float64, d),
		obs:      make([]float64, n),
	}
	// Grow the Info's maps now so that Reset and Step never allocate.
	g.setInfo()
	return g, nil
}

// NewFromOptions returns a GridSearch configured by opts: the keys
// OptionDims, OptionPoints, OptionBudget and OptionNoise override the
// defaults of [DefaultConfig]. Integer settings accept any Go integer type
// or a float64 with an integral value (as decoded from JSON); Noise accepts
// any integer or float type. An unknown key, a value of the wrong type or an
// out-of-range setting is an error naming the key.
func NewFromOptions(opts env.Options) (*GridSearch, error) {
	cfg := DefaultConfig()
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(opts)) {
		v := opts[k]
		var err error
		switch k {
		case OptionDims:
			cfg.Dims, err = intOption(k, v)
		case OptionPoints:
			cfg.Points, err = intOption(k, v)
		case OptionBudget:
			cfg.Budget, err = intOption(k, v)
		case OptionNoise:
			cfg.Noise, err = floatOption(k, v)
		default:
			err = fmt.Errorf("toy: unknown option %q (want %s, %s, %s or %s)", k, OptionDims, OptionPoints, OptionBudget, OptionNoise)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return New(cfg)
}

func intOption(key string, v any) (int, error) {
	var n int64
	switch x := v.(type) {
	case int:
		return x, nil
	case int8:
		n = int64(x)
	case int16:
		n = int64(x)
	case int32:
		n = int64(x)
	case int64:
		n = x
	case uint8:
		n = int64(x)
	case uint16:
		n = int64(x)
	case uint32:
		n = int64(x)
	case uint:
		if uint64(x) > math.MaxInt32 {
			return 0, fmt.Errorf("toy: option %q is %d, too large", key, x)
		}
		n = int64(x)
	case uint64:
		if x > math.MaxInt32 {
			return 0, fmt.Errorf("toy: option %q is %d, too large", key, x)
		}
		n = int64(x)
	case float64:
		if x != math.Trunc(x) || math.Abs(x) > math.MaxInt32 {
			return 0, fmt.Errorf("toy: option %q is %g, want an integer", key, x)
		}
		n = int64(x)
	case float32:
		f := float64(x)
		if f != math.Trunc(f) || math.Abs(f) > math.MaxInt32 {
			return 0, fmt.Errorf("toy: option %q is %g, want an integer", key, f)
		}
		n = int64(f)
	default:
		return 0, fmt.Errorf("toy: option %q is %T (%v), want an integer", key, v, v)
	}
	if n > math.MaxInt32 || n < math.MinInt32 {
		return 0, fmt.Errorf("toy: option %q is %d, out of range", key, n)
	}
	return int(n), nil
}

func floatOption(key string, v any) (float64, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case float32:
		return float64(x), nil
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		n, err := intOption(key, x)
		return float64(n), err
	default:
		return 0, fmt.Errorf("toy: option %q is %T (%v), want a number", key, v, v)
	}
}

// Config returns the env's settings.
func (g *GridSearch) Config() Config { return g.cfg }

// ObservationSpace returns the Box of the 2D+3 observation slots described
// on [GridSearch].
func (g *GridSearch) ObservationSpace() spaces.Space[[]float64] { return g.obsSpace }

// ActionSpace returns Discrete(Points^Dims).
func (g *GridSearch) ActionSpace() spaces.Space[int] { return g.actSpace }

// Reset starts an episode: it re-seeds the env when seed is set, then draws
// the hidden centre (or takes it from options[ResetOptionCentre]).
func (g *GridSearch) Reset(seed env.Seed, options env.Options) ([]float64, env.Info, error) {
	if g.closed {
		return nil, env.Info{}, fmt.Errorf("toy: Reset: %w", env.ErrClosed)
	}
	// A failed Reset leaves no live episode.
	g.started = false
	var fixed []float64
	for k := range options {
		if k != ResetOptionCentre {
			unknown := slices.DeleteFunc(slices.Sorted(maps.Keys(options)), func(k string) bool { return k == ResetOptionCentre })
			return nil, env.Info{}, fmt.Errorf("toy: unknown Reset options %q (want %q or none)", unknown, ResetOptionCentre)
		}
	}
	if v, ok := options[ResetOptionCentre]; ok {
		k := ResetOptionCentre
		c, ok := v.([]float64)
		if !ok {
			return nil, env.Info{}, fmt.Errorf("toy: Reset option %q is %T, want []float64", k, v)
		}
		if len(c) != g.cfg.Dims {
			return nil, env.Info{}, fmt.Errorf("toy: Reset option %q has %d coordinates, want %d", k, len(c), g.cfg.Dims)
		}
		for i, x := range c {
			if !(x >= 0 && x <= 1) {
				return nil, env.Info{}, fmt.Errorf("toy: Reset option %q: coordinate %d is %g, want a number in [0, 1]", k, i, x)
			}
		}
		fixed = c
	}
	if seed.Set {
		g.src.Seed(seed.Value, seedStream)
	}
	if fixed != nil {
		copy(g.centre, fixed)
	} else {
		for i := range g.centre {
			g.centre[i] = g.rng.Float64()
		}
	}
	g.fMin, g.fMax = 0, 0
	last := float64(g.cfg.Points - 1)
	for _, c := range g.centre {
		near := math.Round(c*last) / last
		g.fMin += (near - c) * (near - c)
		g.fMax += max(c*c, (1-c)*(1-c))
	}
	clear(g.obs)
	g.obs[len(g.obs)-1] = 1
	g.regret = 1
	g.bestValue = math.Inf(1)
	g.steps = 0
	g.started, g.ended = true, false
	g.setInfo()
	return g.obs, g.info, nil
}

// Step probes the grid point with index action.
func (g *GridSearch) Step(action int) (env.StepResult[[]float64], error) {
	switch {
	case g.closed:
		return env.StepResult[[]float64]{}, fmt.Errorf("toy: Step: %w", env.ErrClosed)
	case !g.started:
		return env.StepResult[[]float64]{}, fmt.Errorf("toy: %w", env.ErrResetNeeded)
	case g.ended:
		return env.StepResult[[]float64]{}, fmt.Errorf("toy: %w", env.ErrEpisodeEnded)
	case action < 0 || action >= g.size:
		return env.StepResult[[]float64]{}, fmt.Errorf("toy: action %d is not in the action space %v", action, g.actSpace)
	}
	d := g.cfg.Dims
	probe := g.obs[:d]
	g.coords(action, probe)
	f := 0.0
	for i, x := range probe {
		f += (x - g.centre[i]) * (x - g.centre[i])
	}
	regret := g.regretOf(f)
	reward := 0.0
	if regret < g.regret {
		reward = g.regret - regret
		g.regret = regret
	}
	y := f
	if g.cfg.Noise > 0 {
		y += g.cfg.Noise * g.rng.NormFloat64()
	}
	g.obs[d] = y
	if y < g.bestValue {
		g.bestValue = y
		g.obs[d+1] = y
		copy(g.obs[d+2:2*d+2], probe)
	}
	g.steps++
	g.obs[2*d+2] = float64(g.cfg.Budget-g.steps) / float64(g.cfg.Budget)
	g.ended = g.steps >= g.cfg.Budget
	g.setInfo()
	return env.StepResult[[]float64]{
		Obs:        g.obs,
		Reward:     reward,
		Terminated: g.ended,
		Info:       g.info,
	}, nil
}

// Close ends the env; Reset and Step fail afterwards. Closing twice is not
// an error.
func (g *GridSearch) Close() error {
	g.closed = true
	return nil
}

// Centre returns a copy of the current episode's hidden centre (zeros
// before the first Reset). It is meant for tests and oracle baselines.
func (g *GridSearch) Centre() []float64 { return slices.Clone(g.centre) }

// Regret returns the noise-free regret that probing action would have in
// the current episode, without changing the episode.
func (g *GridSearch) Regret(action int) (float64, error) {
	if !g.started {
		return 0, fmt.Errorf("toy: Regret: %w", env.ErrResetNeeded)
	}
	if action < 0 || action >= g.size {
		return 0, fmt.Errorf("toy: action %d is not in the action space %v", action, g.actSpace)
	}
	last := float64(g.cfg.Points - 1)
	f := 0.0
	for i := g.cfg.Dims - 1; i >= 0; i-- {
		x := float64(action%g.cfg.Points) / last
		action /= g.cfg.Points
		f += (x - g.centre[i]) * (x - g.centre[i])
	}
	return g.regretOf(f), nil
}

// coords writes the coordinates of grid index a into dst (length Dims).
func (g *GridSearch) coords(a int, dst []float64) {
	last := float64(g.cfg.Points - 1)
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = float64(a%g.cfg.Points) / last
		a /= g.cfg.Points
	}
}

// regretOf normalises an objective value to [0, 1].
func (g *GridSearch) regretOf(f float64) float64 {
	span := g.fMax - g.fMin
	if span <= 0 { // every grid point is equally good
		return 0
	}
	return min(max((f-g.fMin)/span, 0), 1)
}

func (g *GridSearch) setInfo() {
	g.info.Clear()
	g.info.SetNum("regret", g.regret)
	g.info.SetNum("step", float64(g.steps))
}
