package tasks

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/autollmresearch/gym/spaces"
)

// Direction says whether the objective is minimised or maximised.
type Direction uint8

// The two directions.
const (
	Minimize Direction = iota + 1
	Maximize
)

// String returns "min" or "max", the form stored in table metadata.
func (d Direction) String() string {
	switch d {
	case Minimize:
		return "min"
	case Maximize:
		return "max"
	}
	return fmt.Sprintf("Direction(%d)", uint8(d))
}

// ParseDirection is the inverse of Direction.String. It also accepts
// "minimize" and "maximize".
func ParseDirection(s string) (Direction, error) {
	switch s {
	case "min", "minimize":
		return Minimize, nil
	case "max", "maximize":
		return Maximize, nil
	}
	return 0, fmt.Errorf("tasks: unknown direction %q (want min or max)", s)
}

// Better reports whether objective value a is strictly better than b.
func (d Direction) Better(a, b float64) bool {
	if d == Maximize {
		return a > b
	}
	return a < b
}

// Provenance says where a table's rows come from.
type Provenance string

// The provenances a table may declare.
const (
	// Measured rows are outcomes of real training runs.
	Measured Provenance = "measured"
	// Surrogate rows are predictions of a model fitted to real runs.
	Surrogate Provenance = "surrogate"
	// Synthetic rows are generated from formulas; no run produced them.
	Synthetic Provenance = "synthetic"
)

// Valid reports whether p is one of Measured, Surrogate and Synthetic.
func (p Provenance) Valid() bool {
	return p == Measured || p == Surrogate || p == Synthetic
}

// FidelityColumn declares one fidelity coordinate, stored in column
// "fid_<Name>". Numeric coordinates are float64; a coordinate with Levels is
// a string whose order, cheap to expensive, is the order of Levels.
type FidelityColumn struct {
	Name   string   `json:"name"`
	Levels []string `json:"levels,omitempty"`
}

// Meta is a table's schema-level metadata, stored as Arrow key-value
// metadata and round-tripped by every reader and writer.
type Meta struct {
	// Task is the task family: "pretrain", "arch", "grpo", "mixture", or a
	// user's own.
	Task string
	// Space declares the configuration knobs; each dimension d is stored in
	// column "cfg_<d>" (float64 for log/linear, int64 for int, string for
	// categorical) or, for a simplex, one float64 column "cfg_<d>.<part>" per
	// part.
	Space *spaces.ConfigSpace
	// Fidelity lists the fidelity coordinates. Experiments are ordered from
	// cheap to expensive by the first coordinate (numeric ascending, or by
	// Levels), ties broken by the next ones.
	Fidelity []FidelityColumn
	// Metrics names the outcome metrics, each stored in "metric_<name>"
	// (float64).
	Metrics []string
	// Objective is the metric (one of Metrics) that configs are ranked by.
	Objective string
	// Direction says whether Objective is minimised or maximised.
	Direction Direction
	// Provenance says whether rows are measured, surrogate or synthetic.
	Provenance Provenance
	// CostSource says how cost_gpu_hours was obtained ("measured" or
	// "estimated: <model>").
	CostSource string
	// Source, Citation and Licence describe where the data comes from.
	Source, Citation, Licence string
	// Generator describes the process that generated a synthetic table,
	// typically a JSON object with the generator's name, seed and
	// parameters (package prior writes the world's parameters here); empty
	// for measured data. It is optional and stored only when set.
	Generator string
}

// Row is one (experiment, config, seed) outcome, as given to a Builder.
type Row struct {
	// Experiment is the experiment id (task + fidelity + instance).
	Experiment string
	// Fidelity holds each fidelity coordinate by name: float64, or string for
	// a coordinate with Levels.
	Fidelity map[string]any
	// Config is the assignment of the knobs.
	Config spaces.Config
	// Metrics holds each metric by name.
	Metrics map[string]float64
	// CostGPUHours is what the run cost.
	CostGPUHours float64
	// Diverged says the run blew up.
	Diverged bool
	// Seed is the replicate number.
	Seed int64
}

// Names of the fixed columns and prefixes of the column families of the
// canonical schema.
const (
	ColExperiment = "experiment"
	ColCost       = "cost_gpu_hours"
	ColDiverged   = "diverged"
	ColSeed       = "seed"

	FidelityPrefix = "fid_"
	ConfigPrefix   = "cfg_"
	MetricPrefix   = "metric_"
)

// SchemaVersion is the version of the canonical schema written to the
// "gym.version" metadata key.
const SchemaVersion = "1"

// Keys of the Arrow schema metadata. All values are strings; Space,
// Fidelity and Metrics are JSON.
const (
	KeyVersion    = "gym.version"
	KeyTask       = "gym.task"
	KeyObjective  = "gym.objective"
	KeyDirection  = "gym.direction"
	KeySpace      = "gym.space"
	KeyFidelity   = "gym.fidelity"
	KeyMetrics    = "gym.metrics"
	KeyProvenance = "gym.provenance"
	KeyCostSource = "gym.cost_source"
	KeySource     = "gym.source"
	KeyCitation   = "gym.citation"
	KeyLicence    = "gym.licence"
	// KeyGenerator holds Meta.Generator; it is written only when set.
	KeyGenerator = "gym.generator"
)

// metaKeys lists the metadata keys in the order they are written.
var metaKeys = [...]string{
	KeyVersion, KeyTask, KeyObjective, KeyDirection, KeySpace, KeyFidelity,
	KeyMetrics, KeyProvenance, KeyCostSource, KeySource, KeyCitation, KeyLicence,
}

// clone returns a copy of m that shares no slices with it. The space is
// immutable and shared.
func (m Meta) clone() Meta {
	m.Metrics = slices.Clone(m.Metrics)
	fid := make([]FidelityColumn, len(m.Fidelity))
	for i, f := range m.Fidelity {
		fid[i] = FidelityColumn{Name: f.Name, Levels: slices.Clone(f.Levels)}
	}
	if m.Fidelity == nil {
		fid = nil
	}
	m.Fidelity = fid
	return m
}

// metricIndex returns the position of name in m.Metrics, or -1.
func (m Meta) metricIndex(name string) int {
	return slices.Index(m.Metrics, name)
}

// validName reports whether s is usable as a metric, fidelity or dimension
// name inside a column name: non-empty ASCII letters, digits, '_', '-' and
// '+'. With dot set, '.' is allowed too (simplex part names).
func validName(s string, dot bool) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '_' || c == '-' || c == '+':
		case c == '.' && dot:
		default:
			return false
		}
	}
	return true
}

const nameRule = "letters, digits, '_', '-' or '+'"

// Validate checks the metadata on its own: a task name, a space, metrics
// with valid unique names among which the objective is, a direction, a
// valid provenance, and fidelity coordinates with valid unique names and
// well-formed levels. It reports every problem in a *ValidationError.
func (m Meta) Validate() error {
	var ps problems
	m.validateText(&ps)
	validateSpaceNames(&ps, m.Space)
	seen := validateMetricNames(&ps, m.Metrics)
	if m.Objective == "" {
		ps.addf(KeyObjective, 0, "objective is empty")
	} else if !seen[m.Objective] {
		ps.addf(KeyObjective, 0, "objective %q is not among the metrics %q", m.Objective, m.Metrics)
	}
	if m.Direction != Minimize && m.Direction != Maximize {
		ps.addf(KeyDirection, 0, "direction %v is not set (want Minimize or Maximize)", m.Direction)
	}
	if !m.Provenance.Valid() {
		ps.addf(KeyProvenance, 0, "provenance %q is not one of %q, %q, %q", m.Provenance, Measured, Surrogate, Synthetic)
	}
	validateFidelityNames(&ps, m.Fidelity)
	return ps.err()
}

// validateText reports an empty task name and every free-text field that
// is not valid UTF-8.
func (m Meta) validateText(ps *problems) {
	if strings.TrimSpace(m.Task) == "" {
		ps.addf(KeyTask, 0, "task name is empty")
	}
	for _, f := range []struct{ key, value string }{
		{KeyTask, m.Task}, {KeyCostSource, m.CostSource}, {KeySource, m.Source},
		{KeyCitation, m.Citation}, {KeyLicence, m.Licence}, {KeyGenerator, m.Generator},
	} {
		if !utf8.ValidString(f.value) {
			ps.addf(f.key, 0, "text is not valid UTF-8")
		}
	}
}

// validateSpaceNames reports a nil space and every dimension or simplex
// part whose name cannot be part of a column name.
func validateSpaceNames(ps *problems, space *spaces.ConfigSpace) {
	if space == nil {
		ps.addf(KeySpace, 0, "configuration space is nil")
		return
	}
	for _, d := range space.Dims() {
		if !validName(d.Name, false) {
			ps.addf(KeySpace, 0, "dimension name %q is not a valid column name part (want %s)", d.Name, nameRule)
		}
		if d.Kind == spaces.Simplex {
			for _, p := range d.Parts {
				if !validName(p, true) {
					ps.addf(KeySpace, 0, "simplex %q: part name %q is not a valid column name part (want %s or '.')", d.Name, p, nameRule)
				}
			}
		}
	}
}

// validateMetricNames reports a missing metric list and every invalid or
// repeated metric name. It returns the set of names declared.
func validateMetricNames(ps *problems, metrics []string) map[string]bool {
	if len(metrics) == 0 {
		ps.addf(KeyMetrics, 0, "no metrics declared")
	}
	seen := make(map[string]bool, len(metrics))
	for _, name := range metrics {
		if !validName(name, false) {
			ps.addf(KeyMetrics, 0, "metric name %q is not valid (want %s)", name, nameRule)
		}
		if seen[name] {
			ps.addf(KeyMetrics, 0, "metric %q declared twice", name)
		}
		seen[name] = true
	}
	return seen
}

// validateFidelityNames reports every invalid or repeated fidelity name and
// every fidelity whose list of levels is malformed.
func validateFidelityNames(ps *problems, fids []FidelityColumn) {
	fseen := make(map[string]bool, len(fids))
	for _, f := range fids {
		if !validName(f.Name, false) {
			ps.addf(KeyFidelity, 0, "fidelity name %q is not valid (want %s)", f.Name, nameRule)
		}
		if fseen[f.Name] {
			ps.addf(KeyFidelity, 0, "fidelity %q declared twice", f.Name)
		}
		fseen[f.Name] = true
		if f.Levels != nil {
			validateLevels(ps, f)
		}
	}
}

// validateLevels reports an empty list of levels and every empty, non-UTF-8
// or repeated level of one fidelity.
func validateLevels(ps *problems, f FidelityColumn) {
	if len(f.Levels) == 0 {
		ps.addf(KeyFidelity, 0, "fidelity %q has an empty list of levels", f.Name)
	}
	lseen := make(map[string]bool, len(f.Levels))
	for _, l := range f.Levels {
		if l == "" {
			ps.addf(KeyFidelity, 0, "fidelity %q has an empty level", f.Name)
		}
		if !utf8.ValidString(l) {
			ps.addf(KeyFidelity, 0, "fidelity %q: level %q is not valid UTF-8", f.Name, l)
		}
		if lseen[l] {
			ps.addf(KeyFidelity, 0, "fidelity %q lists level %q twice", f.Name, l)
		}
		lseen[l] = true
	}
}

// column describes one column of the canonical schema.
type column struct {
	name string
	typ  arrow.DataType
	kind colKind
	// dim is the index of the space dimension (cfg columns), fid the index of
	// the fidelity coordinate, metric the index of the metric; part is the
	// simplex part index.
	dim, part, fid, metric int
}

type colKind uint8

const (
	colExperiment colKind = iota
	colFidelity
	colConfig
	colMetric
	colCost
	colDiverged
	colSeed
)

// experimentType is the dictionary type of the experiment column as written.
var experimentType = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}

// columns lists the canonical columns of m in order: experiment, fid_*,
// cfg_*, metric_*, cost_gpu_hours, diverged, seed. m must be valid.
func (m Meta) columns() []column {
	cols := []column{{name: ColExperiment, typ: experimentType, kind: colExperiment}}
	for i, f := range m.Fidelity {
		var t arrow.DataType = arrow.PrimitiveTypes.Float64
		if f.Levels != nil {
			t = arrow.BinaryTypes.String
		}
		cols = append(cols, column{name: FidelityPrefix + f.Name, typ: t, kind: colFidelity, fid: i})
	}
	for i, d := range m.Space.Dims() {
		c := column{name: ConfigPrefix + d.Name, kind: colConfig, dim: i}
		switch d.Kind {
		case spaces.Int:
			c.typ = arrow.PrimitiveTypes.Int64
		case spaces.Categorical:
			c.typ = arrow.BinaryTypes.String
		case spaces.Simplex:
			for j, p := range d.Parts {
				cols = append(cols, column{name: c.name + "." + p, typ: arrow.PrimitiveTypes.Float64, kind: colConfig, dim: i, part: j})
			}
			continue
		default:
			c.typ = arrow.PrimitiveTypes.Float64
		}
		cols = append(cols, c)
	}
	for i, name := range m.Metrics {
		cols = append(cols, column{name: MetricPrefix + name, typ: arrow.PrimitiveTypes.Float64, kind: colMetric, metric: i})
	}
	return append(cols,
		column{name: ColCost, typ: arrow.PrimitiveTypes.Float64, kind: colCost},
		column{name: ColDiverged, typ: arrow.FixedWidthTypes.Boolean, kind: colDiverged},
		column{name: ColSeed, typ: arrow.PrimitiveTypes.Int64, kind: colSeed},
	)
}

// Columns returns the names of the canonical columns of m, in order.
// It returns nil when m is not valid.
func (m Meta) Columns() []string {
	if m.Validate() != nil {
		return nil
	}
	cols := m.columns()
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.name
	}
	return out
}

// Metadata returns m as Arrow schema key-value metadata under the gym.*
// keys. It fails when m is not valid.
func (m Meta) Metadata() (arrow.Metadata, error) {
	if err := m.Validate(); err != nil {
		return arrow.Metadata{}, err
	}
	space, err := json.Marshal(m.Space.Describe())
	if err != nil {
		return arrow.Metadata{}, fmt.Errorf("tasks: encoding the configuration space: %w", err)
	}
	fid := m.Fidelity
	if fid == nil {
		fid = []FidelityColumn{}
	}
	fidJSON, err := json.Marshal(fid)
	if err != nil {
		return arrow.Metadata{}, fmt.Errorf("tasks: encoding the fidelity list: %w", err)
	}
	metrics, err := json.Marshal(m.Metrics)
	if err != nil {
		return arrow.Metadata{}, fmt.Errorf("tasks: encoding the metric list: %w", err)
	}
	keys := metaKeys[:]
	values := []string{
		SchemaVersion, m.Task, m.Objective, m.Direction.String(), string(space), string(fidJSON),
		string(metrics), string(m.Provenance), m.CostSource, m.Source, m.Citation, m.Licence,
	}
	if m.Generator != "" {
		keys = append(slices.Clip(keys), KeyGenerator)
		values = append(values, m.Generator)
	}
	return arrow.NewMetadata(keys, values), nil
}

// Schema returns the canonical Arrow schema of a table with metadata m: the
// columns in canonical order with their types (the experiment column
// dictionary-encoded) and m as schema metadata. It fails when m is not
// valid.
func (m Meta) Schema() (*arrow.Schema, error) {
	md, err := m.Metadata()
	if err != nil {
		return nil, err
	}
	cols := m.columns()
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: c.name, Type: c.typ}
	}
	return arrow.NewSchema(fields, &md), nil
}

// MetaFromSchema reads the gym.* metadata of an Arrow schema back into a
// Meta and validates it. Errors name the metadata key at fault.
func MetaFromSchema(s *arrow.Schema) (Meta, error) {
	if s == nil {
		return Meta{}, &ValidationError{Problems: []Problem{{Msg: "no schema"}}}
	}
	return metaFromMap(s.Metadata().ToMap())
}

// metaFromMap decodes metadata given as a map from key to value.
func metaFromMap(kv map[string]string) (Meta, error) {
	var ps problems
	bad := func(key, format string, a ...any) {
		ps.add(Problem{Column: key, Msg: fmt.Sprintf(format, a...)})
	}
	get := func(key string, required bool) string {
		v, ok := kv[key]
		if !ok && required {
			bad(key, "metadata key is missing")
		}
		return v
	}
	var m Meta
	if v := get(KeyVersion, true); v != "" && v != SchemaVersion {
		bad(KeyVersion, "unsupported schema version %q (this library reads version %s)", v, SchemaVersion)
	}
	m.Task = get(KeyTask, true)
	m.Objective = get(KeyObjective, true)
	if v := get(KeyDirection, true); v != "" {
		d, err := ParseDirection(v)
		if err != nil {
			bad(KeyDirection, "%q is not a direction (want min or max)", v)
		}
		m.Direction = d
	}
	if v := get(KeySpace, true); v != "" {
		var d spaces.Description
		if err := json.Unmarshal([]byte(v), &d); err != nil {
			bad(KeySpace, "not a JSON space description: %v", err)
		} else if s, err := spaces.ConfigSpaceFromDescription(d); err != nil {
			bad(KeySpace, "%v", err)
		} else {
			m.Space = s
		}
	}
	if v := get(KeyFidelity, false); v != "" {
		if err := json.Unmarshal([]byte(v), &m.Fidelity); err != nil {
			bad(KeyFidelity, "not a JSON list of {name, levels}: %v", err)
		}
		if len(m.Fidelity) == 0 {
			m.Fidelity = nil
		}
	}
	if v := get(KeyMetrics, true); v != "" {
		if err := json.Unmarshal([]byte(v), &m.Metrics); err != nil {
			bad(KeyMetrics, "not a JSON list of names: %v", err)
		}
	}
	m.Provenance = Provenance(get(KeyProvenance, true))
	m.CostSource = get(KeyCostSource, false)
	m.Source = get(KeySource, false)
	m.Citation = get(KeyCitation, false)
	m.Licence = get(KeyLicence, false)
	m.Generator = get(KeyGenerator, false)
	if err := ps.err(); err != nil {
		return Meta{}, err
	}
	if err := m.Validate(); err != nil {
		return Meta{}, err
	}
	return m, nil
}
