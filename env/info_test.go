package env

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestInfoMatchesMap drives an Info through random sequences of SetNum,
// Set, Delete and Clear, mostly refilling the same keys in the same order
// as envs do (the case Clear keeps the keys for), and checks every entry
// against a plain map after each operation.
func TestInfoMatchesMap(t *testing.T) {
	keys := []string{"regret", "spent", "cost", "distance", "trials_left", "asked", "run", "experiment"}
	for seed := range uint64(50) {
		r := rand.New(rand.NewPCG(seed, 7))
		var info Info
		want := map[string]any{}
		order := slices.Clone(keys)
		for op := range 400 {
			switch k := r.IntN(20); {
			case k == 0:
				info.Clear()
				clear(want)
				if r.IntN(3) == 0 { // a new order of keys for the next refills
					r.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
				}
			case k == 1:
				key := keys[r.IntN(len(keys))]
				info.Delete(key)
				delete(want, key)
			default:
				// The next key of the order, or now and then any key again.
				key := order[len(want)%len(order)]
				if r.IntN(4) == 0 {
					key = keys[r.IntN(len(keys))]
				}
				if _, isVal := want[key].(string); isVal || (want[key] == nil && r.IntN(3) == 0) {
					v := key + string(rune('a'+op%26))
					info.Set(key, v)
					want[key] = v
				} else {
					v := float64(op)
					info.SetNum(key, v)
					want[key] = v
				}
			}
			require.Equal(t, len(want), info.Len(), "seed %d op %d", seed, op)
			wantKeys := make([]string, 0, len(want))
			for k := range want {
				wantKeys = append(wantKeys, k)
			}
			slices.Sort(wantKeys)
			require.Equal(t, wantKeys, info.Keys(), "seed %d op %d", seed, op)
			for k, v := range want {
				got, ok := info.Get(k)
				require.True(t, ok, "seed %d op %d key %s", seed, op, k)
				require.Equal(t, v, got, "seed %d op %d key %s", seed, op, k)
			}
		}
	}
}

// TestInfoRefillSameOrderDoesNotDuplicate checks that setting a key twice
// after a Clear, in an order the kept keys do not follow, keeps one entry.
func TestInfoRefillSameOrderDoesNotDuplicate(t *testing.T) {
	var info Info
	for _, k := range []string{"a", "b", "c"} {
		info.SetNum(k, 1)
	}
	info.Clear()
	info.SetNum("a", 2)
	info.SetNum("c", 3) // breaks the kept order
	info.SetNum("c", 4) // must overwrite, not append at the old place of "c"
	info.SetNum("b", 5)
	assert.Equal(t, []string{"a", "b", "c"}, info.Keys())
	assert.Equal(t, map[string]float64{"a": 2, "b": 5, "c": 4}, info.Nums())

	info.Clear()
	info.SetNum("a", 6)
	info.SetNum("a", 7) // the kept key at position 1 is "c"
	info.SetNum("c", 8)
	assert.Equal(t, map[string]float64{"a": 7, "c": 8}, info.Nums())

	clone := info.Clone()
	clone.Clear()
	clone.SetNum("a", 9)
	clone.SetNum("c", 10)
	clone.SetNum("a", 11)
	assert.Equal(t, map[string]float64{"a": 11, "c": 10}, clone.Nums())
	assert.Equal(t, map[string]float64{"a": 7, "c": 8}, info.Nums(), "a clone shares no storage")
}

// BenchmarkInfoRefill measures an env's Info on a step: Clear, then eight
// numbers and three values set in the order of the previous step.
func BenchmarkInfoRefill(b *testing.B) {
	var info Info
	b.ReportAllocs()
	for b.Loop() {
		info.Clear()
		info.SetNum("regret", 0.5)
		info.SetNum("spent", 10)
		info.SetNum("budget_left", 5)
		info.SetNum("trials_left", 3)
		info.SetNum("target_trials", 2)
		info.SetNum("trial_regret", 0.25)
		info.SetNum("cost", 2)
		info.SetNum("distance", 0.1)
		info.Set("asked", "x")
		info.Set("run", "y")
		info.Set("experiment", "z")
	}
}
