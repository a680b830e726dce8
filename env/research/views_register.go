package research

import (
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/autollmresearch/gym/env"
)

// Keys of the env.Options that the registered text views read besides
// those of NewFromOptions; each sets the TextOptions field of the same
// meaning.
const (
	// OptionMaxInvalid is an integer, TextOptions.MaxInvalid.
	OptionMaxInvalid = "max_invalid"
	// OptionMaxPromptLength is an integer, TextOptions.MaxPromptLength.
	OptionMaxPromptLength = "max_prompt_length"
	// OptionMaxReplyLength is an integer, TextOptions.MaxReplyLength.
	OptionMaxReplyLength = "max_reply_length"
)

// The kinds of view RegisterViews registers, as they appear in the ids.
const (
	numericView  = "numeric"
	discreteView = "discrete"
	textView     = "text"
)

// ViewID returns the id of a view of the built-in env id: for
// "pretrain/steplaw-v0" and view "numeric", "pretrain/steplaw-numeric-v0".
func ViewID(id, view string) (string, error) {
	base, version, err := env.ParseID(id)
	if err != nil {
		return "", fmt.Errorf("research: ViewID: %w", err)
	}
	return base + "-" + view + "-v" + strconv.Itoa(version), nil
}

// ViewIDs lists the ids RegisterViews registers: for every built-in id
// (see BuiltinIDs) its numeric, discrete and text views.
func ViewIDs() []string {
	var out []string
	for _, id := range BuiltinIDs() {
		for _, v := range []string{numericView, discreteView, textView} {
			if vid, err := ViewID(id, v); err == nil {
				out = append(out, vid)
			}
		}
	}
	return out
}

// RegisterViews registers, for every task's built-in env (see
// BuiltinIDs), three views over the env NewFromOptions builds, under the
// built-in id with the view's name before the version:
//
//   - <task>/<name>-numeric-v0: [Numeric], env.Env[[]float64, []float64];
//   - <task>/<name>-discrete-v0: [Discrete], env.Env[[]float64, int], in
//     the Extrapolate setting only;
//   - <task>/<name>-text-v0: [Text], env.Env[string, string], which also
//     reads the options OptionMaxInvalid, OptionMaxPromptLength and
//     OptionMaxReplyLength.
//
// All take the options of NewFromOptions and are limited to
// MaxEpisodeSteps steps. Ids that are already registered are left alone,
// so calling it again is harmless.
func RegisterViews() error {
	var errs []error
	for i, id := range BuiltinIDs() {
		task := Tasks()[i]
		desc := "view of " + id + "; options: " + strings.Join(optionKeys, ", ")
		numID, _ := ViewID(id, numericView)
		discID, _ := ViewID(id, discreteView)
		textID, _ := ViewID(id, textView)
		errs = append(errs,
			registerOnce(env.Spec[[]float64, []float64]{
				ID:          numID,
				Description: "numeric " + desc,
				New: func(opts env.Options) (env.Env[[]float64, []float64], error) {
					v, err := buildView(task, opts, NewNumeric)
					if err != nil {
						return nil, err
					}
					return v, nil
				},
				MaxEpisodeSteps: MaxEpisodeSteps,
			}),
			registerOnce(env.Spec[[]float64, int]{
				ID:          discID,
				Description: "discrete (extrapolate setting) " + desc,
				New: func(opts env.Options) (env.Env[[]float64, int], error) {
					v, err := buildView(task, opts, NewDiscrete)
					if err != nil {
						return nil, err
					}
					return v, nil
				},
				MaxEpisodeSteps: MaxEpisodeSteps,
			}),
			registerOnce(env.Spec[string, string]{
				ID: textID,
				Description: "text " + desc + ", " + strings.Join([]string{
					OptionMaxInvalid, OptionMaxPromptLength, OptionMaxReplyLength}, ", "),
				New: func(opts env.Options) (env.Env[string, string], error) {
					topts, rest, err := textOptions(opts)
					if err != nil {
						return nil, err
					}
					v, err := buildView(task, rest, func(e env.Env[*Observation, Action]) (*Text, error) {
						return NewText(e, topts)
					})
					if err != nil {
						return nil, err
					}
					return v, nil
				},
				MaxEpisodeSteps: MaxEpisodeSteps,
			}),
		)
	}
	return errors.Join(errs...)
}

// registerOnce registers spec unless its id is taken.
func registerOnce[O, A any](spec env.Spec[O, A]) error {
	if _, ok := env.Lookup(spec.ID); ok {
		return nil
	}
	err := env.Register(spec)
	if _, ok := env.Lookup(spec.ID); ok {
		return nil // registered now, by this call or a concurrent one
	}
	return err
}

// buildView builds the core env of task and a view over it, closing the
// core env if the view cannot be built.
func buildView[V any](task string, opts env.Options, view func(env.Env[*Observation, Action]) (V, error)) (V, error) {
	var zero V
	e, err := NewFromOptions(task, opts)
	if err != nil {
		return zero, err
	}
	v, err := view(e)
	if err != nil {
		_ = e.Close() // the view's error is the one to report
		return zero, err
	}
	return v, nil
}

// textOptions takes the text view's keys out of opts.
func textOptions(opts env.Options) (TextOptions, env.Options, error) {
	var t TextOptions
	rest := maps.Clone(opts)
	var errs []error
	for _, f := range []struct {
		key string
		v   *int
	}{
		{OptionMaxInvalid, &t.MaxInvalid},
		{OptionMaxPromptLength, &t.MaxPromptLength},
		{OptionMaxReplyLength, &t.MaxReplyLength},
	} {
		v, ok := rest[f.key]
		if !ok {
			continue
		}
		delete(rest, f.key)
		n, err := intOption(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("option %q: %w", f.key, err))
			continue
		}
		*f.v = n
	}
	if len(errs) > 0 {
		return TextOptions{}, nil, fmt.Errorf("research: %w", errors.Join(errs...))
	}
	return t, rest, nil
}
