package tasks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/autollmresearch/gym/internal/atomicfile"
)

// ReadAtSeeker is what the Arrow IPC file and Parquet readers need: random
// access to a file. *os.File and *bytes.Reader implement it.
type ReadAtSeeker interface {
	io.Reader
	io.ReaderAt
	io.Seeker
}

// guard turns a panic inside a third-party decoder fed a corrupt file into
// an error matching ErrCorrupt, or ErrTooLarge when the decoder asked
// boundedAllocator for too much. The sizes a file declares are checked
// before it reaches the decoder (see checkIPCFile, checkIPCStream,
// checkParquet), since an allocation the Go runtime cannot serve ends the
// process and cannot be recovered from.
func guard(format string, t **Table, err *error) {
	r := recover()
	if r == nil {
		return
	}
	if *t != nil {
		(*t).Release()
		*t = nil
	}
	if tl, ok := r.(tooLarge); ok {
		*err = fmt.Errorf("%w: %s: %v", ErrTooLarge, format, tl)
		return
	}
	*err = fmt.Errorf("%w: %s: %v", ErrCorrupt, format, r)
}

// size returns the length of r and seeks back to its start.
func size(r io.Seeker) (int64, error) {
	n, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, err
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	return n, nil
}

// ipcOptions are the options of the IPC readers: the bounded allocator and
// the limits.
func ipcOptions() []ipc.Option {
	return []ipc.Option{
		ipc.WithAllocator(newBoundedAllocator()),
		ipc.WithMetadataSizeLimit(MaxMetadataBytes),
		ipc.WithBodySizeLimit(MaxDecodeBytes),
	}
}

// fromReaderRecords reads the metadata of schema and builds a table from
// recs, releasing them.
func fromReaderRecords(schema *arrow.Schema, recs []arrow.RecordBatch) (*Table, error) {
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	var rows int64
	for i, r := range recs {
		n := r.NumRows()
		for j, c := range r.Columns() {
			if int64(c.Len()) != n {
				return nil, fmt.Errorf("%w: record batch %d has %d rows, but its column %d has %d", ErrCorrupt, i+1, n, j+1, c.Len())
			}
		}
		if rows += n; n < 0 || rows > MaxRows {
			return nil, fmt.Errorf("%w: more than %d rows", ErrTooLarge, MaxRows)
		}
	}
	meta, err := MetaFromSchema(schema)
	if err != nil {
		return nil, err
	}
	t, err := FromRecords(meta, recs...)
	if err != nil {
		return nil, err
	}
	stored, ok := storedChecksum(schema)
	return verifyChecksum(t, stored, ok)
}

// WriteIPC writes t in the Arrow IPC file format (Feather v2).
func WriteIPC(w io.Writer, t *Table) error {
	rec := t.withChecksum()
	defer rec.Release()
	fw, err := ipc.NewFileWriter(w, ipc.WithSchema(rec.Schema()))
	if err != nil {
		return fmt.Errorf("tasks: writing Arrow IPC file: %w", err)
	}
	if err := fw.Write(rec); err != nil {
		fw.Close()
		return fmt.Errorf("tasks: writing Arrow IPC file: %w", err)
	}
	if err := fw.Close(); err != nil {
		return fmt.Errorf("tasks: writing Arrow IPC file: %w", err)
	}
	return nil
}

// ReadIPC reads a table from the Arrow IPC file format, validating it in
// full. Every record batch of the file is read. The footer and the
// metadata of every block are checked against the file's length and the
// limits (MaxMetadataBytes, MaxDecodeBytes) before decoding: a corrupt file
// gives an error matching ErrCorrupt, an oversized one ErrTooLarge.
func ReadIPC(r ReadAtSeeker) (t *Table, err error) {
	defer guard("Arrow IPC file", &t, &err)
	n, err := size(r)
	if err != nil {
		return nil, fmt.Errorf("tasks: reading Arrow IPC file: %w", err)
	}
	if err := checkIPCFile(r, n); err != nil {
		return nil, fmt.Errorf("tasks: reading Arrow IPC file: %w", err)
	}
	fr, err := ipc.NewFileReader(r, ipcOptions()...)
	if err != nil {
		return nil, fmt.Errorf("tasks: reading Arrow IPC file: %w", err)
	}
	defer fr.Close()
	recs := make([]arrow.RecordBatch, 0, fr.NumRecords())
	for i := range fr.NumRecords() {
		rec, err := fr.RecordBatchAt(i)
		if err != nil {
			for _, r := range recs {
				r.Release()
			}
			return nil, fmt.Errorf("tasks: reading Arrow IPC file: record batch %d: %w", i+1, err)
		}
		recs = append(recs, rec)
	}
	return fromReaderRecords(fr.Schema(), recs)
}

// WriteIPCStream writes t in the Arrow IPC streaming format.
func WriteIPCStream(w io.Writer, t *Table) error {
	rec := t.withChecksum()
	defer rec.Release()
	sw := ipc.NewWriter(w, ipc.WithSchema(rec.Schema()))
	if err := sw.Write(rec); err != nil {
		sw.Close()
		return fmt.Errorf("tasks: writing Arrow IPC stream: %w", err)
	}
	if err := sw.Close(); err != nil {
		return fmt.Errorf("tasks: writing Arrow IPC stream: %w", err)
	}
	return nil
}

// ReadIPCStream reads a table from the Arrow IPC streaming format,
// validating it in full. Every record batch of the stream is read. The
// stream is read into memory (at most MaxDecodeBytes) and the framing and
// metadata of every message are checked before decoding: a corrupt stream
// gives an error matching ErrCorrupt, an oversized one ErrTooLarge.
func ReadIPCStream(r io.Reader) (t *Table, err error) {
	defer guard("Arrow IPC stream", &t, &err)
	data, err := readAllLimited(r, MaxDecodeBytes)
	if err != nil {
		return nil, fmt.Errorf("tasks: reading Arrow IPC stream: %w", err)
	}
	if err := checkIPCStream(data); err != nil {
		return nil, fmt.Errorf("tasks: reading Arrow IPC stream: %w", err)
	}
	sr, err := ipc.NewReader(bytes.NewReader(data), ipcOptions()...)
	if err != nil {
		return nil, fmt.Errorf("tasks: reading Arrow IPC stream: %w", err)
	}
	defer sr.Release()
	var recs []arrow.RecordBatch
	for sr.Next() {
		rec := sr.RecordBatch()
		rec.Retain()
		recs = append(recs, rec)
	}
	if err := sr.Err(); err != nil {
		for _, r := range recs {
			r.Release()
		}
		return nil, fmt.Errorf("tasks: reading Arrow IPC stream: record batch %d: %w", len(recs)+1, err)
	}
	return fromReaderRecords(sr.Schema(), recs)
}

// WriteParquet writes t as a Parquet file (Snappy-compressed, one row
// group, with the Arrow schema and the gym.* metadata stored in the file's
// key-value metadata), readable by pandas, polars and DuckDB.
func WriteParquet(w io.Writer, t *Table) error {
	props := parquet.NewWriterProperties(
		parquet.WithCompression(compress.Codecs.Snappy),
		parquet.WithDictionaryDefault(false),
		parquet.WithDictionaryFor(ColExperiment, true),
		parquet.WithStats(true),
	)
	// The Parquet writer closes a sink that is an io.Closer; the caller owns w.
	rec := t.withChecksum()
	defer rec.Release()
	fw, err := pqarrow.NewFileWriter(rec.Schema(), struct{ io.Writer }{w}, props,
		pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		return fmt.Errorf("tasks: writing Parquet: %w", err)
	}
	if err := fw.Write(rec); err != nil {
		fw.Close()
		return fmt.Errorf("tasks: writing Parquet: %w", err)
	}
	if err := fw.Close(); err != nil {
		return fmt.Errorf("tasks: writing Parquet: %w", err)
	}
	return nil
}

// ReadParquet reads a table from a Parquet file, validating it in full.
// The gym.* metadata is read from the file's key-value metadata; every row
// group is read. What the footer declares (rows, column chunk offsets and
// sizes, the stored Arrow schema) is checked against the file's length and
// the limits (MaxRows, MaxMetadataBytes, MaxDecodeBytes) before any column
// is decoded: a corrupt file gives an error matching ErrCorrupt, an
// oversized one ErrTooLarge.
func ReadParquet(r ReadAtSeeker) (t *Table, err error) {
	defer guard("Parquet file", &t, &err)
	n, err := size(r)
	if err != nil {
		return nil, fmt.Errorf("tasks: reading Parquet: %w", err)
	}
	mem := newBoundedAllocator()
	pf, err := file.NewParquetReader(r, file.WithReadProps(parquet.NewReaderProperties(mem)))
	if err != nil {
		return nil, fmt.Errorf("tasks: reading Parquet: %w", err)
	}
	defer pf.Close()
	if err := checkParquet(pf, n); err != nil {
		return nil, fmt.Errorf("tasks: reading Parquet: %w", err)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 1 << 20}, mem)
	if err != nil {
		return nil, fmt.Errorf("tasks: reading Parquet: %w", err)
	}
	schema, err := fr.Schema() // carries the file's key-value metadata
	if err != nil {
		return nil, fmt.Errorf("tasks: reading Parquet: %w", err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		return nil, fmt.Errorf("tasks: reading Parquet: %w", err)
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
		return nil, fmt.Errorf("tasks: reading Parquet: %w", err)
	}
	if len(recs) == 0 { // no row groups: still report the schema's problems
		rec := array.NewRecordBatch(tbl.Schema(), emptyColumns(tbl.Schema()), 0)
		recs = append(recs, rec)
	}
	return fromReaderRecords(schema, recs)
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

// A Format is one of the file formats a table can be stored in.
type Format uint8

// The formats, chosen by file extension in ReadFile and WriteFile.
const (
	// IPC is the Arrow IPC file format (.arrow, .ipc, .feather).
	IPC Format = iota + 1
	// IPCStream is the Arrow IPC streaming format (.arrows).
	IPCStream
	// Parquet is Apache Parquet (.parquet, .pq).
	Parquet
	// CSV is plain comma-separated text (.csv): a header row and data
	// rows. WriteFile puts the metadata in a sidecar JSON file next to it
	// (SidecarPath); ReadFile reads the sidecar, or the leading
	// "# gym.<key>=<value>" comment lines of CSVs written by earlier
	// versions.
	CSV
)

// String returns the format's name.
func (f Format) String() string {
	switch f {
	case IPC:
		return "arrow-ipc"
	case IPCStream:
		return "arrow-ipc-stream"
	case Parquet:
		return "parquet"
	case CSV:
		return "csv"
	}
	return fmt.Sprintf("Format(%d)", uint8(f))
}

// FormatOf returns the format a file name's extension stands for.
func FormatOf(path string) (Format, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".arrow", ".ipc", ".feather":
		return IPC, nil
	case ".arrows":
		return IPCStream, nil
	case ".parquet", ".pq":
		return Parquet, nil
	case ".csv":
		return CSV, nil
	}
	return 0, fmt.Errorf("tasks: %s: unknown table format %q (want .arrow, .ipc, .feather, .arrows, .parquet, .pq or .csv)", path, filepath.Ext(path))
}

// Write writes t to w in format f. For CSV it writes the plain CSV only;
// its metadata goes through WriteSidecar.
func Write(w io.Writer, f Format, t *Table) error {
	switch f {
	case IPC:
		return WriteIPC(w, t)
	case IPCStream:
		return WriteIPCStream(w, t)
	case Parquet:
		return WriteParquet(w, t)
	case CSV:
		return WriteCSV(w, t)
	}
	return fmt.Errorf("tasks: unknown format %v", f)
}

// WriteFile writes t to path in the format its extension names (see
// FormatOf). The table is written to a temporary file in the same
// directory, synced and renamed over path, so that a failed write leaves
// the previous file at path as it was and no partial file behind. A CSV
// table gets its metadata in a sidecar next to it (SidecarPath), written
// the same way just before the CSV is put in place.
func WriteFile(path string, t *Table) error {
	f, err := FormatOf(path)
	if err != nil {
		return err
	}
	if f == CSV {
		err = writeCSVFile(path, t)
	} else {
		err = atomicfile.Write(path, func(w io.Writer) error { return Write(writeHook(w), f, t) })
	}
	if err != nil {
		return fmt.Errorf("tasks: writing %s: %w", path, err)
	}
	return nil
}

// writeHook wraps the writer of WriteFile; tests make it fail midway.
var writeHook = func(w io.Writer) io.Writer { return w }

// ReadFile reads a table from path in the format its extension names (see
// FormatOf), validating it in full. A *ValidationError names the file in
// its Source. A CSV table's metadata is read from its sidecar
// (SidecarPath) when there is one, else from the CSV's leading comment
// lines; with neither, the error says which metadata is missing.
func ReadFile(path string) (*Table, error) {
	f, err := FormatOf(path)
	if err != nil {
		return nil, err
	}
	in, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("tasks: %w", err)
	}
	defer in.Close()
	var t *Table
	switch f {
	case IPC:
		t, err = ReadIPC(in)
	case IPCStream:
		t, err = ReadIPCStream(in)
	case Parquet:
		t, err = ReadParquet(in)
	case CSV:
		t, err = readCSVFile(in, path)
	}
	if err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			if ve.Source == "" {
				ve.Source = path
			}
			return nil, ve
		}
		return nil, fmt.Errorf("%w (reading %s)", err, path)
	}
	return t, nil
}
