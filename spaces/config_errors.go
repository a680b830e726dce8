package spaces

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The kinds of problem a configuration can have. Every [FieldError] wraps
// exactly one of them, so callers can branch on the kind with errors.Is:
//
//	if errors.Is(err, spaces.ErrOutOfRange) { ... }
var (
	// ErrUnknownDim: the config names a dimension the space does not have.
	ErrUnknownDim = errors.New("unknown dimension")
	// ErrMissingDim: a dimension of the space has no value.
	ErrMissingDim = errors.New("missing dimension")
	// ErrDuplicateDim: a JSON config gives the same key twice, at the top
	// level or inside a simplex object.
	ErrDuplicateDim = errors.New("duplicate dimension")
	// ErrWrongType: the value has a type the dimension cannot take.
	ErrWrongType = errors.New("wrong type")
	// ErrNotFinite: a number is NaN or infinite.
	ErrNotFinite = errors.New("not a finite number")
	// ErrOutOfRange: a number lies outside the dimension's bounds.
	ErrOutOfRange = errors.New("out of range")
	// ErrNotInteger: an Int dimension was given a fractional number.
	ErrNotInteger = errors.New("not an integer")
	// ErrUnknownChoice: a Categorical value is not one of the choices.
	ErrUnknownChoice = errors.New("unknown choice")
	// ErrSimplex: a Simplex value has the wrong length, an unknown or
	// repeated part, a negative part, or parts that do not sum to 1.
	ErrSimplex = errors.New("invalid simplex")
	// ErrMalformedJSON: [ConfigSpace.ParseJSON] was given text that is not a
	// single well-formed JSON object.
	ErrMalformedJSON = errors.New("malformed JSON")
)

// FieldError is one problem with one dimension of a configuration.
type FieldError struct {
	// Dim is the dimension (or, for ErrUnknownDim, the key) at fault.
	Dim string
	// Err is the kind of problem: one of the Err* variables of this package.
	Err error
	// Problem says in words what is wrong and what was expected, e.g.
	// `0.5 is out of range [1e-05, 0.1]`.
	Problem string
}

// Error returns the dimension and the problem, e.g.
// `"lr": 0.5 is out of range [1e-05, 0.1]`.
func (e FieldError) Error() string {
	return quoteShort(e.Dim) + ": " + e.Problem
}

// Unwrap returns the kind of problem, so that errors.Is(e, ErrOutOfRange)
// and the like work.
func (e FieldError) Unwrap() error { return e.Err }

// ConfigError lists every problem found in one configuration, in dimension
// order followed by unknown keys in sorted order. It is the error returned by
// [ConfigSpace.Normalize], [ConfigSpace.Encode] and [ConfigSpace.ParseJSON]
// for an invalid configuration. Use errors.As to get at it, or errors.Is with
// a kind such as [ErrMissingDim] to test for one kind of problem.
type ConfigError struct {
	Fields []FieldError
}

// maxListedProblems is how many problems ConfigError.Error spells out.
const maxListedProblems = 10

// Error lists the problems on one line, separated by semicolons. Past the
// first ten it only counts the rest; Fields holds them all.
func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString("invalid config: ")
	for i, f := range e.Fields {
		if i == maxListedProblems {
			fmt.Fprintf(&b, "; and %d more problems", len(e.Fields)-maxListedProblems)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(f.Error())
	}
	return b.String()
}

// Unwrap returns each field error, for errors.Is and errors.As.
func (e *ConfigError) Unwrap() []error {
	out := make([]error, len(e.Fields))
	for i, f := range e.Fields {
		out[i] = f
	}
	return out
}

// problems collects field errors while a config is checked. The zero value
// is ready to use and allocates nothing until the first problem.
type problems []FieldError

func (p *problems) add(dim string, kind error, format string, args ...any) {
	*p = append(*p, FieldError{Dim: dim, Err: kind, Problem: fmt.Sprintf(format, args...)})
}

// err returns the collected problems as a *ConfigError, or nil.
func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return &ConfigError{Fields: p}
}

// maxQuoted bounds how much of a user-supplied string goes into a message.
const maxQuoted = 64

// quoteShort quotes s for a message, cutting it short if it is long.
func quoteShort(s string) string {
	if len(s) <= maxQuoted {
		return strconv.Quote(s)
	}
	cut := maxQuoted
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "..."
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// quoteList renders names as `"a", "b", "c"`.
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

// describeValue renders a user-supplied value for a message: its JSON-ish type
// and, for scalars, the value itself.
func describeValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return "string " + quoteShort(v)
	case bool:
		return "bool " + strconv.FormatBool(v)
	case json.Number:
		s := string(v)
		if len(s) > maxQuoted {
			s = s[:maxQuoted] + "..."
		}
		return "number " + s
	case float64:
		return "number " + strconv.FormatFloat(v, 'g', -1, 64)
	case float32:
		return "number " + strconv.FormatFloat(float64(v), 'g', -1, 32)
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return fmt.Sprintf("number %d", v)
	case []any, []float64:
		return "a list"
	case map[string]any, map[string]float64:
		return "an object"
	default:
		return fmt.Sprintf("a value of Go type %T", v)
	}
}

// sortedUnknown returns the keys of m that are not in known, sorted.
func sortedUnknown[V any](m map[string]V, known map[string]int) []string {
	var out []string
	for k := range m {
		if _, ok := known[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}
