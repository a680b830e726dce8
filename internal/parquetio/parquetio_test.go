package parquetio

import (
	"bytes"
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testRecord returns n rows of (name string, x float64, n int64) with
// schema metadata.
func testRecord(t *testing.T, n int) arrow.RecordBatch {
	t.Helper()
	md := arrow.NewMetadata([]string{"gym.test"}, []string{"yes"})
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "name", Type: arrow.BinaryTypes.String},
		{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "n", Type: arrow.PrimitiveTypes.Int64},
	}, &md)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for i := range n {
		b.Field(0).(*array.StringBuilder).Append([]string{"a", "b", "c"}[i%3])
		if i%4 == 3 {
			b.Field(1).(*array.Float64Builder).AppendNull()
		} else {
			b.Field(1).(*array.Float64Builder).Append(float64(i) / 2)
		}
		b.Field(2).(*array.Int64Builder).Append(int64(i))
	}
	return b.NewRecordBatch()
}

// closeTracker is a writer that records a Close.
type closeTracker struct {
	bytes.Buffer
	closed bool
}

func (c *closeTracker) Close() error { c.closed = true; return nil }

func TestWriteRecordThenReadAll(t *testing.T) {
	tests := []struct {
		name string
		rows int
		dict []string
	}{
		{"plain", 10, nil},
		{"dictionary name", 10, []string{"name"}},
		{"dictionary name and n", 25, []string{"name", "n"}},
		{"no rows", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := testRecord(t, tt.rows)
			defer rec.Release()
			var w closeTracker
			require.NoError(t, WriteRecord(&w, rec, Options{Dictionary: tt.dict}))
			assert.False(t, w.closed, "WriteRecord closed the caller's writer")

			pf, err := file.NewParquetReader(bytes.NewReader(w.Bytes()))
			require.NoError(t, err)
			defer pf.Close()
			md := pf.MetaData()
			require.Equal(t, 1, md.NumRowGroups())
			assert.NotNil(t, md.KeyValueMetadata().FindValue("ARROW:schema"), "the Arrow schema is not stored")
			rg := md.RowGroup(0)
			for j := range rg.NumColumns() {
				cc, err := rg.ColumnChunk(j)
				require.NoError(t, err)
				assert.Equal(t, compress.Codecs.Snappy, cc.Compression(), "column %d", j)
				name := rec.Schema().Field(j).Name
				dict := false
				for _, d := range tt.dict {
					dict = dict || d == name
				}
				assert.Equal(t, dict, cc.HasDictionaryPage(), "column %q dictionary page", name)
				if tt.rows > 0 {
					st, err := cc.Statistics()
					require.NoError(t, err)
					assert.NotNil(t, st, "column %q has no statistics", name)
				}
			}

			fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 1 << 16}, memory.DefaultAllocator)
			require.NoError(t, err)
			stored, err := fr.Schema()
			require.NoError(t, err)
			v, ok := stored.Metadata().GetValue("gym.test")
			assert.True(t, ok, "the schema's metadata is not stored")
			assert.Equal(t, "yes", v)
			got, err := ReadAll(fr)
			require.NoError(t, err)
			defer got.Release()
			require.Equal(t, rec.Schema().NumFields(), got.Schema.NumFields())
			for j, f := range rec.Schema().Fields() {
				g := got.Schema.Field(j)
				assert.Equal(t, f.Name, g.Name)
				assert.True(t, arrow.TypeEqual(f.Type, g.Type), "column %q is %v, want %v", f.Name, g.Type, f.Type)
			}
			rows := 0
			for _, r := range got.Records {
				require.True(t, array.RecordEqual(r, rec.NewSlice(int64(rows), int64(rows)+r.NumRows())), "rows from %d differ", rows)
				rows += int(r.NumRows())
			}
			assert.Equal(t, tt.rows, rows)
		})
	}
}

// failingWriter fails every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteRecordReportsTheWritersError(t *testing.T) {
	rec := testRecord(t, 5)
	defer rec.Release()
	err := WriteRecord(failingWriter{}, rec, Options{})
	require.Error(t, err)
	assert.ErrorContains(t, err, "disk full")
}

func TestReleaseTwice(t *testing.T) {
	rec := testRecord(t, 3)
	defer rec.Release()
	var w bytes.Buffer
	require.NoError(t, WriteRecord(&w, rec, Options{}))
	pf, err := file.NewParquetReader(bytes.NewReader(w.Bytes()), file.WithReadProps(parquet.NewReaderProperties(memory.DefaultAllocator)))
	require.NoError(t, err)
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 1024}, memory.DefaultAllocator)
	require.NoError(t, err)
	b, err := ReadAll(fr)
	require.NoError(t, err)
	require.NotEmpty(t, b.Records)
	b.Release()
	assert.Empty(t, b.Records)
	b.Release() // a second Release does nothing
}
