package agent

import (
	"bytes"
	"testing"
)

// FuzzRead feeds arbitrary bytes to the agent file reader: it must return
// an agent or an error, never panic, and an agent it returns must write
// back and read again.
func FuzzRead(f *testing.F) {
	a, err := Pretrained("arch")
	if err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := a.WriteTo(&buf); err != nil {
		f.Fatal(err)
	}
	data := buf.Bytes()
	f.Add(data)
	f.Add(data[:len(data)/2])
	f.Add([]byte("GYMNNCKP"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := Read(bytes.NewReader(in))
		if err != nil {
			return
		}
		var out bytes.Buffer
		if _, err := got.WriteTo(&out); err != nil {
			t.Fatalf("an agent that reads does not write: %v", err)
		}
		if _, err := Read(&out); err != nil {
			t.Fatalf("an agent that wrote does not read back: %v", err)
		}
	})
}
