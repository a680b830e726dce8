package nn

import (
	"fmt"
	"math"
	"testing"

	"github.com/autollmresearch/gym/internal/kernel"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// requireSameBits fails unless got and want hold the same float64 bits.
func requireSameBits(t *testing.T, want, got []float64, what string) {
	t.Helper()
	require.Len(t, got, len(want), what)
	for i := range want {
		if math.Float64bits(want[i]) != math.Float64bits(got[i]) {
			require.Failf(t, "bits differ", "%s: element %d is %v, want %v", what, i, got[i], want[i])
		}
	}
}

// passes runs a forward and a backward pass of x and dOut through m, layer
// by layer with the batched functions or with gonum's row-by-row ones,
// and returns the workspace and the parameter gradient.
func passes(m *MLP, x, dOut []float64, batched bool) (*Workspace, []float64) {
	rows, layers := len(x)/m.In(), m.NumLayers()
	ws := m.NewWorkspace(max(rows, batchRows)) // with the batched pass's scratch
	ws.rows = rows
	copy(ws.act[0], x)
	for l := range layers {
		if batched {
			m.forwardBatched(ws, l)
		} else {
			m.forwardRows(ws, l)
		}
		if l < layers-1 {
			m.activate(ws.act[l+1][:rows*m.cfg.Sizes[l+1]])
		}
	}
	if m.sOff >= 0 {
		in, out := m.In(), m.Out()
		for r := range rows {
			blas64.Gemv(blas.NoTrans, 1, m.skip(), blas64.Vector{N: in, Inc: 1, Data: x[r*in : (r+1)*in]}, 1, blas64.Vector{N: out, Inc: 1, Data: ws.act[layers][r*out : (r+1)*out]})
		}
	}
	grads := make([]float64, m.NumParams())
	copy(ws.delta[layers], dOut)
	for l := layers - 1; l >= 0; l-- {
		if batched {
			m.backwardBatched(ws, l, true, grads)
		} else {
			m.backwardRows(ws, l, true, grads)
		}
		if l > 0 {
			in := m.cfg.Sizes[l]
			m.activationGrad(ws.delta[l][:rows*in], ws.act[l][:rows*in])
		}
	}
	if m.sOff >= 0 {
		m.backwardSkip(ws, dOut, true, grads)
	}
	return ws, grads
}

// TestBatchedPassesMatchGonum checks that the batched forward and backward
// passes give, bit for bit, what gonum's row-by-row products give, over
// odd and even layer sizes (gonum's kernel orders the sum of an odd-length
// row differently for the last of an odd number of rows), both
// activations, the skip path and batch sizes on both sides of batchRows;
// with the vector kernels and without them.
func TestBatchedPassesMatchGonum(t *testing.T) {
	t.Run("vector kernels", testBatchedPassesMatchGonum)
	t.Run("AVX2 kernels", func(t *testing.T) {
		defer kernel.DisableAVX512()()
		testBatchedPassesMatchGonum(t)
	})
	// Without AVX-512 the network takes gonum's path, but the batched
	// functions must still give its bits.
	t.Run("Go alone", func(t *testing.T) {
		defer kernel.DisableVectorAccumulate()()
		defer kernel.DisableVectorTanh()()
		testBatchedPassesMatchGonum(t)
	})
}

func testBatchedPassesMatchGonum(t *testing.T) {
	shapes := [][]int{{64, 64, 64, 64}, {7, 5, 3}, {9, 64, 1}, {1, 1}, {3, 8, 6}, {37, 64, 64, 5}, {130, 65, 2}}
	for _, sizes := range shapes {
		for _, act := range []Activation{Tanh, ReLU} {
			for _, skip := range []bool{false, true} {
				for _, rows := range []int{1, 7, 8, 9, 33, 256} {
					name := fmt.Sprintf("%v/%v/skip=%t/rows=%d", sizes, act, skip, rows)
					t.Run(name, func(t *testing.T) {
						m, err := NewMLP(MLPConfig{Sizes: sizes, Activation: act, Skip: skip}, newRNG(3))
						require.NoError(t, err)
						rng := newRNG(uint64(rows))
						x := randVec(rng, rows*m.In(), 2)
						dOut := randVec(rng, rows*m.Out(), 1)
						ref, refGrads := passes(m, x, dOut, false)
						ws, grads := passes(m, x, dOut, true)
						requireSameBits(t, ref.Output(), ws.Output(), "output")
						requireSameBits(t, refGrads, grads, "parameter gradient")
						requireSameBits(t, ref.InputGrad(), ws.InputGrad(), "input gradient")
					})
				}
			}
		}
	}
}

// TestCategoricalSetMatchesScalar checks Set, whose exponentials go
// through kernel.Exp, against the scalar computation with math.Exp, bit
// for bit, with and without masks and with logits spread far enough for
// probabilities to underflow.
func TestCategoricalSetMatchesScalar(t *testing.T) {
	rng := newRNG(4)
	for _, k := range []int{1, 3, 8, 32, 37} {
		for _, spread := range []float64{1, 30, 2000} {
			for _, masked := range []bool{false, true} {
				logits := randVec(rng, k, spread)
				var mask []bool
				if masked {
					mask = make([]bool, k)
					for i := range mask {
						mask[i] = i%3 != 1 || k == 1
					}
				}
				c := NewCategorical(k)
				require.NoError(t, c.Set(logits, mask))
				// the scalar computation
				hi := math.Inf(-1)
				for i, z := range logits {
					if mask == nil || mask[i] {
						hi = max(hi, z)
					}
				}
				sum := 0.0
				for i, z := range logits {
					if mask == nil || mask[i] {
						sum += math.Exp(z - hi)
					}
				}
				logSum := math.Log(sum)
				h := 0.0
				for i, z := range logits {
					wantLp, wantP := math.Inf(-1), 0.0
					if mask == nil || mask[i] {
						wantLp = z - hi - logSum
						wantP = math.Exp(wantLp)
						h -= wantP * wantLp
					}
					require.Equal(t, math.Float64bits(wantLp), math.Float64bits(c.LogProbs()[i]), "k=%d spread=%g logp %d", k, spread, i)
					require.Equal(t, math.Float64bits(wantP), math.Float64bits(c.Probs()[i]), "k=%d spread=%g p %d", k, spread, i)
				}
				require.Equal(t, math.Float64bits(h), math.Float64bits(c.Entropy()))
			}
		}
	}
}
