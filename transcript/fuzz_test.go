package transcript

import (
	"bytes"
	"testing"

	"github.com/autollmresearch/gym/policy"
)

// seedTranscripts returns two recorded transcripts for fuzz seeds.
func seedTranscripts(f *testing.F) []Transcript {
	return teacherTranscripts(f, func() policy.Policy { return policy.NewTransfer() }, 2, nil)
}

// FuzzReadJSONL checks that ReadJSONL never panics, returns transcripts or
// an error, and that what it accepts validates and writes back.
func FuzzReadJSONL(f *testing.F) {
	var buf bytes.Buffer
	if err := WriteJSONL(&buf, seedTranscripts(f)); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add(buf.Bytes()[:buf.Len()/2])
	f.Add([]byte(`{"id": "x", "messages": []}` + "\n"))
	f.Add([]byte("\n\n"))
	// A failed episode: replies as received, and the reason.
	f.Add([]byte(`{"id":"a","env":"e","target":"t","seed":1,"messages":[{"role":"system","content":"s"},{"role":"user","content":"p"},` +
		`{"role":"assistant","content":"no idea","reward":0,"regret":1}],"final_regret":1,"return":0,"failed":"no usable answer in 1 steps"}` + "\n"))
	f.Add([]byte(oldJSONL + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, err := ReadJSONL(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, tr := range ts {
			if err := tr.Validate(); err != nil {
				t.Fatalf("accepted an invalid transcript: %v", err)
			}
		}
		if err := WriteJSONL(&bytes.Buffer{}, ts); err != nil {
			t.Fatalf("cannot write accepted transcripts: %v", err)
		}
	})
}

// FuzzReadParquet checks that ReadParquet never panics or allocates beyond
// its limits on corrupt files.
func FuzzReadParquet(f *testing.F) {
	var buf bytes.Buffer
	if err := WriteParquet(&buf, seedTranscripts(f)); err != nil {
		f.Fatal(err)
	}
	valid := buf.Bytes()
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	for _, at := range []int{8, len(valid) / 2, len(valid) - 12} {
		b := bytes.Clone(valid)
		b[at] ^= 0xff
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, err := ReadParquet(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, tr := range ts {
			if err := tr.Validate(); err != nil {
				t.Fatalf("accepted an invalid transcript: %v", err)
			}
		}
	})
}
