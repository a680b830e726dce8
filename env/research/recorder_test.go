package research

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/env"
)

func TestRecorderKeepsTheLatestObservation(t *testing.T) {
	e, err := NewFromOptions("pretrain", nil)
	require.NoError(t, err)
	r := NewRecorder(e)
	defer r.Close()
	assert.Nil(t, r.Last())
	obs, _, err := r.Reset(env.SeedOf(1), nil)
	require.NoError(t, err)
	assert.Same(t, obs, r.Last())
	res, err := r.Step(Action{Config: obs.TargetConfigs[0]})
	require.NoError(t, err)
	assert.Same(t, res.Obs, r.Last())
	_, err = r.Step(Action{Experiment: "no such experiment"})
	require.Error(t, err)
	assert.Same(t, res.Obs, r.Last(), "a refused step records nothing")
	assert.Equal(t, e, r.UnwrapEnv())
}
