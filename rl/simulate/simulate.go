package simulate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/internal/parquetio"
	"github.com/autollmresearch/gym/policy"
	"github.com/autollmresearch/gym/rl"
	"github.com/autollmresearch/gym/spaces"
	"github.com/autollmresearch/gym/tasks/tablefile"
)

// simStream is the second word of the PCG sources of teachers' episodes.
const simStream = 0x7369_6d5f_726c_0001

// maxSimSteps bounds the length of a simulated episode, so that a teacher
// that never ends an episode cannot run forever.
const maxSimSteps = 100_000

// Teacher builds the policy that plays the episodes of one env during
// [Run]; it is called once per worker, with that worker's env, whose
// target outcomes it may read (see [policy.NewOracle]).
type Teacher func(e *research.Env) (policy.Policy, error)

// FactoryTeacher returns a Teacher that builds its policies with f, such
// as a baseline of package policy.
func FactoryTeacher(f policy.Factory) Teacher {
	return func(*research.Env) (policy.Policy, error) {
		if f == nil {
			return nil, errors.New("simulate: FactoryTeacher: the factory is nil")
		}
		p := f()
		if p == nil {
			return nil, errors.New("simulate: FactoryTeacher: the factory returned a nil policy")
		}
		return p, nil
	}
}

// Options configure [Run].
type Options struct {
	// Env builds one env per worker. Its split must be research.Train:
	// test experiments never appear in training data.
	Env func() (*research.Env, error)
	// Teacher builds each worker's policy, whose actions are recorded.
	Teacher Teacher
	// Learner, when set, builds a second policy per worker that drives
	// the episodes instead of the teacher: at every step the teacher is
	// asked what it would do, its answer is recorded as the step's action,
	// and the learner's action is the one run. This is DAgger (Ross et
	// al., 2011): a student trained on such steps learns what to do in the
	// states its own mistakes lead to, which a teacher driving its own
	// episodes never visits. A step's Candidate, Config, Reward, Regret
	// and Done then describe the learner's run.
	Learner Teacher
	// Episodes is the number of episodes to record, at least 1.
	Episodes int
	// Seed seeds episode i's reset from Seed and i, and the teacher's own
	// random stream likewise.
	Seed uint64
	// Workers is the number of goroutines, each with its own env and
	// teacher; 0 means 1. The result does not depend on it.
	Workers int
}

// Step is one recorded step of a teacher.
type Step struct {
	// Episode is the episode's number (0-based) and Step the step's
	// (1-based).
	Episode, Step int
	// Target is the id of the episode's target experiment.
	Target string
	// Obs is the observation the teacher acted on, as the research.Numeric
	// view encodes it.
	Obs []float64
	// Action is the teacher's action as the Numeric view takes it: the
	// encoding of the config (and, in the MultiFidelity setting, the
	// experiment's rank fraction and the stop flag), in [0, 1].
	Action []float64
	// Candidate is the index of the config that was run among its
	// experiment's configs (in the Extrapolate setting, the action of the
	// research.Discrete view); −1 for a stop.
	Candidate int
	// Mask is the research.Discrete view's action mask before the step
	// (Extrapolate only; nil otherwise).
	Mask []bool
	// Reward is the step's reward.
	Reward float64
	// Config is the config that was run, as canonical JSON
	// (spaces.ConfigSpace.FormatJSON); "" for a stop.
	Config string
	// Regret is the best-so-far normalised regret at the target after the
	// step.
	Regret float64
	// Done says the step ended the episode.
	Done bool
}

// Trajectories are the steps recorded by [Run], episode by episode.
type Trajectories struct {
	// Task is the task family and Teacher the teacher policy's name.
	Task, Teacher string
	// Setting is the decision process the episodes ran in.
	Setting research.Setting
	// ObsDim, ActDim and MaskDim are the lengths of a step's Obs, Action
	// and Mask (MaskDim is 0 outside the Extrapolate setting).
	ObsDim, ActDim, MaskDim int
	// Steps are the steps in episode order.
	Steps []Step
}

// Episodes returns the number of distinct episodes in t.
func (t *Trajectories) Episodes() int {
	n, last := 0, -1
	for i := range t.Steps {
		if e := t.Steps[i].Episode; e != last {
			n, last = n+1, e
		}
	}
	return n
}

// ToDataset returns t's steps as a behaviour-cloning dataset: for
// rl.DiscreteActions the Candidate as the action, with the Mask (Extrapolate
// setting only), for rl.BoxActions the Action vector. Stop steps, which have
// no candidate, are left out of a discrete dataset.
func (t *Trajectories) ToDataset(kind rl.ActionKind) (rl.Dataset, error) {
	d := rl.Dataset{ObsDim: t.ObsDim}
	switch kind {
	case rl.DiscreteActions:
		if t.MaskDim == 0 {
			return rl.Dataset{}, fmt.Errorf("simulate: ToDataset: discrete actions need the %s setting, the trajectories are of %s", research.Extrapolate, t.Setting)
		}
		d.ActDim, d.MaskDim = 1, t.MaskDim
	case rl.BoxActions:
		d.ActDim = t.ActDim
	default:
		return rl.Dataset{}, fmt.Errorf("simulate: ToDataset: action kind %v, want rl.DiscreteActions or rl.BoxActions", kind)
	}
	for i := range t.Steps {
		s := &t.Steps[i]
		if len(s.Obs) != t.ObsDim {
			return rl.Dataset{}, fmt.Errorf("simulate: ToDataset: step %d has an observation of length %d, want %d", i, len(s.Obs), t.ObsDim)
		}
		if kind == rl.DiscreteActions {
			if s.Candidate < 0 {
				continue
			}
			if len(s.Mask) != t.MaskDim {
				return rl.Dataset{}, fmt.Errorf("simulate: ToDataset: step %d has a mask of length %d, want %d", i, len(s.Mask), t.MaskDim)
			}
			d.Actions = append(d.Actions, float64(s.Candidate))
			d.Masks = append(d.Masks, s.Mask...)
		} else {
			if len(s.Action) != t.ActDim {
				return rl.Dataset{}, fmt.Errorf("simulate: ToDataset: step %d has an action of length %d, want %d", i, len(s.Action), t.ActDim)
			}
			d.Actions = append(d.Actions, s.Action...)
		}
		d.Obs = append(d.Obs, s.Obs...)
	}
	return d, nil
}

// Run runs teacher policies over research envs of the train split
// and records every step. Episode i is reset with a seed derived from
// opts.Seed and i, and its teacher draws from a stream derived likewise,
// so the result is the same whatever the number of workers. The envs are
// closed before Run returns. A teacher's stop in the Extrapolate
// setting, which the Numeric view cannot express, ends its episode
// without a step.
func Run(ctx context.Context, opts Options) (*Trajectories, error) {
	switch {
	case opts.Env == nil:
		return nil, errors.New("simulate: Options.Env is nil")
	case opts.Teacher == nil:
		return nil, errors.New("simulate: Options.Teacher is nil")
	case opts.Episodes < 1:
		return nil, fmt.Errorf("simulate: Options.Episodes is %d, want at least 1", opts.Episodes)
	case opts.Workers < 0:
		return nil, fmt.Errorf("simulate: Options.Workers is %d, want 0 (one) or more", opts.Workers)
	}
	nw := min(max(opts.Workers, 1), opts.Episodes)
	workers := make([]*simWorker, 0, nw)
	defer func() {
		for _, w := range workers {
			_ = w.core.Close() // the recorded data does not depend on closing
		}
	}()
	for i := range nw {
		w, err := newSimWorker(opts, i)
		if err != nil {
			return nil, err
		}
		workers = append(workers, w)
	}
	w0 := workers[0]
	out := &Trajectories{
		Task: w0.core.Table().Meta().Task, Teacher: w0.teacher.Name(), Setting: w0.core.Options().Setting,
		ObsDim: w0.obsDim, ActDim: w0.actDim, MaskDim: w0.maskDim,
	}
	for i, w := range workers[1:] {
		if w.obsDim != w0.obsDim || w.actDim != w0.actDim || w.maskDim != w0.maskDim {
			return nil, fmt.Errorf("simulate: worker %d's env differs from worker 0's (observation %d, action %d, mask %d values; want %d, %d, %d)",
				i+1, w.obsDim, w.actDim, w.maskDim, w0.obsDim, w0.actDim, w0.maskDim)
		}
	}

	results := make([][]Step, opts.Episodes)
	errs := make([]error, opts.Episodes)
	var next atomic.Int64
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Go(func() {
			for {
				ep := int(next.Add(1)) - 1
				if ep >= opts.Episodes {
					return
				}
				if err := ctx.Err(); err != nil {
					errs[ep] = err
					return
				}
				results[ep], errs[ep] = w.episode(opts.Seed, ep)
			}
		})
	}
	wg.Wait()
	for ep, err := range errs {
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return nil, ctxErr
			}
			return nil, fmt.Errorf("simulate: episode %d: %w", ep, err)
		}
	}
	n := 0
	for _, r := range results {
		n += len(r)
	}
	out.Steps = make([]Step, 0, n)
	for _, r := range results {
		out.Steps = append(out.Steps, r...)
	}
	return out, nil
}

// simWorker plays episodes with one env and one teacher.
type simWorker struct {
	core    *research.Env
	rec     *research.Recorder
	num     *research.Numeric
	teacher policy.Policy
	learner policy.Policy // nil unless Options.Learner
	space   *spaces.ConfigSpace
	src     *rand.PCG
	rng     *rand.Rand
	obsDim  int
	actDim  int
	maskDim int
	d       int // encoded config dimension
}

func newSimWorker(opts Options, i int) (*simWorker, error) {
	core, err := opts.Env()
	if err != nil {
		return nil, fmt.Errorf("simulate: building the env of worker %d: %w", i, err)
	}
	if core == nil {
		return nil, fmt.Errorf("simulate: Options.Env returned a nil env for worker %d", i)
	}
	fail := func(err error) (*simWorker, error) {
		_ = core.Close() // reporting err
		return nil, err
	}
	if s := core.Options().Split; s != research.Train {
		return fail(fmt.Errorf("simulate: the env's split is %s; trajectories are recorded on the %s split only, so that no test experiment reaches training data", s, research.Train))
	}
	rec := research.NewRecorder(core)
	num, err := research.NewNumeric(rec)
	if err != nil {
		return fail(fmt.Errorf("simulate: %w", err))
	}
	teacher, err := opts.Teacher(core)
	if err != nil {
		return fail(fmt.Errorf("simulate: building the teacher of worker %d: %w", i, err))
	}
	if teacher == nil {
		return fail(fmt.Errorf("simulate: the teacher of worker %d is nil", i))
	}
	var learner policy.Policy
	if opts.Learner != nil {
		if learner, err = opts.Learner(core); err != nil {
			return fail(fmt.Errorf("simulate: building the learner of worker %d: %w", i, err))
		}
		if learner == nil {
			return fail(fmt.Errorf("simulate: the learner of worker %d is nil", i))
		}
	}
	obsSp, okObs := num.ObservationSpace().(*spaces.Box)
	actSp, okAct := num.ActionSpace().(*spaces.Box)
	if !okObs || !okAct {
		return fail(fmt.Errorf("simulate: the numeric view has spaces %v and %v, want Boxes", num.ObservationSpace(), num.ActionSpace()))
	}
	w := &simWorker{
		core: core, rec: rec, num: num, teacher: teacher, learner: learner,
		space:  core.Table().Meta().Space,
		src:    rand.NewPCG(0, 0),
		obsDim: obsSp.Dim(),
		actDim: actSp.Dim(),
	}
	w.rng = rand.New(w.src)
	w.d = w.space.EncodedDim()
	if core.Options().Setting == research.Extrapolate {
		for _, id := range core.Targets() {
			if x, ok := core.Table().Experiment(id); ok {
				w.maskDim = max(w.maskDim, x.NumConfigs)
			}
		}
	}
	return w, nil
}

// episode plays and records episode ep.
func (w *simWorker) episode(seed uint64, ep int) ([]Step, error) {
	vec, obs, err := w.reset(seed, ep)
	if err != nil {
		return nil, err
	}
	target := obs.Target.Experiment
	var steps []Step
	for step := 1; step <= maxSimSteps; step++ {
		a, err := w.teacher.Act(obs)
		if err != nil {
			return nil, fmt.Errorf("teacher %s: step %d: %w", w.teacher.Name(), step, err)
		}
		if a.Stop && w.actDim == w.d {
			return steps, nil
		}
		s := Step{Episode: ep, Step: step, Target: target, Obs: slices.Clone(vec), Candidate: -1}
		if s.Action, err = w.encode(obs, a); err != nil {
			return nil, fmt.Errorf("teacher %s: step %d: %w", w.teacher.Name(), step, err)
		}
		s.Mask = w.mask(obs)
		run, stop, err := w.driven(obs, s.Action, step)
		if err != nil {
			return nil, err
		}
		if stop {
			return steps, nil
		}
		before := len(obs.History)
		res, err := w.num.Step(run)
		if err != nil {
			return nil, fmt.Errorf("step %d: %w", step, err)
		}
		obs = w.rec.Last()
		if err := w.outcome(&s, obs, before, res, step); err != nil {
			return nil, err
		}
		steps = append(steps, s)
		if s.Done {
			return steps, nil
		}
		vec = res.Obs
	}
	return nil, fmt.Errorf("the episode did not end within %d steps", maxSimSteps)
}

// reset starts episode ep: it seeds the worker's stream, resets the env
// and the teacher (and learner), and returns the first observation, both
// as the Numeric view encodes it and as the research env gives it.
func (w *simWorker) reset(seed uint64, ep int) ([]float64, *research.Observation, error) {
	w.src.Seed(rl.SubSeed(seed^simStream, ep), simStream)
	vec, _, err := w.num.Reset(env.SeedOf(rl.SubSeed(seed, ep)), nil)
	if err != nil {
		return nil, nil, fmt.Errorf("reset: %w", err)
	}
	obs := w.rec.Last()
	if err := w.teacher.Reset(obs, w.rng); err != nil {
		return nil, nil, fmt.Errorf("teacher %s: reset: %w", w.teacher.Name(), err)
	}
	if w.learner != nil {
		if err := w.learner.Reset(obs, w.rng); err != nil {
			return nil, nil, fmt.Errorf("learner %s: reset: %w", w.learner.Name(), err)
		}
	}
	return vec, obs, nil
}

// mask returns the Discrete view's action mask at obs: the target's
// configs not yet run. It is nil outside the Extrapolate setting.
func (w *simWorker) mask(obs *research.Observation) []bool {
	if w.maskDim == 0 {
		return nil
	}
	mask := make([]bool, w.maskDim)
	for j := range min(len(obs.TargetConfigs), w.maskDim) {
		mask[j] = true
	}
	for i := range obs.History {
		if t := &obs.History[i]; t.Target && t.Candidate >= 0 && t.Candidate < w.maskDim {
			mask[t.Candidate] = false
		}
	}
	return mask
}

// driven returns the action to run at step: the teacher's, or with a
// learner (DAgger) the learner's, and whether the learner stops the
// episode instead.
func (w *simWorker) driven(obs *research.Observation, teacher []float64, step int) (run []float64, stop bool, err error) {
	if w.learner == nil {
		return teacher, false, nil
	}
	la, err := w.learner.Act(obs)
	if err != nil {
		return nil, false, fmt.Errorf("learner %s: step %d: %w", w.learner.Name(), step, err)
	}
	if la.Stop && w.actDim == w.d {
		return nil, true, nil
	}
	if run, err = w.encode(obs, la); err != nil {
		return nil, false, fmt.Errorf("learner %s: step %d: %w", w.learner.Name(), step, err)
	}
	return run, false, nil
}

// outcome records in s what the step did: the config it ran, if the
// observation's history grew past before, and its reward, regret and end.
func (w *simWorker) outcome(s *Step, obs *research.Observation, before int, res env.StepResult[[]float64], step int) error {
	if len(obs.History) > before {
		t := obs.History[len(obs.History)-1]
		s.Candidate = t.Candidate
		js, err := w.space.FormatJSON(t.Run)
		if err != nil {
			return fmt.Errorf("step %d: the config run: %w", step, err)
		}
		s.Config = string(js)
	}
	s.Reward = res.Reward
	s.Regret, _ = res.Info.Num("regret")
	s.Done = res.Done()
	return nil
}

// encode turns a teacher's action into the Numeric view's action.
func (w *simWorker) encode(obs *research.Observation, a research.Action) ([]float64, error) {
	point := make([]float64, w.actDim)
	if a.Stop {
		for i := range w.d {
			point[i] = 0.5
		}
		point[w.d], point[w.d+1] = 1, 1
		return point, nil
	}
	if err := w.space.Encode(a.Config, point[:w.d]); err != nil {
		return nil, fmt.Errorf("the config: %w", err)
	}
	for i, x := range point[:w.d] {
		point[i] = min(max(x, 0), 1)
	}
	if w.actDim > w.d {
		k := len(obs.Fidelities) - 1
		if a.Experiment != "" {
			k = slices.IndexFunc(obs.Fidelities, func(f research.Fidelity) bool { return f.Experiment == a.Experiment })
			if k < 0 {
				return nil, fmt.Errorf("experiment %q is not one the episode can run", a.Experiment)
			}
		}
		point[w.d] = (float64(k) + 0.5) / float64(len(obs.Fidelities))
		point[w.d+1] = 0
	}
	return point, nil
}

// Column names of a trajectories Parquet file.
const (
	colEpisode   = "episode"
	colStep      = "step"
	colTarget    = "target"
	colObs       = "observation"
	colAction    = "action"
	colCandidate = "candidate"
	colMask      = "mask"
	colReward    = "reward"
	colConfig    = "config"
	colRegret    = "regret"
	colDone      = "done"
)

// Keys of a trajectories Parquet file's metadata.
const (
	metaFormat  = "gym.trajectories.format"
	metaTask    = "gym.trajectories.task"
	metaTeacher = "gym.trajectories.teacher"
	metaSetting = "gym.trajectories.setting"
	metaObsDim  = "gym.trajectories.obs_dim"
	metaActDim  = "gym.trajectories.act_dim"
	metaMaskDim = "gym.trajectories.mask_dim"

	trajFormat = "1"
)

// trajSchema is the Arrow schema of a trajectories file, with md as its
// metadata.
func trajSchema(md arrow.Metadata) *arrow.Schema {
	f64 := arrow.PrimitiveTypes.Float64
	i64 := arrow.PrimitiveTypes.Int64
	return arrow.NewSchema([]arrow.Field{
		{Name: colEpisode, Type: i64},
		{Name: colStep, Type: i64},
		{Name: colTarget, Type: arrow.BinaryTypes.String},
		{Name: colObs, Type: arrow.ListOf(f64)},
		{Name: colAction, Type: arrow.ListOf(f64)},
		{Name: colCandidate, Type: i64},
		{Name: colMask, Type: arrow.ListOf(arrow.FixedWidthTypes.Boolean), Nullable: true},
		{Name: colReward, Type: f64},
		{Name: colConfig, Type: arrow.BinaryTypes.String},
		{Name: colRegret, Type: f64},
		{Name: colDone, Type: arrow.FixedWidthTypes.Boolean},
	}, &md)
}

// WriteParquet writes t as a Parquet file (Snappy-compressed), one row
// per step, with the columns episode, step (int64), target (string),
// observation and action (list<float64>), candidate (int64), mask
// (list<bool>, null outside the Extrapolate setting), reward (float64),
// config (string, JSON), regret (float64) and done (bool), and t's other
// fields in the file's key-value metadata (keys gym.trajectories.*).
func (t *Trajectories) WriteParquet(w io.Writer) error {
	rec := t.record()
	defer rec.Release()
	if err := parquetio.WriteRecord(w, rec, parquetio.Options{Dictionary: []string{colTarget}}); err != nil {
		return fmt.Errorf("simulate: writing trajectories as Parquet: %w", err)
	}
	return nil
}

// record returns t's steps as one record batch (see WriteParquet) whose
// schema's metadata holds t's other fields. The caller must Release it.
func (t *Trajectories) record() arrow.RecordBatch {
	md := arrow.NewMetadata(
		[]string{metaFormat, metaTask, metaTeacher, metaSetting, metaObsDim, metaActDim, metaMaskDim},
		[]string{trajFormat, t.Task, t.Teacher, t.Setting.String(), strconv.Itoa(t.ObsDim), strconv.Itoa(t.ActDim), strconv.Itoa(t.MaskDim)},
	)
	b := array.NewRecordBuilder(memory.DefaultAllocator, trajSchema(md))
	defer b.Release()
	episode := b.Field(0).(*array.Int64Builder)
	step := b.Field(1).(*array.Int64Builder)
	target := b.Field(2).(*array.StringBuilder)
	obs := b.Field(3).(*array.ListBuilder)
	obsV := obs.ValueBuilder().(*array.Float64Builder)
	act := b.Field(4).(*array.ListBuilder)
	actV := act.ValueBuilder().(*array.Float64Builder)
	cand := b.Field(5).(*array.Int64Builder)
	mask := b.Field(6).(*array.ListBuilder)
	maskV := mask.ValueBuilder().(*array.BooleanBuilder)
	reward := b.Field(7).(*array.Float64Builder)
	config := b.Field(8).(*array.StringBuilder)
	regret := b.Field(9).(*array.Float64Builder)
	done := b.Field(10).(*array.BooleanBuilder)
	for i := range t.Steps {
		s := &t.Steps[i]
		episode.Append(int64(s.Episode))
		step.Append(int64(s.Step))
		target.Append(s.Target)
		obs.Append(true)
		obsV.AppendValues(s.Obs, nil)
		act.Append(true)
		actV.AppendValues(s.Action, nil)
		cand.Append(int64(s.Candidate))
		if s.Mask == nil {
			mask.AppendNull()
		} else {
			mask.Append(true)
			maskV.AppendValues(s.Mask, nil)
		}
		reward.Append(s.Reward)
		config.Append(s.Config)
		regret.Append(s.Regret)
		done.Append(s.Done)
	}
	return b.NewRecordBatch()
}

// ReadParquet reads trajectories written by
// [Trajectories.WriteParquet]. A missing column or metadata key, a column
// of the wrong type, a list of the wrong length or a null where a value
// is needed is an error naming the column and row.
func ReadParquet(r parquet.ReaderAtSeeker) (t *Trajectories, err error) {
	defer func() {
		if p := recover(); p != nil {
			t, err = nil, fmt.Errorf("simulate: corrupt trajectories Parquet file: %w", tablefile.DecodePanic(p))
		}
	}()
	fr, pf, err := tablefile.OpenParquet(r, pqarrow.ArrowReadProperties{BatchSize: 1 << 16})
	if err != nil {
		return nil, fmt.Errorf("simulate: reading trajectories Parquet: %w", err)
	}
	defer pf.Close()
	schema, err := fr.Schema()
	if err != nil {
		return nil, fmt.Errorf("simulate: reading trajectories Parquet: %w", err)
	}
	t, err = trajFromMetadata(schema.Metadata())
	if err != nil {
		return nil, err
	}
	want := trajSchema(arrow.Metadata{})
	for _, f := range want.Fields() {
		idx := schema.FieldIndices(f.Name)
		if len(idx) == 0 {
			return nil, fmt.Errorf("simulate: trajectories Parquet: missing column %q (want %v)", f.Name, f.Type)
		}
		if got := schema.Field(idx[0]).Type; !arrow.TypeEqual(got, f.Type) {
			return nil, fmt.Errorf("simulate: trajectories Parquet: column %q is %v, want %v", f.Name, got, f.Type)
		}
	}
	b, err := parquetio.ReadAll(fr)
	if err != nil {
		return nil, fmt.Errorf("simulate: reading trajectories Parquet: %w", err)
	}
	defer b.Release()
	row := 0
	for _, rec := range b.Records {
		if err := t.appendRecord(rec, row); err != nil {
			return nil, err
		}
		row += int(rec.NumRows())
	}
	return t, nil
}

// trajFromMetadata reads the fields of Trajectories kept in metadata.
func trajFromMetadata(md arrow.Metadata) (*Trajectories, error) {
	get := func(key string) (string, error) {
		i := md.FindKey(key)
		if i < 0 {
			return "", fmt.Errorf("simulate: trajectories Parquet: missing metadata key %q", key)
		}
		return md.Values()[i], nil
	}
	dim := func(key string, least int) (int, error) {
		s, err := get(key)
		if err != nil {
			return 0, err
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < least || n > 1<<24 {
			return 0, fmt.Errorf("simulate: trajectories Parquet: metadata %q is %q, want an integer >= %d", key, s, least)
		}
		return n, nil
	}
	format, err := get(metaFormat)
	if err != nil {
		return nil, err
	}
	if format != trajFormat {
		return nil, fmt.Errorf("simulate: trajectories Parquet: format %q, want %q", format, trajFormat)
	}
	t := &Trajectories{}
	if t.Task, err = get(metaTask); err != nil {
		return nil, err
	}
	if t.Teacher, err = get(metaTeacher); err != nil {
		return nil, err
	}
	setting, err := get(metaSetting)
	if err != nil {
		return nil, err
	}
	if t.Setting, err = research.ParseSetting(setting); err != nil {
		return nil, fmt.Errorf("simulate: trajectories Parquet: metadata %q: %w", metaSetting, err)
	}
	if t.ObsDim, err = dim(metaObsDim, 1); err != nil {
		return nil, err
	}
	if t.ActDim, err = dim(metaActDim, 1); err != nil {
		return nil, err
	}
	if t.MaskDim, err = dim(metaMaskDim, 0); err != nil {
		return nil, err
	}
	return t, nil
}

// appendRecord appends the steps of one record batch, whose first row is
// row of the file and whose columns ReadParquet has checked.
func (t *Trajectories) appendRecord(rec arrow.RecordBatch, row int) error {
	c := stepColumnsOf(rec)
	if err := c.checkNulls(row); err != nil {
		return err
	}
	for i := range int(rec.NumRows()) {
		s, err := t.stepAt(c, i, row+i)
		if err != nil {
			return err
		}
		t.Steps = append(t.Steps, s)
	}
	return nil
}

// stepColumns are the typed columns of one record batch of a trajectories
// file.
type stepColumns struct {
	episode, step, cand *array.Int64
	target, config      *array.String
	obs, act, mask      *array.List
	reward, regret      *array.Float64
	done                *array.Boolean
}

// stepColumnsOf returns the columns of rec, whose names and types
// ReadParquet has checked.
func stepColumnsOf(rec arrow.RecordBatch) stepColumns {
	col := func(name string) arrow.Array {
		return rec.Column(rec.Schema().FieldIndices(name)[0])
	}
	return stepColumns{
		episode: col(colEpisode).(*array.Int64),
		step:    col(colStep).(*array.Int64),
		target:  col(colTarget).(*array.String),
		obs:     col(colObs).(*array.List),
		act:     col(colAction).(*array.List),
		cand:    col(colCandidate).(*array.Int64),
		mask:    col(colMask).(*array.List),
		reward:  col(colReward).(*array.Float64),
		config:  col(colConfig).(*array.String),
		regret:  col(colRegret).(*array.Float64),
		done:    col(colDone).(*array.Boolean),
	}
}

// checkNulls reports the first null in a column of single values; the
// batch's first row is row of the file.
func (c stepColumns) checkNulls(row int) error {
	for _, col := range []struct {
		name string
		a    arrow.Array
	}{{colEpisode, c.episode}, {colStep, c.step}, {colTarget, c.target}, {colCandidate, c.cand},
		{colReward, c.reward}, {colConfig, c.config}, {colRegret, c.regret}, {colDone, c.done}} {
		if col.a.NullN() > 0 {
			for i := range col.a.Len() {
				if col.a.IsNull(i) {
					return fmt.Errorf("simulate: trajectories Parquet: row %d: column %q is null", row+i, col.name)
				}
			}
		}
	}
	return nil
}

// stepAt returns the step of the batch's row i, the file's row row.
func (t *Trajectories) stepAt(c stepColumns, i, row int) (Step, error) {
	s := Step{
		Episode: int(c.episode.Value(i)), Step: int(c.step.Value(i)), Target: c.target.Value(i),
		Candidate: int(c.cand.Value(i)), Reward: c.reward.Value(i), Config: c.config.Value(i),
		Regret: c.regret.Value(i), Done: c.done.Value(i),
	}
	var err error
	if s.Obs, err = floatList(c.obs, i, row, colObs, t.ObsDim); err != nil {
		return Step{}, err
	}
	if s.Action, err = floatList(c.act, i, row, colAction, t.ActDim); err != nil {
		return Step{}, err
	}
	if s.Mask, err = maskList(c.mask, i, row, t.MaskDim); err != nil {
		return Step{}, err
	}
	for _, v := range [...]struct {
		name string
		x    float64
	}{{colReward, s.Reward}, {colRegret, s.Regret}} {
		if math.IsNaN(v.x) || math.IsInf(v.x, 0) {
			return Step{}, fmt.Errorf("simulate: trajectories Parquet: row %d: column %q is %g, want a finite number", row, v.name, v.x)
		}
	}
	return s, nil
}

// floatList returns entry i of the list column name, the file's row row,
// which must hold want non-null values.
func floatList(l *array.List, i, row int, name string, want int) ([]float64, error) {
	if l.IsNull(i) {
		return nil, fmt.Errorf("simulate: trajectories Parquet: row %d: column %q is null", row, name)
	}
	lo, hi := l.ValueOffsets(i)
	if int(hi-lo) != want {
		return nil, fmt.Errorf("simulate: trajectories Parquet: row %d: column %q has %d values, want %d", row, name, hi-lo, want)
	}
	vals := l.ListValues().(*array.Float64)
	out := make([]float64, want)
	for k := range out {
		if vals.IsNull(int(lo) + k) {
			return nil, fmt.Errorf("simulate: trajectories Parquet: row %d: column %q has a null at %d", row, name, k)
		}
		out[k] = vals.Value(int(lo) + k)
	}
	return out, nil
}

// maskList returns entry i of the mask column, the file's row row: nil
// when null, otherwise want entries.
func maskList(l *array.List, i, row, want int) ([]bool, error) {
	if l.IsNull(i) {
		return nil, nil
	}
	lo, hi := l.ValueOffsets(i)
	if int(hi-lo) != want {
		return nil, fmt.Errorf("simulate: trajectories Parquet: row %d: column %q has %d entries, want %d", row, colMask, hi-lo, want)
	}
	vals := l.ListValues().(*array.Boolean)
	mask := make([]bool, want)
	for k := range mask {
		mask[k] = vals.Value(int(lo) + k)
	}
	return mask, nil
}
