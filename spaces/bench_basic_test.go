package spaces_test

import (
	"testing"

	"github.com/autollmresearch/gym/spaces"
)

func BenchmarkBoxContains(b *testing.B) {
	box := spaces.NewBox(-1, 1, 64)
	x := box.Sample(basicRand(1))
	b.ReportAllocs()
	for b.Loop() {
		if !box.Contains(x) {
			b.Fatal("sample not contained")
		}
	}
}

func BenchmarkDiscreteFlatten(b *testing.B) {
	d := spaces.NewDiscrete(32)
	dst := make([]float64, d.FlatDim())
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := d.Flatten(i%32, dst); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkDictFlatten(b *testing.B) {
	d := spaces.NewDict(map[string]spaces.Space[any]{
		"action":  spaces.Erase(spaces.NewDiscrete(8)),
		"history": spaces.Erase(spaces.NewBox(0, 1, 16, 4)),
		"choices": spaces.Erase(spaces.NewMultiDiscrete(3, 4, 5)),
		"budget":  spaces.Erase(spaces.NewBox(0, 1)),
	})
	x := d.Sample(basicRand(1))
	dst := make([]float64, d.FlatDim())
	b.ReportAllocs()
	for b.Loop() {
		if err := d.Flatten(x, dst); err != nil {
			b.Fatal(err)
		}
	}
}
