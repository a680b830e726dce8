package transcript

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	gym "github.com/autollmresearch/gym"
	"github.com/autollmresearch/gym/env"
)

// failedEpisode records an episode of the text view whose every reply has
// no usable answer.
func failedEpisode(t *testing.T) Transcript {
	t.Helper()
	e, err := gym.Make[string, string](textID, env.Options{"split": "test"})
	require.NoError(t, err)
	defer e.Close()
	tr, err := Record(context.Background(), e, func(string) (string, error) { return "I would rather not say.", nil }, env.SeedOf(1))
	require.ErrorIs(t, err, ErrNoAnswers)
	tr.ID, tr.Env = "failed-1", textID
	return tr
}

func TestFailedEpisodeIsKept(t *testing.T) {
	tr := failedEpisode(t)
	require.NoError(t, tr.Validate())
	assert.True(t, strings.HasPrefix(tr.Failed, "no usable answer in 3 steps (3 invalid, 3 corrected); last reply: "), tr.Failed)
	// system, then 3 x (prompt, reply, correction, reply).
	require.Len(t, tr.Messages, 1+3*4)
	assert.Equal(t, RoleSystem, tr.Messages[0].Role)
	for k := range 3 {
		m := tr.Messages[1+4*k : 5+4*k]
		assert.Equal(t, []string{RoleUser, RoleAssistant, RoleUser, RoleAssistant}, []string{m[0].Role, m[1].Role, m[2].Role, m[3].Role})
		assert.Contains(t, m[0].Content, "Configuration research", "the env's prompt")
		assert.Equal(t, "I would rather not say.", m[1].Content, "the reply as received")
		assert.Nil(t, m[1].Reward, "the first reply was not taken as a step")
		assert.True(t, strings.HasPrefix(m[2].Content, "Your reply had no usable config"), "the correction")
		require.NotNil(t, m[3].Reward, "the second reply was the step")
		assert.Zero(t, *m[3].Reward)
	}
	assert.Equal(t, 1.0, tr.FinalRegret)

	for _, format := range []string{"jsonl", "parquet"} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			var got []Transcript
			var err error
			if format == "jsonl" {
				require.NoError(t, WriteJSONL(&buf, []Transcript{tr}))
				assert.Contains(t, buf.String(), `"failed":"no usable answer`)
				got, err = ReadJSONL(&buf)
			} else {
				require.NoError(t, WriteParquet(&buf, []Transcript{tr}))
				got, err = ReadParquet(bytes.NewReader(buf.Bytes()))
			}
			require.NoError(t, err)
			assert.Equal(t, []Transcript{tr}, got)
		})
	}
}

func TestFailedField(t *testing.T) {
	const msgs = `[{"role":"system","content":"s"},{"role":"user","content":"p"},{"role":"assistant","content":"I pick lr 1e-3","reward":0,"regret":1}]`
	line := func(failed string) string {
		return `{"id":"a","env":"e","target":"t","seed":1,"messages":` + msgs + `,"final_regret":1,"return":0` + failed + `}`
	}
	cases := []struct {
		name, failed, errHas string
	}{
		{"failed with a reason", `,"failed":"no usable answer in 1 steps"`, ""},
		{"prose reply in a transcript that did not fail", "", `content "I pick lr 1e-3" is not a JSON object`},
		{"empty reason", `,"failed":""`, `"failed" is empty`},
		{"null", `,"failed":null`, `"failed" is null`},
		{"not a string", `,"failed":true`, `"failed" is a boolean`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Validate([]byte(line(c.failed)))
			if c.errHas == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrInvalid)
			assert.ErrorContains(t, err, c.errHas)
		})
	}
}

// oldJSONL is a line as written before the field "failed" existed.
const oldJSONL = `{"id":"teacher-scaling-law/pretrain/steplaw-text-v0/seed-1","env":"pretrain/steplaw-text-v0","target":"pretrain/N=1.28e9,D=3.84e11","seed":1,` +
	`"messages":[{"role":"system","content":"s"},{"role":"user","content":"p"},{"role":"assistant","content":"{\"config\": {\"lr\":0.001,\"bs\":512}}","reward":0.9,"regret":0.1}],` +
	`"final_regret":0.1,"return":0.9}`

func TestOldFilesStillRead(t *testing.T) {
	got, err := ReadJSONL(strings.NewReader(oldJSONL + "\n"))
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Empty(t, got[0].Failed)
	assert.Equal(t, 0.1, got[0].FinalRegret)

	// A Parquet file of the 11 columns written before "failed".
	var buf bytes.Buffer
	writeOldParquet(t, &buf, got[0])
	back, err := ReadParquet(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	assert.Equal(t, got, back)

	// Written again, it gains the column, null for a transcript that did
	// not fail.
	buf.Reset()
	require.NoError(t, WriteParquet(&buf, back))
	again, err := ReadParquet(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	assert.Equal(t, got, again)
}

// writeOldParquet writes tr in the Parquet form of earlier versions: the
// columns of rowSchema but the last, "failed".
func writeOldParquet(t *testing.T, buf *bytes.Buffer, tr Transcript) {
	t.Helper()
	schema := arrow.NewSchema(rowSchema.Fields()[:oldColumns], nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for k, m := range tr.Messages {
		b.Field(0).(*array.StringBuilder).Append(tr.ID)
		b.Field(1).(*array.StringBuilder).Append(tr.Env)
		b.Field(2).(*array.StringBuilder).Append(tr.Target)
		b.Field(3).(*array.Uint64Builder).Append(tr.Seed)
		b.Field(4).(*array.Int32Builder).Append(int32(k))
		b.Field(5).(*array.StringBuilder).Append(m.Role)
		b.Field(6).(*array.StringBuilder).Append(m.Content)
		for i, x := range []*float64{m.Reward, m.Regret} {
			if x == nil {
				b.Field(7 + i).AppendNull()
			} else {
				b.Field(7 + i).(*array.Float64Builder).Append(*x)
			}
		}
		b.Field(9).(*array.Float64Builder).Append(tr.FinalRegret)
		b.Field(10).(*array.Float64Builder).Append(tr.Return)
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	fw, err := pqarrow.NewFileWriter(schema, struct{ *bytes.Buffer }{buf}, nil, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	require.NoError(t, err)
	require.NoError(t, fw.Write(rec))
	require.NoError(t, fw.Close())
}

func TestParquetFailedColumnIsChecked(t *testing.T) {
	tr := failedEpisode(t)
	ok := oldJSONLTranscript(t)
	var buf bytes.Buffer
	require.NoError(t, WriteParquet(&buf, []Transcript{ok, tr}))
	got, err := ReadParquet(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Empty(t, got[0].Failed)
	assert.Equal(t, tr.Failed, got[1].Failed)
}

func oldJSONLTranscript(t *testing.T) Transcript {
	t.Helper()
	got, err := ReadJSONL(strings.NewReader(oldJSONL))
	require.NoError(t, err)
	return got[0]
}
