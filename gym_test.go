package gym_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym"
	"github.com/autollmresearch/gym/env"
)

func TestBuiltinsAreRegistered(t *testing.T) {
	ids := map[string]bool{}
	for _, s := range gym.List() {
		ids[s.ID] = true
	}
	for _, id := range gym.BuiltinIDs() {
		assert.True(t, ids[id], "built-in id %s is not registered", id)
	}
}

func TestCheckEveryBuiltin(t *testing.T) {
	for _, id := range gym.BuiltinIDs() {
		t.Run(id, func(t *testing.T) {
			require.NoError(t, env.CheckRegistered(id, nil))
		})
	}
}

func TestMakeWrongTypes(t *testing.T) {
	_, err := gym.Make[string, string](gym.ToyGridSearch, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "[]float64")
}

func TestMakeVec(t *testing.T) {
	v, err := gym.MakeVec[[]float64, int](gym.ToyGridSearch, 4, nil, env.VectorOptions{})
	require.NoError(t, err)
	defer v.Close()
	obs, _, err := v.Reset(env.SeedOf(1), nil)
	require.NoError(t, err)
	assert.Len(t, obs, 4)
}
