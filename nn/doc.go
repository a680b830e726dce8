// Package nn holds the neural-network building blocks of the project's
// learners: a multilayer perceptron ([MLP]) whose
// parameters and gradients are single flat []float64 vectors, the action
// heads of a policy ([Categorical] for discrete actions, with optional
// masks, and [DiagGaussian] for continuous ones), the [Adam] optimiser with
// gradient clipping by global norm ([ClipGradNorm]), and versioned,
// checksummed checkpoint files ([Checkpoint], [WriteFile], [ReadFile]).
//
// Everything here is float64 and deterministic: initialisation and sampling
// draw only from a *rand.Rand the caller passes in, so the same seed gives
// the same network and the same samples. Forward and backward passes run in
// a [Workspace] that holds the activations and is reused from call to call,
// so that a training loop allocates nothing per step once its workspaces
// exist.
//
// Every sum of products in a pass is a chain of fused multiply-adds
// (math.FMA) in a fixed order: a layer's output starts from its bias and
// adds its inputs' products in input order, a weight's gradient adds the
// batch's rows in order, an input's gradient adds the layer's outputs in
// order. On amd64 with AVX-512 (or AVX2 and FMA) the products run as
// assembly (internal/kernel's MulAdd), with AVX-512 tanh as well; elsewhere
// as Go. All give the same bits, so a row's outputs and gradients, and so
// training runs, depend neither on the batch around it nor on the machine's
// vector units.
//
// A typical training step:
//
//	out, err := m.ForwardBatch(ws, x)      // x: rows × m.In(), row-major
//	... compute dLoss/dOut into dout ...
//	m.ZeroGrad()
//	err = m.Backward(ws, dout)             // accumulates into m.Grads()
//	nn.ClipGradNorm(0.5, m.Grads())
//	opt.Step(m.Params(), m.Grads())
package nn
