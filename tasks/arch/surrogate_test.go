package arch

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func loadFixture(t *testing.T, f *fixture, s Scale) (*Surrogate, error) {
	t.Helper()
	b := f.bytes(t)
	return LoadSurrogate(bytes.NewReader(b), int64(len(b)), s)
}

func TestLoadSurrogateFixture(t *testing.T) {
	for _, s := range Scales() {
		t.Run(s.String(), func(t *testing.T) {
			f := newFixture(s, uint64(s))
			sur, err := loadFixture(t, f, s)
			require.NoError(t, err)
			assert.Equal(t, s, sur.Scale())

			archs, err := Candidates(s, 20, newRand(5, candidateStream, s))
			require.NoError(t, err)
			for _, a := range archs {
				got, err := sur.Perplexity(a)
				require.NoError(t, err)
				assert.InDelta(t, f.denseReference(a), got, 1e-9, "%v", a)
			}
		})
	}
}

func TestLoadSurrogateFileRecognisesScale(t *testing.T) {
	dir := t.TempDir()
	for _, s := range Scales() {
		name := filepath.Join(dir, "renamed-"+s.String()+".bin")
		require.NoError(t, os.WriteFile(name, newFixture(s, 1).bytes(t), 0o644))
		sur, err := LoadSurrogateFile(name)
		require.NoError(t, err)
		assert.Equal(t, s, sur.Scale())
	}
	_, err := LoadSurrogateFile(filepath.Join(dir, "absent.pt"))
	require.ErrorContains(t, err, "absent.pt")
}

func TestLoadSurrogateErrors(t *testing.T) {
	nan := float32(math.NaN())
	cases := []struct {
		name   string
		scale  Scale
		mutate func(f *fixture)
		raw    []byte // used instead of the fixture when set
		want   string
	}{
		{name: "not a zip", raw: []byte("this is not a zip file"), want: "not a readable zip archive"},
		{name: "truncated zip", mutate: nil, raw: newFixture(Small, 1).bytes(t)[:1000], want: "not a readable zip archive"},
		{name: "missing data.pkl", mutate: func(f *fixture) { f.omit = map[string]bool{"data.pkl": true} }, want: "missing entry <archive>/data.pkl"},
		{name: "missing tensor entry", mutate: func(f *fixture) { f.omit = map[string]bool{"data/4": true} }, want: "tensor fc3.weight: missing entry perplexity_s/data/4"},
		{name: "short tensor entry", mutate: func(f *fixture) { f.replace = map[string][]byte{"data/1": make([]byte, 100)} },
			want: "tensor fc1.bias: entry perplexity_s/data/1 has 100 bytes, want 512 (float32 of shape [128])"},
		{name: "NaN weight", mutate: func(f *fixture) { f.tensor("fc2.weight").data[17] = nan },
			want: "tensor fc2.weight (entry perplexity_s/data/2): element 17 is NaN, want a finite weight"},
		{name: "infinite bias", mutate: func(f *fixture) { f.tensor("fc5.bias").data[0] = float32(math.Inf(1)) },
			want: "tensor fc5.bias (entry perplexity_s/data/9): element 0 is +Inf"},
		{name: "wrong shape", mutate: func(f *fixture) {
			tn := f.tensor("fc2.weight")
			tn.shape = []int{64, 256}
		}, want: "tensor fc2.weight has shape [64 256], want [128 128]"},
		{name: "wrong storage size", mutate: func(f *fixture) { f.tensor("fc4.bias").numel = 64 },
			want: "storage perplexity_s/data/7 holds 64 elements, want 128"},
		{name: "wrong dtype", mutate: func(f *fixture) { f.tensor("fc3.bias").storage = "torch\nHalfStorage" },
			want: "tensor fc3.bias has storage type torch.HalfStorage, want torch.FloatStorage (float32)"},
		{name: "missing tensor", mutate: func(f *fixture) { f.tensor("fc4.weight").name = "fc4.kernel" },
			want: "state dict has no tensor fc4.weight (want shape [128 128])"},
		{name: "too few tensors", mutate: func(f *fixture) { f.tensors = f.tensors[:8] },
			want: "state dict has 8 tensors, want 10"},
		{name: "scale mismatch", scale: Medium,
			want: "tensor fc1.weight has shape [128 80], want [128 152]"},
		{name: "big endian", mutate: func(f *fixture) { f.byteorder = "big" },
			want: `byteorder says "big", only little-endian checkpoints are supported`},
		{name: "garbage pickle", mutate: func(f *fixture) { f.pickle = []byte{0x80, 2, 'Z'} },
			want: "pickle opcode 0x5a at offset 3: unsupported opcode"},
		{name: "truncated pickle", mutate: func(f *fixture) { f.pickle = f.pickleStateDict()[:200] },
			want: "truncated operand"},
		{name: "pickle without stop", mutate: func(f *fixture) {
			p := f.pickleStateDict()
			f.pickle = p[:len(p)-1]
		}, want: "without a STOP opcode"},
		{name: "pickle of a list", mutate: func(f *fixture) { f.pickle = []byte{0x80, 2, ']', '.'} },
			want: "want a state dict"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw := c.raw
			if raw == nil {
				f := newFixture(Small, 2)
				if c.mutate != nil {
					c.mutate(f)
				}
				raw = f.bytes(t)
			}
			scale := c.scale
			if scale == 0 {
				scale = Small
			}
			_, err := LoadSurrogate(bytes.NewReader(raw), int64(len(raw)), scale)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}

	_, err := LoadSurrogate(bytes.NewReader(nil), 0, Scale(7))
	require.ErrorContains(t, err, "unknown scale")
}

func TestLoadSurrogateFileUnknownWidth(t *testing.T) {
	f := newFixture(Small, 3)
	w := f.tensor("fc1.weight")
	w.shape = []int{128, 40}
	w.numel = 128 * 40
	w.data = w.data[:128*40]
	name := filepath.Join(t.TempDir(), "odd.pt")
	require.NoError(t, os.WriteFile(name, f.bytes(t), 0o644))
	_, err := LoadSurrogateFile(name)
	require.ErrorContains(t, err, "tensor fc1.weight has 40 inputs, want 80, 152 or 224 for scale s, m or l")
}

func TestPerplexityErrors(t *testing.T) {
	sur, err := loadFixture(t, newFixture(Small, 4), Small)
	require.NoError(t, err)
	cases := []struct {
		name string
		arch Arch
		want string
	}{
		{"other scale", Uniform(Medium, 256, 22, 8, 2, true), "surrogate for scale s cannot rate an architecture of scale m"},
		{"embed off grid", Uniform(Small, 256, 10, 4, 2, true), "embedding dimension 256 not among scale s's choices [192 384 768]"},
		{"depth off grid", Uniform(Small, 192, 13, 4, 2, true), "layer count 13 not among scale s's choices [10 11 12]"},
		{"head off grid", Arch{Scale: Small, Embed: 192, Layers: 10, Heads: []int{4, 4, 4, 4, 4, 4, 4, 4, 4, 5}, MLPRatio: make10(2)},
			"layer 9: head count 5 not among scale s's choices [4 8 12]"},
		{"short slices", Arch{Scale: Small, Embed: 192, Layers: 10, Heads: []int{4}, MLPRatio: make10(2)}, "1 per-layer head counts for 10 layers"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := sur.Perplexity(c.arch)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func make10(v int) []int {
	out := make([]int, 10)
	for i := range out {
		out[i] = v
	}
	return out
}

func TestPerplexityDoesNotAllocate(t *testing.T) {
	sur, err := loadFixture(t, newFixture(Large, 5), Large)
	require.NoError(t, err)
	a := SampleArch(Large, newRand(1, 2, Large))
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := sur.Perplexity(a); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
}

func TestLoadCompressedSurrogate(t *testing.T) {
	f := newCompactFixture(Medium)
	raw := f.bytes(t)
	assert.Less(t, len(raw), 20_000, "compressed fixture is small")
	sur, err := LoadSurrogate(bytes.NewReader(raw), int64(len(raw)), Medium)
	require.NoError(t, err)
	a := SampleArch(Medium, newRand(3, 3, Medium))
	got, err := sur.Perplexity(a)
	require.NoError(t, err)
	assert.InDelta(t, f.denseReference(a), got, 1e-9)
}
