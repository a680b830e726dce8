package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// relErr is the relative error between an analytic and a numerical
// derivative, with a floor on the scale so that derivatives near zero are
// compared absolutely.
func relErr(analytic, numeric float64) float64 {
	return math.Abs(analytic-numeric) / math.Max(1e-3, math.Max(math.Abs(analytic), math.Abs(numeric)))
}

// checkGrad compares grad, the analytic gradient of loss at params, with
// central differences, perturbing params in place.
func checkGrad(t *testing.T, what string, params, grad []float64, loss func() float64) {
	t.Helper()
	const h = 1e-6
	worst := 0.0
	for i := range params {
		orig := params[i]
		params[i] = orig + h
		up := loss()
		params[i] = orig - h
		down := loss()
		params[i] = orig
		num := (up - down) / (2 * h)
		e := relErr(grad[i], num)
		worst = math.Max(worst, e)
		require.Lessf(t, e, 1e-5, "%s: parameter %d: analytic %.10g, numerical %.10g", what, i, grad[i], num)
	}
	t.Logf("%s: %d parameters, worst relative error %.2e", what, len(params), worst)
}

// randVec returns n draws of N(0, scale²).
func randVec(rng *rand.Rand, n int, scale float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = scale * rng.NormFloat64()
	}
	return v
}

// TestGradCheckCategorical checks the gradient of a PPO-like loss through
// an MLP and a masked categorical head against finite differences: for
// every sample, −w·log p(a) − c·H, for one sample and for a batch, with
// both activations.
func TestGradCheckCategorical(t *testing.T) {
	for _, act := range []Activation{Tanh, ReLU} {
		for _, rows := range []int{1, 5} {
			t.Run(fmt.Sprintf("%v/rows=%d", act, rows), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(1, 2))
				const in, k = 4, 6
				// A large output gain keeps the logits away from uniform.
				m, err := NewMLP(MLPConfig{Sizes: []int{in, 8, 7, k}, Activation: act, OutputGain: 1}, rng)
				require.NoError(t, err)
				// Random biases make ReLU kinks unlikely at the test points.
				for l := range m.NumLayers() {
					copy(m.biases(l), randVec(rng, len(m.biases(l)), 0.3))
				}
				ws := m.NewWorkspace(rows)
				x := randVec(rng, rows*in, 1)
				weights := randVec(rng, rows, 1)
				actions := make([]int, rows)
				masks := make([][]bool, rows)
				for r := range rows {
					masks[r] = make([]bool, k)
					for j := range k {
						masks[r][j] = j%3 != r%3 // mask a third of the actions
					}
					for {
						actions[r] = rng.IntN(k)
						if masks[r][actions[r]] {
							break
						}
					}
				}
				const entCoef = 0.3
				dist := NewCategorical(k)
				loss := func() float64 {
					out, err := m.ForwardBatch(ws, x)
					require.NoError(t, err)
					total := 0.0
					for r := range rows {
						require.NoError(t, dist.Set(out[r*k:(r+1)*k], masks[r]))
						lp, err := dist.LogProb(actions[r])
						require.NoError(t, err)
						total += -weights[r]*lp - entCoef*dist.Entropy()
					}
					return total
				}
				out, err := m.ForwardBatch(ws, x)
				require.NoError(t, err)
				dout := make([]float64, rows*k)
				for r := range rows {
					require.NoError(t, dist.Set(out[r*k:(r+1)*k], masks[r]))
					require.NoError(t, dist.Backward(dout[r*k:(r+1)*k], actions[r], -weights[r], -entCoef))
				}
				m.ZeroGrad()
				require.NoError(t, m.Backward(ws, dout))
				grad := append([]float64(nil), m.Grads()...)
				inGrad := append([]float64(nil), ws.InputGrad()...)
				checkGrad(t, "params", m.Params(), grad, loss)
				checkGrad(t, "inputs", x, inGrad, loss)
			})
		}
	}
}

// TestGradCheckGaussian checks the gradient of −w·log p(x) − c·H through
// an MLP giving the mean of a diagonal Gaussian and a free log-std vector.
func TestGradCheckGaussian(t *testing.T) {
	for _, rows := range []int{1, 4} {
		t.Run(fmt.Sprintf("rows=%d", rows), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, 4))
			const in, d = 3, 2
			m, err := NewMLP(MLPConfig{Sizes: []int{in, 6, d}}, rng)
			require.NoError(t, err)
			ws := m.NewWorkspace(rows)
			logStd := []float64{-0.3, 0.4}
			x := randVec(rng, rows*in, 1)
			acts := randVec(rng, rows*d, 1)
			weights := randVec(rng, rows, 1)
			const entCoef = 0.2
			loss := func() float64 {
				out, err := m.ForwardBatch(ws, x)
				require.NoError(t, err)
				total := 0.0
				for r := range rows {
					g, err := NewDiagGaussian(out[r*d:(r+1)*d], logStd)
					require.NoError(t, err)
					lp, err := g.LogProb(acts[r*d : (r+1)*d])
					require.NoError(t, err)
					total += -weights[r]*lp - entCoef*g.Entropy()
				}
				return total
			}
			out, err := m.ForwardBatch(ws, x)
			require.NoError(t, err)
			dout := make([]float64, rows*d)
			dLogStd := make([]float64, d)
			for r := range rows {
				g, err := NewDiagGaussian(out[r*d:(r+1)*d], logStd)
				require.NoError(t, err)
				require.NoError(t, g.Backward(acts[r*d:(r+1)*d], dout[r*d:(r+1)*d], dLogStd, -weights[r], -entCoef))
			}
			m.ZeroGrad()
			require.NoError(t, m.Backward(ws, dout))
			grad := append([]float64(nil), m.Grads()...)
			checkGrad(t, "params", m.Params(), grad, loss)
			checkGrad(t, "logStd", logStd, dLogStd, loss)
		})
	}
}

// TestGradCheckValue checks a squared-error value loss through a ReLU MLP
// with a single output, for a batch large enough for blocked products.
func TestGradCheckValue(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const in, rows = 5, 70
	m, err := NewMLP(MLPConfig{Sizes: []int{in, 9, 1}, Activation: ReLU}, rng)
	require.NoError(t, err)
	copy(m.biases(0), randVec(rng, 9, 0.3))
	ws := m.NewWorkspace(rows)
	x := randVec(rng, rows*in, 1)
	target := randVec(rng, rows, 1)
	loss := func() float64 {
		out, err := m.ForwardBatch(ws, x)
		require.NoError(t, err)
		s := 0.0
		for r, v := range out {
			s += 0.5 * (v - target[r]) * (v - target[r])
		}
		return s
	}
	out, err := m.ForwardBatch(ws, x)
	require.NoError(t, err)
	dout := make([]float64, rows)
	for r, v := range out {
		dout[r] = v - target[r]
	}
	m.ZeroGrad()
	require.NoError(t, m.Backward(ws, dout))
	checkGrad(t, "params", m.Params(), append([]float64(nil), m.Grads()...), loss)
}

// TestGradCheckSkip checks a squared-error loss through a tanh MLP with a
// skip path, for one sample and for a batch, with respect to the
// parameters (skip matrix included) and to the inputs.
func TestGradCheckSkip(t *testing.T) {
	for _, rows := range []int{1, 70} {
		t.Run(fmt.Sprintf("rows=%d", rows), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 8))
			const in, out = 5, 3
			m, err := NewMLP(MLPConfig{Sizes: []int{in, 6, out}, Activation: Tanh, Skip: true}, rng)
			require.NoError(t, err)
			// The skip matrix starts at zero; make it non-trivial.
			copy(m.skip().Data, randVec(rng, in*out, 0.5))
			ws := m.NewWorkspace(rows)
			x := randVec(rng, rows*in, 1)
			target := randVec(rng, rows*out, 1)
			loss := func() float64 {
				y, err := m.ForwardBatch(ws, x)
				require.NoError(t, err)
				s := 0.0
				for i, v := range y {
					s += 0.5 * (v - target[i]) * (v - target[i])
				}
				return s
			}
			y, err := m.ForwardBatch(ws, x)
			require.NoError(t, err)
			dout := make([]float64, len(y))
			for i, v := range y {
				dout[i] = v - target[i]
			}
			m.ZeroGrad()
			require.NoError(t, m.Backward(ws, dout))
			dx := append([]float64(nil), ws.InputGrad()...)
			checkGrad(t, "params", m.Params(), append([]float64(nil), m.Grads()...), loss)
			checkGrad(t, "inputs", x, dx, loss)
		})
	}
}
