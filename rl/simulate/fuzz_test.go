package simulate

import (
	"bytes"
	"testing"
)

// FuzzReadParquet checks that ReadParquet never
// panics or allocates beyond its limits on corrupt files, and that what it
// accepts writes back.
func FuzzReadParquet(f *testing.F) {
	var buf bytes.Buffer
	if err := simulateOracle(f, 2, 1).WriteParquet(&buf); err != nil {
		f.Fatal(err)
	}
	valid := buf.Bytes()
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	for _, at := range []int{8, len(valid) / 3, len(valid) / 2, len(valid) - 12} {
		b := bytes.Clone(valid)
		b[at] ^= 0xff
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := ReadParquet(bytes.NewReader(data))
		if err != nil {
			if tr != nil {
				t.Fatal("trajectories and an error")
			}
			return
		}
		if err := tr.WriteParquet(&bytes.Buffer{}); err != nil {
			t.Fatalf("cannot write accepted trajectories: %v", err)
		}
	})
}
