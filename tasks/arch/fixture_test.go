package arch

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// This file writes small checkpoints in the layout torch.save uses, with
// random weights, for the loader tests.

type fixTensor struct {
	name    string
	key     string
	storage string // global of the storage type, "module\nname"
	shape   []int
	numel   int // storage elements
	data    []float32
}

type fixture struct {
	prefix    string
	byteorder string // "" omits the entry
	tensors   []fixTensor
	omit      map[string]bool   // entry names (after the prefix) left out
	replace   map[string][]byte // entry contents overriding the tensors'
	pickle    []byte            // data.pkl overriding the generated one
	deflate   bool              // compress entries (torch stores them)
}

// newFixture returns a well-formed checkpoint of the scale with weights
// drawn from the seed.
func newFixture(s Scale, seed uint64) *fixture {
	r := rand.New(rand.NewPCG(seed, 7))
	in := InputWidth(s.MaxLayers())
	f := &fixture{prefix: "perplexity_" + s.String() + "/", byteorder: "little"}
	for k, layer := range surrogateLayers {
		rows, cols := hidden, hidden
		if k == 0 {
			cols = in
		}
		if k == 4 {
			rows = 1
		}
		scale := float32(1 / math.Sqrt(float64(cols)))
		w := make([]float32, rows*cols)
		for i := range w {
			w[i] = scale * float32(r.NormFloat64())
		}
		b := make([]float32, rows)
		for i := range b {
			b[i] = 0.1 * float32(r.NormFloat64())
		}
		if k == 4 {
			b[0] = 30 // a perplexity-like level
		}
		f.tensors = append(f.tensors,
			fixTensor{name: layer + ".weight", storage: "torch\nFloatStorage", shape: []int{rows, cols}, numel: rows * cols, data: w},
			fixTensor{name: layer + ".bias", storage: "torch\nFloatStorage", shape: []int{rows}, numel: rows, data: b},
		)
	}
	for i := range f.tensors {
		f.tensors[i].key = string(rune('0' + i))
	}
	return f
}

// newCompactFixture returns a well-formed checkpoint of the scale whose
// weights take few distinct values and whose entries are compressed, so
// that the archive is a few kilobytes (a fuzzing seed).
func newCompactFixture(s Scale) *fixture {
	f := newFixture(s, 0)
	f.deflate = true
	for i := range f.tensors {
		for j := range f.tensors[i].data {
			f.tensors[i].data[j] = float32(j%3) / 64
		}
	}
	return f
}

func (f *fixture) tensor(name string) *fixTensor {
	for i := range f.tensors {
		if f.tensors[i].name == name {
			return &f.tensors[i]
		}
	}
	return nil
}

// pickleStateDict renders the tensors as torch.save pickles a state dict.
func (f *fixture) pickleStateDict() []byte {
	var b bytes.Buffer
	str := func(s string) {
		b.WriteByte('X')
		_ = binary.Write(&b, binary.LittleEndian, uint32(len(s)))
		b.WriteString(s)
	}
	integer := func(n int) {
		b.WriteByte('J')
		_ = binary.Write(&b, binary.LittleEndian, int32(n))
	}
	b.Write([]byte{0x80, 2})
	b.WriteString("ccollections\nOrderedDict\n)R(")
	for _, t := range f.tensors {
		str(t.name)
		b.WriteString("ctorch._utils\n_rebuild_tensor_v2\n((")
		str("storage")
		b.WriteString("c" + t.storage + "\n")
		str(t.key)
		str("cpu")
		integer(t.numel)
		b.WriteString("tQ")
		integer(0)
		b.WriteByte('(')
		for _, d := range t.shape {
			integer(d)
		}
		b.WriteString("t(")
		stride := 1
		strides := make([]int, len(t.shape))
		for i := len(t.shape) - 1; i >= 0; i-- {
			strides[i] = stride
			stride *= t.shape[i]
		}
		for _, s := range strides {
			integer(s)
		}
		b.WriteString("t\x89ccollections\nOrderedDict\n)RtR")
	}
	b.WriteString("u.")
	return b.Bytes()
}

// bytes renders the checkpoint as a zip archive.
func (f *fixture) bytes(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	put := func(name string, content []byte) {
		if f.omit[name] {
			return
		}
		if c, ok := f.replace[name]; ok {
			content = c
		}
		method := zip.Store
		if f.deflate {
			method = zip.Deflate
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.prefix + name, Method: method})
		require.NoError(t, err)
		_, err = w.Write(content)
		require.NoError(t, err)
	}
	pkl := f.pickle
	if pkl == nil {
		pkl = f.pickleStateDict()
	}
	put("data.pkl", pkl)
	if f.byteorder != "" {
		put("byteorder", []byte(f.byteorder))
	}
	for _, tn := range f.tensors {
		raw := make([]byte, 4*len(tn.data))
		for i, v := range tn.data {
			binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
		}
		put("data/"+tn.key, raw)
	}
	put("version", []byte("3\n"))
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// denseReference evaluates the fixture's network on the explicit one-hot
// input vector with full matrix products.
func (f *fixture) denseReference(a Arch) float64 {
	c := a.Scale.Choices()
	maxL := a.Scale.MaxLayers()
	x := make([]float64, InputWidth(maxL))
	x[index(c.Embed, a.Embed)] = 1
	x[3+index(c.Layers, a.Layers)] = 1
	for l := range a.Layers {
		x[6+3*l+index(c.MLPRatio, a.MLPRatio[l])] = 1
		x[6+3*maxL+3*l+index(c.Heads, a.Heads[l])] = 1
	}
	if a.Bias {
		x[6+6*maxL] = 1
	} else {
		x[6+6*maxL+1] = 1
	}
	for k, layer := range surrogateLayers {
		w, b := f.tensor(layer+".weight"), f.tensor(layer+".bias")
		rows, cols := w.shape[0], w.shape[1]
		y := make([]float64, rows)
		for i := range rows {
			s := float64(b.data[i])
			for j := range cols {
				s += float64(w.data[i*cols+j]) * x[j]
			}
			if k < 4 && s < 0 {
				s = 0
			}
			y[i] = s
		}
		x = y
	}
	return x[0]
}
