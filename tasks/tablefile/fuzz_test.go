package tablefile

import (
	"bytes"
	"testing"

	"github.com/autollmresearch/gym/tasks"
)

// fuzzBinary seeds a fuzz target of a binary reader with the test table in
// format f and a few corruptions of it, and checks that read never panics,
// returns a table or an error (not both), and that an accepted table writes
// and reads back.
func fuzzBinary(f *testing.F, format tasks.Format, read func([]byte) (*tasks.Table, error)) {
	var buf bytes.Buffer
	if err := tasks.Write(&buf, format, fixture(f)); err != nil {
		f.Fatal(err)
	}
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
		if err := tasks.Write(&out, format, got); err != nil {
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

// FuzzReadIPC checks ReadIPC on corrupt Arrow tasks.IPC files.
func FuzzReadIPC(f *testing.F) {
	fuzzBinary(f, tasks.IPC, func(b []byte) (*tasks.Table, error) { return ReadIPC(bytes.NewReader(b)) })
}

// FuzzReadIPCStream checks ReadIPCStream on corrupt Arrow tasks.IPC streams.
func FuzzReadIPCStream(f *testing.F) {
	fuzzBinary(f, tasks.IPCStream, func(b []byte) (*tasks.Table, error) { return ReadIPCStream(bytes.NewReader(b)) })
}

// FuzzReadParquet checks ReadParquet on corrupt tasks.Parquet files.
func FuzzReadParquet(f *testing.F) {
	fuzzBinary(f, tasks.Parquet, func(b []byte) (*tasks.Table, error) { return ReadParquet(bytes.NewReader(b)) })
}
