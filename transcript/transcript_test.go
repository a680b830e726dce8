package transcript

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	gym "github.com/autollmresearch/gym"
	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/policy"
	"github.com/autollmresearch/gym/policy/llm"
)

const (
	coreID = "pretrain/steplaw-v0"
	textID = "pretrain/steplaw-text-v0"
)

func coreEnv(t testing.TB, opts env.Options) env.Env[*research.Observation, research.Action] {
	t.Helper()
	if opts == nil {
		opts = env.Options{"split": "test"}
	}
	e, err := gym.Make[*research.Observation, research.Action](coreID, opts)
	require.NoError(t, err)
	t.Cleanup(func() { e.Close() })
	return e
}

// teacherTranscripts records n episodes of p, seeds 1..n.
func teacherTranscripts(t testing.TB, p func() policy.Policy, n int, opts env.Options) []Transcript {
	t.Helper()
	e := coreEnv(t, opts)
	var out []Transcript
	for s := range uint64(n) {
		tr, err := RecordPolicy(context.Background(), e, p(), research.TextOptions{}, env.SeedOf(s+1))
		require.NoError(t, err)
		tr.ID = p().Name() + "-" + string(rune('a'+s))
		tr.Env = textID
		out = append(out, tr)
	}
	return out
}

func TestRecordPolicyMatchesTheProgrammaticEpisode(t *testing.T) {
	policies := []func() policy.Policy{
		func() policy.Policy { return policy.NewTransfer() },
		func() policy.Policy { return policy.NewScalingLaw(policy.ScalingLawOptions{}) },
		func() policy.Policy { return policy.NewRandom() },
	}
	for _, mk := range policies {
		t.Run(mk().Name(), func(t *testing.T) {
			for _, seed := range []uint64{1, 2, 3} {
				tr, err := RecordPolicy(context.Background(), coreEnv(t, nil), mk(), research.TextOptions{}, env.SeedOf(seed))
				require.NoError(t, err)

				// The same policy on the programmatic view, same seeds.
				e := coreEnv(t, nil)
				obs, info, err := e.Reset(env.SeedOf(seed), nil)
				require.NoError(t, err)
				startRegret, _ := info.Num("regret")
				target, _ := info.Get("target")
				p := mk()
				require.NoError(t, p.Reset(obs, rand.New(rand.NewPCG(seed, teacherStream))))
				var ret float64
				steps := 0
				for {
					a, err := p.Act(obs)
					require.NoError(t, err)
					res, err := e.Step(a)
					require.NoError(t, err)
					steps++
					ret += res.Reward
					obs = res.Obs
					if res.Done() {
						break
					}
				}
				assert.Equal(t, 1.0, startRegret)
				assert.Equal(t, target, tr.Target)
				assert.InDelta(t, ret, tr.Return, 1e-12)
				assert.InDelta(t, 1-ret, tr.FinalRegret, 1e-12)
				assert.Len(t, tr.Messages, 1+2*steps)
				assert.Equal(t, llm.DefaultSystemPrompt, tr.Messages[0].Content)
				for i, m := range tr.Messages[1:] {
					if i%2 == 0 {
						assert.Equal(t, RoleUser, m.Role)
						assert.Contains(t, m.Content, "## Your answer")
					} else {
						assert.Equal(t, RoleAssistant, m.Role)
						assert.True(t, strings.HasPrefix(m.Content, `{"config": {"lr":`) || m.Content == `{"stop": true}`, m.Content)
						require.NotNil(t, m.Reward)
						require.NotNil(t, m.Regret)
					}
				}
			}
		})
	}
}

func TestRecordPolicyDeterministic(t *testing.T) {
	mk := func() policy.Policy { return policy.NewRandom() }
	a := teacherTranscripts(t, mk, 3, nil)
	b := teacherTranscripts(t, mk, 3, nil)
	assert.Equal(t, a, b)
}

func TestJSONLRoundTripAndValidate(t *testing.T) {
	ts := teacherTranscripts(t, func() policy.Policy { return policy.NewTransfer() }, 3, nil)
	ts = append(ts, teacherTranscripts(t, func() policy.Policy { return policy.NewSuccessiveHalving(policy.SuccessiveHalvingOptions{}) }, 2,
		env.Options{"split": "test", "setting": "multi-fidelity"})...)
	ts[len(ts)-1].ID += "-mf"
	var buf bytes.Buffer
	require.NoError(t, WriteJSONL(&buf, ts))
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	require.Len(t, lines, len(ts))
	for i, line := range lines {
		require.NoError(t, Validate([]byte(line)), "line %d", i+1)
		var v map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &v))
		assert.Len(t, v, 7)
	}
	assert.Contains(t, buf.String(), `\"fidelity\"`, "the multi-fidelity teacher names fidelities")
	got, err := ReadJSONL(strings.NewReader("\n" + buf.String() + "\n\n"))
	require.NoError(t, err)
	assert.Equal(t, ts, got)
}

func TestParquetRoundTrip(t *testing.T) {
	ts := teacherTranscripts(t, func() policy.Policy { return policy.NewScalingLaw(policy.ScalingLawOptions{}) }, 3, nil)
	ts[1].Messages[2].Reward = nil // an absent reward is a null
	var buf bytes.Buffer
	require.NoError(t, WriteParquet(&buf, ts))
	got, err := ReadParquet(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	assert.Equal(t, ts, got)

	var empty bytes.Buffer
	require.NoError(t, WriteParquet(&empty, nil))
	got, err = ReadParquet(bytes.NewReader(empty.Bytes()))
	require.NoError(t, err)
	assert.Empty(t, got)
}

func TestReadParquetRejectsCorruptFiles(t *testing.T) {
	ts := teacherTranscripts(t, func() policy.Policy { return policy.NewTransfer() }, 1, nil)
	var buf bytes.Buffer
	require.NoError(t, WriteParquet(&buf, ts))
	data := buf.Bytes()
	for name, bad := range map[string][]byte{
		"empty":       nil,
		"truncated":   data[:len(data)/2],
		"not parquet": []byte(strings.Repeat("not a parquet file ", 20)),
	} {
		_, err := ReadParquet(bytes.NewReader(bad))
		assert.ErrorContains(t, err, "transcript: reading Parquet", name)
	}
}

func TestWriteRejectsInvalidTranscripts(t *testing.T) {
	good := teacherTranscripts(t, func() policy.Policy { return policy.NewTransfer() }, 1, nil)[0]
	cases := []struct {
		name   string
		edit   func(*Transcript)
		errHas string
	}{
		{"no id", func(t *Transcript) { t.ID = "" }, `"id" is empty`},
		{"NaN regret", func(t *Transcript) { t.FinalRegret = math.NaN() }, `"final_regret" NaN`},
		{"prose answer", func(t *Transcript) { t.Messages[2].Content = "I pick lr 1e-3" }, `messages[2] (assistant): content "I pick lr 1e-3" is not a JSON object`},
		{"infinite reward", func(t *Transcript) { t.Messages[2].Reward = ptr(math.Inf(1)) }, "must be finite"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr := good
			tr.Messages = append([]Message(nil), good.Messages...)
			c.edit(&tr)
			var buf bytes.Buffer
			err := WriteJSONL(&buf, []Transcript{good, tr})
			require.ErrorIs(t, err, ErrInvalid)
			assert.Contains(t, err.Error(), "transcript 1 (id")
			assert.Contains(t, err.Error(), c.errHas)
			assert.Equal(t, 1, strings.Count(buf.String(), "\n"), "the valid transcript before it was written")
			assert.ErrorContains(t, WriteParquet(&bytes.Buffer{}, []Transcript{tr}), c.errHas)
		})
	}
}

func TestValidateRejectsMalformedLines(t *testing.T) {
	const msgs = `[{"role":"system","content":"s"},{"role":"user","content":"p"},{"role":"assistant","content":"{\"config\":{}}","reward":0.5,"regret":0.5}]`
	line := func(repl ...string) string {
		s := `{"id":"a","env":"e","target":"t","seed":1,"messages":` + msgs + `,"final_regret":0.5,"return":0.5}`
		return strings.NewReplacer(repl...).Replace(s)
	}
	require.NoError(t, Validate([]byte(line())))
	cases := []struct {
		name, line, want string
	}{
		{"empty", "", "empty line"},
		{"not JSON", "{id: 1}", "the line is not a JSON object"},
		{"array", "[1, 2]", "the line is not a JSON object: it is a JSON array"},
		{"null", "null", "the line is null"},
		{"trailing text", line() + " extra", "text follows the JSON value"},
		{"missing field", line(`"target":"t",`, ""), `lacks the required field "target"`},
		{"unknown field", line(`"seed":1`, `"seed":1,"score":3`), `unknown field "score"`},
		{"id of the wrong type", line(`"id":"a"`, `"id":7`), `"id" is the number "7", want a non-empty string`},
		{"empty env", line(`"env":"e"`, `"env":""`), `"env" is empty`},
		{"null target", line(`"target":"t"`, `"target":null`), `"target" is null, want a string`},
		{"negative seed", line(`"seed":1`, `"seed":-1`), `"seed" is the number "-1", want a non-negative integer`},
		{"fractional seed", line(`"seed":1`, `"seed":1.5`), `"seed" is the number "1.5"`},
		{"regret out of range", line(`"final_regret":0.5`, `"final_regret":2`), `"final_regret" is 2, want a number in [0, 1]`},
		{"return as a string", line(`"return":0.5`, `"return":"high"`), `"return" is a string "\"high\"", want a number`},
		{"messages not an array", line(msgs, `{}`), `"messages" is an object`},
		{"no messages", line(msgs, `[]`), `"messages" is empty`},
		{"message not an object", line(msgs, `["hi"]`), `messages[0] is a string`},
		{"first not system", line(`{"role":"system","content":"s"},`, ""), `messages[0] has role "user", want the first message to be "system"`},
		{"second system", line(`{"role":"user","content":"p"}`, `{"role":"system","content":"p"}`), "messages[1] (system): only messages[0] may be a system message"},
		{"unknown role", line(`"role":"user"`, `"role":"tool"`), `messages[1] (tool): unknown role "tool"`},
		{"content missing", line(`"role":"user","content":"p"`, `"role":"user"`), `messages[1] lacks the required field "content"`},
		{"content not a string", line(`"content":"p"`, `"content":["p"]`), `messages[1]: "content" is an array`},
		{"unknown message field", line(`"content":"p"`, `"content":"p","name":"x"`), `messages[1] has the unknown field "name"`},
		{"prose answer", line(`"{\"config\":{}}"`, `"Sure: lr=1e-3"`), `messages[2] (assistant): content "Sure: lr=1e-3" is not a JSON object`},
		{"array answer", line(`"{\"config\":{}}"`, `"[1]"`), "messages[2] (assistant): content \"[1]\" is not a JSON object: it is a JSON array"},
		{"null answer", line(`"{\"config\":{}}"`, `"null"`), "is not a JSON object: it is null"},
		{"reward as a string", line(`"reward":0.5`, `"reward":"0.5"`), `messages[2]: "reward" is a string`},
		{"null regret", line(`"regret":0.5`, `"regret":null`), `messages[2]: "regret" is null, want a number`},
		{"regret out of range", line(`"regret":0.5`, `"regret":-0.1`), `messages[2] (assistant): "regret" is -0.1`},
		{"reward on a user message", line(`"content":"p"`, `"content":"p","reward":1`), `messages[1] (user): "reward" and "regret" belong to assistant messages only`},
		{"no answer", line(`,{"role":"assistant","content":"{\"config\":{}}","reward":0.5,"regret":0.5}`, ""), "no assistant message"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Validate([]byte(c.line))
			require.Error(t, err, c.line)
			assert.ErrorIs(t, err, ErrInvalid)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func TestReadJSONLNamesTheLine(t *testing.T) {
	ts := teacherTranscripts(t, func() policy.Policy { return policy.NewTransfer() }, 2, nil)
	var buf bytes.Buffer
	require.NoError(t, WriteJSONL(&buf, ts))
	in := buf.String() + "\n" + `{"id":"x"}` + "\n"
	got, err := ReadJSONL(strings.NewReader(in))
	require.ErrorIs(t, err, ErrInvalid)
	assert.Contains(t, err.Error(), `line 4: transcript: invalid transcript: the line lacks the required field "env"`)
	assert.Len(t, got, 2, "the valid lines before it are returned")
}

func TestFromEpisode(t *testing.T) {
	nan := math.NaN()
	res := llm.EpisodeResult{
		Seed: env.SeedOf(9), Target: "T", FinalRegret: 0.25, Return: 0.75,
		Turns: []llm.Turn{
			{Role: llm.RoleSystem, Content: "sys"},
			{Role: llm.RoleUser, Content: "prompt 1"},
			{Role: llm.RoleAssistant, Content: "```json\n{\"config\": {\"lr\": 1e-3}}\n```", Answer: `{"config": {"lr":0.001}}`, Scored: true, Step: 1, Reward: 0.5, Regret: 0.5},
			{Role: llm.RoleUser, Content: "prompt 2"},
			{Role: llm.RoleAssistant, Content: "no idea"},
			{Role: llm.RoleUser, Content: "Your reply had no usable config", Correction: true},
			{Role: llm.RoleAssistant, Content: "still none", Scored: true, Step: 2, Invalid: true, Regret: 0.5},
			{Role: llm.RoleUser, Content: "prompt 3"},
			{Role: llm.RoleAssistant, Content: "x", Answer: `{"stop": true}`, Scored: true, Step: 3, Reward: 0.25, Regret: nan},
		},
	}
	tr, err := FromEpisode(res)
	require.NoError(t, err)
	assert.Equal(t, Transcript{
		Target: "T", Seed: 9, FinalRegret: 0.25, Return: 0.75,
		Messages: []Message{
			{Role: RoleSystem, Content: "sys"},
			{Role: RoleUser, Content: "prompt 1"},
			{Role: RoleAssistant, Content: `{"config": {"lr":0.001}}`, Reward: ptr(0.5), Regret: ptr(0.5)},
			{Role: RoleUser, Content: "prompt 3"},
			{Role: RoleAssistant, Content: `{"stop": true}`, Reward: ptr(0.25)},
		},
	}, tr)

	res.FinalRegret = nan
	_, err = FromEpisode(res)
	assert.ErrorContains(t, err, "final regret is NaN")

	res.FinalRegret = 1
	res.Turns = res.Turns[:2]
	_, err = FromEpisode(res)
	assert.ErrorIs(t, err, ErrNoAnswers)
}

func TestRecord(t *testing.T) {
	e, err := gym.Make[string, string](textID, env.Options{"split": "test"})
	require.NoError(t, err)
	defer e.Close()

	_, err = Record(context.Background(), e, func(string) (string, error) { return "no config here", nil }, env.SeedOf(1))
	assert.ErrorIs(t, err, ErrNoAnswers)

	boom := errors.New("teacher failed")
	_, err = Record(context.Background(), e, func(string) (string, error) { return "", boom }, env.SeedOf(1))
	assert.ErrorIs(t, err, boom)

	_, err = Record(context.Background(), e, nil, env.SeedOf(1))
	assert.ErrorContains(t, err, "answer function is nil")

	prompts := 0
	tr, err := Record(context.Background(), e, func(p string) (string, error) {
		prompts++
		if prompts == 2 {
			return "Let me think.", nil // corrected, then answered
		}
		return `Here: {"config": {"lr": 0.001, "bs": 512}}`, nil
	}, env.SeedOf(1))
	require.NoError(t, err)
	assert.Equal(t, 6, prompts, "five steps and one correction")
	assert.Len(t, tr.Messages, 11)
	assert.Equal(t, `{"config": {"lr":0.001,"bs":512}}`, tr.Messages[2].Content)
	tr.ID, tr.Env = "r", textID
	require.NoError(t, tr.Validate())
}
