package advise

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/autollmresearch/gym/fidelity"
	"github.com/autollmresearch/gym/tasks"
	"github.com/autollmresearch/gym/tasks/pretrain"
)

// MaxTargetLen is the longest target string ParseTarget accepts.
const MaxTargetLen = 1024

// matchTolerance is the relative difference within which a numeric target
// coordinate names the same fidelity as an experiment of the table (so
// that params=1.07e9 names a cell of 1.0737e9 parameters).
const matchTolerance = 0.01

// TargetSpec is the fidelity of the run a practitioner plans, as written
// on a command line and before it is checked against a table. Exactly one
// of its forms is set.
type TargetSpec struct {
	// Largest names the most expensive experiment of the table.
	Largest bool
	// Level is a bare level of the table's first levelled fidelity
	// coordinate, e.g. a model name "Qwen2.5-7B".
	Level string
	// Coords are name=value pairs in the order given, e.g. params=7e9 and
	// tokens=2e12; a value is a number or, for a levelled coordinate, one of
	// its levels.
	Coords []Coord
}

// Coord is one name=value pair of a TargetSpec.
type Coord struct {
	Name, Value string
}

// String writes the spec back in the form ParseTarget reads.
func (s TargetSpec) String() string {
	switch {
	case s.Largest:
		return "largest"
	case s.Level != "":
		return s.Level
	}
	parts := make([]string, len(s.Coords))
	for i, c := range s.Coords {
		parts[i] = c.Name + "=" + c.Value
	}
	return strings.Join(parts, ",")
}

// ParseTarget parses a target string: "largest"; a bare level such as
// "Qwen2.5-7B"; or comma-separated name=value pairs such as
// "params=7e9,tokens=2e12" (blanks around names and values are ignored).
// It checks the syntax only; Resolve checks the names and values against a
// table.
func ParseTarget(s string) (TargetSpec, error) {
	if len(s) > MaxTargetLen {
		return TargetSpec{}, fmt.Errorf("advise: target is %d bytes long, want at most %d", len(s), MaxTargetLen)
	}
	t := strings.TrimSpace(s)
	switch {
	case t == "":
		return TargetSpec{}, errors.New(`advise: target is empty; want "largest", a level such as a model name, or name=value pairs such as "params=7e9,tokens=2e12"`)
	case t == "largest":
		return TargetSpec{Largest: true}, nil
	case !strings.ContainsAny(t, "=,"):
		if strings.ContainsFunc(t, isSpaceOrControl) {
			return TargetSpec{}, fmt.Errorf("advise: target %q: a level name may not contain blanks or control characters", t)
		}
		return TargetSpec{Level: t}, nil
	}
	var spec TargetSpec
	seen := map[string]bool{}
	for i, part := range strings.Split(t, ",") {
		name, value, ok := strings.Cut(part, "=")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		switch {
		case !ok:
			return TargetSpec{}, fmt.Errorf("advise: target %q: part %d %q is not name=value", t, i+1, strings.TrimSpace(part))
		case name == "":
			return TargetSpec{}, fmt.Errorf("advise: target %q: part %d %q has no name before '='", t, i+1, strings.TrimSpace(part))
		case value == "":
			return TargetSpec{}, fmt.Errorf("advise: target %q: coordinate %q has no value", t, name)
		case strings.Contains(value, "="):
			return TargetSpec{}, fmt.Errorf("advise: target %q: coordinate %q has two '=' (separate pairs with commas)", t, name)
		case strings.ContainsFunc(name+value, isSpaceOrControl):
			return TargetSpec{}, fmt.Errorf("advise: target %q: coordinate %q: names and values may not contain blanks or control characters", t, name)
		case seen[name]:
			return TargetSpec{}, fmt.Errorf("advise: target %q: coordinate %q is given twice", t, name)
		}
		seen[name] = true
		spec.Coords = append(spec.Coords, Coord{Name: name, Value: value})
	}
	return spec, nil
}

func isSpaceOrControl(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r < 0x20 || r == 0x7f
}

// Target is a TargetSpec resolved against a table: every fidelity
// coordinate of the table has a value.
type Target struct {
	// Coords holds every fidelity coordinate by name: float64, or string
	// for a levelled coordinate.
	Coords map[string]any
	// Experiment is the id of the table's experiment at this fidelity, or
	// "" when the table has none (the target is a true extrapolation).
	Experiment string
}

// Resolve checks s against t's fidelity columns and fills in the
// coordinates it does not give: from the table's experiment at that
// fidelity when there is one (numeric coordinates match within 1 %), and
// for pretrain the compute 6·N·D from params and tokens. It names every
// problem: an unknown coordinate, a value that is not a positive number or
// not one of a coordinate's levels, a missing coordinate, a spec that
// matches several experiments.
func (s TargetSpec) Resolve(t *tasks.Table) (Target, error) {
	if t == nil || t.NumExperiments() == 0 {
		return Target{}, errors.New("advise: target: the table has no experiments")
	}
	meta := t.Meta()
	if s.Largest {
		exps := t.Experiments()
		top := exps[0]
		for _, e := range exps[1:] {
			if e.Rank > top.Rank {
				top = e
			}
		}
		return Target{Coords: top.Fidelity, Experiment: top.ID}, nil
	}
	given, err := s.coords(meta.Fidelity)
	if err != nil {
		return Target{}, err
	}
	var matches []tasks.Experiment
	for _, e := range t.Experiments() {
		if sameFidelity(given, e.Fidelity) {
			matches = append(matches, e)
		}
	}
	switch len(matches) {
	case 1:
		return Target{Coords: matches[0].Fidelity, Experiment: matches[0].ID}, nil
	case 0:
	default:
		ids := make([]string, len(matches))
		for i, m := range matches {
			ids[i] = m.ID
		}
		return Target{}, fmt.Errorf("advise: target %q matches %d experiments (%s); give more coordinates", s, len(matches), strings.Join(ids, ", "))
	}
	fillDerived(meta.Fidelity, given)
	var missing []string
	for _, col := range meta.Fidelity {
		if _, ok := given[col.Name]; !ok {
			missing = append(missing, col.Name)
		}
	}
	if len(missing) > 0 {
		return Target{}, fmt.Errorf("advise: target %q does not give the fidelity coordinate(s) %s and names no experiment of the table; give them as name=value", s, strings.Join(missing, ", "))
	}
	return Target{Coords: given}, nil
}

// coords converts the spec's values to the types of the table's fidelity
// columns.
func (s TargetSpec) coords(cols []tasks.FidelityColumn) (map[string]any, error) {
	out := map[string]any{}
	if s.Level != "" {
		for _, col := range cols {
			if slices.Contains(col.Levels, s.Level) {
				out[col.Name] = s.Level
				return out, nil
			}
		}
		return nil, fmt.Errorf("advise: target %q is not a level of any fidelity coordinate (%s)", s.Level, describeColumns(cols))
	}
	if len(s.Coords) == 0 {
		return nil, errors.New("advise: target gives no coordinate")
	}
	for _, c := range s.Coords {
		i := slices.IndexFunc(cols, func(f tasks.FidelityColumn) bool { return f.Name == c.Name })
		if i < 0 {
			return nil, fmt.Errorf("advise: target coordinate %q is not a fidelity coordinate of the table (%s)", c.Name, describeColumns(cols))
		}
		col := cols[i]
		if len(col.Levels) > 0 {
			if !slices.Contains(col.Levels, c.Value) {
				return nil, fmt.Errorf("advise: target coordinate %s=%q is not one of its levels %v", c.Name, c.Value, col.Levels)
			}
			out[c.Name] = c.Value
			continue
		}
		v, err := strconv.ParseFloat(c.Value, 64)
		if err != nil || !(v > 0) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("advise: target coordinate %s=%q is not a positive finite number", c.Name, c.Value)
		}
		out[c.Name] = v
	}
	return out, nil
}

// describeColumns lists fidelity columns as "compute, params, model
// (levels a|b|c)".
func describeColumns(cols []tasks.FidelityColumn) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c.Name
		if len(c.Levels) > 0 {
			parts[i] += " (levels " + strings.Join(c.Levels, "|") + ")"
		}
	}
	return "the table has " + strings.Join(parts, ", ")
}

// sameFidelity reports whether every coordinate in given agrees with fid:
// levels exactly, numbers within matchTolerance.
func sameFidelity(given, fid map[string]any) bool {
	for name, v := range given {
		switch g := v.(type) {
		case float64:
			f, ok := fid[name].(float64)
			if !ok || math.Abs(f-g) > matchTolerance*math.Max(math.Abs(f), math.Abs(g)) {
				return false
			}
		default:
			if fid[name] != v {
				return false
			}
		}
	}
	return true
}

// fillDerived fills coordinates that follow from others: pretrain's
// compute, 6·N·D, from params and tokens.
func fillDerived(cols []tasks.FidelityColumn, coords map[string]any) {
	has := func(name string) bool {
		return slices.ContainsFunc(cols, func(c tasks.FidelityColumn) bool { return c.Name == name && len(c.Levels) == 0 })
	}
	if !has(pretrain.Compute) || !has(pretrain.Params) || !has(pretrain.Tokens) {
		return
	}
	if _, ok := coords[pretrain.Compute]; ok {
		return
	}
	n, okN := coords[pretrain.Params].(float64)
	d, okD := coords[pretrain.Tokens].(float64)
	if okN && okD {
		coords[pretrain.Compute] = fidelity.TrainingFLOPs(n, d)
	}
}
