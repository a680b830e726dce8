package parquetio_test

import (
	"bytes"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/autollmresearch/gym/internal/parquetio"
)

// Write a record batch as a Parquet file, dictionary-encoding its string
// column, and read it back.
func ExampleWriteRecord() {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "policy", Type: arrow.BinaryTypes.String},
		{Name: "regret", Type: arrow.PrimitiveTypes.Float64},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).AppendValues([]string{"random", "scaling-law"}, nil)
	b.Field(1).(*array.Float64Builder).AppendValues([]float64{0.3, 0.01}, nil)
	rec := b.NewRecordBatch()
	defer rec.Release()

	var buf bytes.Buffer
	if err := parquetio.WriteRecord(&buf, rec, parquetio.Options{Dictionary: []string{"policy"}}); err != nil {
		panic(err)
	}

	pf, err := file.NewParquetReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		panic(err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 1024}, memory.DefaultAllocator)
	if err != nil {
		panic(err)
	}
	got, err := parquetio.ReadAll(fr)
	if err != nil {
		panic(err)
	}
	defer got.Release()
	for _, r := range got.Records {
		fmt.Println(r.Column(0), r.Column(1))
	}
	// Output:
	// ["random" "scaling-law"] [0.3 0.01]
}
