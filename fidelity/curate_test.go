package fidelity_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/fidelity"
)

// ladder is two instances with three model sizes each (S < M < L) and a
// pretraining grid whose rank is compute, with two cells sharing the top.
func ladder() []fidelity.Experiment {
	return []fidelity.Experiment{
		{ID: "arch/wiki/S", Group: "wiki", Rank: 0},
		{ID: "arch/wiki/M", Group: "wiki", Rank: 1},
		{ID: "arch/wiki/L", Group: "wiki", Rank: 2},
		{ID: "arch/code/L", Group: "code", Rank: 2},
		{ID: "arch/code/S", Group: "code", Rank: 0},
		{ID: "arch/code/M", Group: "code", Rank: 1},
		{ID: "pretrain/a", Group: "pretrain", Rank: 1e18},
		{ID: "pretrain/b", Group: "pretrain", Rank: 4e18},
		{ID: "pretrain/c", Group: "pretrain", Rank: 2e19},
		{ID: "pretrain/d", Group: "pretrain", Rank: 1e20},
		{ID: "pretrain/e", Group: "pretrain", Rank: 1e20},
	}
}

func TestCurate(t *testing.T) {
	cases := []struct {
		name             string
		opts             fidelity.SplitOptions
		train, val, test []string
	}{
		{
			name:  "default holds out the top rank",
			train: []string{"arch/code/S", "arch/code/M", "pretrain/a", "pretrain/b", "pretrain/c", "arch/wiki/S", "arch/wiki/M"},
			test:  []string{"arch/code/L", "pretrain/d", "pretrain/e", "arch/wiki/L"},
		},
		{
			name:  "half of the ranks",
			opts:  fidelity.SplitOptions{TestFraction: 0.5},
			train: []string{"arch/code/S", "pretrain/a", "pretrain/b", "arch/wiki/S"},
			test:  []string{"arch/code/M", "arch/code/L", "pretrain/c", "pretrain/d", "pretrain/e", "arch/wiki/M", "arch/wiki/L"},
		},
		{
			name:  "validation below test",
			opts:  fidelity.SplitOptions{ValidationFraction: 0.25},
			train: []string{"arch/code/S", "pretrain/a", "pretrain/b", "arch/wiki/S"},
			val:   []string{"arch/code/M", "pretrain/c", "arch/wiki/M"},
			test:  []string{"arch/code/L", "pretrain/d", "pretrain/e", "arch/wiki/L"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			exps := ladder()
			s, err := fidelity.Curate(exps, c.opts)
			require.NoError(t, err)
			assert.Equal(t, c.train, s.Train)
			assert.Equal(t, c.val, s.Validation)
			assert.Equal(t, c.test, s.Test)
			assertPartition(t, exps, s)
		})
	}
}

// assertPartition checks that every experiment is in exactly one part and
// that, per group, every test rank exceeds every other rank.
func assertPartition(t *testing.T, exps []fidelity.Experiment, s fidelity.Split) {
	t.Helper()
	minTest := map[string]float64{}
	maxOther := map[string]float64{}
	for _, e := range exps {
		n := 0
		for _, in := range []bool{s.IsTrain(e.ID), s.IsValidation(e.ID), s.IsTest(e.ID)} {
			if in {
				n++
			}
		}
		assert.Equal(t, 1, n, "experiment %s is in %d parts", e.ID, n)
		assert.True(t, s.Contains(e.ID))
		if s.IsTest(e.ID) {
			if v, ok := minTest[e.Group]; !ok || e.Rank < v {
				minTest[e.Group] = e.Rank
			}
		} else if v, ok := maxOther[e.Group]; !ok || e.Rank > v {
			maxOther[e.Group] = e.Rank
		}
	}
	assert.Equal(t, len(exps), len(s.Train)+len(s.Validation)+len(s.Test))
	for g, lo := range minTest {
		assert.Greater(t, lo, maxOther[g], "group %s", g)
	}
	assert.False(t, s.Contains("no such experiment"))
}

func TestCurateDeterministicAndDisjoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var exps []fidelity.Experiment
	for g := range 5 {
		for i := range 20 {
			exps = append(exps, fidelity.Experiment{
				ID:    string(rune('a'+g)) + "/" + string(rune('A'+i)),
				Group: string(rune('a' + g)),
				Rank:  float64(rng.IntN(6)),
			})
		}
	}
	// Every group needs two ranks; make sure of it.
	for g := range 5 {
		exps[g*20].Rank, exps[g*20+1].Rank = 0, 5
	}
	opts := fidelity.SplitOptions{TestFraction: 0.3, ValidationFraction: 0.2}
	want, err := fidelity.Curate(exps, opts)
	require.NoError(t, err)
	assertPartition(t, exps, want)
	for range 5 {
		rng.Shuffle(len(exps), func(i, j int) { exps[i], exps[j] = exps[j], exps[i] })
		got, err := fidelity.Curate(exps, opts)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
}

func TestCurateErrors(t *testing.T) {
	two := []fidelity.Experiment{{ID: "a", Group: "g", Rank: 1}, {ID: "b", Group: "g", Rank: 2}}
	cases := []struct {
		name string
		exps []fidelity.Experiment
		opts fidelity.SplitOptions
		msg  string
	}{
		{"empty", nil, fidelity.SplitOptions{}, "no experiments"},
		{"single rank", []fidelity.Experiment{{ID: "a", Group: "g", Rank: 1}, {ID: "b", Group: "g", Rank: 1}}, fidelity.SplitOptions{}, `group "g" has a single fidelity rank 1`},
		{"duplicate id", []fidelity.Experiment{{ID: "a", Group: "g", Rank: 1}, {ID: "a", Group: "g", Rank: 2}}, fidelity.SplitOptions{}, `id "a" given twice`},
		{"empty id", []fidelity.Experiment{{Group: "g", Rank: 1}, {ID: "a", Group: "g", Rank: 2}}, fidelity.SplitOptions{}, "experiment 0: empty id"},
		{"NaN rank", []fidelity.Experiment{{ID: "a", Group: "g", Rank: math.NaN()}, {ID: "b", Group: "g", Rank: 2}}, fidelity.SplitOptions{}, `experiment "a": rank NaN`},
		{"test fraction one", two, fidelity.SplitOptions{TestFraction: 1}, "test fraction 1 must be in [0, 1)"},
		{"negative validation", two, fidelity.SplitOptions{ValidationFraction: -0.1}, "validation fraction -0.1"},
		{"nothing left to train", two, fidelity.SplitOptions{ValidationFraction: 0.5}, "leave none of its 2 ranks to train on"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := fidelity.Curate(c.exps, c.opts)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.msg)
		})
	}
}
