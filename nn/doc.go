// Package nn holds the neural-network building blocks of the project's
// learners, written over gonum: a multilayer perceptron ([MLP]) whose
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
// On amd64 with AVX2 or AVX-512, batches of 8 rows or more go through an
// assembly kernel for the products (and, with AVX-512, a vector tanh);
// elsewhere through gonum's row-by-row products and math.Tanh. All give
// the same bits (the kernels keep the summation order of gonum's amd64
// products and use no fused multiply-adds), so the outputs, gradients and
// training runs do not depend on the batch size or on which kernel runs.
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
