package policy

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/nn"
)

// neuralSetup returns a pretrain env of the default table and an actor
// shaped for its Numeric view, initialised from seed.
func neuralSetup(t *testing.T, seed uint64) (*research.Env, *nn.MLP) {
	t.Helper()
	e, err := research.NewFromOptions("pretrain", nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = e.Close() })
	enc, err := research.NewObservationEncoder(e)
	require.NoError(t, err)
	actor, err := nn.NewMLP(nn.MLPConfig{Sizes: []int{enc.Dim(), 16, enc.ActionDim()}}, rand.New(rand.NewPCG(seed, 1)))
	require.NoError(t, err)
	return e, actor
}

// playNeural runs one episode of p on e and returns the actions taken.
func playNeural(t *testing.T, e *research.Env, p Policy, seed uint64) []research.Action {
	t.Helper()
	obs, _, err := e.Reset(env.SeedOf(seed), nil)
	require.NoError(t, err)
	require.NoError(t, p.Reset(obs, rand.New(rand.NewPCG(seed, 2))))
	var acts []research.Action
	for range 100 {
		a, err := p.Act(obs)
		require.NoError(t, err)
		acts = append(acts, a)
		res, err := e.Step(a)
		require.NoError(t, err)
		if res.Done() {
			return acts
		}
		obs = res.Obs
	}
	t.Fatal("the episode did not end")
	return nil
}

func TestNeuralPolicyNeverRepeats(t *testing.T) {
	e, actor := neuralSetup(t, 1)
	// With all weights zero the actor always proposes the origin, so the
	// policy must walk the target's candidates by distance to it.
	clear(actor.Params())
	f, err := NewNeuralFactory(actor, e, NeuralOptions{})
	require.NoError(t, err)
	p := f()
	assert.Equal(t, "neural", p.Name())
	acts := playNeural(t, e, p, 7)
	require.Len(t, acts, e.Options().Trials)

	obs, _, err := e.Reset(env.SeedOf(7), nil)
	require.NoError(t, err)
	cands := e.Table().Candidates(mustIndex(t, e, obs.Target.Experiment))
	order := make([]int, cands.Len())
	dist := make([]float64, cands.Len())
	for i := range order {
		order[i] = i
		for _, x := range cands.Point(i) {
			dist[i] += x * x
		}
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case dist[a] < dist[b]:
			return -1
		case dist[a] > dist[b]:
			return 1
		}
		return 0
	})
	for k, a := range acts {
		assert.Equal(t, cands.Config(order[k]), a.Config, "trial %d", k+1)
	}
}

func mustIndex(t *testing.T, e *research.Env, id string) int {
	t.Helper()
	i, ok := e.Table().ExperimentIndex(id)
	require.True(t, ok, id)
	return i
}

func TestNeuralPolicyActsAsNumericView(t *testing.T) {
	e, actor := neuralSetup(t, 2)
	f, err := NewNeuralFactory(actor, e, NeuralOptions{Name: "mlp"})
	require.NoError(t, err)
	p := f()
	assert.Equal(t, "mlp", p.Name())

	twin, err := research.NewFromOptions("pretrain", nil)
	require.NoError(t, err)
	defer twin.Close()
	rec := research.NewRecorder(twin)
	view, err := research.NewNumeric(rec)
	require.NoError(t, err)
	ws := actor.NewWorkspace(1)
	for seed := range uint64(5) {
		obs, _, err := e.Reset(env.SeedOf(seed), nil)
		require.NoError(t, err)
		require.NoError(t, p.Reset(obs, nil))
		a, err := p.Act(obs)
		require.NoError(t, err)

		vec, _, err := view.Reset(env.SeedOf(seed), nil)
		require.NoError(t, err)
		out, err := actor.Forward(ws, vec)
		require.NoError(t, err)
		point := make([]float64, len(out))
		for i, v := range out {
			point[i] = min(max(v, 0), 1)
		}
		_, err = view.Step(point)
		require.NoError(t, err)
		hist := rec.Last().History
		require.Len(t, hist, 1)
		assert.Equal(t, hist[0].Run, a.Config, "seed %d", seed)
	}
}

func TestNeuralPolicySampling(t *testing.T) {
	e, actor := neuralSetup(t, 3)
	d := e.Table().Meta().Space.EncodedDim()
	f, err := NewNeuralFactory(actor, e, NeuralOptions{Sample: true, LogStd: slices.Repeat([]float64{-1}, d)})
	require.NoError(t, err)
	a := playNeural(t, e, f(), 11)
	b := playNeural(t, e, f(), 11)
	assert.Equal(t, a, b, "the same seed gives the same actions")
	c := playNeural(t, e, f(), 12)
	seen := map[string]bool{}
	for _, x := range c {
		s, err := e.Table().Meta().Space.FormatJSON(x.Config)
		require.NoError(t, err)
		assert.False(t, seen[string(s)], "config %s repeated", s)
		seen[string(s)] = true
	}

	p, err := NewNeuralPolicy(actor, mustEncoder(t, e), NeuralOptions{Sample: true, LogStd: slices.Repeat([]float64{0}, d)})
	require.NoError(t, err)
	obs, _, err := e.Reset(env.SeedOf(1), nil)
	require.NoError(t, err)
	assert.ErrorContains(t, p.Reset(obs, nil), "rng is nil")
	_, err = p.Act(obs)
	assert.ErrorContains(t, err, "before Reset")
}

func mustEncoder(t *testing.T, e *research.Env) *research.ObservationEncoder {
	t.Helper()
	enc, err := research.NewObservationEncoder(e)
	require.NoError(t, err)
	return enc
}

func TestNeuralPolicyErrors(t *testing.T) {
	e, actor := neuralSetup(t, 4)
	enc := mustEncoder(t, e)
	d := enc.ActionDim()
	wrong, err := nn.NewMLP(nn.MLPConfig{Sizes: []int{enc.Dim() + 1, 4, d}}, rand.New(rand.NewPCG(1, 1)))
	require.NoError(t, err)
	cases := []struct {
		name  string
		actor *nn.MLP
		enc   *research.ObservationEncoder
		opts  NeuralOptions
		want  string
	}{
		{"nil actor", nil, enc, NeuralOptions{}, "actor is nil"},
		{"nil encoder", actor, nil, NeuralOptions{}, "encoder is nil"},
		{"wrong shape", wrong, enc, NeuralOptions{}, "inputs"},
		{"no log std", actor, enc, NeuralOptions{Sample: true}, "LogStd has 0 entries"},
		{"NaN log std", actor, enc, NeuralOptions{Sample: true, LogStd: slices.Repeat([]float64{math.NaN()}, d)}, "finite"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := NewNeuralPolicy(c.actor, c.enc, c.opts)
			assert.ErrorContains(t, err, c.want)
		})
	}
	_, err = NewNeuralFactory(actor, nil, NeuralOptions{})
	assert.ErrorContains(t, err, "nil")

	p, err := NewNeuralPolicy(actor, enc, NeuralOptions{})
	require.NoError(t, err)
	assert.ErrorContains(t, p.Reset(nil, nil), "nil")
	_, err = p.Act(nil)
	assert.Error(t, err)
}

func BenchmarkNeuralPolicyAct(b *testing.B) {
	e, err := research.NewFromOptions("pretrain", nil)
	require.NoError(b, err)
	defer e.Close()
	enc, err := research.NewObservationEncoder(e)
	require.NoError(b, err)
	actor, err := nn.NewMLP(nn.MLPConfig{Sizes: []int{enc.Dim(), 64, 64, enc.ActionDim()}}, rand.New(rand.NewPCG(1, 1)))
	require.NoError(b, err)
	p, err := NewNeuralPolicy(actor, enc, NeuralOptions{})
	require.NoError(b, err)
	obs, _, err := e.Reset(env.SeedOf(1), nil)
	require.NoError(b, err)
	require.NoError(b, p.Reset(obs, nil))
	a, err := p.Act(obs)
	require.NoError(b, err)
	res, err := e.Step(a) // one trial in the history, so Act avoids it
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Act(res.Obs); err != nil {
			b.Fatal(err)
		}
	}
}
