package env

import (
	"encoding/json"
	"slices"

	"github.com/autollmresearch/gym/spaces"
)

// Info carries an env's diagnostics for one Reset or Step: numbers (regret
// so far, cost spent, episode return) and other values (the config that was
// run, a final observation).
//
// Numbers are kept apart from other values so that an env can report them on
// every step without allocating: an env keeps one Info, calls Clear at the
// start of each step and SetNum for each number; once its storage has grown,
// this allocates nothing. Entries live in small slices searched in order,
// which for the handful of keys an env reports is cheaper than hashing them.
// The zero Info is empty and ready to read; writing to it allocates.
//
// Copies of an Info share its storage. An Info returned by an env is valid
// until the env's next Reset or Step; Clone it to keep it.
//
// An env that sets the same keys in the same order after every Clear pays
// one comparison per key: Clear keeps the keys in the storage past the new
// length, and a key set again at its old position is known not to be set
// already, since the kept keys are distinct.
type Info struct {
	numKeys []string
	nums    []float64
	valKeys []string
	vals    []any
	// numKept and valKept count the leading entries of the storage of
	// numKeys and valKeys (in use or kept by Clear) that are distinct keys.
	numKept, valKept int
}

// SetNum sets the number stored under key.
func (i *Info) SetNum(key string, v float64) {
	if n := len(i.numKeys); n < i.numKept && i.numKeys[:n+1][n] == key {
		i.numKeys, i.nums = i.numKeys[:n+1], i.nums[:n+1]
		i.nums[n] = v
		return
	}
	i.setNum(key, v)
}

// setNum is SetNum for a key not kept at the next position.
func (i *Info) setNum(key string, v float64) {
	if k := slices.Index(i.numKeys, key); k >= 0 {
		i.nums[k] = v
		return
	}
	if i.numKeys == nil {
		i.numKeys, i.nums = make([]string, 0, 8), make([]float64, 0, 8)
	}
	i.numKeys = append(i.numKeys, key)
	i.nums = append(i.nums, v)
	i.numKept = 0 // key may repeat a kept one
}

// Num returns the number stored under key.
func (i Info) Num(key string) (float64, bool) {
	if k := slices.Index(i.numKeys, key); k >= 0 {
		return i.nums[k], true
	}
	return 0, false
}

// Set stores a non-numeric value (or a number that need not be cheap) under
// key. Use SetNum for float64 values read on hot paths.
func (i *Info) Set(key string, v any) {
	if n := len(i.valKeys); n < i.valKept && i.valKeys[:n+1][n] == key {
		i.valKeys, i.vals = i.valKeys[:n+1], i.vals[:n+1]
		i.vals[n] = v
		return
	}
	i.set(key, v)
}

// set is Set for a key not kept at the next position.
func (i *Info) set(key string, v any) {
	if k := slices.Index(i.valKeys, key); k >= 0 {
		i.vals[k] = v
		return
	}
	if i.valKeys == nil {
		i.valKeys, i.vals = make([]string, 0, 4), make([]any, 0, 4)
	}
	i.valKeys = append(i.valKeys, key)
	i.vals = append(i.vals, v)
	i.valKept = 0 // key may repeat a kept one
}

// Get returns the value stored under key by Set or SetNum.
func (i Info) Get(key string) (any, bool) {
	if k := slices.Index(i.valKeys, key); k >= 0 {
		return i.vals[k], true
	}
	if k := slices.Index(i.numKeys, key); k >= 0 {
		return i.nums[k], true
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
	if k := slices.Index(i.numKeys, key); k >= 0 {
		i.numKeys = slices.Delete(i.numKeys, k, k+1)
		i.nums = slices.Delete(i.nums, k, k+1)
		i.numKept = 0
	}
	if k := slices.Index(i.valKeys, key); k >= 0 {
		i.valKeys = slices.Delete(i.valKeys, k, k+1)
		i.vals = slices.Delete(i.vals, k, k+1)
		i.valKept = 0
	}
}

// Len is the number of keys set.
func (i Info) Len() int { return len(i.numKeys) + len(i.valKeys) }

// Keys returns the keys in sorted order.
func (i Info) Keys() []string {
	keys := make([]string, 0, i.Len())
	keys = append(keys, i.numKeys...)
	for _, k := range i.valKeys {
		if !slices.Contains(i.numKeys, k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// Nums returns the numeric entries as a new map.
func (i Info) Nums() map[string]float64 {
	m := make(map[string]float64, len(i.numKeys))
	for k, key := range i.numKeys {
		m[key] = i.nums[k]
	}
	return m
}

// Clear removes every key and keeps the storage's capacity, so that
// refilling it does not allocate, and the keys for a refill in the same
// order to find.
func (i *Info) Clear() {
	clear(i.vals) // drop the references the values hold
	// The keys in use are distinct, and so are those kept before unless a
	// key was added since (which zeroed the count).
	i.numKept, i.valKept = max(i.numKept, len(i.numKeys)), max(i.valKept, len(i.valKeys))
	i.numKeys, i.nums = i.numKeys[:0], i.nums[:0]
	i.valKeys, i.vals = i.valKeys[:0], i.vals[:0]
}

// Clone returns a copy that shares no storage with i. Values stored with
// Set are copied shallowly.
func (i Info) Clone() Info {
	return Info{
		numKeys: slices.Clone(i.numKeys), nums: slices.Clone(i.nums),
		valKeys: slices.Clone(i.valKeys), vals: slices.Clone(i.vals),
	}
}

// Merge copies every entry of other into i, overwriting equal keys.
func (i *Info) Merge(other Info) {
	for k, key := range other.numKeys {
		i.SetNum(key, other.nums[k])
	}
	for k, key := range other.valKeys {
		i.Set(key, other.vals[k])
	}
}

// MarshalJSON renders the Info as one JSON object. Non-finite numbers set
// with SetNum are written as the strings "inf", "-inf" and "nan" (as in
// space descriptions); for values set with Set, see InfoJSON.
func (i Info) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, i.Len())
	for k, key := range i.numKeys {
		m[key] = spaces.Float(i.nums[k])
	}
	for k, key := range i.valKeys {
		m[key] = i.vals[k]
	}
	return json.Marshal(m)
}
