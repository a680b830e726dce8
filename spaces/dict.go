package spaces

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// Dict is a product of named sub-spaces: its members are maps holding, for
// every key, a member of that key's sub-space, and no other keys. Keys are
// kept in sorted order, which fixes the order of sampling and of the flat
// form. A Dict is immutable, so one Dict may be shared between goroutines.
//
// Sub-spaces are Space[any]; wrap typed spaces with [Erase]. A value read
// from a member map has the sub-space's value type, e.g. int for an erased
// [Discrete].
//
// The flat form concatenates the sub-spaces' flat forms in key order. It
// exists only when every sub-space implements [Flattener][any] with a flat
// form; otherwise Flatten and Unflatten return an error naming the first
// key (in order) that has none.
type Dict struct {
	keys    []string
	subs    []Space[any]
	flats   []Flattener[any] // nil when there is no flat form
	offsets []int            // start of each key's segment in the flat form
	flatDim int
	noFlat  error // why there is no flat form, or nil
}

// NewDict returns the Dict of the given sub-spaces, which it does not
// modify. It panics if a sub-space is nil, which is a programming error.
func NewDict(spaces map[string]Space[any]) *Dict {
	d := &Dict{keys: make([]string, 0, len(spaces))}
	for k := range spaces {
		d.keys = append(d.keys, k)
	}
	slices.Sort(d.keys)
	d.subs = make([]Space[any], len(d.keys))
	d.flats = make([]Flattener[any], len(d.keys))
	d.offsets = make([]int, len(d.keys))
	for i, k := range d.keys {
		s := spaces[k]
		if s == nil {
			panic(fmt.Sprintf("spaces: NewDict: sub-space %q is nil", k))
		}
		d.subs[i] = s
		d.offsets[i] = d.flatDim
		if d.noFlat != nil {
			continue
		}
		n, err := FlatDim(s)
		if err != nil {
			d.noFlat = fmt.Errorf("spaces: Dict key %q: %w", k, err)
			continue
		}
		d.flats[i] = s.(Flattener[any]) // FlatDim checked it
		d.flatDim += n
	}
	if d.noFlat != nil {
		d.flats, d.flatDim = nil, 0
	}
	return d
}

// Keys returns the keys in sorted order.
func (d *Dict) Keys() []string { return slices.Clone(d.keys) }

// Len is the number of keys.
func (d *Dict) Len() int { return len(d.keys) }

// Space returns the sub-space of key and whether there is one.
func (d *Dict) Space(key string) (Space[any], bool) {
	i, ok := slices.BinarySearch(d.keys, key)
	if !ok {
		return nil, false
	}
	return d.subs[i], true
}

// Sample returns a new map with a sample of every sub-space, drawn in key
// order.
func (d *Dict) Sample(r *rand.Rand) map[string]any {
	x := make(map[string]any, len(d.keys))
	for i, k := range d.keys {
		x[k] = d.subs[i].Sample(r)
	}
	return x
}

// Contains reports whether x has exactly the Dict's keys and every value is
// a member of its key's sub-space.
func (d *Dict) Contains(x map[string]any) bool {
	if len(x) != len(d.keys) {
		return false
	}
	for i, k := range d.keys {
		v, ok := x[k]
		if !ok || !d.subs[i].Contains(v) {
			return false
		}
	}
	return true
}

// Clone returns a new map with every value deep-copied through its
// sub-space's [Cloner][any]; values of sub-spaces without one, and of keys
// the Dict does not have, are copied as they are. A nil map stays nil.
func (d *Dict) Clone(x map[string]any) map[string]any {
	if x == nil {
		return nil
	}
	out := make(map[string]any, len(x))
	for k, v := range x {
		if s, ok := d.Space(k); ok {
			if c, ok := s.(Cloner[any]); ok {
				v = c.Clone(v)
			}
		}
		out[k] = v
	}
	return out
}

// FlatDim is the sum of the sub-spaces' flat lengths, or 0 when the Dict has
// no flat form.
func (d *Dict) FlatDim() int { return d.flatDim }

func (d *Dict) flatErr() error { return d.noFlat }

// Flatten writes the sub-values' flat forms into dst in key order. dst must
// have length FlatDim and x exactly the Dict's keys.
func (d *Dict) Flatten(x map[string]any, dst []float64) error {
	if d.noFlat != nil {
		return d.noFlat
	}
	if len(dst) != d.flatDim {
		return fmt.Errorf("spaces: Dict.Flatten: dst has length %d, want %d", len(dst), d.flatDim)
	}
	if err := d.checkKeys(x); err != nil {
		return fmt.Errorf("spaces: Dict.Flatten: %w", err)
	}
	for i, k := range d.keys {
		f := d.flats[i]
		end := d.flatDim
		if i+1 < len(d.keys) {
			end = d.offsets[i+1]
		}
		if err := f.Flatten(x[k], dst[d.offsets[i]:end]); err != nil {
			return fmt.Errorf("spaces: Dict.Flatten: key %q: %w", k, err)
		}
	}
	return nil
}

// Unflatten reads a member back from src, which must have length FlatDim.
func (d *Dict) Unflatten(src []float64) (map[string]any, error) {
	if d.noFlat != nil {
		return nil, d.noFlat
	}
	if len(src) != d.flatDim {
		return nil, fmt.Errorf("spaces: Dict.Unflatten: vector has length %d, want %d", len(src), d.flatDim)
	}
	x := make(map[string]any, len(d.keys))
	for i, k := range d.keys {
		f := d.flats[i]
		end := d.flatDim
		if i+1 < len(d.keys) {
			end = d.offsets[i+1]
		}
		v, err := f.Unflatten(src[d.offsets[i]:end])
		if err != nil {
			return nil, fmt.Errorf("spaces: Dict.Unflatten: key %q: %w", k, err)
		}
		x[k] = v
	}
	return x, nil
}

// checkKeys reports a missing or unexpected key of x.
func (d *Dict) checkKeys(x map[string]any) error {
	for _, k := range d.keys {
		if _, ok := x[k]; !ok {
			return fmt.Errorf("value lacks key %q", k)
		}
	}
	if len(x) != len(d.keys) {
		extra := make([]string, 0, len(x)-len(d.keys))
		for k := range x {
			if _, ok := slices.BinarySearch(d.keys, k); !ok {
				extra = append(extra, k)
			}
		}
		slices.Sort(extra)
		return fmt.Errorf("value has unexpected keys %q", extra)
	}
	return nil
}

// String returns e.g. `Dict("obs": Box(0, 1, (3,)), "step": Discrete(10))`.
func (d *Dict) String() string {
	var s strings.Builder
	s.WriteString("Dict(")
	for i, k := range d.keys {
		if i > 0 {
			s.WriteString(", ")
		}
		s.WriteString(strconv.Quote(k))
		s.WriteString(": ")
		s.WriteString(d.subs[i].String())
	}
	s.WriteByte(')')
	return s.String()
}

// Describe returns {"type": "dict", "spaces": {key: description, ...}}.
func (d *Dict) Describe() Description {
	desc := Description{Type: TypeDict}
	if len(d.keys) > 0 {
		desc.Spaces = make(map[string]Description, len(d.keys))
		for i, k := range d.keys {
			desc.Spaces[k] = d.subs[i].Describe()
		}
	}
	return desc
}
