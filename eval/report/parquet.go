package report

import (
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/autollmresearch/gym/eval"
	"github.com/autollmresearch/gym/internal/parquetio"
)

// WriteParquet writes r's per-episode rows (see eval.Columns and
// eval.Result.Record) as a Parquet file
// (Snappy-compressed, one row group, with the Arrow schema stored), which
// pandas, polars and DuckDB read.
func WriteParquet(w io.Writer, r *eval.Result) error {
	rec := r.Record(memory.DefaultAllocator)
	defer rec.Release()
	if err := parquetio.WriteRecord(w, rec, parquetio.Options{Dictionary: []string{"env", "policy", "target"}}); err != nil {
		return fmt.Errorf("report: writing Parquet: %w", err)
	}
	return nil
}
