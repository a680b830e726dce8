package research

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/spaces"
)

func TestObservationEncoderMatchesNumeric(t *testing.T) {
	cases := []struct {
		name string
		tbl  func(t *testing.T) *Env
	}{
		{"pretrain extrapolate", func(t *testing.T) *Env {
			return newEnv(t, pretrainTable(t), Options{Trials: 4, HistorySlots: 3})
		}},
		{"toy multi-fidelity", func(t *testing.T) *Env {
			return newEnv(t, viewToyTable(t, false), Options{Setting: MultiFidelity, Trials: 3})
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			core := c.tbl(t)
			rec := NewRecorder(core)
			view, err := NewNumeric(rec)
			require.NoError(t, err)
			enc, err := NewObservationEncoder(core)
			require.NoError(t, err)
			require.Equal(t, view.ObservationSpace().(*spaces.Box).Dim(), enc.Dim())
			require.Equal(t, view.ActionSpace().(*spaces.Box).Dim(), enc.ActionDim())
			assert.Equal(t, view.Layout(), enc.Layout())
			// A clone must encode alike, whatever the original has seen.
			encs := []*ObservationEncoder{enc, enc.Clone()}
			rng := rand.New(rand.NewPCG(3, 4))
			got := make([]float64, enc.Dim())
			steps := 0
			for ep := range 4 {
				vec, _, err := view.Reset(env.SeedOf(uint64(ep)), nil)
				require.NoError(t, err)
				for {
					for _, e := range encs {
						require.NoError(t, e.Encode(rec.Last(), got))
						require.Equal(t, vec, got, "episode %d step %d", ep, rec.Last().Step)
					}
					point := make([]float64, enc.ActionDim())
					for i := range point {
						point[i] = rng.Float64()
					}
					if enc.Setting() == MultiFidelity {
						point[len(point)-1] *= 0.55 // stop now and then
					}
					want, err := enc.DecodeAction(rec.Last(), point)
					require.NoError(t, err)
					before := len(rec.Last().History)
					res, err := view.Step(point)
					require.NoError(t, err)
					steps++
					if over, _ := res.Info.Num("over_budget"); !want.Stop && over == 0 {
						require.Len(t, rec.Last().History, before+1)
						last := rec.Last().History[before]
						assert.Equal(t, want.Config, last.Run)
						if want.Experiment != "" {
							assert.Equal(t, want.Experiment, last.Experiment)
						}
					}
					if res.Done() {
						break
					}
					vec = res.Obs
				}
			}
			assert.Greater(t, steps, 4)
		})
	}
}

func TestObservationEncoderErrors(t *testing.T) {
	core := newEnv(t, pretrainTable(t), Options{})
	enc, err := NewObservationEncoder(core)
	require.NoError(t, err)
	obs, _, err := core.Reset(env.SeedOf(1), nil)
	require.NoError(t, err)

	_, err = NewObservationEncoder(nil)
	assert.ErrorContains(t, err, "nil")
	assert.ErrorContains(t, enc.Encode(obs, make([]float64, enc.Dim()+1)), "want")
	assert.ErrorContains(t, enc.Encode(nil, make([]float64, enc.Dim())), "nil")
	mf := *obs
	mf.Setting = MultiFidelity
	assert.ErrorContains(t, enc.Encode(&mf, make([]float64, enc.Dim())), "setting")

	bad := [][]float64{
		make([]float64, enc.ActionDim()+1),
		append(make([]float64, enc.ActionDim()-1), 1.5),
	}
	for _, p := range bad {
		_, err := enc.DecodeAction(obs, p)
		assert.Error(t, err, "point %v", p)
	}
	_, err = enc.Candidates("no-such-experiment")
	assert.ErrorContains(t, err, "no-such-experiment")
}

func BenchmarkObservationEncoderEncode(b *testing.B) {
	core := newEnv(b, pretrainTable(b), Options{})
	enc, err := NewObservationEncoder(core)
	require.NoError(b, err)
	obs, _, err := core.Reset(env.SeedOf(1), nil)
	require.NoError(b, err)
	res, err := core.Step(Action{Config: obs.TargetConfigs[0]})
	require.NoError(b, err)
	dst := make([]float64, enc.Dim())
	b.ReportAllocs()
	for b.Loop() {
		if err := enc.Encode(res.Obs, dst); err != nil {
			b.Fatal(err)
		}
	}
}
