package nn

import (
	"fmt"
	"math"
	"testing"

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

// TestAccumulateMatchesGo checks the vector kernel against accumulateGo,
// bit for bit, over lane counts that exercise every block size and the
// remainder, strides and products that round differently when fused.
func TestAccumulateMatchesGo(t *testing.T) {
	if !vectorKernel() {
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
				accumulate(got, a, as, b, bs, k, n)
				requireSameBits(t, want, got, fmt.Sprintf("n=%d k=%d as=%d", n, k, as))
			}
		}
	}
}

// backwardGonum is the backward pass row by row through gonum's Ger and
// transposed Gemv: what backward computed before the batched kernel, kept
// as the reference it must match bit for bit.
func backwardGonum(m *MLP, ws *Workspace, dOut []float64, inputGrad bool, grads []float64) {
	rows, layers := ws.rows, m.NumLayers()
	copy(ws.delta[layers], dOut)
	for l := layers - 1; l >= 0; l-- {
		in, out := m.cfg.Sizes[l], m.cfg.Sizes[l+1]
		dz, x, dx := ws.delta[l+1], ws.act[l], ws.delta[l]
		w, dw, db := m.weights(l), m.weightGrads(grads, l), m.biasGrads(grads, l)
		for r := range rows {
			dzr := blas64.Vector{N: out, Inc: 1, Data: dz[r*out : (r+1)*out]}
			blas64.Ger(1, dzr, blas64.Vector{N: in, Inc: 1, Data: x[r*in : (r+1)*in]}, dw)
			if l > 0 || inputGrad {
				blas64.Gemv(blas.Trans, 1, w, dzr, 0, blas64.Vector{N: in, Inc: 1, Data: dx[r*in : (r+1)*in]})
			}
			for j, v := range dzr.Data {
				db[j] += v
			}
		}
		if l > 0 {
			m.activationGrad(dx[:rows*in], x[:rows*in])
		}
	}
	if m.sOff >= 0 {
		m.backwardSkip(ws, dOut, inputGrad, grads)
	}
}

// TestBatchedPassesMatchGonum checks that the batched forward and backward
// passes give, bit for bit, what gonum's row-by-row products give, over
// odd and even layer sizes (gonum's kernel orders the sum of an odd-length
// row differently for the last of an odd number of rows), both
// activations, the skip path and batch sizes on both sides of batchRows;
// with the vector kernels and without them.
func TestBatchedPassesMatchGonum(t *testing.T) {
	t.Run("vector kernels", testBatchedPassesMatchGonum)
	t.Run("Go alone", func(t *testing.T) {
		defer disableVectorKernel()()
		defer disableVectorTanh()()
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

						ref := m.NewWorkspace(rows)
						ref.rows = rows
						copy(ref.act[0], x)
						for l := range m.NumLayers() {
							m.forwardRows(ref, l)
							if l < m.NumLayers()-1 {
								m.activate(ref.act[l+1][:rows*sizes[l+1]])
							}
						}
						refGrads := make([]float64, m.NumParams())
						// The reference's skip path is added by backwardGonum
						// below; its forward skip is the same code in both.
						ws := m.NewWorkspace(rows)
						out, err := m.ForwardBatch(ws, x)
						require.NoError(t, err)
						if m.sOff >= 0 {
							in, o := m.In(), m.Out()
							for r := range rows {
								blas64.Gemv(blas.NoTrans, 1, m.skip(), blas64.Vector{N: in, Inc: 1, Data: x[r*in : (r+1)*in]}, 1, blas64.Vector{N: o, Inc: 1, Data: ref.act[m.NumLayers()][r*o : (r+1)*o]})
							}
						}
						requireSameBits(t, ref.Output(), out, "output")

						backwardGonum(m, ref, dOut, true, refGrads)
						m.ZeroGrad()
						require.NoError(t, m.Backward(ws, dOut))
						requireSameBits(t, refGrads, m.Grads(), "parameter gradient")
						requireSameBits(t, ref.InputGrad(), ws.InputGrad(), "input gradient")
					})
				}
			}
		}
	}
}
