package spaces_test

import (
	"testing"

	"github.com/autollmresearch/gym/spaces"
)

// benchSpace is a five-dimension space with every kind of dimension
// (12 encoded coordinates).
func benchSpace() *spaces.ConfigSpace {
	return spaces.MustConfigSpace(
		spaces.LogDim("lr", 1e-5, 1e-1),
		spaces.IntDim("bs", 32, 4096),
		spaces.LinearDim("clip", 0, 0.5),
		spaces.CategoricalDim("opt", "adam", "adamw", "sgd", "lion"),
		spaces.SimplexDim("mix", "web", "code", "math", "books", "wiki"),
	)
}

func BenchmarkEncode(b *testing.B) {
	s := benchSpace()
	c := s.Sample(rng(1))
	dst := make([]float64, s.EncodedDim())
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Encode(c, dst); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	s := benchSpace()
	p := make([]float64, s.EncodedDim())
	if err := s.Encode(s.Sample(rng(1)), p); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Decode(p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkContains(b *testing.B) {
	s := benchSpace()
	c := s.Sample(rng(1))
	b.ReportAllocs()
	for b.Loop() {
		if !s.Contains(c) {
			b.Fatal("sample not contained")
		}
	}
}

func BenchmarkNormalize(b *testing.B) {
	s := benchSpace()
	c := s.Sample(rng(1))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Normalize(c); err != nil {
			b.Fatal(err)
		}
	}
}

func benchCandidates(b *testing.B, n int) (*spaces.Candidates, []spaces.Config) {
	s := benchSpace()
	r := rng(2)
	cfgs := make([]spaces.Config, n)
	for i := range cfgs {
		cfgs[i] = s.Sample(r)
	}
	cs, err := spaces.NewCandidates(s, cfgs)
	if err != nil {
		b.Fatal(err)
	}
	queries := make([]spaces.Config, 64)
	for i := range queries {
		queries[i] = s.Sample(r)
	}
	return cs, queries
}

func BenchmarkCandidatesNearest(b *testing.B) {
	cs, queries := benchCandidates(b, 1000)
	s := cs.Space()
	points := make([][]float64, len(queries))
	for i, q := range queries {
		points[i] = make([]float64, s.EncodedDim())
		if err := s.Encode(q, points[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if j, _ := cs.Nearest(points[i%len(points)]); j < 0 {
			b.Fatal("no nearest candidate")
		}
		i++
	}
}

func BenchmarkCandidatesNearestConfig(b *testing.B) {
	cs, queries := benchCandidates(b, 1000)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, _, err := cs.NearestConfig(queries[i%len(queries)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkParseJSON(b *testing.B) {
	s := benchSpace()
	data := []byte(`{"lr": 0.002, "bs": 256, "clip": 0.2, "opt": "adamw",
		"mix": {"web": 0.4, "code": 0.3, "math": 0.1, "books": 0.1, "wiki": 0.1}}`)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := s.ParseJSON(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFormatJSON(b *testing.B) {
	s := benchSpace()
	c := s.Sample(rng(1))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.FormatJSON(c); err != nil {
			b.Fatal(err)
		}
	}
}
