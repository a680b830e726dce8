package nn

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5eed)) }

func TestMLPConfigValidate(t *testing.T) {
	cases := []struct {
		name string
		cfg  MLPConfig
		want string // substring of the error; "" for valid
	}{
		{"valid", MLPConfig{Sizes: []int{3, 4, 2}}, ""},
		{"valid relu gains", MLPConfig{Sizes: []int{3, 2}, Activation: ReLU, HiddenGain: 1, OutputGain: 0.01}, ""},
		{"no sizes", MLPConfig{}, "want at least an input and an output size"},
		{"one size", MLPConfig{Sizes: []int{3}}, "want at least an input and an output size"},
		{"zero width", MLPConfig{Sizes: []int{3, 0, 2}}, "Sizes[1] is 0"},
		{"negative width", MLPConfig{Sizes: []int{-1, 2}}, "Sizes[0] is -1"},
		{"bad activation", MLPConfig{Sizes: []int{3, 2}, Activation: 7}, "Activation is Activation(7)"},
		{"NaN gain", MLPConfig{Sizes: []int{3, 2}, OutputGain: math.NaN()}, "OutputGain is NaN"},
		{"negative gain", MLPConfig{Sizes: []int{3, 2}, HiddenGain: -1}, "HiddenGain is -1"},
		{"too large", MLPConfig{Sizes: []int{1 << 20, 1 << 20, 1}}, "more than"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.cfg.Validate()
			if c.want == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
			_, err = NewMLP(c.cfg, newRNG(1))
			assert.Error(t, err)
		})
	}
	_, err := NewMLP(MLPConfig{Sizes: []int{2, 2}}, nil)
	assert.ErrorContains(t, err, "rng is nil")
}

func TestActivationText(t *testing.T) {
	for _, a := range []Activation{Tanh, ReLU} {
		b, err := a.MarshalText()
		require.NoError(t, err)
		var back Activation
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, a, back)
	}
	var a Activation
	assert.ErrorContains(t, a.UnmarshalText([]byte("sigmoid")), `unknown activation "sigmoid"`)
	_, err := Activation(9).MarshalText()
	assert.Error(t, err)
	cfg := MLPConfig{Sizes: []int{2, 3}, Activation: ReLU}
	b, err := json.Marshal(cfg)
	require.NoError(t, err)
	assert.JSONEq(t, `{"sizes":[2,3],"activation":"relu"}`, string(b))
}

func TestMLPLayoutAndInit(t *testing.T) {
	cfg := MLPConfig{Sizes: []int{3, 5, 2}, OutputGain: 0.5}
	m, err := NewMLP(cfg, newRNG(7))
	require.NoError(t, err)
	assert.Equal(t, 3, m.In())
	assert.Equal(t, 2, m.Out())
	assert.Equal(t, 2, m.NumLayers())
	assert.Equal(t, 5*3+5+2*5+2, m.NumParams())
	assert.Len(t, m.Grads(), m.NumParams())

	// Weights then biases, layer by layer.
	assert.Equal(t, []int{0, 20}, m.wOff)
	assert.Equal(t, []int{15, 30}, m.bOff)
	for l := range m.NumLayers() {
		for _, b := range m.biases(l) {
			assert.Zero(t, b)
		}
	}
	// Layer 0 is tall (5×3): WᵀW = 2·I. Layer 1 is wide (2×5): WWᵀ = 0.25·I.
	checkGram := func(w blas64.General, trans blas.Transpose, gain float64) {
		n := w.Cols
		if trans == blas.NoTrans {
			n = w.Rows
		}
		g := blas64.General{Rows: n, Cols: n, Stride: n, Data: make([]float64, n*n)}
		if trans == blas.Trans {
			blas64.Gemm(blas.Trans, blas.NoTrans, 1, w, w, 0, g)
		} else {
			blas64.Gemm(blas.NoTrans, blas.Trans, 1, w, w, 0, g)
		}
		for i := range n {
			for j := range n {
				want := 0.0
				if i == j {
					want = gain * gain
				}
				assert.InDelta(t, want, g.Data[i*n+j], 1e-12, "Gram[%d][%d]", i, j)
			}
		}
	}
	checkGram(m.weights(0), blas.Trans, math.Sqrt2)
	checkGram(m.weights(1), blas.NoTrans, 0.5)

	// The same seed gives the same network; another seed does not.
	same, err := NewMLP(cfg, newRNG(7))
	require.NoError(t, err)
	assert.Equal(t, m.Params(), same.Params())
	other, err := NewMLP(cfg, newRNG(8))
	require.NoError(t, err)
	assert.NotEqual(t, m.Params(), other.Params())
}

func TestMLPForwardMatchesDefinition(t *testing.T) {
	for _, act := range []Activation{Tanh, ReLU} {
		t.Run(act.String(), func(t *testing.T) {
			m, err := NewMLP(MLPConfig{Sizes: []int{3, 4, 2}, Activation: act}, newRNG(1))
			require.NoError(t, err)
			for i := range m.params {
				m.params[i] = math.Sin(float64(i)) // biases non-zero too
			}
			x := []float64{0.5, -1, 2}
			// Naive evaluation.
			h := make([]float64, 4)
			for o := range 4 {
				s := m.params[m.bOff[0]+o]
				for i := range 3 {
					s += m.params[m.wOff[0]+o*3+i] * x[i]
				}
				if act == Tanh {
					s = math.Tanh(s)
				} else {
					s = math.Max(s, 0)
				}
				h[o] = s
			}
			want := make([]float64, 2)
			for o := range 2 {
				s := m.params[m.bOff[1]+o]
				for i := range 4 {
					s += m.params[m.wOff[1]+o*4+i] * h[i]
				}
				want[o] = s
			}
			ws := m.NewWorkspace(4)
			got, err := m.Forward(ws, x)
			require.NoError(t, err)
			assert.InDeltaSlice(t, want, got, 1e-12)
			assert.InDeltaSlice(t, h, ws.Activations(1), 1e-12)
			assert.Equal(t, x, ws.Activations(0))
			assert.Nil(t, ws.Activations(3))
		})
	}
}

// TestMLPBatchMatchesSingle checks that a batch pass gives, bit for bit,
// the outputs, input gradients and accumulated parameter gradients of one
// pass per row.
func TestMLPBatchMatchesSingle(t *testing.T) {
	for _, skip := range []bool{false, true} {
		t.Run(fmt.Sprintf("skip=%t", skip), func(t *testing.T) {
			rng := newRNG(2)
			m, err := NewMLP(MLPConfig{Sizes: []int{6, 70, 65, 3}, Skip: skip}, rng)
			require.NoError(t, err)
			if skip {
				copy(m.Params()[m.NumParams()-6*3:], randVec(rng, 6*3, 1)) // a non-zero skip matrix
			}
			const rows = 300
			x := randVec(rng, rows*6, 1)
			dy := randVec(rng, rows*3, 1)
			ws := m.NewWorkspace(rows)
			out, err := m.ForwardBatch(ws, x)
			require.NoError(t, err)
			out = append([]float64(nil), out...)
			m.ZeroGrad()
			require.NoError(t, m.Backward(ws, dy))
			batchGrad := append([]float64(nil), m.Grads()...)
			batchIn := append([]float64(nil), ws.InputGrad()...)

			one := m.NewWorkspace(1)
			m.ZeroGrad()
			for r := range rows {
				y, err := m.Forward(one, x[r*6:(r+1)*6])
				require.NoError(t, err)
				require.Equal(t, out[r*3:(r+1)*3], y, "row %d", r)
				require.NoError(t, m.Backward(one, dy[r*3:(r+1)*3]))
				require.Equal(t, batchIn[r*6:(r+1)*6], one.InputGrad(), "row %d", r)
			}
			assert.Equal(t, batchGrad, m.Grads())
		})
	}
}

func TestMLPErrors(t *testing.T) {
	m, err := NewMLP(MLPConfig{Sizes: []int{3, 4, 2}}, newRNG(1))
	require.NoError(t, err)
	other, err := NewMLP(MLPConfig{Sizes: []int{3, 5, 2}}, newRNG(1))
	require.NoError(t, err)
	ws := m.NewWorkspace(2)

	err = m.Backward(ws, make([]float64, 2))
	assert.ErrorContains(t, err, "no forward pass")

	cases := []struct {
		name string
		run  func() error
		want string
	}{
		{"nil workspace", func() error { _, err := m.Forward(nil, make([]float64, 3)); return err }, "workspace is nil"},
		{"foreign workspace", func() error { _, err := other.Forward(ws, make([]float64, 3)); return err }, "workspace is for layer sizes [3 4 2], the network has [3 5 2]"},
		{"short input", func() error { _, err := m.Forward(ws, make([]float64, 2)); return err }, "input has 2 values, the network takes 3"},
		{"ragged batch", func() error { _, err := m.ForwardBatch(ws, make([]float64, 4)); return err }, "want a positive multiple"},
		{"empty batch", func() error { _, err := m.ForwardBatch(ws, nil); return err }, "want a positive multiple"},
		{"batch too big", func() error { _, err := m.ForwardBatch(ws, make([]float64, 9)); return err }, "batch of 3 rows exceeds the workspace's 2"},
		{"bad output grad", func() error {
			if _, err := m.ForwardBatch(ws, make([]float64, 6)); err != nil {
				return err
			}
			return m.Backward(ws, make([]float64, 3))
		}, "output gradient has 3 values, want 4 (2 rows × 2 outputs)"},
		{"copy from other shape", func() error { return m.CopyFrom(other) }, "layer sizes [3 5 2] differ"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.ErrorContains(t, c.run(), c.want)
		})
	}
}

func TestMLPCloneCopyZero(t *testing.T) {
	m, err := NewMLP(MLPConfig{Sizes: []int{2, 3, 1}}, newRNG(1))
	require.NoError(t, err)
	m.Grads()[0] = 5
	c := m.Clone()
	assert.Equal(t, m.Params(), c.Params())
	assert.Equal(t, m.Grads(), c.Grads())
	c.Params()[0] += 1
	assert.NotEqual(t, m.Params()[0], c.Params()[0], "clone shares parameters")

	require.NoError(t, m.CopyFrom(c))
	assert.Equal(t, c.Params(), m.Params())
	c.Params()[1] += 1
	assert.NotEqual(t, m.Params()[1], c.Params()[1], "CopyFrom shares parameters")

	m.ZeroGrad()
	for _, g := range m.Grads() {
		assert.Zero(t, g)
	}
	cfg := m.Config()
	cfg.Sizes[0] = 99
	assert.Equal(t, 2, m.In(), "Config returned shared sizes")
}

// TestMLPNoAllocs checks that passes through a reused workspace do not
// allocate.
func TestMLPNoAllocs(t *testing.T) {
	m, err := NewMLP(MLPConfig{Sizes: []int{7, 64, 64, 64}}, newRNG(1))
	require.NoError(t, err)
	x := randVec(newRNG(2), 8*7, 1)
	dy := randVec(newRNG(3), 8*64, 1)
	ws := m.NewWorkspace(8)
	allocs := testing.AllocsPerRun(50, func() {
		if _, err := m.Forward(ws, x[:7]); err != nil {
			t.Fatal(err)
		}
		if err := m.Backward(ws, dy[:64]); err != nil {
			t.Fatal(err)
		}
		if _, err := m.ForwardBatch(ws, x); err != nil {
			t.Fatal(err)
		}
		if err := m.Backward(ws, dy); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
}

func TestMLPSkip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	plain, err := NewMLP(MLPConfig{Sizes: []int{3, 4, 2}}, rand.New(rand.NewPCG(3, 4)))
	require.NoError(t, err)
	m, err := NewMLP(MLPConfig{Sizes: []int{3, 4, 2}, Skip: true}, rng)
	require.NoError(t, err)
	assert.Equal(t, plain.NumParams()+3*2, m.NumParams(), "the skip matrix adds Out×In parameters")
	// The skip path starts at zero, so the network starts as the plain one.
	x := []float64{0.3, -1, 2}
	want, err := plain.Forward(plain.NewWorkspace(1), x)
	require.NoError(t, err)
	got, err := m.Forward(m.NewWorkspace(1), x)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	// With the hidden layers silenced, the network is the linear map S·x.
	clear(m.Params()[:plain.NumParams()])
	copy(m.skip().Data, []float64{1, 2, 3, -1, 0, 0.5})
	got, err = m.Forward(m.NewWorkspace(1), x)
	require.NoError(t, err)
	assert.InDeltaSlice(t, []float64{0.3 - 2 + 6, -0.3 + 1}, got, 1e-12)
	batch, err := m.ForwardBatch(m.NewWorkspace(2), append(slices.Clone(x), x...))
	require.NoError(t, err)
	assert.InDeltaSlice(t, append(slices.Clone(got), got...), batch, 1e-12)
	// Shapes with and without a skip path do not mix.
	err = plain.CopyFrom(m)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "skip path true differs from the network's false")
	// A checkpoint keeps the skip path.
	ck := &Checkpoint{}
	ck.PutMLP("actor", m)
	back, err := ck.NewMLPFrom("actor")
	require.NoError(t, err)
	assert.True(t, back.Config().Skip)
	assert.Equal(t, m.Params(), back.Params())
	assert.ErrorIs(t, ck.LoadMLP("actor", plain), ErrShape)
}

func TestBackwardParamsMatchesBackward(t *testing.T) {
	for _, act := range []Activation{Tanh, ReLU} {
		for _, skip := range []bool{false, true} {
			t.Run(fmt.Sprintf("%v/skip=%t", act, skip), func(t *testing.T) {
				rng := newRNG(4)
				m, err := NewMLP(MLPConfig{Sizes: []int{9, 33, 17, 5}, Activation: act, Skip: skip}, rng)
				require.NoError(t, err)
				if skip {
					copy(m.Params()[m.NumParams()-9*5:], randVec(rng, 9*5, 1))
				}
				const rows = 40
				x, dy := randVec(rng, rows*9, 1), randVec(rng, rows*5, 1)
				ws := m.NewWorkspace(rows)
				_, err = m.ForwardBatch(ws, x)
				require.NoError(t, err)
				m.ZeroGrad()
				require.NoError(t, m.Backward(ws, dy))
				want := append([]float64(nil), m.Grads()...)
				m.ZeroGrad()
				require.NoError(t, m.BackwardParams(ws, dy))
				assert.Equal(t, want, m.Grads())
				assert.ErrorContains(t, m.BackwardParams(ws, dy[:3]), "nn: BackwardParams: output gradient has 3 values")
			})
		}
	}
}
