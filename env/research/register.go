package research

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/tasks"
)

// MaxEpisodeSteps is the time limit of the registered envs: an episode
// that has not terminated after this many steps (possible only in the
// MultiFidelity setting, with many cheap runs) is truncated.
const MaxEpisodeSteps = 1000

// Keys of the env.Options read by OptionsFromEnvOptions, NewFromOptions and
// the registered envs. Each sets the Options field of the same meaning,
// except OptionTable.
const (
	// OptionSetting is "extrapolate" or "multi-fidelity" (or a Setting).
	OptionSetting = "setting"
	// OptionSplit is "train" or "test" (or a Split).
	OptionSplit = "split"
	// OptionTrials is an integer, Options.Trials.
	OptionTrials = "trials"
	// OptionBudget is a number, Options.BudgetGPUHours.
	OptionBudget = "budget_gpu_hours"
	// OptionTarget is an experiment id, Options.Target.
	OptionTarget = "target"
	// OptionTable is the path of a table file in any format tasks.ReadFile
	// reads (Arrow IPC, Parquet, CSV), used instead of the task's default.
	OptionTable = "table"
	// OptionTestFraction is a number in [0, 1), Options.TestFraction.
	OptionTestFraction = "test_fraction"
	// OptionContextSlots is an integer, Options.ContextSlots.
	OptionContextSlots = "context_slots"
	// OptionHistorySlots is an integer, Options.HistorySlots.
	OptionHistorySlots = "history_slots"
	// OptionContextTop is an integer, Options.ContextTop.
	OptionContextTop = "context_top"
)

// optionKeys lists the keys OptionsFromEnvOptions accepts.
var optionKeys = []string{
	OptionBudget, OptionContextSlots, OptionContextTop, OptionHistorySlots, OptionSetting,
	OptionSplit, OptionTable, OptionTarget, OptionTestFraction, OptionTrials,
}

// String returns "extrapolate" or "multi-fidelity", the form option
// "setting" takes.
func (s Setting) String() string {
	switch s {
	case Extrapolate:
		return "extrapolate"
	case MultiFidelity:
		return "multi-fidelity"
	}
	return fmt.Sprintf("Setting(%d)", uint8(s))
}

// ParseSetting is the inverse of Setting.String.
func ParseSetting(s string) (Setting, error) {
	switch s {
	case "extrapolate":
		return Extrapolate, nil
	case "multi-fidelity":
		return MultiFidelity, nil
	}
	return 0, fmt.Errorf("research: unknown setting %q (want \"extrapolate\" or \"multi-fidelity\")", s)
}

// String returns "train" or "test", the form option "split" takes.
func (s Split) String() string {
	switch s {
	case Train:
		return "train"
	case Test:
		return "test"
	}
	return fmt.Sprintf("Split(%d)", uint8(s))
}

// ParseSplit is the inverse of Split.String.
func ParseSplit(s string) (Split, error) {
	switch s {
	case "train":
		return Train, nil
	case "test":
		return Test, nil
	}
	return 0, fmt.Errorf("research: unknown split %q (want \"train\" or \"test\")", s)
}

// A Task is a task whose programmatic env RegisterBuiltins registers and
// NewFromOptions builds: its name (as in its tables' metadata), the env's
// id, what the env asks of an agent, and the task's embedded default table
// (shared; callers must not release it). Package tasks/builtin lists the
// module's tasks and the root package gym registers them, so that this
// package depends on no task package.
type Task struct {
	Name, ID, Description string
	Default               func() (*tasks.Table, error)
}

var (
	catalogMu sync.RWMutex
	catalog   []Task
)

// RegisterTask adds t to the tasks this package knows, after those
// registered before. Registering a task again under the same name and env
// id is harmless (the first registration stays); the same name under
// another id, or a task without a name, id or default table, is an error.
func RegisterTask(t Task) error {
	if t.Name == "" || t.ID == "" || t.Default == nil {
		return fmt.Errorf("research: RegisterTask: a task needs a name, an env id and a default table (got %q, %q, default set: %t)", t.Name, t.ID, t.Default != nil)
	}
	catalogMu.Lock()
	defer catalogMu.Unlock()
	if i := slices.IndexFunc(catalog, func(o Task) bool { return o.Name == t.Name }); i >= 0 {
		if catalog[i].ID != t.ID {
			return fmt.Errorf("research: RegisterTask: task %q is already registered with env id %q, not %q", t.Name, catalog[i].ID, t.ID)
		}
		return nil
	}
	catalog = append(catalog, t)
	return nil
}

// builtins lists the registered tasks, in registration order.
func builtins() []Task {
	catalogMu.RLock()
	defer catalogMu.RUnlock()
	return slices.Clone(catalog)
}

// Tasks lists the task names NewFromOptions and DefaultTable accept, in
// registration order.
func Tasks() []string {
	var out []string
	for _, b := range builtins() {
		out = append(out, b.Name)
	}
	return out
}

// DefaultTable returns the embedded default table of a task (one of
// Tasks), generated on first use and shared afterwards; callers must not
// Release it.
func DefaultTable(task string) (*tasks.Table, error) {
	all := builtins()
	i := slices.IndexFunc(all, func(b Task) bool { return b.Name == task })
	if i < 0 {
		return nil, unknownTask(task)
	}
	t, err := all[i].Default()
	if err != nil {
		return nil, fmt.Errorf("research: the %s default table: %w", task, err)
	}
	return t, nil
}

// unknownTask is the error for a task name that is not one of Tasks.
func unknownTask(task string) error {
	if len(Tasks()) == 0 {
		return fmt.Errorf("research: unknown task %q: no task is registered (import package github.com/autollmresearch/gym, which registers the built-in ones, or call RegisterTask)", task)
	}
	return fmt.Errorf("research: unknown task %q (want one of %s)", task, strings.Join(Tasks(), ", "))
}

// BuiltinIDs lists the ids RegisterBuiltins registers.
func BuiltinIDs() []string {
	var out []string
	for _, b := range builtins() {
		out = append(out, b.ID)
	}
	return out
}

// RegisterBuiltins registers the programmatic env of every task (see
// BuiltinIDs) with env.Register, as env.Env[*Observation, Action] built by
// NewFromOptions and limited to MaxEpisodeSteps steps. Ids that are
// already registered are left alone, so calling it again is harmless.
func RegisterBuiltins() error {
	var errs []error
	for _, b := range builtins() {
		if _, ok := env.Lookup(b.ID); ok {
			continue
		}
		task := b.Name
		err := env.Register(env.Spec[*Observation, Action]{
			ID:          b.ID,
			Description: b.Description + "; options: " + strings.Join(optionKeys, ", "),
			New: func(opts env.Options) (env.Env[*Observation, Action], error) {
				e, err := NewFromOptions(task, opts)
				if err != nil {
					return nil, err
				}
				return e, nil
			},
			MaxEpisodeSteps: MaxEpisodeSteps,
		})
		if _, ok := env.Lookup(b.ID); err != nil && !ok {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// NewFromOptions builds the env of a task ("pretrain", "arch", "mixture" or
// "grpo"; see Tasks) from env options (see OptionsFromEnvOptions): over the
// table file named by option "table", which must be a table of that task,
// or else over the task's embedded default table. An env over a table file
// releases it on Close.
func NewFromOptions(task string, opts env.Options) (*Env, error) {
	if !slices.Contains(Tasks(), task) {
		return nil, unknownTask(task)
	}
	o, path, err := OptionsFromEnvOptions(opts)
	if err != nil {
		return nil, err
	}
	if path == "" {
		t, err := DefaultTable(task)
		if err != nil {
			return nil, err
		}
		return New(t, o)
	}
	t, err := tasks.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("research: option %q: %w", OptionTable, err)
	}
	if got := t.Meta().Task; got != task {
		t.Release()
		return nil, fmt.Errorf("research: option %q: %s holds a %q table, want a %q one", OptionTable, path, got, task)
	}
	e, err := New(t, o)
	if err != nil {
		t.Release()
		return nil, fmt.Errorf("%w (table %s)", err, path)
	}
	e.owned = true
	return e, nil
}

// OptionsFromEnvOptions reads Options from env options (see the Option...
// keys) and returns them with the path given as option "table" ("" when
// absent). Numbers may be any Go integer or float type as long as the value
// fits (integers must be whole), so options decoded from JSON work. An
// unknown key or a value of the wrong type is an error naming it; the
// values themselves are checked by New.
func OptionsFromEnvOptions(opts env.Options) (Options, string, error) {
	var o Options
	var path string
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(opts)) {
		v := opts[k]
		var err error
		switch k {
		case OptionSetting:
			o.Setting, err = settingOption(v)
		case OptionSplit:
			o.Split, err = splitOption(v)
		case OptionTrials:
			o.Trials, err = intOption(v)
		case OptionContextSlots:
			o.ContextSlots, err = intOption(v)
		case OptionHistorySlots:
			o.HistorySlots, err = intOption(v)
		case OptionContextTop:
			o.ContextTop, err = intOption(v)
		case OptionBudget:
			o.BudgetGPUHours, err = floatOption(v)
		case OptionTestFraction:
			o.TestFraction, err = floatOption(v)
		case OptionTarget:
			o.Target, err = stringOption(v)
		case OptionTable:
			path, err = stringOption(v)
		default:
			err = fmt.Errorf("unknown option (known: %s)", strings.Join(optionKeys, ", "))
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("option %q: %w", k, err))
		}
	}
	if len(errs) > 0 {
		return Options{}, "", fmt.Errorf("research: %w", errors.Join(errs...))
	}
	return o, path, nil
}

func settingOption(v any) (Setting, error) {
	switch x := v.(type) {
	case Setting:
		return x, nil
	case string:
		if s, err := ParseSetting(x); err == nil {
			return s, nil
		}
		return 0, fmt.Errorf("is %q, want \"extrapolate\" or \"multi-fidelity\"", x)
	}
	return 0, fmt.Errorf("is a %T, want \"extrapolate\" or \"multi-fidelity\"", v)
}

func splitOption(v any) (Split, error) {
	switch x := v.(type) {
	case Split:
		return x, nil
	case string:
		if s, err := ParseSplit(x); err == nil {
			return s, nil
		}
		return 0, fmt.Errorf("is %q, want \"train\" or \"test\"", x)
	}
	return 0, fmt.Errorf("is a %T, want \"train\" or \"test\"", v)
}

func stringOption(v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("is a %T, want a string", v)
	}
	return s, nil
}

func intOption(v any) (int, error) {
	switch x := v.(type) {
	case int:
		return x, nil
	case int8:
		return int(x), nil
	case int16:
		return int(x), nil
	case int32:
		return int(x), nil
	case int64:
		if x < math.MinInt || x > math.MaxInt {
			break
		}
		return int(x), nil
	case uint8:
		return int(x), nil
	case uint16:
		return int(x), nil
	case uint32:
		return int(x), nil
	case uint:
		if x > math.MaxInt {
			break
		}
		return int(x), nil
	case uint64:
		if x > math.MaxInt {
			break
		}
		return int(x), nil
	case float32:
		return intOption(float64(x))
	case float64:
		if x == math.Trunc(x) && math.Abs(x) <= 1<<53 {
			return int(x), nil
		}
		return 0, fmt.Errorf("is %g, want a whole number", x)
	default:
		return 0, fmt.Errorf("is a %T, want an integer", v)
	}
	return 0, fmt.Errorf("is %v, out of the range of int", v)
}

func floatOption(v any) (float64, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case float32:
		return float64(x), nil
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		n, err := intOption(x)
		return float64(n), err
	}
	return 0, fmt.Errorf("is a %T, want a number", v)
}
