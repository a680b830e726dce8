package spaces

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// Box is a possibly unbounded box in R^n: members are []float64 vectors x
// with Low[i] <= x[i] <= High[i] for every element i. A Box has a shape
// (e.g. (2, 3)); members and bounds hold its elements flattened in row-major
// order, so a member has length Dim, the product of the shape. The empty
// shape is a scalar box of Dim 1.
//
// Bounds may be infinite. A Box is immutable, so one Box may be shared
// between goroutines. Its flat form is the member itself.
type Box struct {
	shape     []int
	low, high []float64
	uniform   bool // all lows equal and all highs equal
}

// NewBox returns the box with every element in [low, high] and the given
// shape. Infinite bounds are allowed. It panics if a bound is NaN,
// low > high, low is +Inf, high is -Inf, or a shape entry is below 1; those
// are programming errors. For bounds computed from data, use [NewBoxBounds].
func NewBox(low, high float64, shape ...int) *Box {
	dim, err := shapeDim(shape)
	if err == nil {
		err = checkBounds(low, high)
	}
	if err != nil {
		panic("spaces: NewBox: " + err.Error())
	}
	lo := make([]float64, dim)
	hi := make([]float64, dim)
	for i := range lo {
		lo[i], hi[i] = low, high
	}
	return &Box{shape: append([]int{}, shape...), low: lo, high: hi, uniform: true}
}

// NewBoxBounds returns the box with element i in [low[i], high[i]] and the
// given shape (row-major). It returns an error naming the element if the
// lengths of low and high differ from the product of the shape, a bound is
// NaN, low[i] > high[i], low[i] is +Inf or high[i] is -Inf. The slices are
// copied.
func NewBoxBounds(low, high []float64, shape ...int) (*Box, error) {
	dim, err := shapeDim(shape)
	if err != nil {
		return nil, fmt.Errorf("spaces: NewBoxBounds: %w", err)
	}
	if len(low) != dim || len(high) != dim {
		return nil, fmt.Errorf("spaces: NewBoxBounds: low and high have lengths %d and %d, want %d for shape %s",
			len(low), len(high), dim, formatShape(shape))
	}
	b, err := newBox(slices.Clone(low), slices.Clone(high), shape)
	if err != nil {
		return nil, fmt.Errorf("spaces: NewBoxBounds: %w", err)
	}
	return b, nil
}

// shapeDim returns the product of shape, checking entries and overflow.
func shapeDim(shape []int) (int, error) {
	dim := 1
	for i, n := range shape {
		if n < 1 {
			return 0, fmt.Errorf("shape %v: entry %d is %d, want >= 1", shape, i, n)
		}
		if dim > math.MaxInt/n {
			return 0, fmt.Errorf("shape %v: number of elements overflows an int", shape)
		}
		dim *= n
	}
	return dim, nil
}

// newBox checks the bounds and takes ownership of low and high, which have
// the length of the shape's product.
func newBox(low, high []float64, shape []int) (*Box, error) {
	var bad []string
	for i := range low {
		if err := checkBounds(low[i], high[i]); err != nil {
			if len(bad) == 5 {
				bad = append(bad, "further elements not checked")
				break
			}
			bad = append(bad, fmt.Sprintf("element %d: %v", i, err))
		}
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("invalid bounds: %s", strings.Join(bad, "; "))
	}
	b := &Box{shape: append([]int{}, shape...), low: low, high: high, uniform: true}
	for i := range low {
		if low[i] != low[0] || high[i] != high[0] {
			b.uniform = false
			break
		}
	}
	return b, nil
}

// checkBounds reports why [l, h] cannot bound a Box element.
func checkBounds(l, h float64) error {
	switch {
	case math.IsNaN(l) || math.IsNaN(h):
		return fmt.Errorf("bounds [%s, %s] contain NaN", formatFloat(l), formatFloat(h))
	case l > h:
		return fmt.Errorf("low %s is above high %s", formatFloat(l), formatFloat(h))
	case math.IsInf(l, 1):
		return errors.New("low is +inf")
	case math.IsInf(h, -1):
		return errors.New("high is -inf")
	}
	return nil
}

// Shape returns a copy of the box's shape.
func (b *Box) Shape() []int { return append([]int{}, b.shape...) }

// Low returns a copy of the lower bounds, one per element.
func (b *Box) Low() []float64 { return append([]float64(nil), b.low...) }

// High returns a copy of the upper bounds, one per element.
func (b *Box) High() []float64 { return append([]float64(nil), b.high...) }

// Dim is the number of elements, the product of the shape.
func (b *Box) Dim() int { return len(b.low) }

// Sample returns a new random member. Each element is drawn independently:
// uniformly in [low, high] when both bounds are finite, low plus an
// exponential variate when only low is finite, high minus one when only high
// is finite, and from the standard normal when both are infinite.
func (b *Box) Sample(r *rand.Rand) []float64 {
	x := make([]float64, len(b.low))
	for i := range x {
		l, h := b.low[i], b.high[i]
		lowInf, highInf := math.IsInf(l, -1), math.IsInf(h, 1)
		switch {
		case !lowInf && !highInf:
			u := r.Float64()
			// The convex combination cannot overflow even for bounds near
			// ±MaxFloat64; clamping guards against rounding past a bound.
			x[i] = min(max(l*(1-u)+h*u, l), h)
		case !lowInf:
			x[i] = l + r.ExpFloat64()
		case !highInf:
			x[i] = h - r.ExpFloat64()
		default:
			x[i] = r.NormFloat64()
		}
	}
	return x
}

// Contains reports whether x has length Dim and Low[i] <= x[i] <= High[i]
// for every i. NaN is never contained.
func (b *Box) Contains(x []float64) bool {
	if len(x) != len(b.low) {
		return false
	}
	low, high := b.low[:len(x)], b.high[:len(x)]
	for i, v := range x {
		// Written so that NaN, which fails every comparison, is rejected.
		if !(v >= low[i] && v <= high[i]) {
			return false
		}
	}
	return true
}

// Clone returns a copy of x (nil stays nil).
func (b *Box) Clone(x []float64) []float64 {
	if x == nil {
		return nil
	}
	return append([]float64(nil), x...)
}

// FlatDim is Dim.
func (b *Box) FlatDim() int { return len(b.low) }

// Flatten copies x into dst. Both must have length Dim; the values are not
// checked against the bounds (use Contains for that).
func (b *Box) Flatten(x []float64, dst []float64) error {
	if len(dst) != len(b.low) {
		return fmt.Errorf("spaces: %v.Flatten: dst has length %d, want %d", b, len(dst), len(b.low))
	}
	if len(x) != len(b.low) {
		return fmt.Errorf("spaces: %v.Flatten: value has length %d, want %d", b, len(x), len(b.low))
	}
	copy(dst, x)
	return nil
}

// Unflatten returns a copy of src, which must have length Dim. Like Flatten
// it does not check the bounds, so a policy's raw output can be unflattened
// and then clipped or rejected by the caller.
func (b *Box) Unflatten(src []float64) ([]float64, error) {
	if len(src) != len(b.low) {
		return nil, fmt.Errorf("spaces: %v.Unflatten: vector has length %d, want %d", b, len(src), len(b.low))
	}
	return append([]float64(nil), src...), nil
}

// maxListed is how many bounds String lists before eliding the rest.
const maxListed = 6

// String returns "Box(low, high, shape)", e.g. "Box(0, 1, (2, 3))" when all
// elements share their bounds, and lists the bounds otherwise, e.g.
// "Box([0 -inf], [1 inf], (2,))". Infinite bounds print as inf and -inf.
func (b *Box) String() string {
	if b.uniform {
		return fmt.Sprintf("Box(%s, %s, %s)", formatFloat(b.low[0]), formatFloat(b.high[0]), formatShape(b.shape))
	}
	return fmt.Sprintf("Box(%s, %s, %s)", formatFloats(b.low), formatFloats(b.high), formatShape(b.shape))
}

// Describe returns {"type": "box", "shape": [...], "low": [...], "high": [...]}
// with one bound per element.
func (b *Box) Describe() Description {
	d := Description{Type: TypeBox, Low: make([]Float, len(b.low)), High: make([]Float, len(b.high))}
	if len(b.shape) > 0 {
		d.Shape = b.Shape()
	}
	for i := range b.low {
		d.Low[i], d.High[i] = Float(b.low[i]), Float(b.high[i])
	}
	return d
}

func formatFloat(x float64) string {
	switch {
	case math.IsInf(x, 1):
		return "inf"
	case math.IsInf(x, -1):
		return "-inf"
	case math.IsNaN(x):
		return "nan"
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}

func formatFloats(xs []float64) string {
	var s strings.Builder
	s.WriteByte('[')
	for i, x := range xs {
		if i == maxListed {
			s.WriteString(" ...")
			break
		}
		if i > 0 {
			s.WriteByte(' ')
		}
		s.WriteString(formatFloat(x))
	}
	s.WriteByte(']')
	return s.String()
}

// formatShape writes a shape the way Python writes a tuple: (), (3,), (2, 3).
func formatShape(shape []int) string {
	var s strings.Builder
	s.WriteByte('(')
	for i, n := range shape {
		if i > 0 {
			s.WriteString(", ")
		}
		s.WriteString(strconv.Itoa(n))
	}
	if len(shape) == 1 {
		s.WriteByte(',')
	}
	s.WriteByte(')')
	return s.String()
}
