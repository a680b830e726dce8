// Package kernel holds the project's vector kernels for float64 slices:
// [Accumulate], a sequence of scaled row additions (the core of the
// matrix products of nn's layers and of the GP baselines' factorisations
// and solves), [SolveUpperTrans], a triangular solve, [Tanh] and [Exp],
// [Matern52], the GP baselines' correlation function, and [Adam], the
// optimiser's step.
//
// Each gives the same bits as the scalar code it replaces, on any input:
// Accumulate rounds every product before adding it, in a fixed order, and
// Tanh, Exp and Matern52 perform the operations of math.Tanh, math.Exp
// and [Matern52At] with the standard library's amd64 Exp, and Adam and
// SolveUpperTrans those of the steps they document. On amd64 with AVX-512
// they run as assembly, and Accumulate also with AVX2; elsewhere as Go.
// [VectorAccumulate], [VectorTanh], [VectorExp] and [VectorMatern] report
// which (Adam and SolveUpperTrans run as assembly with AVX-512 only), and
// the Disable functions switch the assembly off for tests.
package kernel
