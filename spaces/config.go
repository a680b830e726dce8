package spaces

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// Kind is the kind of a configuration dimension. It decides how a value is
// validated and how it is encoded into the unit cube.
type Kind uint8

// The dimension kinds.
const (
	// Log is a positive float searched on a log scale (learning rates).
	Log Kind = iota + 1
	// Linear is a float searched on a linear scale (clip range, temperature).
	Linear
	// Int is an integer searched on a linear scale (group size, layers).
	Int
	// Categorical is one of a finite set of named choices.
	Categorical
	// Simplex is a vector of non-negative parts that sum to 1 (data mixtures).
	Simplex
)

var kindNames = [...]string{Log: "log", Linear: "linear", Int: "int", Categorical: "categorical", Simplex: "simplex"}

// String returns the kind's name as used in JSON and table metadata.
func (k Kind) String() string {
	if k >= Log && k <= Simplex {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// MarshalText encodes the kind as its name, so that a Kind reads well in JSON.
func (k Kind) MarshalText() ([]byte, error) {
	if k < Log || k > Simplex {
		return nil, fmt.Errorf("spaces: cannot marshal unknown dimension kind %d", uint8(k))
	}
	return []byte(kindNames[k]), nil
}

// UnmarshalText decodes a kind from its name (see [ParseKind]).
func (k *Kind) UnmarshalText(text []byte) error {
	v, err := ParseKind(string(text))
	if err != nil {
		return err
	}
	*k = v
	return nil
}

// ParseKind is the inverse of Kind.String.
func ParseKind(s string) (Kind, error) {
	for k := Log; k <= Simplex; k++ {
		if kindNames[k] == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("spaces: unknown dimension kind %q (want one of log, linear, int, categorical, simplex)", s)
}

// Dim is one named dimension of a configuration space.
type Dim struct {
	// Name is the knob's name, e.g. "lr". Names are unique within a space.
	Name string
	// Kind decides validation and encoding.
	Kind Kind
	// Low and High are the inclusive bounds of Log, Linear and Int
	// dimensions; Low < High, and Low > 0 for Log.
	Low, High float64
	// Choices are the allowed values of a Categorical dimension.
	Choices []string
	// Parts name the components of a Simplex dimension.
	Parts []string
}

// LogDim is a float dimension in [low, high] searched on a log scale.
func LogDim(name string, low, high float64) Dim {
	return Dim{Name: name, Kind: Log, Low: low, High: high}
}

// LinearDim is a float dimension in [low, high] searched on a linear scale.
func LinearDim(name string, low, high float64) Dim {
	return Dim{Name: name, Kind: Linear, Low: low, High: high}
}

// IntDim is an integer dimension in [low, high].
func IntDim(name string, low, high int) Dim {
	return Dim{Name: name, Kind: Int, Low: float64(low), High: float64(high)}
}

// CategoricalDim is a dimension taking one of the named choices.
func CategoricalDim(name string, choices ...string) Dim {
	return Dim{Name: name, Kind: Categorical, Choices: choices}
}

// SimplexDim is a vector of non-negative parts, one per name, summing to 1.
func SimplexDim(name string, parts ...string) Dim {
	return Dim{Name: name, Kind: Simplex, Parts: parts}
}

// maxExactInt is the largest integer magnitude a float64 holds exactly; Int
// bounds must lie within it so that every value in range converts exactly.
const maxExactInt = 1 << 53

// clone returns a copy of d that shares no slices with it.
func (d Dim) clone() Dim {
	d.Choices = append([]string(nil), d.Choices...)
	d.Parts = append([]string(nil), d.Parts...)
	return d
}

// Width is the number of coordinates the dimension takes in the encoding:
// 1 for Log, Linear and Int, one per choice for Categorical (one-hot) and
// one per part for Simplex.
func (d Dim) Width() int {
	switch d.Kind {
	case Categorical:
		return len(d.Choices)
	case Simplex:
		return len(d.Parts)
	default:
		return 1
	}
}

func (d Dim) check() error {
	if d.Name == "" {
		return errors.New("dimension has an empty name")
	}
	if !utf8.ValidString(d.Name) {
		return fmt.Errorf("dimension name %q is not valid UTF-8", d.Name)
	}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("dimension %q: %s", d.Name, fmt.Sprintf(format, a...))
	}
	switch d.Kind {
	case Log, Linear, Int:
		if math.IsNaN(d.Low) || math.IsNaN(d.High) || math.IsInf(d.Low, 0) || math.IsInf(d.High, 0) {
			return bad("bounds [%g, %g] must be finite", d.Low, d.High)
		}
		if !(d.Low < d.High) {
			return bad("low %g must be below high %g", d.Low, d.High)
		}
		if math.IsInf(d.High-d.Low, 0) {
			return bad("bounds [%g, %g] are too far apart to encode", d.Low, d.High)
		}
		if d.Kind == Log && d.Low <= 0 {
			return bad("log-scale low %g must be positive", d.Low)
		}
		if d.Kind == Int {
			if d.Low != math.Trunc(d.Low) || d.High != math.Trunc(d.High) {
				return bad("integer bounds [%g, %g] must be whole numbers", d.Low, d.High)
			}
			if d.Low < -maxExactInt || d.High > maxExactInt {
				return bad("integer bounds [%g, %g] must lie within ±2^53", d.Low, d.High)
			}
		}
		if len(d.Choices) > 0 || len(d.Parts) > 0 {
			return bad("a %v dimension takes no choices or parts", d.Kind)
		}
	case Categorical:
		if err := uniqueNames(d.Choices); err != nil {
			return bad("choices: %v", err)
		}
		if len(d.Parts) > 0 || d.Low != 0 || d.High != 0 {
			return bad("a categorical dimension takes only choices")
		}
	case Simplex:
		if err := uniqueNames(d.Parts); err != nil {
			return bad("parts: %v", err)
		}
		if len(d.Choices) > 0 || d.Low != 0 || d.High != 0 {
			return bad("a simplex dimension takes only parts")
		}
	default:
		return bad("unknown kind %v", d.Kind)
	}
	return nil
}

func uniqueNames(names []string) error {
	if len(names) == 0 {
		return errors.New("none given")
	}
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		if n == "" {
			return errors.New("empty name")
		}
		if !utf8.ValidString(n) {
			return fmt.Errorf("%q is not valid UTF-8", n)
		}
		if seen[n] {
			return fmt.Errorf("%q given twice", n)
		}
		seen[n] = true
	}
	return nil
}

// Config is one assignment of a configuration space's knobs, by dimension
// name. After [ConfigSpace.Normalize] its values have canonical types:
// float64 for Log and Linear, int for Int, string for Categorical and
// []float64 (in Parts order) for Simplex.
type Config map[string]any

// ConfigSpace is an ordered set of named dimensions. It is a Space[Config]
// and is immutable after construction, so it may be shared between
// goroutines.
//
// A configuration is validated and brought to canonical form by
// [ConfigSpace.Normalize], mapped into the unit cube by
// [ConfigSpace.Encode] and [ConfigSpace.Decode], and read from and written to
// JSON by [ConfigSpace.ParseJSON] and [ConfigSpace.FormatJSON].
type ConfigSpace struct {
	dims    []Dim
	aux     []dimAux // derived per-dimension data, parallel to dims
	index   map[string]int
	offsets []int // start of each dimension in the encoding
	width   int
}

// dimAux holds what a dimension needs at validation and encoding time,
// computed once when the space is built.
type dimAux struct {
	// lo and span map a Log, Linear or Int value to [0,1]:
	// u = (f(x) - lo) / span with f = ln for Log and the identity otherwise.
	lo, span float64
	// index of each choice (Categorical) or part (Simplex) by name.
	pos map[string]int
	// want says what a valid value looks like, for error messages.
	want string
}

// newDimAux derives the auxiliary data of a checked dimension.
func newDimAux(d Dim) dimAux {
	var a dimAux
	switch d.Kind {
	case Log:
		a.lo = math.Log(d.Low)
		a.span = math.Log(d.High) - a.lo
		a.want = fmt.Sprintf("a number in [%g, %g] (log scale)", d.Low, d.High)
	case Linear:
		a.lo, a.span = d.Low, d.High-d.Low
		a.want = fmt.Sprintf("a number in [%g, %g]", d.Low, d.High)
	case Int:
		a.lo, a.span = d.Low, d.High-d.Low
		a.want = fmt.Sprintf("an integer in [%d, %d]", int64(d.Low), int64(d.High))
	case Categorical:
		a.pos = nameIndex(d.Choices)
		a.want = "one of " + quoteList(d.Choices)
	case Simplex:
		a.pos = nameIndex(d.Parts)
		a.want = fmt.Sprintf("an object {%s} or a list of %d non-negative numbers summing to 1",
			strings.Join(d.Parts, ", "), len(d.Parts))
	}
	return a
}

// nameIndex maps each name to its position.
func nameIndex(names []string) map[string]int {
	m := make(map[string]int, len(names))
	for i, n := range names {
		m[n] = i
	}
	return m
}

// NewConfigSpace builds a configuration space from its dimensions, checking
// that names are unique and bounds, choices and parts are well formed.
func NewConfigSpace(dims ...Dim) (*ConfigSpace, error) {
	if len(dims) == 0 {
		return nil, errors.New("spaces: a configuration space needs at least one dimension")
	}
	s := &ConfigSpace{index: make(map[string]int, len(dims)), offsets: make([]int, len(dims))}
	var errs []error
	for i, d := range dims {
		if err := d.check(); err != nil {
			errs = append(errs, err)
			continue
		}
		if _, dup := s.index[d.Name]; dup {
			errs = append(errs, fmt.Errorf("dimension %q given twice", d.Name))
			continue
		}
		d = d.clone()
		s.index[d.Name] = i
		s.offsets[i] = s.width
		s.width += d.Width()
		s.dims = append(s.dims, d)
		s.aux = append(s.aux, newDimAux(d))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("spaces: invalid configuration space: %w", errors.Join(errs...))
	}
	return s, nil
}

// MustConfigSpace is NewConfigSpace for spaces fixed at compile time; it
// panics on an invalid definition, which is a programming error.
func MustConfigSpace(dims ...Dim) *ConfigSpace {
	s, err := NewConfigSpace(dims...)
	if err != nil {
		panic(err)
	}
	return s
}

// Dims returns a copy of the dimensions in order; changing it does not
// change the space.
func (s *ConfigSpace) Dims() []Dim {
	out := make([]Dim, len(s.dims))
	for i, d := range s.dims {
		out[i] = d.clone()
	}
	return out
}

// Dim returns (a copy of) the dimension with the given name and whether the
// space has it.
func (s *ConfigSpace) Dim(name string) (Dim, bool) {
	i, ok := s.index[name]
	if !ok {
		return Dim{}, false
	}
	return s.dims[i].clone(), true
}

// Len is the number of dimensions.
func (s *ConfigSpace) Len() int { return len(s.dims) }

// EncodedDim is the length of the encoding in [0,1]^d (the sum of the
// dimensions' widths).
func (s *ConfigSpace) EncodedDim() int { return s.width }

// Names returns the dimension names in order.
func (s *ConfigSpace) Names() []string {
	out := make([]string, len(s.dims))
	for i, d := range s.dims {
		out[i] = d.Name
	}
	return out
}

// String lists the dimensions, e.g. "Config(lr: log[1e-05, 0.1], bs: int[32, 4096])".
func (s *ConfigSpace) String() string {
	var b strings.Builder
	b.WriteString("Config(")
	for i, d := range s.dims {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(d.Name)
		b.WriteString(": ")
		b.WriteString(d.Kind.String())
		switch d.Kind {
		case Categorical:
			fmt.Fprintf(&b, "{%s}", strings.Join(d.Choices, ", "))
		case Simplex:
			fmt.Fprintf(&b, "{%s}", strings.Join(d.Parts, ", "))
		case Int:
			fmt.Fprintf(&b, "[%d, %d]", int64(d.Low), int64(d.High))
		default:
			fmt.Fprintf(&b, "[%g, %g]", d.Low, d.High)
		}
	}
	b.WriteString(")")
	return b.String()
}
