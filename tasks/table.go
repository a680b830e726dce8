package tasks

import (
	"math"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/autollmresearch/gym/spaces"
)

// Experiment describes one experiment of a table: a task at one fidelity
// (and instance).
type Experiment struct {
	// ID is the experiment id as stored in the experiment column.
	ID string
	// Index is the experiment's position in Table.Experiments, the number
	// the per-experiment accessors take.
	Index int
	// Fidelity holds the experiment's fidelity coordinates by name: float64,
	// or string for a coordinate with levels. It is shared by every copy of
	// the Experiment and must not be modified.
	Fidelity map[string]any
	// Rank is the position of the experiment's fidelity point among the
	// table's distinct fidelity points ordered cheap to expensive; 0 is the
	// cheapest. Experiments at the same fidelity (other instances) share a
	// rank.
	Rank int
	// NumConfigs is the number of distinct configs run in the experiment.
	NumConfigs int
	// NumRows is the number of rows (configs times seeds) of the experiment.
	NumRows int
}

// Outcome is the seed-averaged outcome of one config in one experiment.
type Outcome struct {
	// Objective is the mean objective over the seeds that did not diverge,
	// or over all seeds when every seed diverged.
	Objective float64
	// Metrics holds the means of Meta.Metrics, in that order, over the same
	// seeds as Objective. It is shared with the table and must not be
	// modified.
	Metrics []float64
	// CostGPUHours is the mean cost over all seeds.
	CostGPUHours float64
	// Diverged reports that more than half of the seeds diverged.
	Diverged bool
	// Seeds is the number of seeds (rows) behind the outcome.
	Seeds int
}

// Stats summarises the objective of an experiment's configs.
type Stats struct {
	// Best, Worst and Median are taken over the configs that did not
	// diverge; Best and Worst follow the table's Direction.
	Best, Worst, Median float64
	// Count is the number of configs that did not diverge; Diverged the
	// number that did.
	Count, Diverged int
}

// Table is a validated, indexed outcome table. It is read-only after
// construction and safe for concurrent use by many goroutines.
//
// A Table holds an Arrow record batch with the canonical schema. It follows
// Arrow's reference counting: a Table returned by a Builder or a reader
// carries one reference; Retain adds one and Release drops one, freeing the
// record when none remain. Every accessor except Record keeps working after
// the last Release, since the index lives in Go memory; the record returned
// by Record is borrowed and valid only while the table holds a reference.
type Table struct {
	refs atomic.Int64
	rec  arrow.RecordBatch
	meta Meta

	dims     []dimInfo // per space dimension
	nvals    int       // values per config in cfgVals
	exps     []Experiment
	byID     map[string]int
	cfgStart []int     // per experiment, its first global config; len(exps)+1
	cfgVals  []float64 // nvals values per global config
	// Outcomes per global config, stored without pointers so that the
	// garbage collector need not scan them.
	objective []float64
	cost      []float64
	seeds     []int32
	diverged  []bool
	metrics   []float64 // len(meta.Metrics) per config
	stats     []Stats   // per experiment

	// lookup: one open-addressing table per experiment, in
	// slots[slotStart[e]:slotStart[e+1]], holding the experiment's config
	// index + 1 (0 for an empty slot).
	hashes    []uint64 // per global config
	slots     []int32
	slotStart []int

	lazy []lazyExp // per experiment
}

// dimInfo is how a space dimension maps to config values.
type dimInfo struct {
	name    string
	kind    spaces.Kind
	off     int // first value in a config's values
	width   int // 1, or the number of simplex parts
	choices []string
	choice  map[string]int // categorical choice to index
}

type lazyExp struct {
	once    sync.Once
	configs []spaces.Config
	cands   *spaces.Candidates
}

// Retain adds a reference to the table's record.
func (t *Table) Retain() {
	t.refs.Add(1)
}

// Release drops a reference; when none remain, the record's memory is
// released.
func (t *Table) Release() {
	if n := t.refs.Add(-1); n == 0 {
		t.rec.Release()
	}
}

// Meta returns a copy of the table's metadata.
func (t *Table) Meta() Meta { return t.meta.clone() }

// Record returns the table's record batch, borrowed: it stays valid while
// the table holds a reference. Call Retain on it to keep it longer.
func (t *Table) Record() arrow.RecordBatch { return t.rec }

// NumRows is the number of rows (experiment, config, seed).
func (t *Table) NumRows() int { return int(t.rec.NumRows()) }

// NumExperiments is the number of experiments.
func (t *Table) NumExperiments() int { return len(t.exps) }

// Experiments returns the experiments ordered cheap to expensive by their
// fidelity coordinates (the first coordinate, numeric ascending or by level
// order, ties broken by the next coordinates, then by id).
func (t *Table) Experiments() []Experiment {
	out := make([]Experiment, len(t.exps))
	copy(out, t.exps)
	return out
}

// Experiment returns the experiment with the given id.
func (t *Table) Experiment(id string) (Experiment, bool) {
	i, ok := t.byID[id]
	if !ok {
		return Experiment{}, false
	}
	return t.exps[i], true
}

// ExperimentIndex returns the index of the experiment with the given id.
func (t *Table) ExperimentIndex(id string) (int, bool) {
	i, ok := t.byID[id]
	return i, ok
}

// ExperimentAt returns experiment exp. It panics if exp is out of range.
func (t *Table) ExperimentAt(exp int) Experiment { return t.exps[exp] }

// NumConfigs returns the number of distinct configs of experiment exp. It
// panics if exp is out of range.
func (t *Table) NumConfigs(exp int) int { return t.cfgStart[exp+1] - t.cfgStart[exp] }

// Configs returns the distinct configs of experiment exp in order of first
// appearance in the table, normalised to the space's canonical types. The
// slice and the configs are cached and shared: do not modify them. It
// panics if exp is out of range.
func (t *Table) Configs(exp int) []spaces.Config {
	return t.lazyExp(exp).configs
}

// Config returns config cfg of experiment exp, shared like Configs. It
// panics if exp or cfg is out of range.
func (t *Table) Config(exp, cfg int) spaces.Config {
	return t.Configs(exp)[cfg]
}

// Candidates returns experiment exp's configs encoded for nearest-neighbour
// search; index i is config i. It is cached and safe to share. It panics if
// exp is out of range.
func (t *Table) Candidates(exp int) *spaces.Candidates {
	return t.lazyExp(exp).cands
}

func (t *Table) lazyExp(exp int) *lazyExp {
	l := &t.lazy[exp]
	l.once.Do(func() {
		lo, hi := t.cfgStart[exp], t.cfgStart[exp+1]
		cfgs := make([]spaces.Config, hi-lo)
		for g := lo; g < hi; g++ {
			cfgs[g-lo] = t.configAt(g)
		}
		// The configs were validated against the space when the table was
		// built, so encoding them cannot fail.
		cands, err := spaces.NewCandidates(t.meta.Space, cfgs)
		if err != nil {
			panic("tasks: internal error: validated configs do not encode: " + err.Error())
		}
		// Share the candidates' normalised copies rather than keep two.
		for i := range cfgs {
			cfgs[i] = cands.Config(i)
		}
		l.configs, l.cands = cfgs, cands
	})
	return l
}

// configAt materialises global config g in canonical types.
func (t *Table) configAt(g int) spaces.Config {
	v := t.cfgVals[g*t.nvals : (g+1)*t.nvals]
	c := make(spaces.Config, len(t.dims))
	for _, d := range t.dims {
		switch d.kind {
		case spaces.Int:
			c[d.name] = int(v[d.off])
		case spaces.Categorical:
			c[d.name] = d.choices[int(v[d.off])]
		case spaces.Simplex:
			c[d.name] = append([]float64(nil), v[d.off:d.off+d.width]...)
		default:
			c[d.name] = v[d.off]
		}
	}
	return c
}

// Outcome returns the seed-averaged outcome of config cfg of experiment
// exp. It panics if exp or cfg is out of range.
func (t *Table) Outcome(exp, cfg int) Outcome {
	lo, hi := t.cfgStart[exp], t.cfgStart[exp+1]
	if cfg < 0 || cfg >= hi-lo {
		panic("tasks: config index out of range")
	}
	g := lo + cfg
	nm := len(t.meta.Metrics)
	return Outcome{
		Objective:    t.objective[g],
		Metrics:      t.metrics[g*nm : (g+1)*nm : (g+1)*nm],
		CostGPUHours: t.cost[g],
		Diverged:     t.diverged[g],
		Seeds:        int(t.seeds[g]),
	}
}

// Stats summarises experiment exp's objective. It panics if exp is out of
// range.
func (t *Table) Stats(exp int) Stats { return t.stats[exp] }

// Regret returns the normalised regret of an objective value in experiment
// exp: (objective - best) / (worst - best) over the experiment's configs
// that did not diverge, which is sign-aware because best and worst follow
// the direction, clamped to [0, 1]. A diverged outcome, or a NaN objective,
// has regret 1. When every config scores the same, a value at least as good
// as the best has regret 0 and any other 1. It panics if exp is out of
// range.
func (t *Table) Regret(exp int, objective float64, diverged bool) float64 {
	s := t.stats[exp]
	if diverged || math.IsNaN(objective) {
		return 1
	}
	if s.Worst == s.Best {
		if t.meta.Direction.Better(s.Best, objective) {
			return 1
		}
		return 0
	}
	r := (objective - s.Best) / (s.Worst - s.Best)
	return min(max(r, 0), 1)
}
