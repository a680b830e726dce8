package tasks

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/autollmresearch/gym/internal/atomicfile"
)

// ReadAtSeeker is what the Arrow IPC file and Parquet readers need: random
// access to a file. *os.File and *bytes.Reader implement it.
type ReadAtSeeker interface {
	io.Reader
	io.ReaderAt
	io.Seeker
}

// FromFileRecords builds a table from the record batches recs read from a
// file whose Arrow schema carries the table's metadata (the gym.* keys),
// releasing them: it checks that each batch's columns agree on its row
// count and that their buffers hold what their lengths declare (Arrow's
// full validation), and that there are at most MaxRows rows (ErrCorrupt,
// ErrTooLarge),
// validates the table in full and verifies the checksum the schema stores
// (ErrChecksum). It is for readers of binary formats, such as package
// tasks/tablefile.
func FromFileRecords(schema *arrow.Schema, recs []arrow.RecordBatch) (*Table, error) {
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
			// A buffer shorter than the column's length would be read
			// past its end by every later use of the values.
			if err := array.ValidateFull(c); err != nil {
				return nil, fmt.Errorf("%w: record batch %d, column %q: %v", ErrCorrupt, i+1, r.ColumnName(j), err)
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

// ErrFormatUnavailable is matched (with errors.Is) by the error of Write,
// WriteFile and ReadFile for a binary format whose reader and writer are
// not linked into the program: import package tasks/tablefile.
var ErrFormatUnavailable = errors.New("tasks: table format not linked in")

// codec reads and writes one binary format.
type codec struct {
	read  func(ReadAtSeeker) (*Table, error)
	write func(io.Writer, *Table) error
}

var (
	codecsMu sync.RWMutex
	codecs   = map[Format]codec{}
)

// RegisterFormat makes Write, WriteFile and ReadFile handle the binary
// format f (IPC, IPCStream or Parquet) with read and write; a later call
// for the same format replaces the earlier one. Package tasks/tablefile
// registers all three when it is imported, so that a program that never
// reads or writes a binary table file does not link their decoders (the
// Parquet one alone pulls in some three hundred packages):
//
//	import _ "github.com/autollmresearch/gym/tasks/tablefile"
func RegisterFormat(f Format, read func(ReadAtSeeker) (*Table, error), write func(io.Writer, *Table) error) {
	codecsMu.Lock()
	defer codecsMu.Unlock()
	codecs[f] = codec{read: read, write: write}
}

// codecOf returns the registered codec of f.
func codecOf(f Format) (codec, error) {
	codecsMu.RLock()
	c, ok := codecs[f]
	codecsMu.RUnlock()
	if !ok {
		return codec{}, fmt.Errorf("%w: reading and writing %s files needs package %s; add import _ %q",
			ErrFormatUnavailable, f, tablefilePath, tablefilePath)
	}
	return c, nil
}

// tablefilePath is the import path of the package of the binary formats.
const tablefilePath = "github.com/autollmresearch/gym/tasks/tablefile"

// Write writes t to w in format f. For CSV it writes the plain CSV only;
// its metadata goes through WriteSidecar.
func Write(w io.Writer, f Format, t *Table) error {
	switch f {
	case IPC, IPCStream, Parquet:
		c, err := codecOf(f)
		if err != nil {
			return err
		}
		return c.write(w, t)
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
	var c codec
	if f != CSV {
		if c, err = codecOf(f); err != nil {
			return nil, fmt.Errorf("tasks: %s: %w", path, err)
		}
	}
	in, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("tasks: %w", err)
	}
	defer in.Close()
	var t *Table
	if f == CSV {
		t, err = readCSVFile(in, path)
	} else {
		t, err = c.read(in)
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
