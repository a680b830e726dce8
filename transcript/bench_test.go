package transcript

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/policy"
)

func BenchmarkRecordPolicy(b *testing.B) {
	e := coreEnv(b, nil)
	b.ReportAllocs()
	for i := range uint64(b.N) {
		if _, err := RecordPolicy(context.Background(), e, policy.NewTransfer(), research.TextOptions{}, env.SeedOf(i)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteJSONL(b *testing.B) {
	ts := teacherTranscripts(b, func() policy.Policy { return policy.NewTransfer() }, 8, nil)
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteJSONL(io.Discard, ts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidate(b *testing.B) {
	ts := teacherTranscripts(b, func() policy.Policy { return policy.NewTransfer() }, 1, nil)
	var buf bytes.Buffer
	if err := WriteJSONL(&buf, ts); err != nil {
		b.Fatal(err)
	}
	line := bytes.TrimSpace(buf.Bytes())
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		if err := Validate(line); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParquetRoundTrip(b *testing.B) {
	ts := teacherTranscripts(b, func() policy.Policy { return policy.NewTransfer() }, 8, nil)
	b.ReportAllocs()
	for b.Loop() {
		var buf bytes.Buffer
		if err := WriteParquet(&buf, ts); err != nil {
			b.Fatal(err)
		}
		if _, err := ReadParquet(bytes.NewReader(buf.Bytes())); err != nil {
			b.Fatal(err)
		}
	}
}
