package parquetio

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// Options says how [WriteRecord] encodes a file.
type Options struct {
	// Dictionary names the columns to dictionary-encode, such as columns
	// of a few repeated strings; every other column is stored plain.
	Dictionary []string
}

// WriteRecord writes rec as a Parquet file to w: one row group,
// Snappy-compressed, the columns of opts.Dictionary dictionary-encoded and
// the others plain, with column statistics, and with rec's Arrow schema
// (its metadata included) stored in the file's key-value metadata, so that
// Arrow readers get back the exact types. pandas, polars and DuckDB read
// the file. w is not closed, even when it is an io.Closer: the caller owns
// it. Errors are the Parquet writer's, for the caller to put in context.
func WriteRecord(w io.Writer, rec arrow.RecordBatch, opts Options) error {
	props := []parquet.WriterProperty{
		parquet.WithCompression(compress.Codecs.Snappy),
		parquet.WithDictionaryDefault(false),
		parquet.WithStats(true),
	}
	for _, col := range opts.Dictionary {
		props = append(props, parquet.WithDictionaryFor(col, true))
	}
	// The Parquet writer closes a sink that is an io.Closer; hide its Close.
	fw, err := pqarrow.NewFileWriter(rec.Schema(), struct{ io.Writer }{w}, parquet.NewWriterProperties(props...),
		pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		return err
	}
	if err := fw.Write(rec); err != nil {
		_ = fw.Close() // reporting the write's error
		return err
	}
	return fw.Close()
}

// Batches are the record batches of a whole Parquet file, read into
// memory by [ReadAll]. Release them when done.
type Batches struct {
	// Schema is the schema of the table read: the columns' names and
	// types (the file's key-value metadata is fr.Schema()'s).
	Schema *arrow.Schema
	// Records are the table's record batches in file order, as the
	// table's chunks run, valid until Release; Retain one to keep it
	// longer.
	Records []arrow.RecordBatch
	tbl     arrow.Table
}

// Release frees the batches.
func (b *Batches) Release() {
	for _, rec := range b.Records {
		rec.Release()
	}
	b.Records = nil
	if b.tbl != nil {
		b.tbl.Release()
		b.tbl = nil
	}
}

// ReadAll reads every row group of the file fr reads into memory and
// returns its record batches. Errors are the reader's, for the caller to
// put in context.
func ReadAll(fr *pqarrow.FileReader) (*Batches, error) {
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		return nil, err
	}
	b := &Batches{Schema: tbl.Schema(), tbl: tbl}
	tr := array.NewTableReader(tbl, -1)
	defer tr.Release()
	for tr.Next() {
		rec := tr.RecordBatch()
		rec.Retain()
		b.Records = append(b.Records, rec)
	}
	if err := tr.Err(); err != nil {
		b.Release()
		return nil, err
	}
	return b, nil
}
