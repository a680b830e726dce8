package prior_test

import (
	"testing"

	"github.com/autollmresearch/gym/prior"
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
			rows := 0
			seed := uint64(0)
			for b.Loop() {
				t, err := p.Draw(seed)
				if err != nil {
					b.Fatal(err)
				}
				rows += t.NumRows()
				t.Release()
				seed++
			}
			b.ReportMetric(float64(rows)/float64(b.N), "rows/table")
			b.ReportMetric(float64(b.N)/b.Elapsed().Minutes(), "tables/min")
		})
	}
}
