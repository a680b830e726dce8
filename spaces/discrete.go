package spaces

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Discrete is the finite set of integers {Start, Start+1, ..., Start+N-1}.
// It is immutable, so one Discrete may be shared between goroutines.
//
// Its flat form is a one-hot vector of length N.
type Discrete struct {
	n, start int
}

// NewDiscrete returns the space {0, 1, ..., n-1}. Like make with a negative
// length, it panics if n < 1: that is a programming error. Use
// [FromDescription] to build a space from untrusted input.
func NewDiscrete(n int) *Discrete {
	return NewDiscreteFrom(n, 0)
}

// NewDiscreteFrom returns the space {start, start+1, ..., start+n-1}. It
// panics if n < 1 or if start+n-1 overflows an int.
func NewDiscreteFrom(n, start int) *Discrete {
	d, err := newDiscrete(n, start)
	if err != nil {
		panic("spaces: NewDiscreteFrom: " + err.Error())
	}
	return d
}

func newDiscrete(n, start int) (*Discrete, error) {
	if n < 1 {
		return nil, fmt.Errorf("n = %d, want n >= 1", n)
	}
	if start > math.MaxInt-(n-1) {
		return nil, fmt.Errorf("start %d + n %d - 1 overflows an int", start, n)
	}
	return &Discrete{n: n, start: start}, nil
}

// N is the number of values in the space.
func (d *Discrete) N() int { return d.n }

// Start is the smallest value in the space.
func (d *Discrete) Start() int { return d.start }

// Sample returns a uniformly random member of the space.
func (d *Discrete) Sample(r *rand.Rand) int {
	return d.start + r.IntN(d.n)
}

// SampleMasked returns a member drawn uniformly from those whose mask entry
// is true; mask[i] stands for the value Start+i. It returns an error if the
// mask does not have length N or allows no value.
func (d *Discrete) SampleMasked(r *rand.Rand, mask []bool) (int, error) {
	i, err := sampleMask(r, mask, d.n)
	if err != nil {
		return 0, fmt.Errorf("spaces: %v.SampleMasked: %w", d, err)
	}
	return d.start + i, nil
}

// sampleMask returns an index drawn uniformly from the true entries of mask,
// which must have length n and at least one true entry.
func sampleMask(r *rand.Rand, mask []bool, n int) (int, error) {
	if len(mask) != n {
		return 0, fmt.Errorf("mask has length %d, want %d", len(mask), n)
	}
	allowed := 0
	for _, ok := range mask {
		if ok {
			allowed++
		}
	}
	if allowed == 0 {
		return 0, fmt.Errorf("mask allows no value")
	}
	k := r.IntN(allowed)
	for i, ok := range mask {
		if ok {
			if k == 0 {
				return i, nil
			}
			k--
		}
	}
	panic("unreachable")
}

// Contains reports whether Start <= x <= Start+N-1.
func (d *Discrete) Contains(x int) bool {
	return x >= d.start && x <= d.start+(d.n-1)
}

// Clone returns x: integers share no memory.
func (d *Discrete) Clone(x int) int { return x }

// FlatDim is N, the length of the one-hot vector.
func (d *Discrete) FlatDim() int { return d.n }

// Flatten writes the one-hot encoding of x into dst, which must have
// length N.
func (d *Discrete) Flatten(x int, dst []float64) error {
	if len(dst) != d.n {
		return fmt.Errorf("spaces: %v.Flatten: dst has length %d, want %d", d, len(dst), d.n)
	}
	if !d.Contains(x) {
		return fmt.Errorf("spaces: %v.Flatten: value %d is outside [%d, %d]", d, x, d.start, d.start+(d.n-1))
	}
	clear(dst)
	dst[x-d.start] = 1
	return nil
}

// Unflatten returns Start plus the index of the largest entry of src, which
// must have length N and hold no NaN. It accepts any scores (logits,
// probabilities), not just one-hot vectors; ties go to the lowest index.
func (d *Discrete) Unflatten(src []float64) (int, error) {
	i, err := argmax(src, d.n)
	if err != nil {
		return 0, fmt.Errorf("spaces: %v.Unflatten: %w", d, err)
	}
	return d.start + i, nil
}

// argmax returns the index of the first largest entry of v, which must have
// length n and hold no NaN.
func argmax(v []float64, n int) (int, error) {
	if len(v) != n {
		return 0, fmt.Errorf("vector has length %d, want %d", len(v), n)
	}
	best := 0
	for i, x := range v {
		if math.IsNaN(x) {
			return 0, fmt.Errorf("entry %d is NaN", i)
		}
		if x > v[best] {
			best = i
		}
	}
	return best, nil
}

// String returns "Discrete(N)", or "Discrete(N, start=S)" when Start is not 0.
func (d *Discrete) String() string {
	if d.start != 0 {
		return fmt.Sprintf("Discrete(%d, start=%d)", d.n, d.start)
	}
	return fmt.Sprintf("Discrete(%d)", d.n)
}

// Describe returns {"type": "discrete", "n": N, "start": Start}.
func (d *Discrete) Describe() Description {
	return Description{Type: TypeDiscrete, N: d.n, Start: d.start}
}
