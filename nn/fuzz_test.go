package nn

import (
	"bytes"
	"crypto/sha256"
	"testing"
)

// FuzzCheckpoint checks that decoding any bytes, with a checksum that
// matches or not, never panics or allocates beyond what the input holds,
// and that every network and optimiser a decoded checkpoint describes can
// be built or is refused with an error.
func FuzzCheckpoint(f *testing.F) {
	c, m, a := testCheckpointFor(f)
	good, err := c.MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good, false)
	f.Add(good[:len(good)/2], false)
	f.Add(bytes.Replace(good, []byte(`"sizes":[3,4,2]`), []byte(`"sizes":[46340,46340]`), 1), true)
	f.Add(bytes.Replace(good, []byte(`"sizes":[3,4,2]`), []byte(`"sizes":[4611686018427387904,4]`), 1), true)
	f.Fuzz(func(t *testing.T, data []byte, seal bool) {
		if seal && len(data) >= checksumLen { // explore past the checksum
			body := data[:len(data)-checksumLen]
			sum := sha256.Sum256(body)
			data = append(bytes.Clone(body), sum[:]...)
		}
		var c Checkpoint
		if err := c.UnmarshalBinary(data); err != nil {
			return
		}
		for _, name := range c.Names() {
			if net, err := c.NewMLPFrom(name); err == nil {
				ws := net.NewWorkspace(2)
				_ = ws.MaxRows()
			}
			_ = c.LoadMLP(name, m)
		}
		_ = c.LoadAdam("opt", a)
	})
}

// testCheckpointFor is testCheckpoint for fuzz targets.
func testCheckpointFor(f *testing.F) (*Checkpoint, *MLP, *Adam) {
	m, err := NewMLP(MLPConfig{Sizes: []int{3, 4, 2}, OutputGain: 0.01}, newRNG(1))
	if err != nil {
		f.Fatal(err)
	}
	a, err := NewAdam(m.NumParams(), DefaultAdamConfig())
	if err != nil {
		f.Fatal(err)
	}
	c := new(Checkpoint)
	c.PutMLP("policy", m)
	c.PutAdam("opt", a)
	c.PutVector("log_std", []float64{-0.5, 0.25})
	return c, m, a
}
