package tablefile

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"testing"

	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/tasks"
)

// encoded writes the test table in format f.
func encoded(t *testing.T, f tasks.Format) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, writeFormat(&buf, f, fixture(t)))
	return buf.Bytes()
}

// putU32 overwrites the little-endian uint32 at b[at:].
func putU32(b []byte, at int, v uint32) { binary.LittleEndian.PutUint32(b[at:], v) }

// fieldsLength returns the position of the length of the fields vector of
// the schema in a Message flatbuffer (or, for a footer, of its schema).
func fieldsLength(t *testing.T, meta []byte, footer bool) int {
	t.Helper()
	f := fbuf{b: meta}
	root, err := f.ref(0)
	require.NoError(t, err)
	field := 2 // Message.header
	if footer {
		field = 1 // Footer.schema
	}
	s, err := f.child(root, field)
	require.NoError(t, err)
	start, n, err := f.vector(s, 1, 4)
	require.NoError(t, err)
	require.Positive(t, n)
	return start - 4
}

func TestReadIPCStreamRefusesDeclaredSizesBeyondTheStream(t *testing.T) {
	valid := encoded(t, tasks.IPCStream)
	meta, n, _, err := messageMeta(valid)
	require.NoError(t, err)
	off := len(valid[:n]) - len(meta) // where the schema's flatbuffer starts

	// A fields vector of 2^31 entries: the decoder would allocate 2^31
	// fields (over 200 GB) for a 7 KB stream.
	data := bytes.Clone(valid)
	putU32(data, off+fieldsLength(t, meta, false), 1<<31)
	_, err = ReadIPCStream(bytes.NewReader(data))
	require.ErrorIs(t, err, tasks.ErrCorrupt)
	assert.ErrorContains(t, err, "vector of 2147483648 elements")

	// A record batch body of 76 GB.
	data = bytes.Clone(valid)
	rest := data[n:]
	rb, _, _, err := messageMeta(rest)
	require.NoError(t, err)
	f := fbuf{b: rb}
	root, _ := f.ref(0)
	p, err := f.field(root, 3)
	require.NoError(t, err)
	require.NotZero(t, p)
	binary.LittleEndian.PutUint64(rb[p:], 76<<30)
	_, err = ReadIPCStream(bytes.NewReader(data))
	require.ErrorIs(t, err, tasks.ErrCorrupt)
	assert.ErrorContains(t, err, "message 2")

	// Message metadata of 2 GB.
	data = bytes.Clone(valid)
	putU32(data, 4, 1<<31-1)
	_, err = ReadIPCStream(bytes.NewReader(data))
	require.ErrorIs(t, err, tasks.ErrTooLarge)
}

func TestReadIPCFileRefusesDeclaredSizesBeyondTheFile(t *testing.T) {
	valid := encoded(t, tasks.IPC)
	flen := int(binary.LittleEndian.Uint32(valid[len(valid)-10:]))
	fstart := len(valid) - 10 - flen
	footer := valid[fstart : fstart+flen]

	data := bytes.Clone(valid)
	putU32(data, fstart+fieldsLength(t, footer, true), 1<<31)
	_, err := ReadIPC(bytes.NewReader(data))
	require.ErrorIs(t, err, tasks.ErrCorrupt)
	assert.ErrorContains(t, err, "vector of 2147483648 elements")

	// A record batch block whose body runs past the end of the file.
	data = bytes.Clone(valid)
	f := fbuf{b: data[fstart : fstart+flen]}
	root, _ := f.ref(0)
	start, n, err := f.vector(root, 3, 24)
	require.NoError(t, err)
	require.Positive(t, n)
	binary.LittleEndian.PutUint64(data[fstart+start+16:], 76<<30)
	_, err = ReadIPC(bytes.NewReader(data))
	require.ErrorIs(t, err, tasks.ErrCorrupt)
	assert.ErrorContains(t, err, "does not fit in the file")

	// A footer longer than the file.
	data = bytes.Clone(valid)
	putU32(data, len(data)-10, 1<<30)
	_, err = ReadIPC(bytes.NewReader(data))
	require.ErrorIs(t, err, tasks.ErrCorrupt)
}

func TestReadParquetRefusesAStoredSchemaBeyondItsLength(t *testing.T) {
	valid := encoded(t, tasks.Parquet)
	pf, err := file.NewParquetReader(bytes.NewReader(valid))
	require.NoError(t, err)
	enc := *pf.MetaData().KeyValueMetadata().FindValue(arrowSchemaKey)
	require.NoError(t, pf.Close())
	at := bytes.Index(valid, []byte(enc))
	require.Positive(t, at)
	raw, err := base64.StdEncoding.DecodeString(enc)
	require.NoError(t, err)
	meta, _, _, err := messageMeta(raw)
	require.NoError(t, err)
	// The stored schema asks for 2^31 fields, as a few changed bytes can.
	putU32(meta, fieldsLength(t, meta, false), 1<<31)
	data := bytes.Clone(valid)
	copy(data[at:], base64.StdEncoding.EncodeToString(raw))
	_, err = ReadParquet(bytes.NewReader(data))
	require.ErrorIs(t, err, tasks.ErrCorrupt)
	assert.ErrorContains(t, err, "the stored Arrow schema")
}

func TestBoundedAllocatorRefusesTooMuch(t *testing.T) {
	a := newBoundedAllocator()
	b := a.Allocate(1 << 20)
	assert.Len(t, b, 1<<20)
	assert.PanicsWithValue(t, tooLarge{want: MaxDecodeBytes, live: 1 << 20}, func() { a.Allocate(MaxDecodeBytes) })
	b = a.Reallocate(16, b)
	assert.Equal(t, int64(16), a.live.Load())
	a.Free(b)
	assert.Zero(t, a.live.Load())

	var tab *tasks.Table
	var err error
	func() {
		defer guard("test", &tab, &err)
		a.Allocate(MaxDecodeBytes + 1)
	}()
	require.ErrorIs(t, err, tasks.ErrTooLarge)
}
