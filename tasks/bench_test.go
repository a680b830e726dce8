package tasks

import (
	"bytes"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func BenchmarkLookup(b *testing.B) {
	tb := testTable(b)
	c := tb.Config(2, 3)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := tb.Lookup(2, c); !ok {
			b.Fatal("not found")
		}
	}
}

func BenchmarkOutcome(b *testing.B) {
	tb := testTable(b)
	b.ReportAllocs()
	var sum float64
	e, k := 0, 0
	for b.Loop() {
		sum += tb.Outcome(e, k).Objective
		if k++; k == tb.NumConfigs(e) {
			k = 0
			if e++; e == tb.NumExperiments() {
				e = 0
			}
		}
	}
	if math.IsNaN(sum) {
		b.Fatal("NaN objective")
	}
}

func BenchmarkReadCSV(b *testing.B) {
	tb := testTable(b)
	var buf, side bytes.Buffer
	require.NoError(b, WriteCSV(&buf, tb))
	require.NoError(b, WriteSidecar(&side, tb))
	data := buf.Bytes()
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		t, err := ReadCSVSidecar(bytes.NewReader(data), bytes.NewReader(side.Bytes()))
		if err != nil {
			b.Fatal(err)
		}
		t.Release()
	}
}

func BenchmarkBuild(b *testing.B) {
	rows := testRows()
	meta := testMeta()
	b.ReportAllocs()
	for b.Loop() {
		bld, err := NewBuilder(meta)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range rows {
			bld.Add(r)
		}
		t, err := bld.Build()
		if err != nil {
			b.Fatal(err)
		}
		t.Release()
	}
}
