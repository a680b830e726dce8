package tablefile

import (
	"bytes"
	"io"
	"path/filepath"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/tasks"
)

func TestRoundTripAcrossFormats(t *testing.T) {
	orig := fixture(t)
	for _, first := range allFormats {
		for _, second := range allFormats {
			t.Run(first.String()+"_to_"+second.String(), func(t *testing.T) {
				var buf bytes.Buffer
				require.NoError(t, writeFormat(&buf, first, orig))
				mid, err := readFormat(t, first, buf.Bytes())
				require.NoError(t, err)
				defer mid.Release()
				requireSameTable(t, orig, mid)

				buf.Reset()
				require.NoError(t, writeFormat(&buf, second, mid))
				got, err := readFormat(t, second, buf.Bytes())
				require.NoError(t, err)
				defer got.Release()
				requireSameTable(t, orig, got)
			})
		}
	}
}

func TestCorruptInput(t *testing.T) {
	orig := fixture(t)
	for _, f := range allFormats {
		t.Run(f.String(), func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, writeFormat(&buf, f, orig))
			data := buf.Bytes()
			for _, cut := range []int{0, 7, len(data) / 3, len(data) / 2, len(data) - 9} {
				_, err := readFormat(t, f, data[:cut])
				assert.Error(t, err, "cut at %d", cut)
			}
			// Flip bytes in the middle: an error or the same table, no panic.
			bad := bytes.Clone(data)
			for i := len(bad) / 4; i < len(bad)/2; i += 97 {
				bad[i] ^= 0x5a
			}
			if tb, err := readFormat(t, f, bad); err == nil {
				tb.Release()
			}
		})
	}
}

func TestReadersAcceptSeveralBatches(t *testing.T) {
	orig := fixture(t)
	rec := orig.Record()
	parts := []arrow.RecordBatch{rec.NewSlice(0, 11), rec.NewSlice(11, 12), rec.NewSlice(12, 40)}
	defer func() {
		for _, p := range parts {
			p.Release()
		}
	}()
	cases := []struct {
		name  string
		write func(w io.Writer) error
		read  func(data []byte) (*tasks.Table, error)
	}{
		{"ipc file", func(w io.Writer) error {
			fw, err := ipc.NewFileWriter(w, ipc.WithSchema(rec.Schema()))
			if err != nil {
				return err
			}
			for _, p := range parts {
				if err := fw.Write(p); err != nil {
					return err
				}
			}
			return fw.Close()
		}, func(data []byte) (*tasks.Table, error) { return ReadIPC(bytes.NewReader(data)) }},
		{"ipc stream", func(w io.Writer) error {
			sw := ipc.NewWriter(w, ipc.WithSchema(rec.Schema()))
			for _, p := range parts {
				if err := sw.Write(p); err != nil {
					return err
				}
			}
			return sw.Close()
		}, func(data []byte) (*tasks.Table, error) { return ReadIPCStream(bytes.NewReader(data)) }},
		{"parquet row groups", func(w io.Writer) error {
			fw, err := pqarrow.NewFileWriter(rec.Schema(), w, nil, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
			if err != nil {
				return err
			}
			for _, p := range parts {
				if err := fw.Write(p); err != nil {
					return err
				}
			}
			return fw.Close()
		}, func(data []byte) (*tasks.Table, error) { return ReadParquet(bytes.NewReader(data)) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, c.write(&buf))
			got, err := c.read(buf.Bytes())
			require.NoError(t, err)
			defer got.Release()
			requireSameTable(t, orig, got)
		})
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n -= len(p); w.n < 0 {
		return 0, io.ErrShortWrite
	}
	return len(p), nil
}

func TestWriteErrors(t *testing.T) {
	tb := fixture(t)
	for _, write := range []func(io.Writer, *tasks.Table) error{WriteIPC, WriteIPCStream, WriteParquet} {
		assert.Error(t, write(&failWriter{n: 100}, tb))
	}
}

// TestFiles checks that, with this package imported, tasks.WriteFile and
// tasks.ReadFile round-trip a table through every extension.
func TestFiles(t *testing.T) {
	orig := fixture(t)
	dir := t.TempDir()
	for _, name := range []string{"t.arrow", "t.ipc", "t.feather", "t.arrows", "t.parquet", "t.PQ", "t.csv"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			require.NoError(t, tasks.WriteFile(path, orig))
			got, err := tasks.ReadFile(path)
			require.NoError(t, err)
			defer got.Release()
			requireSameTable(t, orig, got)
		})
	}
}

// TestMetaGeneratorRoundTrips checks that a drawn world's generator
// parameters (tasks.Meta.Generator) survive every binary format.
func TestMetaGeneratorRoundTrips(t *testing.T) {
	orig := fixture(t)
	md := orig.Meta()
	md.Generator = `{"prior":"toy","seed":7}`
	withGen, err := tasks.FromRecords(md, orig.Record())
	require.NoError(t, err)
	defer withGen.Release()
	for _, f := range []tasks.Format{tasks.IPC, tasks.IPCStream, tasks.Parquet} {
		var buf bytes.Buffer
		require.NoError(t, tasks.Write(&buf, f, withGen), f)
		back, err := readFormat(t, f, buf.Bytes())
		require.NoError(t, err, f)
		assert.Equal(t, md.Generator, back.Meta().Generator, f)
		back.Release()
	}
}

// TestReadersRefuseAShortValueBuffer checks that a column whose value
// buffer is shorter than its length declares (found by FuzzReadIPC: the
// table validated, then read its last values from past the buffer) is
// refused as corrupt, naming the column.
func TestReadersRefuseAShortValueBuffer(t *testing.T) {
	rec := fixture(t).FileRecord()
	defer rec.Release()
	cols := rec.Columns()
	j := rec.Schema().FieldIndices("cfg_layers")[0]
	d := cols[j].Data()
	short := memory.NewBufferBytes(d.Buffers()[1].Bytes()[:d.Buffers()[1].Len()-27])
	bad := array.MakeFromData(array.NewData(d.DataType(), d.Len(), []*memory.Buffer{nil, short}, nil, 0, 0))
	defer bad.Release()
	cols = slices.Clone(cols)
	cols[j] = bad
	broken := array.NewRecordBatch(rec.Schema(), cols, rec.NumRows())
	defer broken.Release()
	var buf bytes.Buffer
	w, err := ipc.NewFileWriter(&buf, ipc.WithSchema(broken.Schema()))
	require.NoError(t, err)
	require.NoError(t, w.Write(broken))
	require.NoError(t, w.Close())
	_, err = ReadIPC(bytes.NewReader(buf.Bytes()))
	require.ErrorIs(t, err, tasks.ErrCorrupt)
	assert.ErrorContains(t, err, `column "cfg_layers"`)
}
