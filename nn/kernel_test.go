package nn

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/autollmresearch/gym/internal/bitstest"
	"github.com/autollmresearch/gym/internal/kernel"
	"github.com/stretchr/testify/require"
)

// referencePasses computes a forward and a backward pass of x and dOut
// through m as the documentation defines them, one sample and one element
// at a time: every sum a chain of math.FMA in the documented order. It
// returns the outputs, the parameter gradient and the input gradient.
func referencePasses(m *MLP, x, dOut []float64) (out, grads, dx []float64) {
	rows, layers, sizes := len(x)/m.In(), m.NumLayers(), m.cfg.Sizes
	act := make([][]float64, layers+1) // act[l]: rows × sizes[l]
	act[0] = x
	for l := range layers {
		in, n := sizes[l], sizes[l+1]
		w, b := m.weights(l).Data, m.biases(l)
		act[l+1] = make([]float64, rows*n)
		for r := range rows {
			for o := range n {
				s := b[o]
				for i := range in {
					s = math.FMA(act[l][r*in+i], w[o*in+i], s)
				}
				if l < layers-1 {
					if m.cfg.Activation == Tanh {
						s = kernel.TanhOf(s)
					} else if s < 0 {
						s = 0
					}
				}
				act[l+1][r*n+o] = s
			}
		}
	}
	in0, nOut := m.In(), m.Out()
	if m.sOff >= 0 {
		sk := m.skip().Data
		for r := range rows {
			for o := range nOut {
				for i := range in0 {
					act[layers][r*nOut+o] = math.FMA(x[r*in0+i], sk[o*in0+i], act[layers][r*nOut+o])
				}
			}
		}
	}
	grads = make([]float64, m.NumParams())
	delta := slices.Clone(dOut)
	for l := layers - 1; l >= 0; l-- {
		in, n := sizes[l], sizes[l+1]
		w, dw, db := m.weights(l).Data, m.weightGrads(grads, l).Data, m.biasGrads(grads, l)
		for o := range n {
			for i := range in {
				for r := range rows {
					dw[o*in+i] = math.FMA(delta[r*n+o], act[l][r*in+i], dw[o*in+i])
				}
			}
			for r := range rows {
				db[o] += delta[r*n+o]
			}
		}
		next := make([]float64, rows*in)
		for r := range rows {
			for i := range in {
				for o := range n {
					next[r*in+i] = math.FMA(delta[r*n+o], w[o*in+i], next[r*in+i])
				}
				if l > 0 {
					if y := act[l][r*in+i]; m.cfg.Activation == Tanh {
						next[r*in+i] *= 1 - y*y
					} else if y <= 0 {
						next[r*in+i] = 0
					}
				}
			}
		}
		delta = next
	}
	if m.sOff >= 0 {
		sk, ds := m.skip().Data, m.skipGrads(grads).Data
		for o := range nOut {
			for i := range in0 {
				for r := range rows {
					ds[o*in0+i] = math.FMA(dOut[r*nOut+o], x[r*in0+i], ds[o*in0+i])
				}
			}
		}
		for r := range rows {
			for i := range in0 {
				for o := range nOut {
					delta[r*in0+i] = math.FMA(dOut[r*nOut+o], sk[o*in0+i], delta[r*in0+i])
				}
			}
		}
	}
	return act[layers], grads, delta
}

// TestPassesMatchDefinition checks ForwardBatch and Backward against
// referencePasses, bit for bit, over odd and even layer sizes, both
// activations, the skip path and batches of 1 to 256 rows;
// with the AVX-512 kernels, the AVX2 ones and Go alone. So a row's
// outputs and gradients are the same bits whatever the batch and the
// machine.
func TestPassesMatchDefinition(t *testing.T) {
	t.Run("vector kernels", testPassesMatchDefinition)
	t.Run("AVX2 kernels", func(t *testing.T) {
		defer kernel.DisableAVX512()()
		testPassesMatchDefinition(t)
	})
	t.Run("Go alone", func(t *testing.T) {
		defer kernel.DisableVectorProducts()()
		defer kernel.DisableVectorTanh()()
		testPassesMatchDefinition(t)
	})
}

func testPassesMatchDefinition(t *testing.T) {
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
						if skip { // a skip matrix that is not zero
							copy(m.skip().Data, randVec(rng, m.In()*m.Out(), 1))
						}
						x := randVec(rng, rows*m.In(), 2)
						dOut := randVec(rng, rows*m.Out(), 1)
						wantOut, wantGrads, wantDx := referencePasses(m, x, dOut)
						ws := m.NewWorkspace(rows)
						out, err := m.ForwardBatch(ws, x)
						require.NoError(t, err)
						bitstest.Equal(t, wantOut, out, "output")
						require.NoError(t, m.Backward(ws, dOut))
						bitstest.Equal(t, wantGrads, m.Grads(), "parameter gradient")
						bitstest.Equal(t, wantDx, ws.InputGrad(), "input gradient")
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
