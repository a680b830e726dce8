package spaces

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// MultiDiscrete is a product of discrete spaces: its members are []int
// vectors x with 0 <= x[i] < Nvec[i] for every i. It is immutable, so one
// MultiDiscrete may be shared between goroutines.
//
// Its flat form concatenates the one-hot encodings of the entries, so it has
// length Nvec[0] + Nvec[1] + ...
type MultiDiscrete struct {
	nvec    []int
	flatDim int
}

// NewMultiDiscrete returns the space of vectors whose i-th entry lies in
// {0, ..., nvec[i]-1}. It panics if nvec is empty, an entry is below 1 or the
// flat length overflows an int; those are programming errors. Use
// [FromDescription] to build a space from untrusted input.
func NewMultiDiscrete(nvec ...int) *MultiDiscrete {
	m, err := newMultiDiscrete(nvec)
	if err != nil {
		panic("spaces: NewMultiDiscrete: " + err.Error())
	}
	return m
}

func newMultiDiscrete(nvec []int) (*MultiDiscrete, error) {
	if len(nvec) == 0 {
		return nil, errors.New("nvec is empty, want at least one entry")
	}
	flat := 0
	for i, n := range nvec {
		if n < 1 {
			return nil, fmt.Errorf("nvec[%d] = %d, want >= 1", i, n)
		}
		if flat > math.MaxInt-n {
			return nil, fmt.Errorf("nvec %v: flat length overflows an int", nvec)
		}
		flat += n
	}
	return &MultiDiscrete{nvec: append([]int(nil), nvec...), flatDim: flat}, nil
}

// Nvec returns a copy of the sizes of the entries.
func (m *MultiDiscrete) Nvec() []int { return append([]int(nil), m.nvec...) }

// Len is the length of a member vector.
func (m *MultiDiscrete) Len() int { return len(m.nvec) }

// Sample returns a new vector with each entry drawn uniformly and
// independently.
func (m *MultiDiscrete) Sample(r *rand.Rand) []int {
	x := make([]int, len(m.nvec))
	for i, n := range m.nvec {
		x[i] = r.IntN(n)
	}
	return x
}

// SampleMasked draws each entry i uniformly from the values v whose
// masks[i][v] is true. A nil masks[i] leaves entry i unrestricted. It
// returns an error if masks does not have one mask per entry, or a mask has
// the wrong length or allows no value.
func (m *MultiDiscrete) SampleMasked(r *rand.Rand, masks [][]bool) ([]int, error) {
	if len(masks) != len(m.nvec) {
		return nil, fmt.Errorf("spaces: %v.SampleMasked: got %d masks, want %d", m, len(masks), len(m.nvec))
	}
	x := make([]int, len(m.nvec))
	for i, n := range m.nvec {
		if masks[i] == nil {
			x[i] = r.IntN(n)
			continue
		}
		v, err := sampleMask(r, masks[i], n)
		if err != nil {
			return nil, fmt.Errorf("spaces: %v.SampleMasked: masks[%d]: %w", m, i, err)
		}
		x[i] = v
	}
	return x, nil
}

// Contains reports whether x has length Len and 0 <= x[i] < Nvec[i] for
// every i.
func (m *MultiDiscrete) Contains(x []int) bool {
	if len(x) != len(m.nvec) {
		return false
	}
	for i, v := range x {
		if v < 0 || v >= m.nvec[i] {
			return false
		}
	}
	return true
}

// Clone returns a copy of x (nil stays nil).
func (m *MultiDiscrete) Clone(x []int) []int {
	if x == nil {
		return nil
	}
	return append([]int(nil), x...)
}

// FlatDim is the sum of Nvec.
func (m *MultiDiscrete) FlatDim() int { return m.flatDim }

// Flatten writes the concatenated one-hot encodings of x's entries into dst,
// which must have length FlatDim.
func (m *MultiDiscrete) Flatten(x []int, dst []float64) error {
	if len(dst) != m.flatDim {
		return fmt.Errorf("spaces: %v.Flatten: dst has length %d, want %d", m, len(dst), m.flatDim)
	}
	if len(x) != len(m.nvec) {
		return fmt.Errorf("spaces: %v.Flatten: value has length %d, want %d", m, len(x), len(m.nvec))
	}
	for i, v := range x {
		if v < 0 || v >= m.nvec[i] {
			return fmt.Errorf("spaces: %v.Flatten: value[%d] = %d is outside [0, %d]", m, i, v, m.nvec[i]-1)
		}
	}
	clear(dst)
	off := 0
	for i, v := range x {
		dst[off+v] = 1
		off += m.nvec[i]
	}
	return nil
}

// Unflatten reads each entry as the index of the largest score in its
// segment of src (see [Discrete.Unflatten]). src must have length FlatDim and
// hold no NaN.
func (m *MultiDiscrete) Unflatten(src []float64) ([]int, error) {
	if len(src) != m.flatDim {
		return nil, fmt.Errorf("spaces: %v.Unflatten: vector has length %d, want %d", m, len(src), m.flatDim)
	}
	x := make([]int, len(m.nvec))
	off := 0
	for i, n := range m.nvec {
		v, err := argmax(src[off:off+n], n)
		if err != nil {
			return nil, fmt.Errorf("spaces: %v.Unflatten: segment %d (entries %d to %d): %w", m, i, off, off+n-1, err)
		}
		x[i] = v
		off += n
	}
	return x, nil
}

// String returns "MultiDiscrete([n0 n1 ...])".
func (m *MultiDiscrete) String() string {
	return fmt.Sprintf("MultiDiscrete(%v)", m.nvec)
}

// Describe returns {"type": "multi_discrete", "nvec": [...]}.
func (m *MultiDiscrete) Describe() Description {
	return Description{Type: TypeMultiDiscrete, Nvec: m.Nvec()}
}
