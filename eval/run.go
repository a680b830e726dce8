package eval

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/policy"
)

// Defaults of the Spec fields.
const (
	// DefaultProgressInterval is how often Run reports progress when
	// Spec.ProgressInterval is 0.
	DefaultProgressInterval = 2 * time.Second
	// DefaultMaxInvalidSteps is Spec.MaxInvalidSteps when it is 0.
	DefaultMaxInvalidSteps = 10
)

// policyStream is the second PCG word of a policy's random stream; the
// first is the seed Run derives for the episode.
const policyStream = 0x6576616c706f6c69

// orderStream is the second PCG word of the stream that shuffles the order
// in which jobs are run.
const orderStream = 0x6576616c6f726472

// EnvSpec names an environment to evaluate on and says how to build it.
type EnvSpec struct {
	// Name labels the env in results, tables, file names and plots. It
	// must be non-empty and unique within a Spec.
	Name string
	// New builds a fresh env. Run calls it once to read the env's targets
	// and options, and once more in every worker that runs an episode on
	// it, since an env is not safe for concurrent use. The envs it returns
	// may share one table; they must have equal options and targets.
	New func() (*research.Env, error)
	// Episodes overrides Spec.Episodes for this env when positive.
	Episodes int
}

// NamedFactory is a policy to evaluate.
type NamedFactory struct {
	// Name labels the policy in results; "" means the Name of the policy
	// New builds. Names must be unique within a Spec.
	Name string
	// New builds a policy. Run builds a fresh one for every episode, so
	// that no state leaks from one episode into another.
	New policy.Factory
}

// Spec describes an evaluation: every policy plays Episodes episodes on
// every test target of every env.
type Spec struct {
	// Envs are the environments, each with its options (setting, split,
	// K) already chosen; episodes target each of its Targets in turn.
	Envs []EnvSpec
	// Policies are the policies to evaluate.
	Policies []NamedFactory
	// Episodes is the number of episodes per (env, policy, target): their
	// episode numbers are 0 to Episodes−1. It must be positive unless
	// every EnvSpec sets its own.
	Episodes int
	// Seed is the root of every seed of the evaluation.
	Seed uint64
	// Workers is the number of episodes run at once; 0 means
	// runtime.GOMAXPROCS(0).
	Workers int
	// Progress receives a progress line every ProgressInterval and a last
	// one at the end; nil means quiet.
	Progress io.Writer
	// ProgressInterval is the time between progress lines; 0 means
	// DefaultProgressInterval.
	ProgressInterval time.Duration
	// MaxSteps ends (truncates) an episode that has not terminated after
	// this many steps; 0 means research.MaxEpisodeSteps.
	MaxSteps int
	// MaxInvalidSteps ends an episode with an error once the env has
	// rejected this many of its policy's actions; 0 means
	// DefaultMaxInvalidSteps.
	MaxInvalidSteps int
}

// job is one episode to run: indices into the plan's envs and policies,
// the target's index in the env's targets, and the episode number.
type job struct {
	env, pol, target, episode int
}

// plan is a validated Spec with its envs probed and its jobs laid out.
type plan struct {
	spec      Spec
	envs      []EnvInfo
	factories []policy.Factory
	policies  []string
	jobs      []job
}

// Run evaluates spec: it plays every episode the spec describes on a pool
// of Workers goroutines and returns them in a Result, ordered by env,
// policy, target and episode number.
//
// An episode is reset on its target with a seed derived from (Seed, env
// name, target, episode number), the same for every policy, so policies are
// compared on paired episodes; the policy's random stream is seeded from
// the same fields and the policy's name. Results therefore do not depend on
// Workers or on scheduling.
//
// An episode ends when the env terminates it, when the policy fails (an
// error from its Reset or Act, or a panic), when the env has rejected
// MaxInvalidSteps of its actions, or after MaxSteps steps. A rejected
// action is counted as an invalid step and the policy is asked again with
// the same observation. A failure ends only its own episode: it is kept in
// Episode.Error and counted in the summary.
//
// Run returns an error for a spec it cannot run: no envs or policies,
// a missing, empty or repeated name, a non-positive number of episodes, or
// an env that cannot be built. When ctx is cancelled, Run stops early and
// returns the episodes completed so far together with ctx.Err().
func Run(ctx context.Context, spec Spec) (*Result, error) {
	p, err := newPlan(spec)
	if err != nil {
		return nil, err
	}
	workers := spec.Workers
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, len(p.jobs)))

	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	// Workers take the jobs in a shuffled order, so that slow and fast
	// policies mix and the progress estimate holds; results are stored by
	// job, so the order does not change them.
	order := rand.New(rand.NewPCG(spec.Seed, orderStream)).Perm(len(p.jobs))
	episodes := make([]Episode, len(p.jobs))
	complete := make([]bool, len(p.jobs))
	var next, done, failed atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			w := newWorker(p)
			defer w.close()
			for runCtx.Err() == nil {
				n := int(next.Add(1) - 1)
				if n >= len(order) {
					return
				}
				i := order[n]
				ep, ok, err := w.run(runCtx, p.jobs[i])
				if err != nil {
					cancel(err)
					return
				}
				if !ok {
					return
				}
				episodes[i], complete[i] = ep, true
				if ep.Error != "" {
					failed.Add(1)
				}
				done.Add(1)
			}
		})
	}

	start := time.Now()
	stopProgress := startProgress(spec, len(p.jobs), start, &done, &failed)
	wg.Wait()
	stopProgress()

	if cause := context.Cause(runCtx); cause != nil && ctx.Err() == nil {
		return nil, cause
	}
	res := &Result{Envs: p.envs, Policies: p.policies}
	for i, ok := range complete {
		if ok {
			res.Episodes = append(res.Episodes, episodes[i])
		}
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	return res, nil
}

// newPlan validates spec, probes its envs and lays out its jobs.
func newPlan(spec Spec) (*plan, error) {
	errs := specFaults(spec)
	p := &plan{spec: spec}
	if p.spec.MaxSteps == 0 {
		p.spec.MaxSteps = research.MaxEpisodeSteps
	}
	if p.spec.MaxInvalidSteps == 0 {
		p.spec.MaxInvalidSteps = DefaultMaxInvalidSteps
	}
	errs = append(errs, p.addPolicies(spec.Policies)...)
	errs = append(errs, p.addEnvs(spec.Envs, spec.Episodes)...)
	if len(errs) > 0 {
		return nil, fmt.Errorf("eval: invalid spec: %w", errors.Join(errs...))
	}
	p.layOutJobs()
	return p, nil
}

// specFaults reports every bad scalar field of spec and an empty list of
// envs or policies.
func specFaults(spec Spec) []error {
	var errs []error
	if len(spec.Envs) == 0 {
		errs = append(errs, errors.New("spec.Envs is empty, want at least one env"))
	}
	if len(spec.Policies) == 0 {
		errs = append(errs, errors.New("spec.Policies is empty, want at least one policy"))
	}
	if spec.Episodes < 0 {
		errs = append(errs, fmt.Errorf("spec.Episodes is %d, want at least 1", spec.Episodes))
	}
	if spec.Workers < 0 {
		errs = append(errs, fmt.Errorf("spec.Workers is %d, want at least 1 (or 0 for GOMAXPROCS)", spec.Workers))
	}
	if spec.ProgressInterval < 0 {
		errs = append(errs, fmt.Errorf("spec.ProgressInterval is %v, want a positive duration (or 0 for %v)", spec.ProgressInterval, DefaultProgressInterval))
	}
	if spec.MaxSteps < 0 {
		errs = append(errs, fmt.Errorf("spec.MaxSteps is %d, want at least 1 (or 0 for %d)", spec.MaxSteps, research.MaxEpisodeSteps))
	}
	if spec.MaxInvalidSteps < 0 {
		errs = append(errs, fmt.Errorf("spec.MaxInvalidSteps is %d, want at least 1 (or 0 for %d)", spec.MaxInvalidSteps, DefaultMaxInvalidSteps))
	}
	return errs
}

// addPolicies names each policy factory and adds it to p, reporting nil
// factories and repeated names.
func (p *plan) addPolicies(policies []NamedFactory) []error {
	var errs []error
	for i, f := range policies {
		if f.New == nil {
			errs = append(errs, fmt.Errorf("spec.Policies[%d].New is nil", i))
			continue
		}
		name, err := policyName(f)
		if err != nil {
			errs = append(errs, fmt.Errorf("spec.Policies[%d]: %w", i, err))
			continue
		}
		if j := slices.Index(p.policies, name); j >= 0 {
			errs = append(errs, fmt.Errorf("spec.Policies[%d]: the name %q is already used by spec.Policies[%d]", i, name, j))
			continue
		}
		p.policies = append(p.policies, name)
		p.factories = append(p.factories, f.New)
	}
	return errs
}

// addEnvs checks each env spec, probes the env and adds it to p with its
// number of episodes (its own, else episodes), reporting every bad spec,
// repeated name or failed probe.
func (p *plan) addEnvs(envs []EnvSpec, episodes int) []error {
	var errs []error
	seen := map[string]int{}
	for i, es := range envs {
		switch {
		case es.Name == "":
			errs = append(errs, fmt.Errorf("spec.Envs[%d].Name is empty", i))
			continue
		case es.New == nil:
			errs = append(errs, fmt.Errorf("spec.Envs[%d].New is nil (env %q)", i, es.Name))
			continue
		case es.Episodes < 0:
			errs = append(errs, fmt.Errorf("spec.Envs[%d].Episodes is %d (env %q), want at least 1 (or 0 for spec.Episodes)", i, es.Episodes, es.Name))
			continue
		case es.Episodes == 0 && episodes == 0:
			errs = append(errs, fmt.Errorf("spec.Envs[%d] (%q): no number of episodes: set spec.Episodes or the EnvSpec's Episodes", i, es.Name))
			continue
		}
		if j, dup := seen[es.Name]; dup {
			errs = append(errs, fmt.Errorf("spec.Envs[%d]: the name %q is already used by spec.Envs[%d]", i, es.Name, j))
			continue
		}
		seen[es.Name] = i
		info, err := probeEnv(es)
		if err != nil {
			errs = append(errs, fmt.Errorf("spec.Envs[%d] (%q): %w", i, es.Name, err))
			continue
		}
		info.Episodes = cmpOr(es.Episodes, episodes)
		p.envs = append(p.envs, info)
	}
	return errs
}

// layOutJobs lists one job per env, policy, target and episode, in that
// nesting order.
func (p *plan) layOutJobs() {
	for e, info := range p.envs {
		for pol := range p.policies {
			for t := range info.Targets {
				for ep := range info.Episodes {
					p.jobs = append(p.jobs, job{env: e, pol: pol, target: t, episode: ep})
				}
			}
		}
	}
}

// cmpOr returns a if it is non-zero, else b.
func cmpOr(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

// policyName resolves the label of f, building a policy when f has none.
// f.New must not be nil.
func policyName(f NamedFactory) (name string, err error) {
	if f.Name != "" {
		return f.Name, nil
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("building a policy to read its name panicked: %v", r)
		}
	}()
	p := f.New()
	if p == nil {
		return "", errors.New("the factory returned a nil policy")
	}
	if name = p.Name(); name == "" {
		return "", errors.New("the policy's Name is empty; set NamedFactory.Name")
	}
	return name, nil
}

// probeEnv builds the env of es once to read what the evaluation needs.
func probeEnv(es EnvSpec) (EnvInfo, error) {
	e, err := es.New()
	if err != nil {
		return EnvInfo{}, err
	}
	if e == nil {
		return EnvInfo{}, errors.New("the constructor returned a nil env")
	}
	defer e.Close()
	o := e.Options()
	info := EnvInfo{
		Name:    es.Name,
		Task:    e.Table().Meta().Task,
		Setting: o.Setting,
		Split:   o.Split,
		K:       o.Trials,
		Targets: e.Targets(),
	}
	if len(info.Targets) == 0 {
		return EnvInfo{}, fmt.Errorf("the env has no targets in the %s split", o.Split)
	}
	return info, nil
}

// worker runs episodes on its own envs, one per EnvSpec, built on first
// use.
type worker struct {
	p    *plan
	envs []*research.Env
	src  *rand.PCG
	rng  *rand.Rand
	opts env.Options
}

func newWorker(p *plan) *worker {
	src := rand.NewPCG(0, policyStream)
	return &worker{
		p:    p,
		envs: make([]*research.Env, len(p.envs)),
		src:  src,
		rng:  rand.New(src),
		opts: env.Options{research.ResetOptionTarget: ""},
	}
}

// close closes the worker's envs.
func (w *worker) close() {
	for _, e := range w.envs {
		if e != nil {
			e.Close()
		}
	}
}

// env returns the worker's env number i, building it on first use.
func (w *worker) env(i int) (*research.Env, error) {
	if w.envs[i] != nil {
		return w.envs[i], nil
	}
	info := w.p.envs[i]
	e, err := w.p.spec.Envs[i].New()
	if err == nil && e == nil {
		err = errors.New("the constructor returned a nil env")
	}
	if err != nil {
		return nil, fmt.Errorf("eval: env %q: %w", info.Name, err)
	}
	if got := e.Targets(); !slices.Equal(got, info.Targets) {
		e.Close()
		return nil, fmt.Errorf("eval: env %q: New built envs with different targets (%s, then %s)",
			info.Name, strings.Join(info.Targets, ", "), strings.Join(got, ", "))
	}
	if k := e.Options().Trials; k != info.K {
		e.Close()
		return nil, fmt.Errorf("eval: env %q: New built envs with different K (%d, then %d)", info.Name, info.K, k)
	}
	w.envs[i] = e
	return e, nil
}

// run plays job j. It reports ok = false when ctx ended the episode before
// it finished, and an error only when the env cannot be built.
func (w *worker) run(ctx context.Context, j job) (ep Episode, ok bool, err error) {
	e, err := w.env(j.env)
	if err != nil {
		return Episode{}, false, err
	}
	info := w.p.envs[j.env]
	target := info.Targets[j.target]
	pname := w.p.policies[j.pol]
	ep = Episode{
		Env:        info.Name,
		Policy:     pname,
		Target:     target,
		Episode:    j.episode,
		Seed:       deriveSeed(w.p.spec.Seed, "env", info.Name, "", target, j.episode),
		PolicySeed: deriveSeed(w.p.spec.Seed, "policy", info.Name, pname, target, j.episode),
		Regret:     make([]float64, info.K),
		GPUHours:   make([]float64, info.K),
	}
	made, interrupted := w.play(ctx, e, w.p.factories[j.pol], &ep)
	if interrupted {
		return Episode{}, false, nil
	}
	ep.TargetTrials = made
	for k := made; k < info.K; k++ {
		ep.Regret[k], ep.GPUHours[k] = ep.FinalRegret, ep.TotalGPUHours
	}
	return ep, true, nil
}

// play runs one episode of a fresh policy from factory on e, filling in
// ep's trajectory. It returns the number of target trials made, and
// interrupted = true when ctx ended it. A panic of the policy (or the env)
// is recovered and recorded as the episode's error.
func (w *worker) play(ctx context.Context, e *research.Env, factory policy.Factory, ep *Episode) (made int, interrupted bool) {
	k := len(ep.Regret)
	var obs *research.Observation
	finish := func() {
		ep.FinalRegret = e.Regret()
		if obs != nil {
			ep.TotalGPUHours = obs.Spent
		}
	}
	defer func() {
		if r := recover(); r != nil {
			ep.Error = fmt.Sprintf("panic at step %d: %v", ep.Steps+1, r)
			finish()
		}
	}()

	w.opts[research.ResetOptionTarget] = ep.Target
	o, _, err := e.Reset(env.SeedOf(ep.Seed), w.opts)
	if err != nil {
		// The episode never started: nothing was found and nothing spent.
		ep.Error = fmt.Sprintf("env reset: %v", err)
		ep.FinalRegret = 1
		return 0, false
	}
	obs = o
	pol := factory()
	if pol == nil {
		ep.Error = "the policy factory returned nil"
		finish()
		return 0, false
	}
	w.src.Seed(ep.PolicySeed, policyStream)
	if err := pol.Reset(obs, w.rng); err != nil {
		ep.Error = fmt.Sprintf("policy reset: %v", err)
		finish()
		return 0, false
	}
	maxSteps, maxInvalid := w.p.spec.MaxSteps, w.p.spec.MaxInvalidSteps
	for {
		if ctx.Err() != nil {
			return made, true
		}
		if ep.Steps >= maxSteps {
			ep.Truncated = true
			break
		}
		a, err := pol.Act(obs)
		if err != nil {
			ep.Error = fmt.Sprintf("step %d: policy: %v", ep.Steps+1, err)
			break
		}
		r, err := e.Step(a)
		if err != nil {
			ep.InvalidSteps++
			if ep.InvalidSteps >= maxInvalid {
				ep.Error = fmt.Sprintf("step %d: the env rejected %d actions, the last with: %v", ep.Steps+1, ep.InvalidSteps, err)
				break
			}
			continue
		}
		ep.Steps++
		ep.Return += r.Reward
		obs = r.Obs
		for tt := min(k, k-obs.TrialsLeft); made < tt; made++ {
			ep.Regret[made], ep.GPUHours[made] = e.Regret(), obs.Spent
		}
		if r.Done() {
			break
		}
	}
	finish()
	return made, false
}

// deriveSeed hashes the identity of an episode into a seed: FNV-1a over
// the root seed, the kind of stream and the length-prefixed names, then a
// SplitMix64 finaliser.
func deriveSeed(root uint64, kind, envName, policyName, target string, episode int) uint64 {
	const (
		offset = 14695981039346656037
		prime  = 1099511628211
	)
	h := uint64(offset)
	word := func(v uint64) {
		for range 8 {
			h ^= v & 0xff
			h *= prime
			v >>= 8
		}
	}
	str := func(s string) {
		word(uint64(len(s)))
		for i := range len(s) {
			h ^= uint64(s[i])
			h *= prime
		}
	}
	word(root)
	str(kind)
	str(envName)
	str(policyName)
	str(target)
	word(uint64(episode))
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}

// startProgress reports progress to spec.Progress until the returned stop
// function is called; stop writes the last line.
func startProgress(spec Spec, total int, start time.Time, done, failed *atomic.Int64) (stop func()) {
	if spec.Progress == nil {
		return func() {}
	}
	every := spec.ProgressInterval
	if every == 0 {
		every = DefaultProgressInterval
	}
	quit := make(chan struct{})
	exited := make(chan struct{})
	write := func() {
		fmt.Fprintln(spec.Progress, progressLine(int(done.Load()), total, int(failed.Load()), time.Since(start)))
	}
	go func() {
		defer close(exited)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				write()
			}
		}
	}()
	return func() {
		close(quit)
		<-exited
		write()
	}
}

// progressLine renders one progress report.
func progressLine(done, total, failed int, elapsed time.Duration) string {
	var b strings.Builder
	pct := 100.0
	if total > 0 {
		pct = 100 * float64(done) / float64(total)
	}
	fmt.Fprintf(&b, "eval: %d/%d episodes (%.0f%%)", done, total, pct)
	if failed > 0 {
		fmt.Fprintf(&b, ", %d failed", failed)
	}
	fmt.Fprintf(&b, ", elapsed %v", roundDuration(elapsed))
	switch {
	case done == total:
		b.WriteString(", done")
	case done > 0:
		eta := time.Duration(float64(elapsed) * float64(total-done) / float64(done))
		fmt.Fprintf(&b, ", ETA %v", roundDuration(eta))
	}
	return b.String()
}

// roundDuration rounds d for display: to 0.1 s below a minute, to seconds
// above.
func roundDuration(d time.Duration) time.Duration {
	if d < time.Minute {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}
