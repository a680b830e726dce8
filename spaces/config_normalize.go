package spaces

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
)

// SimplexTolerance is how far the parts of a Simplex value may sum from 1.
const SimplexTolerance = 1e-6

// oneHot is the value of the chosen coordinate of a Categorical dimension in
// the encoding: 1/√2, so that two different choices lie at distance 1.
const oneHot = 1 / math.Sqrt2

// Normalize checks c against the space and returns a new Config holding the
// canonical form of every value:
//
//   - Log and Linear: float64. Any Go integer or float type and json.Number
//     are accepted.
//   - Int: int. Go integers, floats with a whole value and json.Number are
//     accepted.
//   - Categorical: string, one of the choices. A bool or a number is accepted
//     when its string form is a choice: strconv.FormatBool for a bool; for a
//     number its literal text (json.Number), its decimal integer form (when
//     whole) or strconv.FormatFloat(x, 'g', -1, 64).
//   - Simplex: []float64 in Parts order. Accepted as []float64, as []any of
//     numbers in Parts order, or as an object (map[string]any or
//     map[string]float64) keyed by part name, where parts left out are 0.
//     Parts must be finite, non-negative and sum to 1 within
//     [SimplexTolerance]; they are kept as given, not rescaled.
//
// c itself is not modified and the result shares no memory with it.
//
// If c is invalid, the error is a *[ConfigError] listing every problem: each
// missing or unknown dimension, value of the wrong type, non-finite or
// out-of-range number, fractional integer, unknown choice and faulty simplex.
func (s *ConfigSpace) Normalize(c Config) (Config, error) {
	out := make(Config, len(s.dims))
	var ps problems
	s.scan(c, out, nil, &ps)
	if err := ps.err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Contains reports whether c is a valid configuration of the space, that is
// whether [ConfigSpace.Normalize] would succeed. It does not allocate when c
// is valid.
func (s *ConfigSpace) Contains(c Config) bool {
	var ps problems
	s.scan(c, nil, nil, &ps)
	return len(ps) == 0
}

// scan checks every value of c, recording problems in ps. When out is not
// nil it receives the canonical values; when dst is not nil (length
// s.width) it receives the encoding.
func (s *ConfigSpace) scan(c Config, out Config, dst []float64, ps *problems) {
	present := 0
	for i := range s.dims {
		d, a := &s.dims[i], &s.aux[i]
		v, ok := c[d.Name]
		if !ok {
			ps.add(d.Name, ErrMissingDim, "missing (want %s)", a.want)
			continue
		}
		present++
		var seg []float64
		if dst != nil {
			seg = dst[s.offsets[i] : s.offsets[i]+d.Width()]
		}
		switch d.Kind {
		case Log, Linear:
			x, ok := a.float(d, v, ps)
			if !ok {
				continue
			}
			if out != nil {
				out[d.Name] = x
			}
			if seg != nil {
				if d.Kind == Log {
					seg[0] = (math.Log(x) - a.lo) / a.span
				} else {
					seg[0] = (x - a.lo) / a.span
				}
			}
		case Int:
			n, ok := a.integer(d, v, ps)
			if !ok {
				continue
			}
			if out != nil {
				out[d.Name] = n
			}
			if seg != nil {
				seg[0] = (float64(n) - a.lo) / a.span
			}
		case Categorical:
			j, ok := a.choice(d, v, ps)
			if !ok {
				continue
			}
			if out != nil {
				out[d.Name] = d.Choices[j]
			}
			if seg != nil {
				clear(seg)
				seg[j] = oneHot
			}
		case Simplex:
			if out == nil {
				a.simplex(d, v, seg, ps) // seg may be nil: check only
				continue
			}
			// A separate slice for out keeps dst from escaping.
			parts := make([]float64, len(d.Parts))
			if a.simplex(d, v, parts, ps) {
				out[d.Name] = parts
				copy(seg, parts)
			}
		}
	}
	if present != len(c) {
		allowed := strings.Join(s.Names(), ", ")
		for _, k := range sortedUnknown(c, s.index) {
			ps.add(k, ErrUnknownDim, "unknown dimension (allowed: %s)", allowed)
		}
	}
}

// numStatus is the outcome of reading a number from a value.
type numStatus uint8

const (
	numOK       numStatus = iota
	numNotNum             // not a number at all
	numOverflow           // a number too large for float64 (from json.Number)
)

// toFloat reads any Go number or json.Number as a float64.
func toFloat(v any) (float64, numStatus) {
	switch v := v.(type) {
	case float64:
		return v, numOK
	case float32:
		return float64(v), numOK
	case int:
		return float64(v), numOK
	case int8:
		return float64(v), numOK
	case int16:
		return float64(v), numOK
	case int32:
		return float64(v), numOK
	case int64:
		return float64(v), numOK
	case uint:
		return float64(v), numOK
	case uint8:
		return float64(v), numOK
	case uint16:
		return float64(v), numOK
	case uint32:
		return float64(v), numOK
	case uint64:
		return float64(v), numOK
	case json.Number:
		x, err := strconv.ParseFloat(string(v), 64)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) && math.IsInf(x, 0) {
				return x, numOverflow
			}
			return 0, numNotNum
		}
		return x, numOK
	}
	return 0, numNotNum
}

// toInt reads a Go integer type or an integral json.Number exactly.
func toInt(v any) (int64, bool) {
	switch v := v.(type) {
	case int:
		return int64(v), true
	case int8:
		return int64(v), true
	case int16:
		return int64(v), true
	case int32:
		return int64(v), true
	case int64:
		return v, true
	case uint:
		if uint64(v) <= math.MaxInt64 {
			return int64(v), true
		}
	case uint8:
		return int64(v), true
	case uint16:
		return int64(v), true
	case uint32:
		return int64(v), true
	case uint64:
		if v <= math.MaxInt64 {
			return int64(v), true
		}
	case json.Number:
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err == nil {
			return n, true
		}
	}
	return 0, false
}

// float reads the value of a Log or Linear dimension.
func (a *dimAux) float(d *Dim, v any, ps *problems) (float64, bool) {
	x, st := toFloat(v)
	switch st {
	case numNotNum:
		ps.add(d.Name, ErrWrongType, "got %s, want %s", describeValue(v), a.want)
		return 0, false
	case numOverflow:
		ps.add(d.Name, ErrOutOfRange, "%s is out of range [%g, %g]", describeValue(v), d.Low, d.High)
		return 0, false
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		ps.add(d.Name, ErrNotFinite, "%g is not a finite number (want %s)", x, a.want)
		return 0, false
	}
	if x < d.Low || x > d.High {
		ps.add(d.Name, ErrOutOfRange, "%g is out of range [%g, %g]", x, d.Low, d.High)
		return 0, false
	}
	return x, true
}

// integer reads the value of an Int dimension.
func (a *dimAux) integer(d *Dim, v any, ps *problems) (int, bool) {
	lo, hi := int64(d.Low), int64(d.High)
	if n, ok := toInt(v); ok {
		if n < lo || n > hi {
			ps.add(d.Name, ErrOutOfRange, "%d is out of range [%d, %d]", n, lo, hi)
			return 0, false
		}
		return int(n), true
	}
	x, st := toFloat(v)
	switch st {
	case numNotNum:
		ps.add(d.Name, ErrWrongType, "got %s, want %s", describeValue(v), a.want)
		return 0, false
	case numOverflow:
		ps.add(d.Name, ErrOutOfRange, "%s is out of range [%d, %d]", describeValue(v), lo, hi)
		return 0, false
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		ps.add(d.Name, ErrNotFinite, "%g is not a finite number (want %s)", x, a.want)
		return 0, false
	}
	if x != math.Trunc(x) {
		ps.add(d.Name, ErrNotInteger, "%g is not an integer (want %s)", x, a.want)
		return 0, false
	}
	if x < d.Low || x > d.High {
		ps.add(d.Name, ErrOutOfRange, "%g is out of range [%d, %d]", x, lo, hi)
		return 0, false
	}
	return int(x), true
}

// choice reads the value of a Categorical dimension as the index of a choice.
func (a *dimAux) choice(d *Dim, v any, ps *problems) (int, bool) {
	switch v := v.(type) {
	case string:
		if j, ok := a.pos[v]; ok {
			return j, true
		}
		ps.add(d.Name, ErrUnknownChoice, "got %s, want %s", describeValue(v), a.want)
		return 0, false
	case bool:
		if j, ok := a.pos[strconv.FormatBool(v)]; ok {
			return j, true
		}
		ps.add(d.Name, ErrUnknownChoice, "got %s, want %s", describeValue(v), a.want)
		return 0, false
	}
	if _, st := toFloat(v); st == numNotNum {
		ps.add(d.Name, ErrWrongType, "got %s, want %s", describeValue(v), a.want)
		return 0, false
	}
	for _, form := range numberForms(v) {
		if j, ok := a.pos[form]; ok {
			return j, true
		}
	}
	ps.add(d.Name, ErrUnknownChoice, "got %s, want %s", describeValue(v), a.want)
	return 0, false
}

// numberForms lists the strings a number may stand for as a categorical
// choice, most specific first: the literal text of a json.Number, the
// decimal integer form of a whole number, and the shortest 'g' form.
func numberForms(v any) []string {
	var forms []string
	if n, ok := v.(json.Number); ok {
		forms = append(forms, string(n))
	}
	if n, ok := toInt(v); ok {
		forms = append(forms, strconv.FormatInt(n, 10))
	}
	x, st := toFloat(v)
	if st != numOK {
		return forms
	}
	if x == math.Trunc(x) && math.Abs(x) < 1e21 {
		if x == 0 {
			x = 0 // drop the sign of -0
		}
		forms = append(forms, strconv.FormatFloat(x, 'f', -1, 64))
	}
	return append(forms, strconv.FormatFloat(x, 'g', -1, 64))
}

// simplex reads the value of a Simplex dimension into parts (in Parts
// order), or only checks it when parts is nil.
func (a *dimAux) simplex(d *Dim, v any, parts []float64, ps *problems) bool {
	ok := true
	sum := 0.0
	put := func(j int, x float64, good bool) {
		if !good {
			ok = false
			return
		}
		sum += x
		if parts != nil {
			parts[j] = x
		}
	}
	switch v := v.(type) {
	case []float64:
		if !a.simplexLength(d, len(v), ps) {
			return false
		}
		for j, x := range v {
			put(j, x, a.partFloat(d, j, x, ps))
		}
	case []any:
		if !a.simplexLength(d, len(v), ps) {
			return false
		}
		for j, e := range v {
			x, good := a.part(d, j, e, ps)
			put(j, x, good)
		}
	case map[string]any:
		if parts != nil {
			clear(parts)
		}
		found := 0
		for j, name := range d.Parts {
			if e, in := v[name]; in {
				found++
				x, good := a.part(d, j, e, ps)
				put(j, x, good)
			}
		}
		if found != len(v) {
			a.unknownParts(d, sortedUnknown(v, a.pos), ps)
			ok = false
		}
	case map[string]float64:
		if parts != nil {
			clear(parts)
		}
		found := 0
		for j, name := range d.Parts {
			if x, in := v[name]; in {
				found++
				put(j, x, a.partFloat(d, j, x, ps))
			}
		}
		if found != len(v) {
			a.unknownParts(d, sortedUnknown(v, a.pos), ps)
			ok = false
		}
	default:
		ps.add(d.Name, ErrWrongType, "got %s, want %s", describeValue(v), a.want)
		return false
	}
	if !ok {
		return false
	}
	if math.Abs(sum-1) > SimplexTolerance {
		ps.add(d.Name, ErrSimplex, "parts sum to %g, want 1 (within %g)", sum, SimplexTolerance)
		return false
	}
	return true
}

func (a *dimAux) simplexLength(d *Dim, got int, ps *problems) bool {
	if got == len(d.Parts) {
		return true
	}
	ps.add(d.Name, ErrSimplex, "has %d parts, want %d (%s)", got, len(d.Parts), strings.Join(d.Parts, ", "))
	return false
}

func (a *dimAux) unknownParts(d *Dim, names []string, ps *problems) {
	for _, k := range names {
		ps.add(d.Name, ErrSimplex, "unknown part %s (parts: %s)", quoteShort(k), strings.Join(d.Parts, ", "))
	}
}

// part reads part j of a simplex from a value of any number type.
func (a *dimAux) part(d *Dim, j int, v any, ps *problems) (float64, bool) {
	x, st := toFloat(v)
	switch st {
	case numNotNum:
		ps.add(d.Name, ErrWrongType, "part %q: got %s, want a non-negative number", d.Parts[j], describeValue(v))
		return 0, false
	case numOverflow:
		ps.add(d.Name, ErrSimplex, "part %q: %s is out of range [0, 1]", d.Parts[j], describeValue(v))
		return 0, false
	}
	return x, a.partFloat(d, j, x, ps)
}

// partFloat checks part j of a simplex.
func (a *dimAux) partFloat(d *Dim, j int, x float64, ps *problems) bool {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		ps.add(d.Name, ErrNotFinite, "part %q: %g is not a finite number", d.Parts[j], x)
		return false
	}
	if x < 0 {
		ps.add(d.Name, ErrSimplex, "part %q is negative (%g)", d.Parts[j], x)
		return false
	}
	return true
}
