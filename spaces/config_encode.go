package spaces

import (
	"fmt"
	"math"
	"strconv"
)

// Encode writes the position of c in the unit cube [0,1]^EncodedDim into
// dst, which must have length [ConfigSpace.EncodedDim]. Each dimension takes
// [Dim.Width] consecutive coordinates, in dimension order:
//
//   - Log: (ln x − ln Low) / (ln High − ln Low)
//   - Linear and Int: (x − Low) / (High − Low)
//   - Categorical: one-hot scaled by 1/√2, so that two different choices lie
//     at Euclidean distance 1
//   - Simplex: the parts as they are
//
// c is validated as by [ConfigSpace.Normalize] and may be in any form that
// Normalize accepts. Encode does not allocate when c is valid; on error dst
// may be partly written.
func (s *ConfigSpace) Encode(c Config, dst []float64) error {
	if len(dst) != s.width {
		return fmt.Errorf("spaces: encode: dst has length %d, want %d (the encoded dimension)", len(dst), s.width)
	}
	var ps problems
	s.scan(c, nil, dst, &ps)
	return ps.err()
}

// Decode maps a point of the encoding back to the nearest canonical
// configuration. point must have length [ConfigSpace.EncodedDim] and finite
// coordinates; it need not lie in [0,1]^d:
//
//   - Log, Linear and Int coordinates are clamped to [0,1] (so values to the
//     bounds); Int values are rounded to the nearest integer, and Log and
//     Linear values to 15 significant digits when that encodes as close to
//     the point up to rounding error;
//   - a Categorical dimension takes the choice with the largest coordinate
//     (the first, on ties);
//   - a Simplex dimension has negative parts set to 0 and is rescaled to sum
//     to 1, or made uniform if every part is 0.
//
// Decode(Encode(c)) equals the canonical form of c up to floating-point
// rounding.
func (s *ConfigSpace) Decode(point []float64) (Config, error) {
	if len(point) != s.width {
		return nil, fmt.Errorf("spaces: decode: point has length %d, want %d (the encoded dimension)", len(point), s.width)
	}
	for i := range s.dims {
		off := s.offsets[i]
		for j, x := range point[off : off+s.dims[i].Width()] {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("spaces: decode: point[%d] (dimension %q) is %g: %w", off+j, s.dims[i].Name, x, ErrNotFinite)
			}
		}
	}
	out := make(Config, len(s.dims))
	for i := range s.dims {
		d, a := &s.dims[i], &s.aux[i]
		seg := point[s.offsets[i] : s.offsets[i]+d.Width()]
		switch d.Kind {
		case Log:
			u := clampRange(seg[0], 0, 1)
			switch u {
			case 0:
				out[d.Name] = d.Low
			case 1:
				out[d.Name] = d.High
			default:
				x := math.Exp(a.lo + u*a.span)
				if y := round15(x); math.Abs((math.Log(y)-a.lo)/a.span-u) <= math.Abs((math.Log(x)-a.lo)/a.span-u)+roundSlack {
					x = y
				}
				out[d.Name] = clampRange(x, d.Low, d.High)
			}
		case Linear:
			u := clampRange(seg[0], 0, 1)
			x := a.lo + u*a.span
			if y := round15(x); math.Abs((y-a.lo)/a.span-u) <= math.Abs((x-a.lo)/a.span-u)+roundSlack {
				x = y
			}
			out[d.Name] = clampRange(x, d.Low, d.High)
		case Int:
			u := clampRange(seg[0], 0, 1)
			out[d.Name] = int(clampRange(math.Round(a.lo+u*a.span), d.Low, d.High))
		case Categorical:
			best := 0
			for j, x := range seg {
				if x > seg[best] {
					best = j
				}
			}
			out[d.Name] = d.Choices[best]
		case Simplex:
			out[d.Name] = projectSimplex(seg)
		}
	}
	return out, nil
}

// round15 rounds x to 15 significant digits. Decode prefers the rounded
// value when it encodes as close to the point, give or take roundSlack (a
// few units in the last place of a coordinate), so that decoding the
// encoding of 0.001 gives 0.001 rather than 0.0010000000000000002.
func round15(x float64) float64 {
	var buf [32]byte
	y, err := strconv.ParseFloat(string(strconv.AppendFloat(buf[:0], x, 'g', 15, 64)), 64)
	if err != nil {
		return x
	}
	return y
}

// roundSlack is how much further from the point, in encoded units, a
// rounded decoded value may encode than the unrounded one.
const roundSlack = 1e-15

// projectSimplex clips negative parts to 0 and rescales to sum 1; all-zero
// input becomes uniform. Scaling by the largest part first keeps the sum
// finite for any finite input.
func projectSimplex(seg []float64) []float64 {
	parts := make([]float64, len(seg))
	top := 0.0
	for _, x := range seg {
		top = math.Max(top, x)
	}
	if top == 0 {
		for j := range parts {
			parts[j] = 1 / float64(len(parts))
		}
		return parts
	}
	sum := 0.0
	for j, x := range seg {
		parts[j] = math.Max(x, 0) / top
		sum += parts[j]
	}
	for j := range parts {
		parts[j] /= sum
	}
	return parts
}

// FlatDim is [ConfigSpace.EncodedDim]; with Flatten and Unflatten it makes a
// ConfigSpace a Flattener[Config].
func (s *ConfigSpace) FlatDim() int { return s.width }

// Flatten is [ConfigSpace.Encode].
func (s *ConfigSpace) Flatten(c Config, dst []float64) error { return s.Encode(c, dst) }

// Unflatten is [ConfigSpace.Decode].
func (s *ConfigSpace) Unflatten(src []float64) (Config, error) { return s.Decode(src) }

// maxStackWidth is the encoded width up to which Distance and
// Candidates.NearestConfig encode into stack buffers instead of allocating.
const maxStackWidth = 64

// Distance is the Euclidean distance between a and b in the encoding (see
// [ConfigSpace.Encode]): log-scaled for Log dimensions, relative to the
// range for Linear and Int, 1 between different choices of a Categorical and
// up to √2 between Simplex values. Both configs must be valid.
func (s *ConfigSpace) Distance(a, b Config) (float64, error) {
	var bufA, bufB [maxStackWidth]float64
	var pa, pb []float64
	if s.width <= maxStackWidth {
		pa, pb = bufA[:s.width], bufB[:s.width]
	} else {
		pa, pb = make([]float64, s.width), make([]float64, s.width)
	}
	if err := s.Encode(a, pa); err != nil {
		return 0, fmt.Errorf("spaces: distance: first config: %w", err)
	}
	if err := s.Encode(b, pb); err != nil {
		return 0, fmt.Errorf("spaces: distance: second config: %w", err)
	}
	sum := 0.0
	for i := range pa {
		d := pa[i] - pb[i]
		sum += d * d
	}
	return math.Sqrt(sum), nil
}
