package arch

import (
	"bytes"
	"math"
	"testing"
)

// FuzzLoadSurrogate feeds arbitrary bytes to the checkpoint loader: it
// must never panic, and a checkpoint it accepts must rate architectures of
// its scale.
func FuzzLoadSurrogate(f *testing.F) {
	good := newCompactFixture(Small)
	f.Add(good.bytes(f))
	f.Add(good.pickleStateDict())
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte{})
	broken := newCompactFixture(Small)
	broken.pickle = broken.pickleStateDict()[:300]
	f.Add(broken.bytes(f))
	nan := newCompactFixture(Small)
	nan.tensor("fc3.weight").data[5] = float32(math.NaN())
	f.Add(nan.bytes(f))
	f.Fuzz(func(t *testing.T, data []byte) {
		sur, err := LoadSurrogate(bytes.NewReader(data), int64(len(data)), Small)
		if err != nil {
			return
		}
		archs := UniformArchs(Small)
		for _, a := range []Arch{archs[0], archs[len(archs)-1]} {
			if _, err := sur.Perplexity(a); err != nil {
				t.Fatalf("accepted checkpoint cannot rate %v: %v", a, err)
			}
		}
	})
}

// FuzzReadStateDict feeds arbitrary pickles to the state dict reader,
// which must never panic.
func FuzzReadStateDict(f *testing.F) {
	f.Add(newFixture(Small, 1).pickleStateDict())
	f.Add([]byte{0x80, 2, '}', 'q', 0, 'h', 0, 'X', 1, 0, 0, 0, 'a', 'K', 1, 's', '.'})
	f.Add([]byte{0x80, 2, '(', 'K', 1, 0x8a, 2, 0xff, 0x7f, 'l', ']', 'e', '.'})
	f.Add([]byte{0x80, 4, 0x95, 0, 0, 0, 0, 0, 0, 0, 0, 0x8c, 1, 'a', 0x94, 0x8c, 1, 'b', 0x93, '.'})
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = readStateDict(data)
	})
}
