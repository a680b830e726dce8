package spaces

import (
	"encoding/json"
	"errors"
	"fmt"
)

// DimDescription is the JSON form of one dimension of a [ConfigSpace], as
// found in [Description.Dims]. Low and High are written only for log, linear
// and int dimensions, Choices only for categorical and Parts only for
// simplex dimensions.
type DimDescription struct {
	// Name is the dimension's name.
	Name string `json:"name"`
	// Kind is "log", "linear", "int", "categorical" or "simplex".
	Kind string `json:"kind"`
	// Low and High are the inclusive bounds of a log, linear or int
	// dimension.
	Low  float64 `json:"low"`
	High float64 `json:"high"`
	// Choices are the values of a categorical dimension.
	Choices []string `json:"choices,omitempty"`
	// Parts name the components of a simplex dimension.
	Parts []string `json:"parts,omitempty"`
}

// MarshalJSON writes the description, leaving out low and high for
// categorical and simplex dimensions, where they have no meaning.
func (d DimDescription) MarshalJSON() ([]byte, error) {
	type plain DimDescription // no methods, so no recursion
	if d.Kind == Categorical.String() || d.Kind == Simplex.String() {
		return json.Marshal(struct {
			Name    string   `json:"name"`
			Kind    string   `json:"kind"`
			Choices []string `json:"choices,omitempty"`
			Parts   []string `json:"parts,omitempty"`
		}{d.Name, d.Kind, d.Choices, d.Parts})
	}
	return json.Marshal(plain(d))
}

// Describe returns the machine-readable form of the space: Type [TypeConfig] and
// one [DimDescription] per dimension, in order.
func (s *ConfigSpace) Describe() Description {
	dims := make([]DimDescription, len(s.dims))
	for i, d := range s.dims {
		dd := DimDescription{Name: d.Name, Kind: d.Kind.String()}
		switch d.Kind {
		case Categorical:
			dd.Choices = append([]string(nil), d.Choices...)
		case Simplex:
			dd.Parts = append([]string(nil), d.Parts...)
		default:
			dd.Low, dd.High = d.Low, d.High
		}
		dims[i] = dd
	}
	return Description{Type: TypeConfig, Dims: dims}
}

// ConfigSpaceFromDescription rebuilds a configuration space from its
// description, as produced by [ConfigSpace.Describe] and possibly read from
// an untrusted file. Every faulty dimension is reported, by position and
// name.
func ConfigSpaceFromDescription(d Description) (*ConfigSpace, error) {
	if d.Type != TypeConfig {
		return nil, fmt.Errorf("spaces: description has type %q, want %q", d.Type, TypeConfig)
	}
	if len(d.Dims) == 0 {
		return nil, errors.New("spaces: config description has no dims")
	}
	dims := make([]Dim, len(d.Dims))
	var errs []error
	for i, dd := range d.Dims {
		k, err := ParseKind(dd.Kind)
		if err != nil {
			errs = append(errs, fmt.Errorf("dims[%d] (%q): %w", i, dd.Name, err))
			continue
		}
		dims[i] = Dim{Name: dd.Name, Kind: k, Low: dd.Low, High: dd.High, Choices: dd.Choices, Parts: dd.Parts}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("spaces: invalid config description: %w", errors.Join(errs...))
	}
	return NewConfigSpace(dims...)
}
