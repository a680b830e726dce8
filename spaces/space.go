package spaces

import (
	"encoding/json"
	"math/rand/v2"
)

// Space is a set of values of type T that can be sampled and tested for
// membership. Every space describes itself as JSON so that a remote client or
// a language model can be told what is allowed.
type Space[T any] interface {
	// Sample draws a uniformly random member of the space from r.
	Sample(r *rand.Rand) T
	// Contains reports whether x is a member of the space.
	Contains(x T) bool
	// String is a short human-readable form, e.g. "Discrete(5)".
	String() string
	// Describe returns the machine-readable description of the space.
	Describe() Description
}

// Cloner is implemented by spaces whose values may share memory (slices,
// maps). Clone returns a deep copy of x that shares nothing with it. All
// spaces in this package implement it; code that must keep a value past the
// next call that may reuse its buffer (vector envs keeping a final
// observation, replay buffers) clones it through the space.
type Cloner[T any] interface {
	Clone(x T) T
}

// Flattener is implemented by spaces whose members map to a fixed-length
// []float64 and back: Box (as is), Discrete (one-hot), MultiDiscrete
// (concatenated one-hots) and Dict (its sub-spaces in key order).
type Flattener[T any] interface {
	// FlatDim is the length of the flattened vector.
	FlatDim() int
	// Flatten writes x into dst, which must have length FlatDim.
	Flatten(x T, dst []float64) error
	// Unflatten reads a member back from src, which must have length FlatDim.
	Unflatten(src []float64) (T, error)
}

// Description is the JSON form of a space. Type names the kind of space; the
// other fields are set only where that kind uses them. [ParseDescription]
// reads one from JSON and [FromDescription] rebuilds the space it describes.
type Description struct {
	// Type is one of "discrete", "multi_discrete", "box", "dict", "text", "config".
	Type string `json:"type"`
	// N and Start describe a Discrete space {Start, ..., Start+N-1}.
	N     int `json:"n,omitempty"`
	Start int `json:"start,omitempty"`
	// Nvec holds the sizes of a MultiDiscrete space.
	Nvec []int `json:"nvec,omitempty"`
	// Shape, Low and High describe a Box: Low and High hold one bound per
	// element, flattened in row-major order. Infinite bounds are written as
	// the strings "inf" and "-inf" (see [Float]).
	Shape []int   `json:"shape,omitempty"`
	Low   []Float `json:"low,omitempty"`
	High  []Float `json:"high,omitempty"`
	// MinLength, MaxLength and Charset describe a Text space; an empty
	// Charset means the default one (see [NewText]).
	MinLength int    `json:"min_length,omitempty"`
	MaxLength int    `json:"max_length,omitempty"`
	Charset   string `json:"charset,omitempty"`
	// Spaces holds the sub-spaces of a Dict, by key.
	Spaces map[string]Description `json:"spaces,omitempty"`
	// Dims holds the dimensions of a configuration space, in order.
	Dims []DimDescription `json:"dims,omitempty"`
}

// JSON renders d as indented JSON.
func (d Description) JSON() string {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil { // cannot happen: every field type, Float included, always encodes
		return "{}"
	}
	return string(b)
}
