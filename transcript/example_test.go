package transcript_test

import (
	"bytes"
	"context"
	"fmt"

	gym "github.com/autollmresearch/gym"
	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/policy"
	"github.com/autollmresearch/gym/transcript"
)

// A baseline policy recorded as a teacher: the text view's prompts paired
// with the policy's answers, written as one JSONL line per episode.
func ExampleRecordPolicy() {
	e, err := gym.Make[*research.Observation, research.Action]("pretrain/steplaw-v0", env.Options{"split": "test"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer e.Close()
	tr, err := transcript.RecordPolicy(context.Background(), e, policy.NewTransfer(), research.TextOptions{}, env.SeedOf(1))
	if err != nil {
		fmt.Println(err)
		return
	}
	tr.ID, tr.Env = "transfer-1", "pretrain/steplaw-text-v0"

	var buf bytes.Buffer
	if err := transcript.WriteJSONL(&buf, []transcript.Transcript{tr}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("valid:", transcript.Validate(bytes.TrimSpace(buf.Bytes())) == nil)
	fmt.Println("messages:", len(tr.Messages))
	fmt.Println("first answer:", tr.Messages[2].Content)
	fmt.Printf("final regret: %.4f\n", tr.FinalRegret)
	// Output:
	// valid: true
	// messages: 11
	// first answer: {"config": {"lr":0.00048828125,"bs":512}}
	// final regret: 0.0000
}

// Validate names what is wrong with a line.
func ExampleValidate() {
	line := `{"id":"a","env":"pretrain/steplaw-text-v0","target":"t","seed":1,"final_regret":0.2,"return":0.8,
		"messages":[{"role":"system","content":"..."},{"role":"user","content":"..."},{"role":"assistant","content":"lr=1e-3"}]}`
	fmt.Println(transcript.Validate([]byte(line)))
	// Output:
	// transcript: invalid transcript: messages[2] (assistant): content "lr=1e-3" is not a JSON object: invalid character 'l' looking for beginning of value
}
