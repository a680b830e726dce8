package kernel

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/autollmresearch/gym/internal/bitstest"
)

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5eed)) }

// randVec returns n values uniform in [-scale, scale).
func randVec(rng *rand.Rand, n int, scale float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = (2*rng.Float64() - 1) * scale
	}
	return v
}

// TestAccumulateMatchesGo checks the vector kernel against accumulateGo,
// bit for bit, over lane counts that exercise every block size and the
// remainder, strides and products that round differently when fused.
func TestAccumulateMatchesGo(t *testing.T) {
	t.Run("best kernel", testAccumulateMatchesGo)
	t.Run("AVX2 kernel", func(t *testing.T) {
		defer DisableAVX512()()
		testAccumulateMatchesGo(t)
	})
}

func testAccumulateMatchesGo(t *testing.T) {
	if !VectorAccumulate() {
		t.Log("no vector kernel on this machine: accumulate is accumulateGo")
	}
	rng := newRNG(1)
	for _, n := range []int{1, 7, 8, 9, 16, 24, 31, 64, 65, 100, 127, 200} {
		for _, k := range []int{0, 1, 2, 5, 33} {
			for _, as := range []int{1, 3} {
				bs := n + 2
				a := randVec(rng, max(1, k*as), 1)
				b := randVec(rng, max(1, k*bs), 1)
				init := randVec(rng, n, 1)
				want := append([]float64(nil), init...)
				accumulateGo(want, a, as, b, bs, k)
				got := append([]float64(nil), init...)
				Accumulate(got, a, as, b, bs, k, n)
				bitstest.Equal(t, want, got, fmt.Sprintf("n=%d k=%d as=%d", n, k, as))
			}
		}
	}
}
