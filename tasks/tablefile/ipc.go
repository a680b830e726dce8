package tablefile

import (
	"bytes"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"

	"github.com/autollmresearch/gym/tasks"
)

// guard turns a panic inside a third-party decoder fed a corrupt file into
// an error matching tasks.ErrCorrupt, or tasks.ErrTooLarge when the decoder asked
// boundedAllocator for too much. The sizes a file declares are checked
// before it reaches the decoder (see checkIPCFile, checkIPCStream,
// checkParquet), since an allocation the Go runtime cannot serve ends the
// process and cannot be recovered from.
func guard(format string, t **tasks.Table, err *error) {
	r := recover()
	if r == nil {
		return
	}
	if *t != nil {
		(*t).Release()
		*t = nil
	}
	if tl, ok := r.(tooLarge); ok {
		*err = fmt.Errorf("%w: %s: %v", tasks.ErrTooLarge, format, tl)
		return
	}
	*err = fmt.Errorf("%w: %s: %v", tasks.ErrCorrupt, format, r)
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
		ipc.WithMetadataSizeLimit(tasks.MaxMetadataBytes),
		ipc.WithBodySizeLimit(MaxDecodeBytes),
	}
}

// WriteIPC writes t in the Arrow IPC file format (Feather v2).
func WriteIPC(w io.Writer, t *tasks.Table) error {
	rec := t.FileRecord()
	defer rec.Release()
	fw, err := ipc.NewFileWriter(w, ipc.WithSchema(rec.Schema()))
	if err != nil {
		return fmt.Errorf("tablefile: writing Arrow IPC file: %w", err)
	}
	if err := fw.Write(rec); err != nil {
		fw.Close()
		return fmt.Errorf("tablefile: writing Arrow IPC file: %w", err)
	}
	if err := fw.Close(); err != nil {
		return fmt.Errorf("tablefile: writing Arrow IPC file: %w", err)
	}
	return nil
}

// ReadIPC reads a table from the Arrow IPC file format, validating it in
// full. Every record batch of the file is read. The footer and the
// metadata of every block are checked against the file's length and the
// limits (tasks.MaxMetadataBytes, MaxDecodeBytes) before decoding: a corrupt file
// gives an error matching tasks.ErrCorrupt, an oversized one tasks.ErrTooLarge.
func ReadIPC(r tasks.ReadAtSeeker) (t *tasks.Table, err error) {
	defer guard("Arrow IPC file", &t, &err)
	n, err := size(r)
	if err != nil {
		return nil, fmt.Errorf("tablefile: reading Arrow IPC file: %w", err)
	}
	if err := checkIPCFile(r, n); err != nil {
		return nil, fmt.Errorf("tablefile: reading Arrow IPC file: %w", err)
	}
	fr, err := ipc.NewFileReader(r, ipcOptions()...)
	if err != nil {
		return nil, fmt.Errorf("tablefile: reading Arrow IPC file: %w", err)
	}
	defer fr.Close()
	recs := make([]arrow.RecordBatch, 0, fr.NumRecords())
	for i := range fr.NumRecords() {
		rec, err := fr.RecordBatchAt(i)
		if err != nil {
			for _, r := range recs {
				r.Release()
			}
			return nil, fmt.Errorf("tablefile: reading Arrow IPC file: record batch %d: %w", i+1, err)
		}
		recs = append(recs, rec)
	}
	return tasks.FromFileRecords(fr.Schema(), recs)
}

// WriteIPCStream writes t in the Arrow IPC streaming format.
func WriteIPCStream(w io.Writer, t *tasks.Table) error {
	rec := t.FileRecord()
	defer rec.Release()
	sw := ipc.NewWriter(w, ipc.WithSchema(rec.Schema()))
	if err := sw.Write(rec); err != nil {
		sw.Close()
		return fmt.Errorf("tablefile: writing Arrow IPC stream: %w", err)
	}
	if err := sw.Close(); err != nil {
		return fmt.Errorf("tablefile: writing Arrow IPC stream: %w", err)
	}
	return nil
}

// ReadIPCStream reads a table from the Arrow IPC streaming format,
// validating it in full. Every record batch of the stream is read. The
// stream is read into memory (at most MaxDecodeBytes) and the framing and
// metadata of every message are checked before decoding: a corrupt stream
// gives an error matching tasks.ErrCorrupt, an oversized one tasks.ErrTooLarge.
func ReadIPCStream(r io.Reader) (t *tasks.Table, err error) {
	defer guard("Arrow IPC stream", &t, &err)
	data, err := readAllLimited(r, MaxDecodeBytes)
	if err != nil {
		return nil, fmt.Errorf("tablefile: reading Arrow IPC stream: %w", err)
	}
	if err := checkIPCStream(data); err != nil {
		return nil, fmt.Errorf("tablefile: reading Arrow IPC stream: %w", err)
	}
	sr, err := ipc.NewReader(bytes.NewReader(data), ipcOptions()...)
	if err != nil {
		return nil, fmt.Errorf("tablefile: reading Arrow IPC stream: %w", err)
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
		return nil, fmt.Errorf("tablefile: reading Arrow IPC stream: record batch %d: %w", len(recs)+1, err)
	}
	return tasks.FromFileRecords(sr.Schema(), recs)
}
