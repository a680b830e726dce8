package spaces

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// The values of [Description.Type].
const (
	TypeDiscrete      = "discrete"
	TypeMultiDiscrete = "multi_discrete"
	TypeBox           = "box"
	TypeDict          = "dict"
	TypeText          = "text"
	TypeConfig        = "config"
)

// Float is a float64 whose JSON form can also hold the values that JSON
// numbers cannot: +Inf, -Inf and NaN are written as the strings "inf",
// "-inf" and "nan". Reading accepts JSON numbers and those strings, in any
// case, as well as "+inf", "infinity" and "-infinity". It is the type of a
// [Box]'s bounds in a [Description], where infinite bounds are common.
type Float float64

// MarshalJSON writes f as a JSON number, or as "inf", "-inf" or "nan".
func (f Float) MarshalJSON() ([]byte, error) {
	x := float64(f)
	switch {
	case math.IsInf(x, 1):
		return []byte(`"inf"`), nil
	case math.IsInf(x, -1):
		return []byte(`"-inf"`), nil
	case math.IsNaN(x):
		return []byte(`"nan"`), nil
	}
	return json.Marshal(x)
}

// UnmarshalJSON reads a JSON number or one of the strings described at
// [Float]. Unlike most decoders it rejects null: a bound must be given.
func (f *Float) UnmarshalJSON(data []byte) error {
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		switch strings.ToLower(s) {
		case "inf", "+inf", "infinity", "+infinity":
			*f = Float(math.Inf(1))
		case "-inf", "-infinity":
			*f = Float(math.Inf(-1))
		case "nan":
			*f = Float(math.NaN())
		default:
			return fmt.Errorf("spaces: float %q: want a number, \"inf\", \"-inf\" or \"nan\"", s)
		}
		return nil
	}
	if string(data) == "null" {
		return errors.New("spaces: float is null: want a number, \"inf\", \"-inf\" or \"nan\"")
	}
	var x float64
	if err := json.Unmarshal(data, &x); err != nil {
		return fmt.Errorf("spaces: float %s: %w", data, err)
	}
	*f = Float(x)
	return nil
}

// ParseDescription reads a [Description] from JSON, such as the output of
// [Description.JSON]. Unknown fields and trailing data are errors. It checks
// only the syntax; [FromDescription] checks that the description makes
// sense.
func ParseDescription(data []byte) (Description, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var d Description
	if err := dec.Decode(&d); err != nil {
		return Description{}, fmt.Errorf("spaces: parsing space description: %w", err)
	}
	end := dec.InputOffset()
	if _, err := dec.Token(); err != io.EOF {
		return Description{}, fmt.Errorf("spaces: parsing space description: unexpected data after the description, which ends at byte %d", end)
	}
	return d, nil
}

// FromDescription builds the space that d describes and returns it as its
// concrete type: *Discrete, *MultiDiscrete, *Box, *Text, *ConfigSpace (via
// [ConfigSpaceFromDescription]) or *Dict (whose sub-spaces are built the
// same way and erased with [Erase]). The description may come from an
// untrusted source: every field is checked, fields the type does not use
// must be unset, and errors name the offending sub-space by its path, e.g. `spaces["obs"] (type "box"): invalid bounds:
// element 2: low 3 is above high 1`.
func FromDescription(d Description) (any, error) {
	s, err := fromDescription(&d, "")
	if err != nil {
		return nil, fmt.Errorf("spaces: invalid description: %w", err)
	}
	return s, nil
}

func fromDescription(d *Description, path string) (any, error) {
	if d.Type == "" {
		if path == "" {
			return nil, errors.New("type is missing")
		}
		return nil, fmt.Errorf("%s: type is missing", path)
	}
	var (
		s   any
		err = checkFieldsUsed(d)
	)
	if err == nil {
		switch d.Type {
		case TypeDiscrete:
			s, err = newDiscrete(d.N, d.Start)
		case TypeMultiDiscrete:
			s, err = newMultiDiscrete(d.Nvec)
		case TypeBox:
			s, err = boxFromDescription(d)
		case TypeText:
			s, err = newText(d.MinLength, d.MaxLength, d.Charset)
		case TypeDict:
			return dictFromDescription(d, path) // its errors name their sub-space
		case TypeConfig:
			var c *ConfigSpace
			if c, err = ConfigSpaceFromDescription(*d); err != nil {
				err = unprefixed{err}
			}
			s = c
		default:
			err = fmt.Errorf("unknown type (want one of %s, %s, %s, %s, %s, %s)",
				TypeDiscrete, TypeMultiDiscrete, TypeBox, TypeDict, TypeText, TypeConfig)
		}
	}
	if err != nil {
		if path != "" {
			return nil, fmt.Errorf("%s (type %q): %w", path, d.Type, err)
		}
		return nil, fmt.Errorf("type %q: %w", d.Type, err)
	}
	return s, nil
}

// unprefixed wraps an error from elsewhere in the package so that its
// "spaces: " prefix is not repeated inside a longer message.
type unprefixed struct{ err error }

func (e unprefixed) Error() string { return strings.TrimPrefix(e.err.Error(), "spaces: ") }
func (e unprefixed) Unwrap() error { return e.err }

// fieldsUsed lists the JSON fields a description of the given type may set,
// besides "type". It returns nil for an unknown type.
func fieldsUsed(typ string) []string {
	switch typ {
	case TypeDiscrete:
		return []string{"n", "start"}
	case TypeMultiDiscrete:
		return []string{"nvec"}
	case TypeBox:
		return []string{"shape", "low", "high"}
	case TypeText:
		return []string{"min_length", "max_length", "charset"}
	case TypeDict:
		return []string{"spaces"}
	case TypeConfig:
		return []string{"dims"}
	}
	return nil
}

// checkFieldsUsed reports a field that is set but not used by d.Type.
func checkFieldsUsed(d *Description) error {
	used := fieldsUsed(d.Type)
	if used == nil {
		return nil // the unknown type is reported by the caller
	}
	set := []struct {
		name string
		set  bool
	}{
		{"n", d.N != 0},
		{"start", d.Start != 0},
		{"nvec", d.Nvec != nil},
		{"shape", d.Shape != nil},
		{"low", d.Low != nil},
		{"high", d.High != nil},
		{"min_length", d.MinLength != 0},
		{"max_length", d.MaxLength != 0},
		{"charset", d.Charset != ""},
		{"spaces", d.Spaces != nil},
		{"dims", d.Dims != nil},
	}
	for _, f := range set {
		if f.set && !slices.Contains(used, f.name) {
			return fmt.Errorf("field %q is set but this type uses only %s", f.name, strings.Join(used, ", "))
		}
	}
	return nil
}

func boxFromDescription(d *Description) (*Box, error) {
	dim, err := shapeDim(d.Shape)
	if err != nil {
		return nil, err
	}
	if len(d.Low) != dim || len(d.High) != dim {
		return nil, fmt.Errorf("low and high have %d and %d values, want %d (one per element of shape %s)",
			len(d.Low), len(d.High), dim, formatShape(d.Shape))
	}
	low := make([]float64, dim)
	high := make([]float64, dim)
	for i := range low {
		low[i], high[i] = float64(d.Low[i]), float64(d.High[i])
	}
	return newBox(low, high, d.Shape)
}

func dictFromDescription(d *Description, path string) (*Dict, error) {
	keys := make([]string, 0, len(d.Spaces))
	for k := range d.Spaces {
		keys = append(keys, k)
	}
	slices.Sort(keys) // report the first bad key deterministically
	subs := make(map[string]Space[any], len(keys))
	for _, k := range keys {
		sub := d.Spaces[k]
		at := "spaces[" + strconv.Quote(k) + "]"
		if path != "" {
			at = path + "." + at
		}
		s, err := fromDescription(&sub, at)
		if err != nil {
			return nil, err
		}
		subs[k] = eraseKnown(s)
	}
	return NewDict(subs), nil
}

// eraseKnown erases a space built by fromDescription.
func eraseKnown(s any) Space[any] {
	switch s := s.(type) {
	case *Discrete:
		return Erase(s)
	case *MultiDiscrete:
		return Erase(s)
	case *Box:
		return Erase(s)
	case *Text:
		return Erase(s)
	case *Dict:
		return Erase(s)
	case *ConfigSpace:
		return Erase(s)
	}
	panic(fmt.Sprintf("spaces: eraseKnown: unexpected %T", s))
}
