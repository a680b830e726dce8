package env

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/autollmresearch/gym/spaces"
)

// JSONEnv is an env seen through JSON, whatever its observation and action
// types: observations come out as JSON and actions go in as JSON. It is
// what a server or another language needs to drive any registered env
// without knowing its Go types. Build one with [MakeJSON] or [NewJSON].
//
// Like every env, a JSONEnv is not safe for concurrent use.
type JSONEnv interface {
	// Reset starts a new episode and returns its first observation as
	// JSON.
	Reset(seed Seed, options Options) (obs json.RawMessage, info Info, err error)
	// Step decodes action from JSON, checks it against the action space
	// and applies it. A step out of order gives [ErrResetNeeded] or
	// [ErrEpisodeEnded]; an action that cannot be decoded or is outside
	// the action space gives an *[ActionError] and leaves the episode as it
	// was.
	Step(action json.RawMessage) (JSONStep, error)
	// ObservationSpace and ActionSpace describe the env's spaces.
	ObservationSpace() spaces.Description
	ActionSpace() spaces.Description
	// Close closes the env. It is safe to call more than once.
	Close() error
}

// JSONStep is what [JSONEnv.Step] returns: a [StepResult] whose
// observation is JSON.
//
// The observation is valid until the next Reset or Step; the Info, as any
// env's, until then too.
type JSONStep struct {
	// Obs is the observation after the step, as JSON.
	Obs json.RawMessage
	// Reward is the scalar reward for the step.
	Reward float64
	// Terminated and Truncated say how the episode ended, if it did.
	Terminated, Truncated bool
	// Info carries the env's diagnostics, as Go values.
	Info Info
}

// Done reports whether the episode ended with this step.
func (s JSONStep) Done() bool { return s.Terminated || s.Truncated }

// MarshalJSON renders the step as one object with the keys "observation",
// "reward", "terminated", "truncated" and "info". It does not fail on
// non-finite numbers: the reward and the info follow the conventions of
// [InfoJSON].
func (s JSONStep) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, len(s.Obs)+128)
	b = append(b, `{"observation":`...)
	if len(s.Obs) == 0 {
		b = append(b, "null"...)
	} else {
		b = append(b, s.Obs...)
	}
	b = append(b, `,"reward":`...)
	b = appendFloat(b, s.Reward)
	b = append(b, `,"terminated":`...)
	b = strconv.AppendBool(b, s.Terminated)
	b = append(b, `,"truncated":`...)
	b = strconv.AppendBool(b, s.Truncated)
	b = append(b, `,"info":`...)
	b = append(b, InfoJSON(s.Info)...)
	return append(b, '}'), nil
}

// ErrUnknownEnv is wrapped by the error [MakeJSON] returns when no env is
// registered under the id (or the id is malformed).
var ErrUnknownEnv = errors.New("env: unknown env id")

// unknownEnvError is lookup's error, marked as [ErrUnknownEnv].
type unknownEnvError struct{ err error }

func (e unknownEnvError) Error() string        { return e.err.Error() }
func (e unknownEnvError) Unwrap() error        { return e.err }
func (e unknownEnvError) Is(target error) bool { return target == ErrUnknownEnv }

// ActionError reports an action given as JSON that cannot be decoded into
// the env's action type, or that is outside its action space.
type ActionError struct {
	// Action is the action's JSON text, shortened when long.
	Action string
	// Type is the Go type of the env's actions, e.g. "int".
	Type string
	// Space is the action space's String form.
	Space string
	// Err is the decoding error; nil when the action was decoded but is
	// outside the space.
	Err error
}

// Error says which action was rejected and why.
func (e *ActionError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("env: action %s cannot be decoded as %s (action space %s): %v", e.Action, e.Type, e.Space, e.Err)
	}
	return fmt.Sprintf("env: action %s is not in the action space %s", e.Action, e.Space)
}

// Unwrap returns the decoding error, if any.
func (e *ActionError) Unwrap() error { return e.Err }

// maxQuotedAction is how many bytes of an action's JSON an ActionError
// quotes.
const maxQuotedAction = 200

// MakeJSON builds the env registered under id as [Make] does, with its own
// observation and action types, and returns its JSON view (see [NewJSON]).
// An unknown or malformed id gives an error wrapping [ErrUnknownEnv] that
// lists what is registered.
func MakeJSON(id string, opts Options) (JSONEnv, error) {
	r, err := lookup(id)
	if err != nil {
		return nil, unknownEnvError{err}
	}
	return r.makeJSON(opts)
}

// NewJSON returns the JSON view of e.
//
// Observations are rendered with encoding/json (a type's MarshalJSON
// method applies); should that fail because of a non-finite float, the
// observation is rendered with the conventions of [InfoJSON] instead.
//
// Actions are decoded with encoding/json into a value of type A: null and
// trailing data are errors, and where A is a struct (or a pointer to one)
// unknown fields are errors too. The decoded action must then be in
// e.ActionSpace(). Both failures are reported as an *[ActionError], before
// e sees the action; so are steps out of order, as [ErrResetNeeded] and
// [ErrEpisodeEnded], whatever the action.
func NewJSON[O, A any](e Env[O, A]) JSONEnv {
	t := reflect.TypeFor[A]()
	strict := t.Kind() == reflect.Struct || t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct
	return &jsonEnv[O, A]{env: e, actType: t.String(), strict: strict}
}

// jsonEnv is the JSONEnv over an Env[O, A].
type jsonEnv[O, A any] struct {
	env     Env[O, A]
	actType string
	strict  bool // disallow unknown fields when decoding actions
	started bool
	ended   bool
	closed  bool
}

func (j *jsonEnv[O, A]) Reset(seed Seed, options Options) (json.RawMessage, Info, error) {
	if j.closed {
		return nil, Info{}, ErrClosed
	}
	j.started, j.ended = false, false
	obs, info, err := j.env.Reset(seed, options)
	if err != nil {
		return nil, info, err
	}
	raw, err := j.marshalObs(obs)
	if err != nil {
		return nil, info, err
	}
	j.started = true
	return raw, info, nil
}

func (j *jsonEnv[O, A]) Step(action json.RawMessage) (JSONStep, error) {
	switch {
	case j.closed:
		return JSONStep{}, ErrClosed
	case !j.started:
		return JSONStep{}, ErrResetNeeded
	case j.ended:
		return JSONStep{}, ErrEpisodeEnded
	}
	a, err := j.decodeAction(action)
	if err != nil {
		return JSONStep{}, err
	}
	r, err := j.env.Step(a)
	if err != nil {
		return JSONStep{}, err
	}
	j.ended = r.Done()
	raw, err := j.marshalObs(r.Obs)
	if err != nil {
		return JSONStep{}, err
	}
	return JSONStep{Obs: raw, Reward: r.Reward, Terminated: r.Terminated, Truncated: r.Truncated, Info: r.Info}, nil
}

func (j *jsonEnv[O, A]) ObservationSpace() spaces.Description {
	return j.env.ObservationSpace().Describe()
}

func (j *jsonEnv[O, A]) ActionSpace() spaces.Description { return j.env.ActionSpace().Describe() }

// Close closes the env. Reset and Step return ErrClosed afterwards, before
// looking at their arguments; closing again does nothing.
func (j *jsonEnv[O, A]) Close() error {
	if j.closed {
		return nil
	}
	j.closed = true
	return j.env.Close()
}

// UnwrapEnv returns the wrapped env.
func (j *jsonEnv[O, A]) UnwrapEnv() any { return j.env }

// marshalObs renders an observation as JSON.
func (j *jsonEnv[O, A]) marshalObs(obs O) (json.RawMessage, error) {
	raw, err := json.Marshal(obs)
	if err == nil {
		return raw, nil
	}
	var unsupported *json.UnsupportedValueError
	if errors.As(err, &unsupported) {
		return appendSafe(nil, reflect.ValueOf(obs), 0), nil
	}
	return nil, fmt.Errorf("env: rendering the observation (%T) as JSON: %w", obs, err)
}

// decodeAction reads an action of type A from JSON and checks it against
// the action space.
func (j *jsonEnv[O, A]) decodeAction(data json.RawMessage) (A, error) {
	var a A
	space := j.env.ActionSpace()
	fail := func(err error) (A, error) {
		var zero A
		return zero, &ActionError{Action: quoteAction(data), Type: j.actType, Space: space.String(), Err: err}
	}
	trimmed := bytes.TrimSpace(data)
	switch {
	case len(trimmed) == 0:
		return fail(errors.New("the action is missing"))
	case string(trimmed) == "null":
		return fail(errors.New("the action is null"))
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if j.strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(&a); err != nil {
		return fail(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fail(fmt.Errorf("unexpected data after the action, which ends at byte %d", dec.InputOffset()))
	}
	if !space.Contains(a) {
		return fail(nil)
	}
	return a, nil
}

// quoteAction shortens an action's JSON text for an error message.
func quoteAction(data []byte) string {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return "(empty)"
	}
	if len(data) <= maxQuotedAction {
		return string(data)
	}
	cut := maxQuotedAction
	for cut > 0 && !utf8.RuneStart(data[cut]) {
		cut--
	}
	return fmt.Sprintf("%s... (%d bytes)", data[:cut], len(data))
}

// InfoJSON renders an Info as one JSON object, as [Info.MarshalJSON] does,
// except that it never fails: a float that JSON cannot hold, at any depth
// of a value, is written as the string "inf", "-inf" or "nan" (the
// convention of [spaces.Float]); a value encoding/json cannot render at
// all (a channel, a function, a complex number) is written as a string of
// its fmt %v form; a value nested more than 32 levels deep as the string
// "...". Keys are sorted.
func InfoJSON(i Info) json.RawMessage {
	if i.Len() == 0 {
		return json.RawMessage("{}")
	}
	if b, err := i.MarshalJSON(); err == nil {
		return b
	}
	keys := i.Keys()
	b := make([]byte, 0, 32*len(keys))
	b = append(b, '{')
	for n, k := range keys {
		if n > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		v, _ := i.Get(k)
		b = appendSafe(b, reflect.ValueOf(v), 0)
	}
	return append(b, '}')
}

// maxSafeDepth bounds how deep appendSafe follows nested values.
const maxSafeDepth = 32

// appendFloat appends x as a JSON number, or as "inf", "-inf" or "nan".
func appendFloat(b []byte, x float64) []byte {
	switch {
	case math.IsInf(x, 1):
		return append(b, `"inf"`...)
	case math.IsInf(x, -1):
		return append(b, `"-inf"`...)
	case math.IsNaN(x):
		return append(b, `"nan"`...)
	}
	f, _ := json.Marshal(x) // cannot fail on a finite float
	return append(b, f...)
}

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // cannot fail on a string
	return append(b, q...)
}

// appendSafe appends v as JSON without failing; see InfoJSON.
func appendSafe(b []byte, v reflect.Value, depth int) []byte {
	if !v.IsValid() {
		return append(b, "null"...)
	}
	if depth > maxSafeDepth {
		return append(b, `"..."`...)
	}
	if v.CanInterface() {
		if raw, err := json.Marshal(v.Interface()); err == nil {
			return append(b, raw...)
		}
	}
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		return appendFloat(b, v.Float())
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return append(b, "null"...)
		}
		return appendSafe(b, v.Elem(), depth+1)
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return append(b, "null"...)
		}
		b = append(b, '[')
		for k := range v.Len() {
			if k > 0 {
				b = append(b, ',')
			}
			b = appendSafe(b, v.Index(k), depth+1)
		}
		return append(b, ']')
	case reflect.Map:
		if v.IsNil() {
			return append(b, "null"...)
		}
		type entry struct {
			key string
			val reflect.Value
		}
		entries := make([]entry, 0, v.Len())
		for it := v.MapRange(); it.Next(); {
			entries = append(entries, entry{fmt.Sprint(it.Key().Interface()), it.Value()})
		}
		slices.SortFunc(entries, func(x, y entry) int { return strings.Compare(x.key, y.key) })
		b = append(b, '{')
		for k, e := range entries {
			if k > 0 {
				b = append(b, ',')
			}
			b = appendString(b, e.key)
			b = append(b, ':')
			b = appendSafe(b, e.val, depth+1)
		}
		return append(b, '}')
	case reflect.Struct:
		return appendStruct(b, v, depth)
	}
	if v.CanInterface() {
		return appendString(b, fmt.Sprintf("%v", v.Interface()))
	}
	return appendString(b, v.Kind().String())
}

// appendStruct appends the exported fields of a struct as a JSON object,
// named as their json tags name them.
func appendStruct(b []byte, v reflect.Value, depth int) []byte {
	t := v.Type()
	b = append(b, '{')
	first := true
	for k := range t.NumField() {
		f := t.Field(k)
		if !f.IsExported() {
			continue
		}
		name := f.Name
		if tag, ok := f.Tag.Lookup("json"); ok {
			if tag == "-" {
				continue
			}
			if n, _, _ := strings.Cut(tag, ","); n != "" {
				name = n
			}
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, name)
		b = append(b, ':')
		b = appendSafe(b, v.Field(k), depth+1)
	}
	return append(b, '}')
}
