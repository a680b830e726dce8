package env

import (
	"encoding/json"
	"maps"
	"slices"

	"github.com/autollmresearch/gym/spaces"
)

// Info carries an env's diagnostics for one Reset or Step: numbers (regret
// so far, cost spent, episode return) and other values (the config that was
// run, a final observation).
//
// Numbers are kept apart from other values so that an env can report them on
// every step without allocating: an env keeps one Info, calls Clear at the
// start of each step and SetNum for each number; once its maps have grown,
// this allocates nothing. The zero Info is empty and ready to read; writing
// to it allocates its maps.
//
// Copies of an Info share its maps. An Info returned by an env is valid until
// the env's next Reset or Step; Clone it to keep it.
type Info struct {
	nums map[string]float64
	vals map[string]any
}

// SetNum sets the number stored under key.
func (i *Info) SetNum(key string, v float64) {
	if i.nums == nil {
		i.nums = make(map[string]float64, 8)
	}
	i.nums[key] = v
}

// Num returns the number stored under key.
func (i Info) Num(key string) (float64, bool) {
	v, ok := i.nums[key]
	return v, ok
}

// Set stores a non-numeric value (or a number that need not be cheap) under
// key. Use SetNum for float64 values read on hot paths.
func (i *Info) Set(key string, v any) {
	if i.vals == nil {
		i.vals = make(map[string]any, 4)
	}
	i.vals[key] = v
}

// Get returns the value stored under key by Set or SetNum.
func (i Info) Get(key string) (any, bool) {
	if v, ok := i.vals[key]; ok {
		return v, true
	}
	if v, ok := i.nums[key]; ok {
		return v, true
	}
	return nil, false
}

// Has reports whether key is set.
func (i Info) Has(key string) bool {
	_, ok := i.Get(key)
	return ok
}

// Delete removes key.
func (i *Info) Delete(key string) {
	delete(i.nums, key)
	delete(i.vals, key)
}

// Len is the number of keys set.
func (i Info) Len() int { return len(i.nums) + len(i.vals) }

// Keys returns the keys in sorted order.
func (i Info) Keys() []string {
	keys := make([]string, 0, i.Len())
	for k := range i.nums {
		keys = append(keys, k)
	}
	for k := range i.vals {
		if _, dup := i.nums[k]; !dup {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// Nums returns the numeric entries. The map is the Info's own: read it, do
// not keep it.
func (i Info) Nums() map[string]float64 { return i.nums }

// Clear removes every key and keeps the maps' capacity, so that refilling
// them does not allocate.
func (i *Info) Clear() {
	clear(i.nums)
	clear(i.vals)
}

// Clone returns a copy that shares no maps with i. Values stored with Set
// are copied shallowly.
func (i Info) Clone() Info {
	return Info{nums: maps.Clone(i.nums), vals: maps.Clone(i.vals)}
}

// Merge copies every entry of other into i, overwriting equal keys.
func (i *Info) Merge(other Info) {
	for k, v := range other.nums {
		i.SetNum(k, v)
	}
	for k, v := range other.vals {
		i.Set(k, v)
	}
}

// MarshalJSON renders the Info as one JSON object. Non-finite numbers set
// with SetNum are written as the strings "inf", "-inf" and "nan" (as in
// space descriptions); for values set with Set, see InfoJSON.
func (i Info) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, i.Len())
	for k, v := range i.nums {
		m[k] = spaces.Float(v)
	}
	for k, v := range i.vals {
		m[k] = v
	}
	return json.Marshal(m)
}
