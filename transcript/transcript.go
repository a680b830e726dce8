package transcript

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Roles of transcript messages.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// MaxLineBytes bounds one JSONL line that ReadJSONL reads.
const MaxLineBytes = 64 << 20

// Message is one chat message of a transcript.
type Message struct {
	// Role is RoleSystem, RoleUser or RoleAssistant.
	Role string `json:"role"`
	// Content is the message's text; for an assistant message, the JSON
	// answer.
	Content string `json:"content"`
	// Reward is the reward of the env step the assistant message was taken
	// as, and Regret the best-so-far normalised regret after it; both only
	// on assistant messages, and nil when unknown.
	Reward *float64 `json:"reward,omitempty"`
	Regret *float64 `json:"regret,omitempty"`
}

// Transcript is one episode as a chat, one line of a JSONL file; see the
// package documentation for the schema.
type Transcript struct {
	// ID identifies the episode in a data set.
	ID string `json:"id"`
	// Env is the id of the env the episode was played on.
	Env string `json:"env"`
	// Target is the episode's target experiment.
	Target string `json:"target"`
	// Seed is the seed the env was reset with.
	Seed uint64 `json:"seed"`
	// Messages is the chat: a system message, then prompts and answers.
	Messages []Message `json:"messages"`
	// FinalRegret is the best normalised regret found at the target, in
	// [0, 1].
	FinalRegret float64 `json:"final_regret"`
	// Return is the sum of the episode's rewards.
	Return float64 `json:"return"`
	// Failed is, for an episode in which no reply gave a usable answer,
	// why (see llm.EpisodeResult.Failure); "" for an episode that gave
	// one, and then left out of the JSON. A failed transcript keeps every
	// turn as played: the prompts, the model's replies as received (not
	// necessarily JSON) and the correction messages, as user messages.
	Failed string `json:"failed,omitempty"`
}

// ErrInvalid is matched (with errors.Is) by every error of Validate,
// ReadJSONL and WriteJSONL about a transcript that does not follow the
// schema.
var ErrInvalid = errors.New("transcript: invalid transcript")

// invalidf returns an error wrapping ErrInvalid.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// optionalKeys are the keys of a line or a message that may be left out.
var optionalKeys = []string{"reward", "regret", "failed"}

// Keys of a transcript line and of a message.
var (
	lineKeys    = []string{"id", "env", "target", "seed", "messages", "final_regret", "return", "failed"}
	messageKeys = []string{"role", "content", "reward", "regret"}
)

// Validate checks one JSONL line against the schema (see the package
// documentation) and returns an error, wrapping ErrInvalid, that names
// the first field that is wrong and what was expected.
func Validate(line []byte) error {
	_, err := decodeLine(line)
	return err
}

// decodeLine validates a line and decodes it.
func decodeLine(line []byte) (Transcript, error) {
	var t Transcript
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return t, invalidf("empty line, want a JSON object")
	}
	var fields map[string]json.RawMessage
	if err := strictUnmarshal(line, &fields); err != nil {
		return t, invalidf("the line is not a JSON object: %v", err)
	}
	if fields == nil {
		return t, invalidf("the line is null, want a JSON object")
	}
	if err := checkKeys("the line", fields, lineKeys); err != nil {
		return t, err
	}
	var err error
	if t.ID, err = nonEmptyString(fields, "id"); err != nil {
		return t, err
	}
	if t.Env, err = nonEmptyString(fields, "env"); err != nil {
		return t, err
	}
	if err := decodeField("", fields, "target", "a string", &t.Target); err != nil {
		return t, err
	}
	if err := decodeField("", fields, "seed", "a non-negative integer", &t.Seed); err != nil {
		return t, err
	}
	if t.FinalRegret, err = number(fields, "final_regret"); err != nil {
		return t, err
	}
	if t.FinalRegret < 0 || t.FinalRegret > 1 {
		return t, invalidf(`"final_regret" is %g, want a number in [0, 1]`, t.FinalRegret)
	}
	if t.Return, err = number(fields, "return"); err != nil {
		return t, err
	}
	if _, ok := fields["failed"]; ok {
		if err := decodeField("", fields, "failed", "the reason the episode failed", &t.Failed); err != nil {
			return t, err
		}
		if t.Failed == "" {
			return t, invalidf(`"failed" is empty, want the reason the episode failed (leave the field out for an episode that did not)`)
		}
	}
	var raw []json.RawMessage
	if err := decodeField("", fields, "messages", "an array of messages", &raw); err != nil {
		return t, err
	}
	if raw == nil {
		return t, invalidf(`"messages" is null, want an array of messages`)
	}
	t.Messages = make([]Message, len(raw))
	for i, r := range raw {
		if err := decodeMessage(r, i, &t.Messages[i]); err != nil {
			return t, err
		}
	}
	return t, t.checkMessages()
}

// checkMessages checks the order of the roles and the assistant answers.
func (t *Transcript) checkMessages() error {
	if len(t.Messages) == 0 {
		return invalidf(`"messages" is empty, want a system message and at least one assistant answer`)
	}
	if r := t.Messages[0].Role; r != RoleSystem {
		return invalidf(`messages[0] has role %q, want the first message to be %q`, r, RoleSystem)
	}
	answers := 0
	for i, m := range t.Messages {
		where := fmt.Sprintf("messages[%d] (%s)", i, m.Role)
		switch m.Role {
		case RoleSystem:
			if i > 0 {
				return invalidf("%s: only messages[0] may be a system message", where)
			}
		case RoleUser:
		case RoleAssistant:
			answers++
			// A failed episode's replies are kept as received; the answers
			// of one that succeeded are JSON objects.
			if err := checkAnswer(m.Content); err != nil && t.Failed == "" {
				return invalidf("%s: content %s is not a JSON object: %v", where, quoteStart(m.Content), err)
			}
			if m.Regret != nil && (*m.Regret < 0 || *m.Regret > 1) {
				return invalidf(`%s: "regret" is %g, want a number in [0, 1]`, where, *m.Regret)
			}
		default:
			return invalidf("%s: unknown role %q, want %q, %q or %q", where, m.Role, RoleSystem, RoleUser, RoleAssistant)
		}
		if m.Role != RoleAssistant && (m.Reward != nil || m.Regret != nil) {
			return invalidf(`%s: "reward" and "regret" belong to assistant messages only`, where)
		}
		if f := m.Reward; f != nil && (math.IsNaN(*f) || math.IsInf(*f, 0)) {
			return invalidf(`%s: "reward" is %g, want a finite number`, where, *f)
		}
	}
	if answers == 0 {
		return invalidf("no assistant message, want at least one answer")
	}
	return nil
}

// Validate checks t against the schema, as the line WriteJSONL would
// write for it.
func (t *Transcript) Validate() error {
	_, err := t.marshal()
	return err
}

// marshal renders t as one JSONL line (without the newline) and validates
// it.
func (t *Transcript) marshal() ([]byte, error) {
	if math.IsNaN(t.FinalRegret) || math.IsInf(t.FinalRegret, 0) || math.IsNaN(t.Return) || math.IsInf(t.Return, 0) {
		return nil, invalidf(`"final_regret" %g and "return" %g must be finite numbers`, t.FinalRegret, t.Return)
	}
	for i, m := range t.Messages {
		for _, f := range []*float64{m.Reward, m.Regret} {
			if f != nil && (math.IsNaN(*f) || math.IsInf(*f, 0)) {
				return nil, invalidf("messages[%d] (%s): reward and regret must be finite numbers, not %g", i, m.Role, *f)
			}
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(t); err != nil {
		return nil, fmt.Errorf("transcript: encoding %q: %w", t.ID, err)
	}
	line := bytes.TrimRight(b.Bytes(), "\n")
	if err := Validate(line); err != nil {
		return nil, err
	}
	return line, nil
}

// WriteJSONL writes ts to w, one JSON object per line, validating each
// first; nothing more is written after an invalid transcript, whose error
// names its index and id.
func WriteJSONL(w io.Writer, ts []Transcript) error {
	bw := bufio.NewWriter(w)
	for i := range ts {
		line, err := ts[i].marshal()
		if err != nil {
			bw.Flush()
			return fmt.Errorf("transcript %d (id %q): %w", i, ts[i].ID, err)
		}
		bw.Write(line)
		if err := bw.WriteByte('\n'); err != nil {
			return fmt.Errorf("transcript: writing JSONL: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("transcript: writing JSONL: %w", err)
	}
	return nil
}

// ReadJSONL reads and validates every line of a JSONL file. Blank lines
// are skipped. The error of an invalid line names its 1-based number.
func ReadJSONL(r io.Reader) ([]Transcript, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxLineBytes)
	var out []Transcript
	n := 0
	for sc.Scan() {
		n++
		line := sc.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		t, err := decodeLine(line)
		if err != nil {
			return out, fmt.Errorf("line %d: %w", n, err)
		}
		out = append(out, t)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return out, fmt.Errorf("transcript: line %d is longer than %d bytes", n+1, MaxLineBytes)
		}
		return out, fmt.Errorf("transcript: reading JSONL after line %d: %w", n, err)
	}
	return out, nil
}

// decodeMessage validates and decodes messages[i].
func decodeMessage(raw json.RawMessage, i int, m *Message) error {
	var fields map[string]json.RawMessage
	if err := strictUnmarshal(raw, &fields); err != nil || fields == nil {
		return invalidf("messages[%d] is %s, want an object {\"role\": ..., \"content\": ...}", i, kind(raw))
	}
	where := fmt.Sprintf("messages[%d]", i)
	if err := checkKeys(where, fields, messageKeys); err != nil {
		return err
	}
	if err := decodeField(where+": ", fields, "role", "a string", &m.Role); err != nil {
		return err
	}
	if err := decodeField(where+": ", fields, "content", "a string", &m.Content); err != nil {
		return err
	}
	for _, f := range []struct {
		key string
		dst **float64
	}{{"reward", &m.Reward}, {"regret", &m.Regret}} {
		_, ok := fields[f.key]
		if !ok {
			continue
		}
		var x float64
		if err := decodeField(where+": ", fields, f.key, "a number", &x); err != nil {
			return err
		}
		*f.dst = &x
	}
	return nil
}

// checkAnswer checks that s is one JSON object.
func checkAnswer(s string) error {
	var v map[string]json.RawMessage
	if err := strictUnmarshal([]byte(s), &v); err != nil {
		return err
	}
	if v == nil {
		return errors.New("it is null")
	}
	return nil
}

// strictUnmarshal decodes exactly one JSON value from data into v.
func strictUnmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) {
			return fmt.Errorf("it is a JSON %s", typ.Value)
		}
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("text follows the JSON value")
	}
	return nil
}

// checkKeys reports the missing and unknown keys of an object.
func checkKeys(where string, fields map[string]json.RawMessage, keys []string) error {
	for k := range fields {
		if !slices.Contains(keys, k) {
			return invalidf("%s has the unknown field %q (want only %s)", where, k, strings.Join(keys, ", "))
		}
	}
	for _, k := range keys {
		if _, ok := fields[k]; !ok && !slices.Contains(optionalKeys, k) {
			return invalidf("%s lacks the required field %q", where, k)
		}
	}
	return nil
}

// decodeField decodes fields[key], which must not be null, into dst.
// where prefixes the error, e.g. "messages[2]: ".
func decodeField(where string, fields map[string]json.RawMessage, key, want string, dst any) error {
	raw := fields[key]
	if string(bytes.TrimSpace(raw)) == "null" {
		return invalidf("%s%q is null, want %s", where, key, want)
	}
	if err := strictUnmarshal(raw, dst); err != nil {
		return invalidf("%s%q is %s, want %s", where, key, kind(raw), want)
	}
	return nil
}

// nonEmptyString decodes a required non-empty string field.
func nonEmptyString(fields map[string]json.RawMessage, key string) (string, error) {
	var s string
	if err := decodeField("", fields, key, "a non-empty string", &s); err != nil {
		return "", err
	}
	if s == "" {
		return "", invalidf("%q is empty, want a non-empty string", key)
	}
	return s, nil
}

// number decodes a required number field.
func number(fields map[string]json.RawMessage, key string) (float64, error) {
	var x float64
	err := decodeField("", fields, key, "a number", &x)
	return x, err
}

// kind describes a raw JSON value for an error message.
func kind(raw json.RawMessage) string {
	s := bytes.TrimSpace(raw)
	if len(s) == 0 {
		return "empty"
	}
	var what string
	switch s[0] {
	case '{':
		what = "an object"
	case '[':
		what = "an array"
	case '"':
		what = "a string"
	case 't', 'f':
		what = "a boolean"
	case 'n':
		return "null"
	default:
		what = "the number"
	}
	return what + " " + quoteStart(string(s))
}

// quoteStart quotes the first 60 runes of s for an error message.
func quoteStart(s string) string {
	r := []rune(s)
	if len(r) > 60 {
		return strconv.Quote(string(r[:60]) + "...")
	}
	return strconv.Quote(s)
}
