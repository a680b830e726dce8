package env

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Spec describes how to build a registered env.
type Spec[O, A any] struct {
	// ID names the env as namespace/name-vN, e.g. "toy/grid-search-v0".
	// Bump N when a change would alter results for the same seed.
	ID string
	// Description is a one-line summary for listings.
	Description string
	// New builds a fresh, unwrapped env from the merged options.
	New func(Options) (Env[O, A], error)
	// DefaultOptions are merged under the options passed to Make.
	DefaultOptions Options
	// MaxEpisodeSteps, when positive, makes Make wrap the env in a TimeLimit
	// of that many steps.
	MaxEpisodeSteps int
}

// SpecInfo describes a registered env without its type parameters.
type SpecInfo struct {
	// ID, Description and MaxEpisodeSteps are the Spec's.
	ID              string
	Description     string
	MaxEpisodeSteps int
	// DefaultOptions is a copy of the Spec's default options.
	DefaultOptions Options
	// ObservationType and ActionType name the Go types of the env's
	// observations and actions, e.g. "[]float64" and "int": the type
	// arguments Make must be called with.
	ObservationType string
	ActionType      string
}

// registration is one registry entry: the Spec as registered (a Spec[O, A]
// behind any) and what can be done with it without knowing O and A.
type registration struct {
	info    SpecInfo
	spec    any
	obsType reflect.Type
	actType reflect.Type
	check   func(opts Options, checkOpts []CheckOption) error
	// makeJSON builds the env as Make[O, A] does and returns its JSON
	// view (see MakeJSON).
	makeJSON func(opts Options) (JSONEnv, error)
}

// registry is the process-wide table of env specs, filled by Register
// (typically from package init functions) and read by Make.
var registry = struct {
	sync.RWMutex
	byID map[string]*registration
}{byID: make(map[string]*registration)}

// Register adds spec to the registry. It fails if the id is not of the form
// namespace/name-vN, is already registered, or spec.New is nil.
func Register[O, A any](spec Spec[O, A]) error {
	if _, _, err := ParseID(spec.ID); err != nil {
		return fmt.Errorf("env: Register: %w", err)
	}
	if spec.New == nil {
		return fmt.Errorf("env: Register(%q): Spec.New is nil", spec.ID)
	}
	if spec.MaxEpisodeSteps < 0 {
		return fmt.Errorf("env: Register(%q): Spec.MaxEpisodeSteps is %d, want 0 (no limit) or more", spec.ID, spec.MaxEpisodeSteps)
	}
	id := spec.ID
	spec.DefaultOptions = maps.Clone(spec.DefaultOptions)
	r := &registration{
		spec:    spec,
		obsType: reflect.TypeFor[O](),
		actType: reflect.TypeFor[A](),
		check: func(opts Options, checkOpts []CheckOption) error {
			e, err := Make[O, A](id, opts)
			if err != nil {
				return err
			}
			checkErr := Check(e, checkOpts...)
			if err := e.Close(); err != nil {
				return errors.Join(checkErr, fmt.Errorf("env: closing %q after Check: %w", id, err))
			}
			return checkErr
		},
		makeJSON: func(opts Options) (JSONEnv, error) {
			e, err := Make[O, A](id, opts)
			if err != nil {
				return nil, err
			}
			return NewJSON(e), nil
		},
	}
	r.info = SpecInfo{
		ID:              id,
		Description:     spec.Description,
		MaxEpisodeSteps: spec.MaxEpisodeSteps,
		DefaultOptions:  spec.DefaultOptions,
		ObservationType: r.obsType.String(),
		ActionType:      r.actType.String(),
	}
	registry.Lock()
	defer registry.Unlock()
	if _, dup := registry.byID[id]; dup {
		return fmt.Errorf("env: Register: id %q is already registered", id)
	}
	registry.byID[id] = r
	return nil
}

// MustRegister is like Register but panics on error. It is meant for
// package init functions registering ids fixed in the source.
func MustRegister[O, A any](spec Spec[O, A]) {
	if err := Register(spec); err != nil {
		panic(err)
	}
}

// ParseID splits an env id of the form namespace/name-vN into its base
// (namespace/name) and version N. Namespace and name are non-empty and made
// of ASCII letters, digits, '_', '-' and '.'; N is a decimal number without
// leading zeros. The error says what is wrong with a malformed id.
func ParseID(id string) (base string, version int, err error) {
	bad := func(why string) (string, int, error) {
		return "", 0, fmt.Errorf("invalid env id %q: %s (want namespace/name-vN, e.g. toy/grid-search-v0)", id, why)
	}
	ns, rest, ok := strings.Cut(id, "/")
	if !ok {
		return bad("no '/' between namespace and name")
	}
	cut := strings.LastIndex(rest, "-v")
	if cut < 0 {
		return bad("no version suffix -vN")
	}
	name, ver := rest[:cut], rest[cut+2:]
	switch {
	case ns == "":
		return bad("empty namespace")
	case name == "":
		return bad("empty name")
	case ver == "":
		return bad("empty version after -v")
	}
	for _, part := range [...]struct{ what, s string }{{"namespace", ns}, {"name", name}} {
		if i := strings.IndexFunc(part.s, func(r rune) bool { return !idRune(r) }); i >= 0 {
			r, _ := utf8.DecodeRuneInString(part.s[i:])
			return bad(fmt.Sprintf("%s %q has the character %q (allowed: ASCII letters, digits, '_', '-', '.')", part.what, part.s, r))
		}
	}
	for _, r := range ver {
		if r < '0' || r > '9' {
			return bad(fmt.Sprintf("no version suffix -vN (the last \"-v\" is followed by %q)", ver))
		}
	}
	if len(ver) > 1 && ver[0] == '0' {
		return bad(fmt.Sprintf("version %q has a leading zero", ver))
	}
	version, err = strconv.Atoi(ver)
	if err != nil {
		return bad(fmt.Sprintf("version %q is out of range", ver))
	}
	return ns + "/" + name, version, nil
}

func idRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.'
}

// lookup returns the registration of id, or an error saying what is
// registered instead.
func lookup(id string) (*registration, error) {
	registry.RLock()
	defer registry.RUnlock()
	if r, ok := registry.byID[id]; ok {
		return r, nil
	}
	base, _, err := ParseID(id)
	if err != nil {
		return nil, fmt.Errorf("env: %w", err)
	}
	type version struct {
		n  int
		id string
	}
	var versions []version
	for other := range registry.byID {
		if b, n, err := ParseID(other); err == nil && b == base {
			versions = append(versions, version{n, other})
		}
	}
	if len(versions) > 0 {
		slices.SortFunc(versions, func(a, b version) int { return cmp.Compare(a.n, b.n) })
		vs := make([]string, len(versions))
		for i, v := range versions {
			vs[i] = "v" + strconv.Itoa(v.n)
		}
		return nil, fmt.Errorf("env %q not found; versions of %s: %s", id, base, strings.Join(vs, ", "))
	}
	if len(registry.byID) == 0 {
		return nil, fmt.Errorf("env %q not found; no envs are registered", id)
	}
	ids := slices.Sorted(maps.Keys(registry.byID))
	return nil, fmt.Errorf("env %q not found; registered: %s", id, strings.Join(ids, ", "))
}

// Make builds the env registered under id with opts merged over the spec's
// DefaultOptions (opts win on equal keys). The env is wrapped in a TimeLimit
// when the spec sets MaxEpisodeSteps, and outermost in OrderEnforcing, so
// that stepping before Reset or after the end, time limit included, is an
// error.
//
// O and A must be the observation and action types the id was registered
// with; the error names them otherwise. An unknown id is an error that lists
// the registered ids, or the versions registered under the same name.
func Make[O, A any](id string, opts Options) (Env[O, A], error) {
	r, err := lookup(id)
	if err != nil {
		return nil, err
	}
	spec, ok := r.spec.(Spec[O, A])
	if !ok {
		return nil, fmt.Errorf("env: %q has observation type %v and action type %v; Make was called with %v and %v",
			id, r.obsType, r.actType, reflect.TypeFor[O](), reflect.TypeFor[A]())
	}
	merged := maps.Clone(spec.DefaultOptions)
	if merged == nil && len(opts) > 0 {
		merged = make(Options, len(opts))
	}
	maps.Copy(merged, opts)
	e, err := spec.New(merged)
	if err != nil {
		return nil, fmt.Errorf("env: making %q: %w", id, err)
	}
	if e == nil {
		return nil, fmt.Errorf("env: making %q: Spec.New returned a nil env and no error", id)
	}
	if spec.MaxEpisodeSteps > 0 {
		e = NewTimeLimit(e, spec.MaxEpisodeSteps)
	}
	return NewOrderEnforcing(e), nil
}

// MakeVec builds n envs with Make and steps them together as a Vector.
func MakeVec[O, A any](id string, n int, opts Options, vopts VectorOptions) (*Vector[O, A], error) {
	if n < 1 {
		return nil, fmt.Errorf("env: MakeVec(%q, %d): want at least one env", id, n)
	}
	envs := make([]Env[O, A], 0, n)
	closeAll := func() {
		for _, e := range envs {
			_ = e.Close() // the build error is the one to report
		}
	}
	for i := range n {
		e, err := Make[O, A](id, opts)
		if err != nil {
			closeAll()
			if i == 0 {
				return nil, err
			}
			return nil, fmt.Errorf("env: MakeVec: env %d: %w", i, err)
		}
		envs = append(envs, e)
	}
	v, err := NewVector(envs, vopts)
	if err != nil {
		closeAll()
		return nil, err
	}
	return v, nil
}

// List describes every registered env, sorted by id.
func List() []SpecInfo {
	registry.RLock()
	defer registry.RUnlock()
	out := make([]SpecInfo, 0, len(registry.byID))
	for _, r := range registry.byID {
		out = append(out, r.specInfo())
	}
	slices.SortFunc(out, func(a, b SpecInfo) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Lookup describes the env registered under id.
func Lookup(id string) (SpecInfo, bool) {
	registry.RLock()
	defer registry.RUnlock()
	r, ok := registry.byID[id]
	if !ok {
		return SpecInfo{}, false
	}
	return r.specInfo(), true
}

// specInfo returns the entry's description with its own copy of the
// default options.
func (r *registration) specInfo() SpecInfo {
	info := r.info
	info.DefaultOptions = maps.Clone(info.DefaultOptions)
	return info
}

// CheckRegistered makes the env registered under id with opts, as Make
// does, runs [Check] on it with checkOpts and closes it. It returns Make's
// error, Check's *CheckError, or nil.
func CheckRegistered(id string, opts Options, checkOpts ...CheckOption) error {
	r, err := lookup(id)
	if err != nil {
		return err
	}
	return r.check(opts, checkOpts)
}
