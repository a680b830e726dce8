package tablefile

import (
	"context"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/autollmresearch/gym/tasks"
)

// WriteParquet writes t as a Parquet file (Snappy-compressed, one row
// group, with the Arrow schema and the gym.* metadata stored in the file's
// key-value metadata), readable by pandas, polars and DuckDB.
func WriteParquet(w io.Writer, t *tasks.Table) error {
	props := parquet.NewWriterProperties(
		parquet.WithCompression(compress.Codecs.Snappy),
		parquet.WithDictionaryDefault(false),
		parquet.WithDictionaryFor(tasks.ColExperiment, true),
		parquet.WithStats(true),
	)
	// The Parquet writer closes a sink that is an io.Closer; the caller owns w.
	rec := t.FileRecord()
	defer rec.Release()
	fw, err := pqarrow.NewFileWriter(rec.Schema(), struct{ io.Writer }{w}, props,
		pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		return fmt.Errorf("tablefile: writing Parquet: %w", err)
	}
	if err := fw.Write(rec); err != nil {
		fw.Close()
		return fmt.Errorf("tablefile: writing Parquet: %w", err)
	}
	if err := fw.Close(); err != nil {
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
	n, err := size(r)
	if err != nil {
		return nil, fmt.Errorf("tablefile: reading Parquet: %w", err)
	}
	mem := newBoundedAllocator()
	pf, err := file.NewParquetReader(r, file.WithReadProps(parquet.NewReaderProperties(mem)))
	if err != nil {
		return nil, fmt.Errorf("tablefile: reading Parquet: %w", err)
	}
	defer pf.Close()
	if err := checkParquet(pf, n); err != nil {
		return nil, fmt.Errorf("tablefile: reading Parquet: %w", err)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 1 << 20}, mem)
	if err != nil {
		return nil, fmt.Errorf("tablefile: reading Parquet: %w", err)
	}
	schema, err := fr.Schema() // carries the file's key-value metadata
	if err != nil {
		return nil, fmt.Errorf("tablefile: reading Parquet: %w", err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		return nil, fmt.Errorf("tablefile: reading Parquet: %w", err)
	}
	defer tbl.Release()
	tr := array.NewTableReader(tbl, -1)
	defer tr.Release()
	var recs []arrow.RecordBatch
	for tr.Next() {
		rec := tr.RecordBatch()
		rec.Retain()
		recs = append(recs, rec)
	}
	if err := tr.Err(); err != nil {
		for _, r := range recs {
			r.Release()
		}
		return nil, fmt.Errorf("tablefile: reading Parquet: %w", err)
	}
	if len(recs) == 0 { // no row groups: still report the schema's problems
		rec := array.NewRecordBatch(tbl.Schema(), emptyColumns(tbl.Schema()), 0)
		recs = append(recs, rec)
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
