package nn

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// crafted returns a checkpoint file, with a valid checksum, holding one MLP
// entry "policy" with the given layer sizes and the given parameters.
func crafted(t *testing.T, sizes string, params []float64) []byte {
	t.Helper()
	var c Checkpoint
	c.put(ckptEntry{Name: "policy", Kind: kindMLP, Spec: []byte(`{"sizes":` + sizes + `,"activation":"tanh"}`), data: params})
	b, err := c.MarshalBinary()
	require.NoError(t, err)
	return b
}

func TestCraftedCheckpointsAreRefusedBeforeAllocating(t *testing.T) {
	tests := []struct {
		name, sizes string
		params      []float64
		target      error
		want        string
	}{
		// 46340 x 46340 weights would be 17 GB; the file holds 3 values.
		{"17 GB network", "[46340,46340]", []float64{1, 2, 3}, ErrCorrupt, "layer sizes [46340 46340] need 2147441940 parameters, the entry holds 3"},
		// 2^62 x 4 overflows int arithmetic.
		{"overflowing sizes", "[4611686018427387904,4]", []float64{1, 2, 3}, ErrCorrupt, "more than 2147483648 parameters"},
		{"overflowing sizes 2", "[4,4611686018427387904,4]", []float64{1}, ErrCorrupt, "more than 2147483648 parameters"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := crafted(t, tc.sizes, tc.params)
			assert.Less(t, len(data), 300)
			c := new(Checkpoint)
			require.NoError(t, c.UnmarshalBinary(data), "the file itself is well formed")
			_, err := c.NewMLPFrom("policy")
			require.ErrorIs(t, err, tc.target)
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

func TestCheckpointsWithNonFiniteWeightsAreRefused(t *testing.T) {
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		params := make([]float64, 2*3+3) // sizes [2, 3]
		params[4] = v
		var c Checkpoint
		err := c.UnmarshalBinary(crafted(t, "[2,3]", params))
		require.ErrorIs(t, err, ErrCorrupt)
		assert.ErrorContains(t, err, `entry "policy" (mlp) holds the non-finite value`)
		assert.ErrorContains(t, err, "at index 4")
	}
	// A plain vector is the caller's and may hold anything.
	var c Checkpoint
	c.PutVector("v", []float64{math.NaN()})
	b, err := c.MarshalBinary()
	require.NoError(t, err)
	require.NoError(t, new(Checkpoint).UnmarshalBinary(b))
}

func TestNumParamsIsOverflowSafe(t *testing.T) {
	n, ok := MLPConfig{Sizes: []int{3, 4, 2}, Skip: true}.numParams()
	assert.True(t, ok)
	assert.Equal(t, 3*4+4+4*2+2+3*2, n)
	for _, sizes := range [][]int{{1 << 62, 4}, {4, 1 << 62}, {math.MaxInt, math.MaxInt}, {46341, 46341}, {1}} {
		_, ok := MLPConfig{Sizes: sizes}.numParams()
		assert.False(t, ok, "%v", sizes)
	}
	assert.Error(t, MLPConfig{Sizes: []int{1 << 62, 4}}.Validate())
}
