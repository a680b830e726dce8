package tablefile

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/autollmresearch/gym/tasks"
)

// MaxDecodeBytes bounds the memory the Arrow IPC and Parquet readers may
// hold while decoding one table: 1 GiB. A file that needs more fails with
// an error matching tasks.ErrTooLarge.
const MaxDecodeBytes = 1 << 30

// tooLarge is the panic value of boundedAllocator, turned back into an
// error by guard.
type tooLarge struct{ want, live int }

func (e tooLarge) Error() string {
	return fmt.Sprintf("decoding needs more than %d bytes (%d held, %d more asked for)", MaxDecodeBytes, e.live, e.want)
}

// boundedAllocator is the allocator of the IPC and Parquet readers. It
// panics with tooLarge (caught by guard) rather than let a size read from
// a corrupt file reach the Go allocator, which would end the process.
type boundedAllocator struct {
	live atomic.Int64
	mem  memory.Allocator
}

func newBoundedAllocator() *boundedAllocator {
	return &boundedAllocator{mem: memory.NewGoAllocator()}
}

func (a *boundedAllocator) reserve(n int) {
	if n <= 0 { // a shrinking Reallocate
		a.live.Add(int64(n))
		return
	}
	if live := a.live.Add(int64(n)); live > MaxDecodeBytes {
		a.live.Add(-int64(n))
		panic(tooLarge{want: n, live: int(live) - n})
	}
}

func (a *boundedAllocator) Allocate(size int) []byte {
	a.reserve(size)
	return a.mem.Allocate(size)
}

func (a *boundedAllocator) Reallocate(size int, b []byte) []byte {
	a.reserve(size - len(b))
	return a.mem.Reallocate(size, b)
}

func (a *boundedAllocator) Free(b []byte) {
	a.live.Add(-int64(len(b)))
	a.mem.Free(b)
}

// ipcContinuation marks an IPC message whose metadata length follows.
const ipcContinuation = 0xFFFFFFFF

// messageMeta splits the framing of one IPC message off data: it returns
// the metadata flatbuffer and the number of bytes of data the framing and
// the metadata take, or eos when data starts with an end-of-stream marker.
func messageMeta(data []byte) (meta []byte, n int, eos bool, err error) {
	if len(data) < 4 {
		return nil, 0, false, fmt.Errorf("%w: a message is cut short after %d bytes", tasks.ErrCorrupt, len(data))
	}
	size, n := binary.LittleEndian.Uint32(data), 4
	if size == ipcContinuation {
		if len(data) < 8 {
			return nil, 0, false, fmt.Errorf("%w: a message length is cut short", tasks.ErrCorrupt)
		}
		size, n = binary.LittleEndian.Uint32(data[4:]), 8
	}
	switch {
	case size == 0:
		return nil, n, true, nil
	case size > tasks.MaxMetadataBytes:
		return nil, 0, false, fmt.Errorf("%w: message metadata of %d bytes, over the limit of %d", tasks.ErrTooLarge, size, tasks.MaxMetadataBytes)
	case int(size) > len(data)-n:
		return nil, 0, false, fmt.Errorf("%w: message metadata of %d bytes, but only %d bytes follow", tasks.ErrCorrupt, size, len(data)-n)
	}
	meta = data[n : n+int(size)]
	if err := checkMessage(meta); err != nil {
		return nil, 0, false, fmt.Errorf("%w: %w", tasks.ErrCorrupt, err)
	}
	return meta, n + int(size), false, nil
}

// bodyLength returns the body length a checked Message flatbuffer
// declares.
func bodyLength(meta []byte) int64 {
	f := fbuf{b: meta}
	root, _ := f.ref(0)
	p, _ := f.field(root, 3)
	if p == 0 || p+8 > len(meta) {
		return 0
	}
	return int64(binary.LittleEndian.Uint64(meta[p:]))
}

// checkIPCStream checks the framing and metadata of every message of an
// IPC stream held in memory.
func checkIPCStream(data []byte) error {
	for k := 1; len(data) > 0; k++ {
		meta, n, eos, err := messageMeta(data)
		if err != nil {
			return fmt.Errorf("message %d: %w", k, err)
		}
		if eos {
			return nil
		}
		data = data[n:]
		body := bodyLength(meta)
		if body < 0 || body > int64(len(data)) {
			return fmt.Errorf("message %d: %w: a body of %d bytes, but only %d bytes follow", k, tasks.ErrCorrupt, body, len(data))
		}
		data = data[body:]
	}
	return nil
}

// ipcMagic starts and ends an IPC file.
const ipcMagic = "ARROW1"

// checkIPCFile checks the footer of an IPC file of the given size and the
// metadata of every block it lists, reading them from r.
func checkIPCFile(r io.ReaderAt, size int64) error {
	const tail = 4 + len(ipcMagic) // footer length, magic
	if size < int64(8+tail) {
		return fmt.Errorf("%w: %d bytes are too few for an Arrow IPC file", tasks.ErrCorrupt, size)
	}
	end := make([]byte, tail)
	if _, err := r.ReadAt(end, size-int64(tail)); err != nil {
		return fmt.Errorf("%w: reading the footer: %w", tasks.ErrCorrupt, err)
	}
	if string(end[4:]) != ipcMagic {
		return fmt.Errorf("%w: the file does not end in %q", tasks.ErrCorrupt, ipcMagic)
	}
	flen := int64(int32(binary.LittleEndian.Uint32(end)))
	if flen <= 0 || flen > size-int64(tail)-8 || flen > tasks.MaxMetadataBytes {
		return fmt.Errorf("%w: a footer of %d bytes in a file of %d", tasks.ErrCorrupt, flen, size)
	}
	footer := make([]byte, flen)
	if _, err := r.ReadAt(footer, size-int64(tail)-flen); err != nil {
		return fmt.Errorf("%w: reading the footer: %w", tasks.ErrCorrupt, err)
	}
	if err := checkFooter(footer); err != nil {
		return fmt.Errorf("%w: footer: %w", tasks.ErrCorrupt, err)
	}
	limit := size - int64(tail) - flen
	f := fbuf{b: footer}
	root, _ := f.ref(0)
	for _, field := range []int{2, 3} { // dictionaries, record batches
		start, n, _ := f.vector(root, field, 24)
		for k := range n {
			blk := footer[start+24*k:]
			off := int64(binary.LittleEndian.Uint64(blk))
			metaLen := int64(int32(binary.LittleEndian.Uint32(blk[8:])))
			body := int64(binary.LittleEndian.Uint64(blk[16:]))
			if off < 8 || metaLen < 8 || metaLen > tasks.MaxMetadataBytes || body < 0 ||
				off > limit || metaLen > limit-off || body > limit-off-metaLen {
				return fmt.Errorf("%w: block %d at offset %d (metadata %d, body %d bytes) does not fit in the file", tasks.ErrCorrupt, k+1, off, metaLen, body)
			}
			buf := make([]byte, metaLen)
			if _, err := r.ReadAt(buf, off); err != nil {
				return fmt.Errorf("%w: reading block %d: %w", tasks.ErrCorrupt, k+1, err)
			}
			meta, _, eos, err := messageMeta(buf)
			if err != nil {
				return fmt.Errorf("block %d: %w", k+1, err)
			}
			if eos || bodyLength(meta) > body {
				return fmt.Errorf("%w: block %d: its message does not match the footer", tasks.ErrCorrupt, k+1)
			}
		}
	}
	return nil
}

// arrowSchemaKey is the Parquet key-value metadata key of the Arrow schema
// pqarrow stores.
const arrowSchemaKey = "ARROW:schema"

// checkParquet checks what a Parquet file's footer declares against the
// file's size and the limits, before any column is decoded.
func checkParquet(pf *file.Reader, size int64) error {
	md := pf.MetaData()
	if n := md.GetNumRows(); n < 0 || n > tasks.MaxRows {
		return fmt.Errorf("%w: %d rows, over the limit of %d", tasks.ErrTooLarge, n, tasks.MaxRows)
	}
	for i := range md.NumRowGroups() {
		rg := md.RowGroup(i)
		if n := rg.NumRows(); n < 0 || n > tasks.MaxRows {
			return fmt.Errorf("%w: row group %d has %d rows, over the limit of %d", tasks.ErrTooLarge, i+1, n, tasks.MaxRows)
		}
		for j := range rg.NumColumns() {
			cc, err := rg.ColumnChunk(j)
			if err != nil {
				return fmt.Errorf("%w: row group %d, column %d: %w", tasks.ErrCorrupt, i+1, j+1, err)
			}
			start := cc.DataPageOffset()
			if cc.HasDictionaryPage() && cc.DictionaryPageOffset() > 0 {
				start = min(start, cc.DictionaryPageOffset())
			}
			n := cc.TotalCompressedSize()
			if start < 0 || n < 0 || start > size || n > size-start {
				return fmt.Errorf("%w: row group %d, column %d: %d bytes at offset %d do not fit in the %d-byte file",
					tasks.ErrCorrupt, i+1, j+1, n, start, size)
			}
			if v := cc.NumValues(); v < 0 || v > tasks.MaxRows {
				return fmt.Errorf("%w: row group %d, column %d has %d values, over the limit of %d", tasks.ErrTooLarge, i+1, j+1, v, tasks.MaxRows)
			}
		}
	}
	kv := md.KeyValueMetadata()
	if kv == nil {
		return nil
	}
	v := kv.FindValue(arrowSchemaKey)
	if v == nil {
		return nil
	}
	enc := *v
	if len(enc) > tasks.MaxMetadataBytes {
		return fmt.Errorf("%w: the Arrow schema takes %d bytes, over the limit of %d", tasks.ErrTooLarge, len(enc), tasks.MaxMetadataBytes)
	}
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		if raw, err = base64.RawStdEncoding.DecodeString(enc); err != nil {
			return nil // pqarrow ignores a schema it cannot decode
		}
	}
	if _, _, _, err := messageMeta(raw); err != nil {
		return fmt.Errorf("the stored Arrow schema: %w", err)
	}
	return nil
}

// readAllLimited reads r to its end, refusing more than limit bytes.
func readAllLimited(r io.Reader, limit int64) ([]byte, error) {
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if n > limit {
		return nil, fmt.Errorf("%w: the stream is longer than %d bytes", tasks.ErrTooLarge, limit)
	}
	return buf.Bytes(), nil
}

// OpenParquet opens a Parquet file for reading with pqarrow, as ReadParquet
// does: what its footer declares is checked against its length and the
// limits (an error matching tasks.ErrCorrupt or tasks.ErrTooLarge), and the reader
// decodes with an allocator that refuses to hold more than MaxDecodeBytes
// (it panics; turn the panic into an error with DecodePanic). Close the
// returned *file.Reader when done. It is for readers of other Parquet
// files of the module (transcripts, trajectories).
func OpenParquet(r parquet.ReaderAtSeeker, props pqarrow.ArrowReadProperties) (*pqarrow.FileReader, *file.Reader, error) {
	n, err := size(r)
	if err != nil {
		return nil, nil, err
	}
	mem := newBoundedAllocator()
	pf, err := file.NewParquetReader(r, file.WithReadProps(parquet.NewReaderProperties(mem)))
	if err != nil {
		return nil, nil, err
	}
	if err := checkParquet(pf, n); err != nil {
		_ = pf.Close() // reporting the check's error
		return nil, nil, err
	}
	fr, err := pqarrow.NewFileReader(pf, props, mem)
	if err != nil {
		_ = pf.Close() // reporting the reader's error
		return nil, nil, err
	}
	return fr, pf, nil
}

// DecodePanic turns the value of a panic recovered from a decoder opened
// by OpenParquet into an error matching tasks.ErrTooLarge (the allocator refused)
// or tasks.ErrCorrupt (anything else).
func DecodePanic(v any) error {
	if tl, ok := v.(tooLarge); ok {
		return fmt.Errorf("%w: %v", tasks.ErrTooLarge, tl)
	}
	return fmt.Errorf("%w: %v", tasks.ErrCorrupt, v)
}
