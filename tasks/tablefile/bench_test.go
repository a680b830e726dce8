package tablefile

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/spaces"
	"github.com/autollmresearch/gym/tasks"
)

func BenchmarkLookup1M(b *testing.B) {
	tb := bigTable(b)
	cfgs := tb.Configs(tb.NumExperiments() / 2)
	e := tb.NumExperiments() / 2
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, ok := tb.Lookup(e, cfgs[i%len(cfgs)]); !ok {
			b.Fatal("not found")
		}
		i++
	}
}

// big1M is a synthetic table of 1,000 experiments x 1,000 configs (one seed
// each) over a 3-dimensional space, written to Parquet once.
var big1M = sync.OnceValues(func() ([]byte, error) {
	const nexp, ncfg = 1000, 1000
	meta := tasks.Meta{
		Task: "bench",
		Space: spaces.MustConfigSpace(
			spaces.LogDim("lr", 1e-5, 1e-1),
			spaces.IntDim("bs", 32, 4096),
			spaces.CategoricalDim("opt", "adam", "sgd", "lion", "muon"),
		),
		Fidelity:   []tasks.FidelityColumn{{Name: "params"}},
		Metrics:    []string{"loss"},
		Objective:  "loss",
		Direction:  tasks.Minimize,
		Provenance: tasks.Synthetic,
	}
	schema, err := meta.Schema()
	if err != nil {
		return nil, err
	}
	rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer rb.Release()
	rb.Reserve(nexp * ncfg)
	exp := rb.Field(0).(*array.BinaryDictionaryBuilder)
	fid := rb.Field(1).(*array.Float64Builder)
	lr := rb.Field(2).(*array.Float64Builder)
	bs := rb.Field(3).(*array.Int64Builder)
	opt := rb.Field(4).(*array.StringBuilder)
	loss := rb.Field(5).(*array.Float64Builder)
	cost := rb.Field(6).(*array.Float64Builder)
	div := rb.Field(7).(*array.BooleanBuilder)
	seed := rb.Field(8).(*array.Int64Builder)
	opts := []string{"adam", "sgd", "lion", "muon"}
	for e := range nexp {
		id := fmt.Sprintf("bench-%04d", e)
		for k := range ncfg {
			if err := exp.AppendString(id); err != nil {
				return nil, err
			}
			fid.Append(float64(1 + e/10))
			x := 1e-5 * math.Pow(1e4, float64(k%25)/24)
			lr.Append(x)
			bs.Append(int64(32 + (k/25)%10*400))
			opt.Append(opts[k/250])
			loss.Append(2 + math.Abs(math.Log(x/1e-3)) + float64(e)/1000)
			cost.Append(float64(e+1) / 10)
			div.Append(k%25 == 24)
			seed.Append(0)
		}
	}
	rec := rb.NewRecordBatch()
	defer rec.Release()
	t, err := tasks.FromRecords(meta, rec)
	if err != nil {
		return nil, err
	}
	defer t.Release()
	var buf bytes.Buffer
	if err := WriteParquet(&buf, t); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
})

func bigParquet(b *testing.B) string {
	b.Helper()
	data, err := big1M()
	require.NoError(b, err)
	path := filepath.Join(b.TempDir(), "big.parquet")
	require.NoError(b, os.WriteFile(path, data, 0o644))
	return path
}

func bigTable(b *testing.B) *tasks.Table {
	b.Helper()
	t, err := tasks.ReadFile(bigParquet(b))
	require.NoError(b, err)
	b.Cleanup(t.Release)
	return t
}

// BenchmarkReadParquet1M reads, validates and indexes a 1,000,000-row
// Parquet file. It reports the Go heap the loaded table keeps (retained-MB)
// and the peak heap seen while loading (peak-MB), both measured once
// outside the timed loop.
func BenchmarkReadParquet1M(b *testing.B) {
	path := bigParquet(b)
	retained, peak := heapOf(b, func() *tasks.Table {
		t, err := tasks.ReadFile(path)
		require.NoError(b, err)
		return t
	})
	b.ReportAllocs()
	for b.Loop() {
		t, err := tasks.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		if t.NumRows() != 1_000_000 || t.NumExperiments() != 1000 {
			b.Fatalf("got %d rows, %d experiments", t.NumRows(), t.NumExperiments())
		}
		t.Release()
	}
	b.ReportMetric(retained/(1<<20), "retained-MB")
	b.ReportMetric(peak/(1<<20), "peak-MB")
}

// heapOf runs load once and returns the heap it leaves in use and the peak
// heap in use while it ran (sampled by a goroutine), in bytes, above the
// starting point.
func heapOf(b *testing.B, load func() *tasks.Table) (retained, peak float64) {
	b.Helper()
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	stop := make(chan struct{})
	done := make(chan uint64)
	go func() {
		var m runtime.MemStats
		var top uint64
		for {
			runtime.ReadMemStats(&m)
			top = max(top, m.HeapInuse)
			select {
			case <-stop:
				done <- top
				return
			case <-time.After(200 * time.Microsecond):
			}
		}
	}()
	t := load()
	close(stop)
	top := <-done
	runtime.GC()
	runtime.ReadMemStats(&ms)
	retained = float64(ms.HeapInuse) - float64(base)
	peak = float64(top) - float64(base)
	runtime.KeepAlive(t)
	t.Release()
	return retained, peak
}
