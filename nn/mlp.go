package nn

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/autollmresearch/gym/internal/kernel"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// Activation is the nonlinearity applied after every hidden layer of an
// [MLP]. The output layer is always linear.
type Activation uint8

const (
	// Tanh is the hyperbolic tangent, the default.
	Tanh Activation = iota
	// ReLU is max(0, x).
	ReLU
)

// String returns the activation's name: "tanh" or "relu".
func (a Activation) String() string {
	switch a {
	case Tanh:
		return "tanh"
	case ReLU:
		return "relu"
	}
	return fmt.Sprintf("Activation(%d)", uint8(a))
}

// MarshalText encodes the activation as its name.
func (a Activation) MarshalText() ([]byte, error) {
	if a != Tanh && a != ReLU {
		return nil, fmt.Errorf("nn: unknown activation %d (want tanh or relu)", uint8(a))
	}
	return []byte(a.String()), nil
}

// UnmarshalText decodes an activation from its name.
func (a *Activation) UnmarshalText(b []byte) error {
	switch string(b) {
	case "tanh":
		*a = Tanh
	case "relu":
		*a = ReLU
	default:
		return fmt.Errorf("nn: unknown activation %q (want tanh or relu)", b)
	}
	return nil
}

// MLPConfig describes the shape and initialisation of an [MLP].
type MLPConfig struct {
	// Sizes lists the width of every layer, input first and output last:
	// {7, 64, 64, 4} is a network from 7 inputs through two hidden layers
	// of 64 units to 4 outputs. At least two entries, all positive.
	Sizes []int `json:"sizes"`
	// Activation is the hidden layers' nonlinearity (Tanh by default).
	Activation Activation `json:"activation"`
	// HiddenGain scales the orthogonal initialisation of the hidden
	// layers' weights; 0 means √2.
	HiddenGain float64 `json:"hidden_gain,omitempty"`
	// OutputGain scales the orthogonal initialisation of the output
	// layer's weights; 0 means 1. Policy logits commonly use 0.01 and value
	// heads 1.
	OutputGain float64 `json:"output_gain,omitempty"`
	// Skip adds a linear path from the input straight to the output (an
	// Out×In matrix S, initialised to zero): the network computes
	// S·x + f(x), with f the layers above. A network with a skip path
	// extrapolates linearly beyond the inputs it was trained on, where a
	// plain tanh network flattens out; it suits regressions whose answer
	// is close to linear in the inputs, such as scaling laws in log space.
	Skip bool `json:"skip,omitempty"`
}

// maxParams bounds the size of a network so that a malformed config (or
// checkpoint) cannot ask for an absurd allocation.
const maxParams = 1 << 31

// Validate reports every field of c that is out of range.
func (c MLPConfig) Validate() error {
	var errs []error
	if len(c.Sizes) < 2 {
		errs = append(errs, fmt.Errorf("nn: MLPConfig.Sizes is %v, want at least an input and an output size", c.Sizes))
	}
	for i, s := range c.Sizes {
		if s < 1 {
			errs = append(errs, fmt.Errorf("nn: MLPConfig.Sizes[%d] is %d, want at least 1", i, s))
		}
	}
	if c.Activation != Tanh && c.Activation != ReLU {
		errs = append(errs, fmt.Errorf("nn: MLPConfig.Activation is %v, want Tanh or ReLU", c.Activation))
	}
	for _, g := range [...]struct {
		name string
		v    float64
	}{{"HiddenGain", c.HiddenGain}, {"OutputGain", c.OutputGain}} {
		if math.IsNaN(g.v) || math.IsInf(g.v, 0) || g.v < 0 {
			errs = append(errs, fmt.Errorf("nn: MLPConfig.%s is %g, want a finite number >= 0", g.name, g.v))
		}
	}
	if len(errs) == 0 {
		if _, ok := c.numParams(); !ok {
			errs = append(errs, fmt.Errorf("nn: MLPConfig.Sizes %v give more than %d parameters", c.Sizes, maxParams))
		}
	}
	return errors.Join(errs...)
}

// MLP is a fully connected network: hidden layers with the configured
// activation and a linear output layer, plus an optional linear skip path
// from input to output (MLPConfig.Skip).
//
// All parameters live in one flat vector, Params, laid out layer by layer,
// each layer's weights (a row-major out×in matrix W, so that the layer
// computes W·x + b) followed by its biases, and then, with Skip, the
// row-major Out×In skip matrix. Grads is a vector of the same
// layout that Backward accumulates into. Optimisers and checkpoints treat
// both as plain vectors.
//
// An MLP is not safe for concurrent use while it is being trained; forward
// passes only read it, so several goroutines may run Forward concurrently,
// each with its own Workspace.
type MLP struct {
	cfg    MLPConfig
	params []float64
	grads  []float64
	wOff   []int // offset of layer l's weights in params
	bOff   []int // offset of layer l's biases in params
	sOff   int   // offset of the skip matrix in params; -1 without one
}

// NewMLP returns a network of the given shape, initialised from rng:
// every weight matrix orthogonal (the Q factor of a Gaussian matrix, with
// the signs fixed by R's diagonal), scaled by HiddenGain for hidden layers
// and OutputGain for the output layer, and every bias 0. The same rng state
// gives the same network.
func NewMLP(cfg MLPConfig, rng *rand.Rand) (*MLP, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if rng == nil {
		return nil, errors.New("nn: NewMLP: rng is nil")
	}
	m := newMLP(cfg)
	m.Init(rng)
	return m, nil
}

// newMLP allocates a zero network of a validated shape.
func newMLP(cfg MLPConfig) *MLP {
	cfg.Sizes = slices.Clone(cfg.Sizes)
	layers := len(cfg.Sizes) - 1
	m := &MLP{cfg: cfg, wOff: make([]int, layers), bOff: make([]int, layers), sOff: -1}
	n := 0
	for l := range layers {
		in, out := cfg.Sizes[l], cfg.Sizes[l+1]
		m.wOff[l] = n
		n += out * in
		m.bOff[l] = n
		n += out
	}
	if cfg.Skip {
		m.sOff = n
		n += cfg.Sizes[0] * cfg.Sizes[layers]
	}
	m.params = make([]float64, n)
	m.grads = make([]float64, n)
	return m
}

// Init re-initialises the parameters from rng as NewMLP does and clears the
// gradient.
func (m *MLP) Init(rng *rand.Rand) {
	hidden, output := m.cfg.HiddenGain, m.cfg.OutputGain
	if hidden == 0 {
		hidden = math.Sqrt2
	}
	if output == 0 {
		output = 1
	}
	layers := m.NumLayers()
	for l := range layers {
		gain := hidden
		if l == layers-1 {
			gain = output
		}
		w := m.weights(l)
		orthogonal(w, gain, rng)
		clear(m.biases(l))
	}
	if m.sOff >= 0 {
		clear(m.skip().Data)
	}
	m.ZeroGrad()
}

// orthogonal fills w with a matrix whose rows (when it is wide) or columns
// (when it is tall) are orthonormal, times gain.
func orthogonal(w blas64.General, gain float64, rng *rand.Rand) {
	rows, cols := w.Rows, w.Cols
	big, small := max(rows, cols), min(rows, cols)
	g := mat.NewDense(big, small, nil)
	for i := range big {
		for j := range small {
			g.Set(i, j, rng.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(g)
	var q, r mat.Dense
	qr.QTo(&q)
	qr.RTo(&r)
	for j := range small {
		sign := 1.0
		if r.At(j, j) < 0 {
			sign = -1
		}
		for i := range big {
			v := gain * sign * q.At(i, j)
			if rows >= cols {
				w.Data[i*w.Stride+j] = v
			} else {
				w.Data[j*w.Stride+i] = v
			}
		}
	}
}

// weights returns layer l's weight matrix as a view of the parameters.
func (m *MLP) weights(l int) blas64.General {
	in, out := m.cfg.Sizes[l], m.cfg.Sizes[l+1]
	return blas64.General{Rows: out, Cols: in, Stride: in, Data: m.params[m.wOff[l] : m.wOff[l]+out*in]}
}

// weightGrads returns the gradient of layer l's weights within grads (laid
// out as Grads).
func (m *MLP) weightGrads(grads []float64, l int) blas64.General {
	in, out := m.cfg.Sizes[l], m.cfg.Sizes[l+1]
	return blas64.General{Rows: out, Cols: in, Stride: in, Data: grads[m.wOff[l] : m.wOff[l]+out*in]}
}

// skip returns the skip matrix (Out×In); only for a network with one.
func (m *MLP) skip() blas64.General {
	in, out := m.In(), m.Out()
	return blas64.General{Rows: out, Cols: in, Stride: in, Data: m.params[m.sOff : m.sOff+out*in]}
}

// skipGrads returns the gradient of the skip matrix within grads.
func (m *MLP) skipGrads(grads []float64) blas64.General {
	in, out := m.In(), m.Out()
	return blas64.General{Rows: out, Cols: in, Stride: in, Data: grads[m.sOff : m.sOff+out*in]}
}

// biases returns layer l's biases.
func (m *MLP) biases(l int) []float64 {
	return m.params[m.bOff[l] : m.bOff[l]+m.cfg.Sizes[l+1]]
}

// biasGrads returns the gradient of layer l's biases within grads.
func (m *MLP) biasGrads(grads []float64, l int) []float64 {
	return grads[m.bOff[l] : m.bOff[l]+m.cfg.Sizes[l+1]]
}

// Config returns the network's configuration (a copy).
func (m *MLP) Config() MLPConfig {
	c := m.cfg
	c.Sizes = slices.Clone(c.Sizes)
	return c
}

// In is the number of inputs.
func (m *MLP) In() int { return m.cfg.Sizes[0] }

// Out is the number of outputs.
func (m *MLP) Out() int { return m.cfg.Sizes[len(m.cfg.Sizes)-1] }

// NumLayers is the number of weight layers (len(Sizes) − 1).
func (m *MLP) NumLayers() int { return len(m.cfg.Sizes) - 1 }

// NumParams is the length of Params and Grads.
func (m *MLP) NumParams() int { return len(m.params) }

// Params returns the parameter vector itself (not a copy): optimisers
// update it in place.
func (m *MLP) Params() []float64 { return m.params }

// Grads returns the gradient vector itself (not a copy), laid out as
// Params.
func (m *MLP) Grads() []float64 { return m.grads }

// ZeroGrad sets the gradient to 0.
func (m *MLP) ZeroGrad() { clear(m.grads) }

// Clone returns a deep copy of the network, gradient included.
func (m *MLP) Clone() *MLP {
	c := newMLP(m.cfg)
	copy(c.params, m.params)
	copy(c.grads, m.grads)
	return c
}

// CopyFrom copies src's parameters and gradient into m. The two must have
// the same layer sizes, activation and skip path.
func (m *MLP) CopyFrom(src *MLP) error {
	if err := m.sameShape(src.cfg); err != nil {
		return fmt.Errorf("nn: CopyFrom: %w", err)
	}
	copy(m.params, src.params)
	copy(m.grads, src.grads)
	return nil
}

// sameShape reports whether cfg has m's layer sizes, activation and skip
// path.
func (m *MLP) sameShape(cfg MLPConfig) error {
	if !slices.Equal(m.cfg.Sizes, cfg.Sizes) {
		return fmt.Errorf("layer sizes %v differ from the network's %v", cfg.Sizes, m.cfg.Sizes)
	}
	if m.cfg.Activation != cfg.Activation {
		return fmt.Errorf("activation %v differs from the network's %v", cfg.Activation, m.cfg.Activation)
	}
	if m.cfg.Skip != cfg.Skip {
		return fmt.Errorf("skip path %t differs from the network's %t", cfg.Skip, m.cfg.Skip)
	}
	return nil
}

// Workspace holds the activations and backpropagated gradients of forward
// and backward passes of up to MaxRows samples through networks of one
// shape. Reusing a Workspace makes the passes allocation-free. A Workspace
// serves one pass at a time: use one per goroutine.
type Workspace struct {
	sizes   []int
	maxRows int
	rows    int         // rows of the last forward pass; 0 before any
	act     [][]float64 // act[l]: input (l = 0) or output of layer l, maxRows × sizes[l]
	delta   [][]float64 // delta[l]: gradient of the loss w.r.t. act[l], l < len(sizes)-1
	// Scratch of the forward pass: a layer's weights (or the skip
	// matrix) transposed, in × out, for kernel.MulAdd.
	wt []float64
}

// NewWorkspace returns a workspace for passes of up to maxRows samples
// through m or any network of m's layer sizes. maxRows below 1 is taken as
// 1.
func (m *MLP) NewWorkspace(maxRows int) *Workspace {
	maxRows = max(maxRows, 1)
	ws := &Workspace{sizes: slices.Clone(m.cfg.Sizes), maxRows: maxRows}
	ws.act = make([][]float64, len(ws.sizes))
	ws.delta = make([][]float64, len(ws.sizes))
	wt := 0
	for l, s := range ws.sizes {
		ws.act[l] = make([]float64, maxRows*s)
		if l < len(ws.sizes)-1 { // the output's gradient is the caller's dOut
			ws.delta[l] = make([]float64, maxRows*s)
		}
		if l > 0 {
			wt = max(wt, ws.sizes[l-1]*s)
		}
	}
	// A workspace also serves a network of the same sizes with a skip
	// path, whose matrix is In×Out.
	ws.wt = make([]float64, max(wt, ws.sizes[0]*ws.sizes[len(ws.sizes)-1]))
	return ws
}

// MaxRows is the largest batch the workspace holds.
func (ws *Workspace) MaxRows() int { return ws.maxRows }

// Rows is the number of samples of the last forward pass.
func (ws *Workspace) Rows() int { return ws.rows }

// Output returns the outputs of the last forward pass (Rows × Out,
// row-major), owned by the workspace.
func (ws *Workspace) Output() []float64 {
	l := len(ws.sizes) - 1
	return ws.act[l][:ws.rows*ws.sizes[l]]
}

// InputGrad returns the gradient of the loss with respect to the inputs of
// the last forward pass, as computed by the last Backward (Rows × In).
func (ws *Workspace) InputGrad() []float64 { return ws.delta[0][:ws.rows*ws.sizes[0]] }

// Activations returns the values at layer boundary l of the last forward
// pass, Rows × Sizes[l]: the inputs for l = 0, the output of hidden layer l
// for 0 < l < NumLayers and the network's output for l = NumLayers. It
// returns nil for an l out of range.
func (ws *Workspace) Activations(l int) []float64 {
	if l < 0 || l >= len(ws.sizes) {
		return nil
	}
	return ws.act[l][:ws.rows*ws.sizes[l]]
}

// checkWorkspace verifies that ws fits m.
func (m *MLP) checkWorkspace(ws *Workspace, op string) error {
	if ws == nil {
		return fmt.Errorf("nn: %s: workspace is nil", op)
	}
	if !slices.Equal(ws.sizes, m.cfg.Sizes) {
		return fmt.Errorf("nn: %s: workspace is for layer sizes %v, the network has %v", op, ws.sizes, m.cfg.Sizes)
	}
	return nil
}

// Forward computes the network's output for one sample x (length In) and
// returns it (length Out). The result is owned by ws and valid until its
// next pass.
func (m *MLP) Forward(ws *Workspace, x []float64) ([]float64, error) {
	if err := m.checkWorkspace(ws, "Forward"); err != nil {
		return nil, err
	}
	if len(x) != m.In() {
		return nil, fmt.Errorf("nn: Forward: input has %d values, the network takes %d", len(x), m.In())
	}
	ws.rows = 1
	copy(ws.act[0], x)
	m.forward(ws)
	return ws.Output(), nil
}

// ForwardBatch computes the outputs for a batch of samples: x holds the
// rows one after another (len(x) = rows × In, 1 ≤ rows ≤ ws.MaxRows()).
// It returns the rows × Out outputs, owned by ws and valid until its next
// pass. Each row's output is exactly what Forward gives for that row.
func (m *MLP) ForwardBatch(ws *Workspace, x []float64) ([]float64, error) {
	if err := m.checkWorkspace(ws, "ForwardBatch"); err != nil {
		return nil, err
	}
	in0 := m.In()
	if len(x) == 0 || len(x)%in0 != 0 {
		return nil, fmt.Errorf("nn: ForwardBatch: input has %d values, want a positive multiple of the network's %d inputs", len(x), in0)
	}
	rows := len(x) / in0
	if rows > ws.maxRows {
		return nil, fmt.Errorf("nn: ForwardBatch: batch of %d rows exceeds the workspace's %d", rows, ws.maxRows)
	}
	ws.rows = rows
	copy(ws.act[0], x)
	m.forward(ws)
	return ws.Output(), nil
}

// forward runs the forward pass of the ws.rows inputs in ws.act[0].
//
// Each output of a layer starts from its bias and adds the products of
// the inputs with its weights one fused multiply-add at a time, in the
// order of the inputs (kernel.MulAdd's arithmetic); the skip path then adds
// its products to the network's outputs the same way. A row's outputs are
// the same bits whatever the batch around it and on every machine.
func (m *MLP) forward(ws *Workspace) {
	layers := m.NumLayers()
	for l := range layers {
		in, out := m.cfg.Sizes[l], m.cfg.Sizes[l+1]
		y, b := ws.act[l+1][:ws.rows*out], m.biases(l)
		for r := range ws.rows {
			copy(y[r*out:(r+1)*out], b)
		}
		m.linear(ws, y, ws.act[l], m.weights(l).Data, in, out)
		if l < layers-1 {
			m.activate(y)
		}
	}
	if m.sOff >= 0 {
		m.linear(ws, ws.act[layers], ws.act[0], m.skip().Data, m.In(), m.Out())
	}
}

// linear adds to the ws.rows rows of y (out values each) the products of
// the rows of x (in values each) with the row-major out×in matrix w:
// y[r][o] += Σ_i w[o][i]·x[r][i], one fused multiply-add per term in the
// order of i.
func (m *MLP) linear(ws *Workspace, y, x, w []float64, in, out int) {
	wt := ws.wt[:in*out]
	kernel.Transpose(wt, w, out, in)
	kernel.MulAdd(y, out, x, in, 1, wt, out, ws.rows, in, out)
}

// activate applies the hidden activation in place.
func (m *MLP) activate(y []float64) {
	switch m.cfg.Activation {
	case ReLU:
		for i, v := range y {
			if v < 0 {
				y[i] = 0
			}
		}
	default:
		kernel.Tanh(y)
	}
}

// activationGrad multiplies d by the activation's derivative, given the
// activation's output y.
func (m *MLP) activationGrad(d, y []float64) {
	switch m.cfg.Activation {
	case ReLU:
		for i, v := range y {
			if v <= 0 {
				d[i] = 0
			}
		}
	default:
		kernel.TanhGrad(d, y) // d·(1 − y²)
	}
}

// Backward backpropagates dOut, the gradient of a loss with respect to the
// outputs of the last forward pass in ws (Rows × Out), through the
// network: it adds the gradient with respect to the parameters to Grads
// (call ZeroGrad first to start afresh) and leaves the gradient with
// respect to the inputs in ws.InputGrad(). The parameters must not have
// changed since that forward pass. dOut is not modified.
func (m *MLP) Backward(ws *Workspace, dOut []float64) error {
	return m.backward(ws, dOut, "Backward", true, m.grads)
}

// BackwardParams is Backward without the gradient with respect to the
// inputs, which a learner that trains the network alone never reads: it
// adds the same gradient to Grads, bit for bit, and leaves InputGrad
// undefined. It saves the first layer's transposed matrix-vector products,
// the largest share of the backward pass when the inputs outnumber the
// hidden units.
func (m *MLP) BackwardParams(ws *Workspace, dOut []float64) error {
	return m.backward(ws, dOut, "BackwardParams", false, m.grads)
}

// BackwardParamsTo is BackwardParams adding the gradient to grads, a
// vector laid out as Grads, instead of to Grads. The network is only read,
// so several goroutines may backpropagate different batches at once, each
// with its own Workspace and gradient vector, and sum the vectors after.
func (m *MLP) BackwardParamsTo(ws *Workspace, dOut, grads []float64) error {
	if len(grads) != len(m.grads) {
		return fmt.Errorf("nn: BackwardParamsTo: gradient vector has %d values, the network has %d parameters", len(grads), len(m.grads))
	}
	return m.backward(ws, dOut, "BackwardParamsTo", false, grads)
}

// backward is Backward into grads, with the input gradient when inputGrad
// is set.
func (m *MLP) backward(ws *Workspace, dOut []float64, op string, inputGrad bool, grads []float64) error {
	if err := m.checkWorkspace(ws, op); err != nil {
		return err
	}
	if ws.rows == 0 {
		return fmt.Errorf("nn: %s: no forward pass in the workspace", op)
	}
	rows := ws.rows
	layers := m.NumLayers()
	if len(dOut) != rows*m.Out() {
		return fmt.Errorf("nn: %s: output gradient has %d values, want %d (%d rows × %d outputs)", op, len(dOut), rows*m.Out(), rows, m.Out())
	}
	for l := layers - 1; l >= 0; l-- {
		dz := dOut // the last layer's output gradient, read in place
		if l < layers-1 {
			dz = ws.delta[l+1]
		}
		m.backwardLayer(ws, l, dz, inputGrad, grads)
		if l > 0 {
			in := m.cfg.Sizes[l]
			m.activationGrad(ws.delta[l][:rows*in], ws.act[l][:rows*in])
		}
	}
	if m.sOff >= 0 {
		m.backwardSkip(ws, dOut, inputGrad, grads)
	}
	return nil
}

// backwardLayer backpropagates dz, the gradient with respect to layer l's
// outputs, through it: it adds the weight and bias gradients to grads and,
// unless l is the first layer and inputGrad is unset, writes the gradient
// with respect to the layer's inputs (before the activation's derivative)
// to ws.delta[l]. The products are fused multiply-adds in the order of
// the rows for the weights and of the outputs for the inputs.
func (m *MLP) backwardLayer(ws *Workspace, l int, dz []float64, inputGrad bool, grads []float64) {
	rows := ws.rows
	in, out := m.cfg.Sizes[l], m.cfg.Sizes[l+1]
	x, dx := ws.act[l], ws.delta[l]
	w, dw, db := m.weights(l), m.weightGrads(grads, l), m.biasGrads(grads, l)
	// dW += dzᵀ x: A is dz read transposed.
	kernel.MulAdd(dw.Data, in, dz, 1, out, x, in, out, rows, in)
	if l > 0 || inputGrad {
		// dx = dz W.
		clear(dx[:rows*in])
		kernel.MulAdd(dx, in, dz, out, 1, w.Data, in, rows, out, in)
	}
	// db += Σ_r dz[r], the rows in order: fma(1, v, s) is v + s exactly.
	kernel.MulAdd(db, out, one, 0, 0, dz, out, 1, rows, out)
}

// one is the multiplier of kernel.MulAdd's sums of rows.
var one = []float64{1}

// backwardSkip adds the skip path's share of Backward: dS += dOutᵀ·X and,
// when inputGrad is set, dX += dOut·S.
func (m *MLP) backwardSkip(ws *Workspace, dOut []float64, inputGrad bool, grads []float64) {
	rows, in, out := ws.rows, m.In(), m.Out()
	x, dx, s, ds := ws.act[0], ws.delta[0], m.skip(), m.skipGrads(grads)
	kernel.MulAdd(ds.Data, in, dOut, 1, out, x, in, out, rows, in)
	if inputGrad {
		kernel.MulAdd(dx, in, dOut, out, 1, s.Data, in, rows, out, in)
	}
}
