// Package kernel holds the project's vector kernels for float64 slices:
// [MulAdd], the matrix product of nn's layers, [Transpose], [Tanh] and
// [TanhGrad], the hidden activation and its derivative, and [Adam], the
// optimiser's step; [Accumulate], a sequence of scaled row additions at
// the core of the GP baselines' factorisations, [SolveUpperTrans], a
// triangular solve, [Exp] and [Matern52], the GP baselines' correlation
// function.
//
// Each gives the same bits as the scalar code that defines it, on any
// input, whichever way it splits the work: MulAdd fuses every multiply
// and add (math.FMA) in a fixed order; Accumulate rounds every product
// before adding it, in a fixed order, as gonum's routines that the GP
// baselines reproduce do; Tanh performs the operations of [TanhOf]; Exp
// and Matern52 those of math.Exp and [Matern52At] with the standard
// library's amd64 Exp; Adam, TanhGrad and SolveUpperTrans those of the
// steps they document. On amd64 with AVX-512 they run as assembly, and MulAdd
// and Accumulate also with AVX2; elsewhere as Go. [VectorMulAdd],
// [VectorAccumulate], [VectorTanh], [VectorExp] and [VectorMatern] report
// which (the others run as assembly with AVX-512 only), and the Disable
// functions switch the assembly off for tests.
package kernel

// gen_products.go writes the assembly of Accumulate and MulAdd.
//
//go:generate go run gen_products.go
