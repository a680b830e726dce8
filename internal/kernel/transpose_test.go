package kernel

import (
	"fmt"
	"testing"

	"github.com/autollmresearch/gym/internal/bitstest"
)

// TestTransposeMatchesGo checks Transpose, tiles and edges, against the
// element-by-element transpose over shapes around the 8×8 tiles.
func TestTransposeMatchesGo(t *testing.T) {
	rng := newRNG(7)
	for _, r := range []int{1, 7, 8, 9, 16, 17, 64, 65} {
		for _, c := range []int{1, 5, 8, 15, 16, 24, 64, 130} {
			src := randVec(rng, r*c, 1)
			want := make([]float64, r*c)
			for i := range r {
				for j := range c {
					want[j*r+i] = src[i*c+j]
				}
			}
			got := make([]float64, r*c)
			Transpose(got, src, r, c)
			bitstest.Equal(t, want, got, fmt.Sprintf("%d×%d", r, c))
		}
	}
}
