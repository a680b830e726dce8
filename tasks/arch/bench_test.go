package arch

import (
	"bytes"
	"testing"
)

// BenchmarkDefault measures generating the default table (Default itself
// is memoised).
func BenchmarkDefault(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		t, err := Generate(GenOptions{})
		if err != nil {
			b.Fatal(err)
		}
		t.Release()
	}
}

// BenchmarkImport measures materialising three surrogates (fixtures of the
// real shapes) as a table with the default 300 mixed architectures per
// scale.
func BenchmarkImport(b *testing.B) {
	var surs []*Surrogate
	for _, s := range Scales() {
		raw := newFixture(s, 1).bytes(b)
		sur, err := LoadSurrogate(bytes.NewReader(raw), int64(len(raw)), s)
		if err != nil {
			b.Fatal(err)
		}
		surs = append(surs, sur)
	}
	b.ReportAllocs()
	for b.Loop() {
		t, err := Import(surs, ImportOptions{})
		if err != nil {
			b.Fatal(err)
		}
		t.Release()
	}
}

// BenchmarkLoadSurrogate measures reading and checking a large-scale
// checkpoint (about 318 kB, like perplexity_l.pt).
func BenchmarkLoadSurrogate(b *testing.B) {
	raw := newFixture(Large, 1).bytes(b)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := LoadSurrogate(bytes.NewReader(raw), int64(len(raw)), Large); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPerplexity measures one surrogate prediction of a 36-layer
// architecture.
func BenchmarkPerplexity(b *testing.B) {
	raw := newFixture(Large, 1).bytes(b)
	sur, err := LoadSurrogate(bytes.NewReader(raw), int64(len(raw)), Large)
	if err != nil {
		b.Fatal(err)
	}
	a := Uniform(Large, 1280, 36, 20, 4, true)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sur.Perplexity(a); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParams measures the exact parameter count of a 36-layer
// architecture.
func BenchmarkParams(b *testing.B) {
	a := Uniform(Large, 1280, 36, 20, 4, true)
	b.ReportAllocs()
	for b.Loop() {
		if Params(a) == 0 {
			b.Fatal("zero")
		}
	}
}
