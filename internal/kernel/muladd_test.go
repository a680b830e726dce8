package kernel

import (
	"fmt"
	"math"
	"testing"

	"github.com/autollmresearch/gym/internal/bitstest"

	"github.com/stretchr/testify/require"
)

// mulAddRef is MulAdd written as its definition reads, one element at a
// time.
func mulAddRef(c []float64, ldc int, a []float64, ai, ak int, b []float64, ldb, m, k, n int) {
	for i := range m {
		for j := range n {
			s := c[i*ldc+j]
			for kk := range k {
				s = math.FMA(a[i*ai+kk*ak], b[kk*ldb+j], s)
			}
			c[i*ldc+j] = s
		}
	}
}

// mulAddCase is one shape of MulAdd: C is m×n in rows of ldc, A is read
// row-major or transposed, B has rows of ldb.
type mulAddCase struct {
	m, k, n, pad int
	transA       bool
}

func (tc mulAddCase) String() string {
	return fmt.Sprintf("m=%d,k=%d,n=%d,pad=%d,transA=%t", tc.m, tc.k, tc.n, tc.pad, tc.transA)
}

// mulAddCases covers every register count and row block of the kernels,
// their remainders, column counts above one call's 64, and padded rows.
func mulAddCases() []mulAddCase {
	var cases []mulAddCase
	for _, n := range []int{1, 3, 4, 7, 8, 9, 16, 17, 24, 31, 32, 33, 40, 48, 56, 63, 64, 65, 100, 129} {
		for _, m := range []int{1, 2, 3, 5, 8, 9, 17} {
			cases = append(cases, mulAddCase{m: m, k: 1 + (n+m)%13, n: n, pad: m % 3, transA: (n+m)%2 == 0})
		}
	}
	return append(cases, mulAddCase{m: 256, k: 64, n: 64}, mulAddCase{m: 64, k: 256, n: 64, transA: true}, mulAddCase{m: 4, k: 0, n: 5})
}

// TestMulAddMatchesDefinition checks MulAdd's kernels and its Go code
// against the definition, bit for bit, on products that round differently
// when fused or reordered.
func TestMulAddMatchesDefinition(t *testing.T) {
	t.Run("best kernel", testMulAddMatchesDefinition)
	t.Run("AVX2 kernel", func(t *testing.T) {
		defer DisableAVX512()()
		testMulAddMatchesDefinition(t)
	})
	t.Run("Go", func(t *testing.T) {
		defer DisableVectorProducts()()
		testMulAddMatchesDefinition(t)
	})
}

func testMulAddMatchesDefinition(t *testing.T) {
	rng := newRNG(11)
	for _, tc := range mulAddCases() {
		ldc, ldb := tc.n+tc.pad, tc.n+2*tc.pad
		ai, ak := tc.k+tc.pad, 1
		if tc.transA {
			ai, ak = 1, tc.m+tc.pad
		}
		a := randVec(rng, max(1, (tc.m-1)*ai+(tc.k-1)*ak+1), 3)
		b := randVec(rng, max(1, (tc.k-1)*ldb+tc.n), 3)
		c := randVec(rng, (tc.m-1)*ldc+tc.n+tc.pad, 10)
		want := append([]float64(nil), c...)
		mulAddRef(want, ldc, a, ai, ak, b, ldb, tc.m, tc.k, tc.n)
		got := append([]float64(nil), c...)
		MulAdd(got, ldc, a, ai, ak, b, ldb, tc.m, tc.k, tc.n)
		bitstest.Equal(t, want, got, tc.String())
	}
}

// TestMulAddFuses checks that MulAdd rounds once per term: a product whose
// low bits a separate rounding would lose survives.
func TestMulAddFuses(t *testing.T) {
	x := 1 + 0x1p-30
	c := []float64{-1 - 0x1p-29}
	MulAdd(c, 1, []float64{x}, 1, 1, []float64{x}, 1, 1, 1, 1)
	require.Equal(t, 0x1p-60, c[0], "(1+2⁻³⁰)² − (1+2⁻²⁹) is 2⁻⁶⁰ when fused, 0 when the product is rounded first")
}

// BenchmarkMulAdd measures the product of a 256×64 and a 64×64 matrix, a
// forward pass of a 64-unit layer over 256 rows.
func BenchmarkMulAdd(b *testing.B) {
	rng := newRNG(1)
	a, w, c := randVec(rng, 256*64, 1), randVec(rng, 64*64, 1), make([]float64, 256*64)
	b.ReportAllocs()
	for b.Loop() {
		MulAdd(c, 64, a, 64, 1, w, 64, 256, 64, 64)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*256), "ns/row")
}
