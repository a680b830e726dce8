package rl

import (
	"context"
	"testing"

	"github.com/autollmresearch/gym/internal/bitstest"

	"github.com/autollmresearch/gym/internal/kernel"
	"github.com/stretchr/testify/require"
)

// TestTrainingIgnoresVectorKernels trains the same GRPO run with the
// AVX-512 kernels, with the AVX2 ones and in Go alone, and checks that the
// three give the same weights, bit for bit: a run does not depend on the
// machine's vector units.
func TestTrainingIgnoresVectorKernels(t *testing.T) {
	train := func() []float64 {
		cfg := smallGRPOConfig()
		cfg.Updates = 4
		cfg.Hidden = []int{32, 32}
		g, err := NewGRPO(toyEnvs(t, 2), cfg, Options{})
		require.NoError(t, err)
		_, err = g.Train(context.Background())
		require.NoError(t, err)
		return append([]float64(nil), g.Actor().Params()...)
	}
	want := train()
	for _, mode := range []struct {
		name    string
		disable []func() (restore func())
	}{
		{"AVX2 kernels", []func() func(){kernel.DisableAVX512}},
		{"Go alone", []func() func(){kernel.DisableVectorProducts, kernel.DisableVectorTanh}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			for _, d := range mode.disable {
				defer d()()
			}
			bitstest.Equal(t, want, train(), "weights against every kernel's")
		})
	}
}
