package nn

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testCheckpoint returns a checkpoint with a network, an optimiser that has
// stepped, a plain vector and metadata, and the objects it was made from.
func testCheckpoint(t *testing.T) (*Checkpoint, *MLP, *Adam) {
	t.Helper()
	m, err := NewMLP(MLPConfig{Sizes: []int{3, 4, 2}, OutputGain: 0.01}, newRNG(1))
	require.NoError(t, err)
	a, err := NewAdam(m.NumParams(), DefaultAdamConfig())
	require.NoError(t, err)
	for i := range m.Grads() {
		m.Grads()[i] = float64(i%5) - 2
	}
	require.NoError(t, a.Step(m.Params(), m.Grads()))
	c := new(Checkpoint)
	c.PutMLP("policy", m)
	c.PutAdam("opt", a)
	c.PutVector("log_std", []float64{-0.5, 0.25})
	c.Meta = json.RawMessage(`{"update":7}`)
	return c, m, a
}

func TestCheckpointRoundTrip(t *testing.T) {
	c, m, a := testCheckpoint(t)
	path := filepath.Join(t.TempDir(), "ckpt.bin")
	require.NoError(t, WriteFile(path, c))

	back, err := ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, []string{"policy", "opt.m", "opt.v", "log_std"}, back.Names())
	assert.JSONEq(t, `{"update":7}`, string(back.Meta))

	m2, err := NewMLP(m.Config(), newRNG(99))
	require.NoError(t, err)
	require.NoError(t, back.LoadMLP("policy", m2))
	assert.Equal(t, m.Params(), m2.Params())

	m3, err := back.NewMLPFrom("policy")
	require.NoError(t, err)
	assert.Equal(t, m.Params(), m3.Params())
	assert.Equal(t, m.Config(), m3.Config())

	a2, err := NewAdam(m.NumParams(), AdamConfig{LR: 1, Beta1: 0.5, Beta2: 0.5, Eps: 1})
	require.NoError(t, err)
	require.NoError(t, back.LoadAdam("opt", a2))
	assert.Equal(t, a.State(), a2.State())
	assert.Equal(t, a.Config(), a2.Config())

	v, err := back.Vector("log_std")
	require.NoError(t, err)
	assert.Equal(t, []float64{-0.5, 0.25}, v)
	dst := make([]float64, 2)
	require.NoError(t, back.LoadVector("log_std", dst))
	assert.Equal(t, v, dst)

	// Encoding is deterministic, and a replaced entry keeps its place.
	b1, err := c.MarshalBinary()
	require.NoError(t, err)
	b2, err := back.MarshalBinary()
	require.NoError(t, err)
	assert.Equal(t, b1, b2)
	back.PutVector("policy", []float64{1})
	assert.Equal(t, []string{"policy", "opt.m", "opt.v", "log_std"}, back.Names())

	// No temporary file is left behind.
	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	require.Len(t, entries, 1)

	// WriteTo and ReadCheckpoint agree with the file functions.
	var buf bytes.Buffer
	_, err = c.WriteTo(&buf)
	require.NoError(t, err)
	fromBuf, err := ReadCheckpoint(&buf)
	require.NoError(t, err)
	assert.Equal(t, c.Names(), fromBuf.Names())
}

// TestCheckpointOverwrite checks that writing over an existing checkpoint
// replaces it as a whole.
func TestCheckpointOverwrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ckpt.bin")
	first := new(Checkpoint)
	first.PutVector("v", []float64{1, 2, 3})
	require.NoError(t, WriteFile(path, first))
	second := new(Checkpoint)
	second.PutVector("v", []float64{4})
	require.NoError(t, WriteFile(path, second))
	back, err := ReadFile(path)
	require.NoError(t, err)
	v, err := back.Vector("v")
	require.NoError(t, err)
	assert.Equal(t, []float64{4}, v)

	err = WriteFile(filepath.Join(t.TempDir(), "missing-dir", "x.bin"), first)
	assert.ErrorContains(t, err, "missing-dir")
}

// reseal recomputes the checksum of an encoded checkpoint after an edit.
func reseal(b []byte) []byte {
	body := b[:len(b)-checksumLen]
	sum := sha256.Sum256(body)
	return append(append([]byte(nil), body...), sum[:]...)
}

func TestCheckpointFaults(t *testing.T) {
	c, _, _ := testCheckpoint(t)
	good, err := c.MarshalBinary()
	require.NoError(t, err)
	hlen := int(binary.LittleEndian.Uint64(good[16:]))

	withVersion := append([]byte(nil), good...)
	binary.LittleEndian.PutUint32(withVersion[8:], 2)

	flipped := append([]byte(nil), good...)
	flipped[len(flipped)-100] ^= 0x40 // a payload bit

	badHeader := append([]byte(nil), good...)
	copy(badHeader[fixedHeaderLen:], `{"entries":[{"name":"x","kind":"wat"`)
	badHeader = reseal(badHeader)

	longEntry := bytes.Replace(good, []byte(`"len":26`), []byte(`"len":99`), 1)
	require.NotEqual(t, good, longEntry)
	longEntry = reseal(longEntry)

	cases := []struct {
		name   string
		data   []byte
		target error
		want   string
	}{
		{"empty", nil, ErrTruncated, "0 bytes"},
		{"magic prefix only", good[:5], ErrTruncated, "5 bytes"},
		{"fixed header cut", good[:20], ErrTruncated, "shorter than the 32-byte fixed header"},
		{"header cut", good[:fixedHeaderLen+hlen/2], ErrTruncated, "its header announces"},
		{"payload cut", good[:len(good)-40], ErrTruncated, "its header announces"},
		{"checksum cut", good[:len(good)-1], ErrTruncated, "its header announces"},
		{"not a checkpoint", []byte("PK\x03\x04 a zip file, say"), ErrNotCheckpoint, `starts with "PK\x03\x04 a z", want "GYMNNCKP"`},
		{"future version", withVersion, ErrVersion, "format version 2, this build reads version 1"},
		{"flipped bit", flipped, ErrCorrupt, "checksum mismatch"},
		{"trailing bytes", append(append([]byte(nil), good...), 0), ErrCorrupt, "1 bytes after the checksum"},
		{"malformed header", badHeader, ErrCorrupt, "JSON header"},
		{"entry longer than payload", longEntry, ErrCorrupt, `entry "policy" has length 99, more than the payload holds`},
	}
	dir := t.TempDir()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var back Checkpoint
			err := back.UnmarshalBinary(tc.data)
			require.ErrorIs(t, err, tc.target)
			assert.ErrorContains(t, err, tc.want)

			path := filepath.Join(dir, "bad.ckpt")
			require.NoError(t, os.WriteFile(path, tc.data, 0o644))
			_, err = ReadFile(path)
			require.ErrorIs(t, err, tc.target)
			assert.ErrorContains(t, err, path, "the error names the file")
		})
	}
	_, err = ReadFile(filepath.Join(dir, "absent.ckpt"))
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestCheckpointShapeErrors(t *testing.T) {
	c, m, _ := testCheckpoint(t)
	wrongSizes, err := NewMLP(MLPConfig{Sizes: []int{3, 5, 2}}, newRNG(1))
	require.NoError(t, err)
	wrongAct, err := NewMLP(MLPConfig{Sizes: []int{3, 4, 2}, Activation: ReLU}, newRNG(1))
	require.NoError(t, err)
	shortAdam, err := NewAdam(m.NumParams()-1, DefaultAdamConfig())
	require.NoError(t, err)

	cases := []struct {
		name   string
		run    func() error
		target error
		want   string
	}{
		{"layer sizes", func() error { return c.LoadMLP("policy", wrongSizes) }, ErrShape, `entry "policy": layer sizes [3 4 2] differ from the network's [3 5 2]`},
		{"activation", func() error { return c.LoadMLP("policy", wrongAct) }, ErrShape, "activation tanh differs from the network's relu"},
		{"adam length", func() error { return c.LoadAdam("opt", shortAdam) }, ErrShape, "moments of length 26, the optimiser 25"},
		{"vector length", func() error { return c.LoadVector("log_std", make([]float64, 3)) }, ErrShape, `entry "log_std" has 2 values, want 3`},
		{"kind mismatch", func() error { return c.LoadMLP("log_std", m) }, ErrShape, `entry "log_std" is a vector, not an MLP`},
		{"vector of mlp", func() error { _, err := c.Vector("policy"); return err }, ErrShape, "is a mlp, not a vector"},
		{"missing", func() error { return c.LoadMLP("value", m) }, ErrMissing, `no entry "value"`},
		{"missing adam", func() error { return c.LoadAdam("other", shortAdam) }, ErrMissing, `no entry "other.m"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			require.ErrorIs(t, err, tc.target)
			assert.ErrorContains(t, err, tc.want)
		})
	}

	bad := &Checkpoint{Meta: json.RawMessage(`{not json`)}
	_, err = bad.MarshalBinary()
	assert.ErrorContains(t, err, "Meta is not valid JSON")
}
