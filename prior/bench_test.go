package prior_test

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/autollmresearch/gym/prior"
	"github.com/autollmresearch/gym/tasks"
)

// BenchmarkDraw measures generating one world's table; tables/min is the
// rate on one goroutine.
func BenchmarkDraw(b *testing.B) {
	for _, task := range prior.Tasks() {
		b.Run(task, func(b *testing.B) {
			p, err := prior.New(task)
			if err != nil {
				b.Fatal(err)
			}
			rows, bytes := 0, 0
			seed := uint64(0)
			for b.Loop() {
				t, err := p.Draw(seed)
				if err != nil {
					b.Fatal(err)
				}
				rows += t.NumRows()
				bytes += tableBytes(t)
				t.Release()
				seed++
			}
			b.ReportMetric(float64(rows)/float64(b.N), "rows/table")
			b.ReportMetric(float64(bytes)/float64(b.N), "record-bytes/table")
			b.ReportMetric(float64(b.N)/b.Elapsed().Minutes(), "tables/min")
		})
	}
}

// tableBytes is the size of a table's Arrow buffers.
func tableBytes(t *tasks.Table) int {
	n := 0
	for _, col := range t.Record().Columns() {
		n += dataBytes(col.Data())
	}
	return n
}

func dataBytes(d arrow.ArrayData) int {
	n := 0
	for _, b := range d.Buffers() {
		if b != nil {
			n += b.Len()
		}
	}
	for _, c := range d.Children() {
		n += dataBytes(c)
	}
	if dict, ok := d.Dictionary().(*array.Data); ok && dict != nil {
		n += dataBytes(dict)
	}
	return n
}
