package tasks

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
)

// FuzzReadCSV checks that ReadCSV never panics and that any table it
// accepts round-trips through WriteCSV and ReadCSV unchanged.
func FuzzReadCSV(f *testing.F) {
	tb, err := buildTable(f, testMeta(), smallRows())
	if err != nil {
		f.Fatal(err)
	}
	defer tb.Release()
	var buf bytes.Buffer
	if err := WriteCSV(&buf, tb); err != nil {
		f.Fatal(err)
	}
	valid := buf.String()
	f.Add(valid)
	f.Add(strings.Replace(valid, "adam", "rmsprop", 1))
	f.Add(strings.Replace(valid, ",false,", ",true,", -1))
	f.Add(strings.Replace(valid, "\n", "\r\n", -1))
	f.Add(strings.Replace(valid, "# gym.task=toy", `# gym.task="to\"y"`, 1))
	f.Add(strings.Replace(valid, `"levels":["S","M","L"]`, `"levels":[]`, 1))
	f.Add(valid[:len(valid)/2])
	f.Add(valid[strings.Index(valid, "experiment,"):])
	f.Add("# gym.version=1\nexperiment\n\"\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, data string) {
		got, err := ReadCSV(strings.NewReader(data))
		if err != nil {
			if got != nil {
				t.Fatal("a table and an error")
			}
			return
		}
		defer got.Release()
		var out bytes.Buffer
		if err := WriteCSV(&out, got); err != nil {
			t.Fatalf("cannot write an accepted table: %v", err)
		}
		back, err := ReadCSV(&out)
		if err != nil {
			t.Fatalf("written table does not read back: %v\n%s", err, out.String())
		}
		defer back.Release()
		if !got.Record().Schema().Metadata().Equal(back.Record().Schema().Metadata()) {
			t.Fatalf("metadata changed:\n%v\n%v", got.Record().Schema().Metadata(), back.Record().Schema().Metadata())
		}
		if got.NumRows() != back.NumRows() || got.Record().NumCols() != back.Record().NumCols() {
			t.Fatal("shape changed")
		}
		a, b := got.Record(), back.Record()
		for j := range int(a.NumCols()) {
			for r := range got.NumRows() {
				var same bool
				switch x := a.Column(j).(type) {
				case *array.Float64:
					same = math.Float64bits(x.Value(r)) == math.Float64bits(b.Column(j).(*array.Float64).Value(r))
				case *array.Int64:
					same = x.Value(r) == b.Column(j).(*array.Int64).Value(r)
				case *array.Boolean:
					same = x.Value(r) == b.Column(j).(*array.Boolean).Value(r)
				default:
					same = stringAt(x, r) == stringAt(b.Column(j), r)
				}
				if !same {
					t.Fatalf("column %s row %d changed", a.ColumnName(j), r+1)
				}
			}
		}
		if got.NumExperiments() != back.NumExperiments() {
			t.Fatal("experiments changed")
		}
	})
}

// fuzzBinary seeds a fuzz target of a binary reader with the test table in
// format f and a few corruptions of it, and checks that read never panics,
// returns a table or an error (not both), and that an accepted table writes
// and reads back.
func fuzzBinary(f *testing.F, format Format, read func([]byte) (*Table, error)) {
	tb, err := buildTable(f, testMeta(), smallRows())
	if err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Write(&buf, format, tb); err != nil {
		f.Fatal(err)
	}
	tb.Release()
	valid := buf.Bytes()
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Add(valid[len(valid)/2:])
	for _, at := range []int{8, 16, len(valid) / 3, len(valid) - 12} {
		b := bytes.Clone(valid)
		b[at] ^= 0xff
		f.Add(b)
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := read(data)
		if err != nil {
			if got != nil {
				t.Fatal("a table and an error")
			}
			return
		}
		defer got.Release()
		var out bytes.Buffer
		if err := Write(&out, format, got); err != nil {
			t.Fatalf("cannot write an accepted table: %v", err)
		}
		back, err := read(out.Bytes())
		if err != nil {
			t.Fatalf("written table does not read back: %v", err)
		}
		defer back.Release()
		if got.NumRows() != back.NumRows() || got.NumExperiments() != back.NumExperiments() {
			t.Fatal("shape changed")
		}
	})
}

// FuzzReadIPC checks ReadIPC on corrupt Arrow IPC files.
func FuzzReadIPC(f *testing.F) {
	fuzzBinary(f, IPC, func(b []byte) (*Table, error) { return ReadIPC(bytes.NewReader(b)) })
}

// FuzzReadIPCStream checks ReadIPCStream on corrupt Arrow IPC streams.
func FuzzReadIPCStream(f *testing.F) {
	fuzzBinary(f, IPCStream, func(b []byte) (*Table, error) { return ReadIPCStream(bytes.NewReader(b)) })
}

// FuzzReadParquet checks ReadParquet on corrupt Parquet files.
func FuzzReadParquet(f *testing.F) {
	fuzzBinary(f, Parquet, func(b []byte) (*Table, error) { return ReadParquet(bytes.NewReader(b)) })
}
