package tablefile

import (
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/autollmresearch/gym/internal/parquetio"
	"github.com/autollmresearch/gym/tasks"
)

// WriteParquet writes t as a Parquet file (Snappy-compressed, one row
// group, with the Arrow schema and the gym.* metadata stored in the file's
// key-value metadata), readable by pandas, polars and DuckDB.
func WriteParquet(w io.Writer, t *tasks.Table) error {
	rec := t.FileRecord()
	defer rec.Release()
	if err := parquetio.WriteRecord(w, rec, parquetio.Options{Dictionary: []string{tasks.ColExperiment}}); err != nil {
		return fmt.Errorf("tablefile: writing Parquet: %w", err)
	}
	return nil
}

// ReadParquet reads a table from a Parquet file, validating it in full.
// The gym.* metadata is read from the file's key-value metadata; every row
// group is read. What the footer declares (rows, column chunk offsets and
// sizes, the stored Arrow schema) is checked against the file's length and
// the limits (tasks.MaxRows, tasks.MaxMetadataBytes, MaxDecodeBytes) before any column
// is decoded: a corrupt file gives an error matching tasks.ErrCorrupt, an
// oversized one tasks.ErrTooLarge.
func ReadParquet(r tasks.ReadAtSeeker) (t *tasks.Table, err error) {
	defer guard("Parquet file", &t, &err)
	fr, pf, err := OpenParquet(r, pqarrow.ArrowReadProperties{BatchSize: 1 << 20})
	if err != nil {
		return nil, fmt.Errorf("tablefile: reading Parquet: %w", err)
	}
	defer pf.Close()
	schema, err := fr.Schema() // carries the file's key-value metadata
	if err != nil {
		return nil, fmt.Errorf("tablefile: reading Parquet: %w", err)
	}
	b, err := parquetio.ReadAll(fr)
	if err != nil {
		return nil, fmt.Errorf("tablefile: reading Parquet: %w", err)
	}
	defer b.Release()
	recs := make([]arrow.RecordBatch, 0, max(len(b.Records), 1))
	for _, rec := range b.Records {
		rec.Retain() // FromFileRecords releases them
		recs = append(recs, rec)
	}
	if len(recs) == 0 { // no row groups: still report the schema's problems
		recs = append(recs, array.NewRecordBatch(b.Schema, emptyColumns(b.Schema), 0))
	}
	return tasks.FromFileRecords(schema, recs)
}

// emptyColumns returns zero-length arrays for the fields of s.
func emptyColumns(s *arrow.Schema) []arrow.Array {
	cols := make([]arrow.Array, s.NumFields())
	for i, f := range s.Fields() {
		b := array.NewBuilder(memory.DefaultAllocator, f.Type)
		cols[i] = b.NewArray()
		b.Release()
	}
	return cols
}
