package prior

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/autollmresearch/gym/tasks"
)

// A Prior draws whole outcome tables of one task. Draw is deterministic: the
// same seed gives the same table. Priors are safe for concurrent use.
type Prior interface {
	// Task is the task family of the tables it draws.
	Task() string
	// Draw generates the table of world seed. The table has provenance
	// synthetic and the world's parameters in Meta.Generator; the caller
	// owns it and should Release it when done.
	Draw(seed uint64) (*tasks.Table, error)
}

// New returns the default prior of a task: "pretrain", "mixture", "arch"
// or "grpo".
func New(task string) (Prior, error) {
	switch task {
	case "pretrain":
		return DefaultPretrain(), nil
	case "mixture":
		return DefaultMixture(), nil
	case "arch":
		return DefaultArch(), nil
	case "grpo":
		return DefaultGRPO(), nil
	}
	return nil, fmt.Errorf("prior: no prior for task %q (want one of %s)", task, strings.Join(Tasks(), ", "))
}

// Tasks lists the tasks that have a prior, in the order New accepts them.
func Tasks() []string { return []string{"pretrain", "mixture", "arch", "grpo"} }

// Range is a closed interval [Lo, Hi] that a world parameter is drawn
// from: uniformly, or log-uniformly when Log is set (then Lo must be
// positive). Lo == Hi fixes the parameter.
type Range struct {
	Lo, Hi float64
	Log    bool
}

// Uniform and LogUniform build a Range.
func Uniform(lo, hi float64) Range    { return Range{Lo: lo, Hi: hi} }
func LogUniform(lo, hi float64) Range { return Range{Lo: lo, Hi: hi, Log: true} }

// Draw returns a value from r.
func (r Range) Draw(rng *rand.Rand) float64 {
	u := rng.Float64()
	if r.Log {
		return math.Exp(math.Log(r.Lo) + u*(math.Log(r.Hi)-math.Log(r.Lo)))
	}
	return r.Lo + u*(r.Hi-r.Lo)
}

// Centre returns the midpoint of r (geometric when Log).
func (r Range) Centre() float64 {
	if r.Log {
		return math.Sqrt(r.Lo * r.Hi)
	}
	return (r.Lo + r.Hi) / 2
}

// Contains reports whether v lies in r.
func (r Range) Contains(v float64) bool { return v >= r.Lo && v <= r.Hi }

// validate reports a range that is empty, not finite or, when Log, not
// positive, naming it.
func (r Range) validate(name string) error {
	switch {
	case math.IsNaN(r.Lo) || math.IsNaN(r.Hi) || math.IsInf(r.Lo, 0) || math.IsInf(r.Hi, 0):
		return fmt.Errorf("field %s is [%g, %g], want finite bounds", name, r.Lo, r.Hi)
	case r.Lo > r.Hi:
		return fmt.Errorf("field %s is [%g, %g], want Lo <= Hi", name, r.Lo, r.Hi)
	case r.Log && !(r.Lo > 0):
		return fmt.Errorf("field %s is log-uniform on [%g, %g], want Lo > 0", name, r.Lo, r.Hi)
	}
	return nil
}

// IntRange is a closed interval of whole numbers drawn uniformly.
type IntRange struct{ Lo, Hi int }

// Draw returns a value from r.
func (r IntRange) Draw(rng *rand.Rand) int { return r.Lo + rng.IntN(r.Hi-r.Lo+1) }

func (r IntRange) validate(name string, min int) error {
	if r.Lo < min || r.Lo > r.Hi {
		return fmt.Errorf("field %s is [%d, %d], want %d <= Lo <= Hi", name, r.Lo, r.Hi, min)
	}
	return nil
}

// maxAttempts bounds the redraws of a world whose parameters the task's
// generator rejects (a grid that leaves the configuration space, say).
const maxAttempts = 64

// drawWorld is the Draw of every prior: it draws a world W from the seed's
// stream (the prior's own stream word), generates its table and records
// the world's parameters in Meta.Generator. A world the generator rejects
// (a grid beyond the configuration space's bounds, say) is redrawn from the
// same stream, so the result is still a function of the seed alone.
func drawWorld[W any](task string, seed, stream uint64, world func(*rand.Rand) W,
	generate func(W) (*tasks.Table, error), params func(W) any) (*tasks.Table, error) {
	rng := rand.New(rand.NewPCG(seed, stream))
	var last error
	for attempt := range maxAttempts {
		w := world(rng)
		t, err := generate(w)
		if err != nil {
			last = err
			continue
		}
		gen, err := generatorJSON(task, seed, attempt, params(w))
		if err != nil {
			t.Release()
			return nil, err
		}
		return withGenerator(t, gen)
	}
	return nil, fmt.Errorf("prior: %s world %d: no valid world in %d attempts, the last failing with: %w", task, seed, maxAttempts, last)
}

// generatorJSON returns the Meta.Generator text of a world: the prior's
// name, the seed, the attempt that succeeded and the world's parameters.
func generatorJSON(task string, seed uint64, attempt int, world any) (string, error) {
	b, err := json.Marshal(struct {
		Prior   string `json:"prior"`
		Seed    uint64 `json:"seed"`
		Attempt int    `json:"attempt"`
		World   any    `json:"world"`
	}{"github.com/autollmresearch/gym/prior." + task, seed, attempt, world})
	if err != nil {
		return "", fmt.Errorf("prior: %s: encoding the world's parameters: %w", task, err)
	}
	return string(b), nil
}

// withGenerator returns t rebuilt with Meta.Generator set to gen. The rows
// are copied as they are; t is released.
func withGenerator(t *tasks.Table, gen string) (*tasks.Table, error) {
	defer t.Release()
	md := t.Meta()
	md.Generator = gen
	return tasks.FromRecords(md, t.Record())
}

// sortedUnique sorts v and drops repeats.
func sortedUnique(v []float64) []float64 {
	slices.Sort(v)
	return slices.Compact(v)
}
