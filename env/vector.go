package env

import (
	"errors"
	"fmt"
	"runtime"

	"github.com/autollmresearch/gym/spaces"
)

// AutoresetMode says when a [Vector] starts a new episode in a sub-env whose
// episode has ended.
type AutoresetMode uint8

const (
	// NextStep is the default mode. The Step that ends sub-env i returns its
	// final observation and info in Obs[i] and Infos[i]; the next Step resets
	// sub-env i instead of stepping it, ignores its action, and reports reward
	// 0, not terminated and not truncated, with the new episode's first
	// observation and info.
	NextStep AutoresetMode = iota
	// SameStep resets sub-env i within the Step that ends its episode: Obs[i]
	// and Infos[i] are the new episode's first observation and info, while the
	// final observation and info go to FinalObs[i] and FinalInfos[i], with
	// Final[i] set.
	SameStep
)

// String returns the mode's name.
func (m AutoresetMode) String() string {
	switch m {
	case NextStep:
		return "NextStep"
	case SameStep:
		return "SameStep"
	}
	return fmt.Sprintf("AutoresetMode(%d)", uint8(m))
}

// VectorOptions configure a [Vector].
type VectorOptions struct {
	// Parallel steps the sub-envs on worker goroutines, at most one per
	// available CPU (GOMAXPROCS), each owning a fixed block of sub-envs.
	// Otherwise they are stepped one after another on the caller's
	// goroutine. Results are identical either way.
	Parallel bool
	// Autoreset says when ended episodes restart.
	Autoreset AutoresetMode
}

// VectorStep is what [Vector.Step] returns: element i of every slice belongs
// to sub-env i.
//
// The slices are owned by the Vector and overwritten by its next Step or
// Reset; observations and infos in them may also share memory with the
// sub-envs' buffers. Copy what must outlive the next call.
type VectorStep[O any] struct {
	// Obs are the observations after the step (see AutoresetMode for what
	// an ended sub-env reports).
	Obs []O
	// Rewards are the step rewards.
	Rewards []float64
	// Terminated and Truncated report episodes that ended with this step.
	Terminated, Truncated []bool
	// Infos are the sub-envs' infos.
	Infos []Info
	// Final marks the sub-envs that were reset within this step (SameStep
	// mode only; always false in NextStep mode).
	Final []bool
	// FinalObs and FinalInfos hold the last observation and info of the
	// episode that ended, where Final is set, and zero values elsewhere.
	// The observation is a deep copy when the observation space implements
	// spaces.Cloner, and the info is always a clone, so neither is
	// overwritten by the reset that followed.
	FinalObs   []O
	FinalInfos []Info
}

// Vector steps several copies of an env together, as one batch, restarting
// each one's episode when it ends (see [AutoresetMode]).
//
// A Vector is not safe for concurrent use; in Parallel mode it runs its own
// worker goroutines, which Close stops.
type Vector[O, A any] struct {
	envs     []Env[O, A]
	obsSpace spaces.Space[O]
	actSpace spaces.Space[A]
	cloner   spaces.Cloner[O]
	mode     AutoresetMode

	out        VectorStep[O]
	autoreset  []bool // sub-env i starts a new episode on the next Step
	errs       []error
	actions    []A // the caller's actions during one Step; read by workers
	seed       Seed
	resetOpts  Options
	started    bool
	closed     bool
	closeErr   error
	workers    []chan vectorOp
	workerDone chan struct{}
}

// vectorOp is a command sent to a worker goroutine.
type vectorOp uint8

const (
	opStep vectorOp = iota
	opReset
)

// NewVector builds a Vector over envs, which must be non-empty, non-nil and
// share their observation and action spaces (compared by String). The
// Vector owns the envs from then on: its Close closes them. In Parallel mode
// it starts worker goroutines that run until Close.
func NewVector[O, A any](envs []Env[O, A], opts VectorOptions) (*Vector[O, A], error) {
	if len(envs) == 0 {
		return nil, errors.New("env: NewVector needs at least one env, got none")
	}
	if opts.Autoreset != NextStep && opts.Autoreset != SameStep {
		return nil, fmt.Errorf("env: NewVector: unknown autoreset mode %v (want NextStep or SameStep)", opts.Autoreset)
	}
	for i, e := range envs {
		if e == nil {
			return nil, fmt.Errorf("env: NewVector: env %d is nil", i)
		}
	}
	obsSpace, actSpace := envs[0].ObservationSpace(), envs[0].ActionSpace()
	if obsSpace == nil {
		return nil, errors.New("env: NewVector: env 0 has a nil observation space")
	}
	if actSpace == nil {
		return nil, errors.New("env: NewVector: env 0 has a nil action space")
	}
	for i, e := range envs[1:] {
		obs, act := e.ObservationSpace(), e.ActionSpace()
		if obs == nil || obs.String() != obsSpace.String() {
			return nil, fmt.Errorf("env: NewVector: env %d has observation space %v, env 0 has %v", i+1, obs, obsSpace)
		}
		if act == nil || act.String() != actSpace.String() {
			return nil, fmt.Errorf("env: NewVector: env %d has action space %v, env 0 has %v", i+1, act, actSpace)
		}
	}
	n := len(envs)
	v := &Vector[O, A]{
		envs:      append([]Env[O, A](nil), envs...),
		obsSpace:  obsSpace,
		actSpace:  actSpace,
		mode:      opts.Autoreset,
		autoreset: make([]bool, n),
		errs:      make([]error, n),
		out: VectorStep[O]{
			Obs:        make([]O, n),
			Rewards:    make([]float64, n),
			Terminated: make([]bool, n),
			Truncated:  make([]bool, n),
			Infos:      make([]Info, n),
			Final:      make([]bool, n),
			FinalObs:   make([]O, n),
			FinalInfos: make([]Info, n),
		},
	}
	v.cloner, _ = obsSpace.(spaces.Cloner[O])
	if opts.Parallel {
		v.startWorkers()
	}
	return v, nil
}

// startWorkers starts min(NumEnvs, GOMAXPROCS) goroutines, each owning a
// contiguous block of sub-envs.
func (v *Vector[O, A]) startWorkers() {
	n := len(v.envs)
	w := min(n, runtime.GOMAXPROCS(0))
	v.workers = make([]chan vectorOp, w)
	v.workerDone = make(chan struct{}, w)
	for k := range w {
		lo, hi := k*n/w, (k+1)*n/w
		ch := make(chan vectorOp, 1)
		v.workers[k] = ch
		go func() {
			for op := range ch {
				for i := lo; i < hi; i++ {
					v.run(op, i)
				}
				v.workerDone <- struct{}{}
			}
		}()
	}
}

// dispatch runs op on every sub-env, in parallel or in order.
func (v *Vector[O, A]) dispatch(op vectorOp) error {
	clear(v.errs)
	if v.workers == nil {
		for i := range v.envs {
			v.run(op, i)
		}
	} else {
		for _, ch := range v.workers {
			ch <- op
		}
		for range v.workers {
			<-v.workerDone
		}
	}
	return v.joinErrors()
}

// joinErrors joins the sub-envs' errors in index order, naming each index.
func (v *Vector[O, A]) joinErrors() error {
	var errs []error
	for i, err := range v.errs {
		if err != nil {
			errs = append(errs, fmt.Errorf("env %d: %w", i, err))
		}
	}
	return errors.Join(errs...)
}

// run performs op on sub-env i and stores its results and error.
func (v *Vector[O, A]) run(op vectorOp, i int) {
	defer func() {
		if p := recover(); p != nil {
			v.errs[i] = fmt.Errorf("panic: %v", p)
		}
	}()
	switch op {
	case opReset:
		v.errs[i] = v.resetOne(i, subSeed(v.seed, i), v.resetOpts)
	case opStep:
		v.errs[i] = v.stepOne(i)
	}
}

// resetOne resets sub-env i and records its first observation.
func (v *Vector[O, A]) resetOne(i int, seed Seed, options Options) error {
	out := &v.out
	out.Rewards[i] = 0
	out.Terminated[i], out.Truncated[i] = false, false
	v.clearFinal(i)
	v.autoreset[i] = false
	obs, info, err := v.envs[i].Reset(seed, options)
	out.Obs[i], out.Infos[i] = obs, info
	return err
}

// clearFinal drops sub-env i's final observation and info from an earlier
// step so that they can be collected.
func (v *Vector[O, A]) clearFinal(i int) {
	if v.out.Final[i] {
		var zero O
		v.out.Final[i] = false
		v.out.FinalObs[i] = zero
		v.out.FinalInfos[i] = Info{}
	}
}

// stepOne steps sub-env i (or resets it, in NextStep mode after its episode
// ended) and records the result.
func (v *Vector[O, A]) stepOne(i int) error {
	if v.autoreset[i] {
		return v.resetOne(i, NoSeed, nil)
	}
	out := &v.out
	v.clearFinal(i)
	res, err := v.envs[i].Step(v.actions[i])
	out.Obs[i], out.Infos[i] = res.Obs, res.Info
	out.Rewards[i] = res.Reward
	out.Terminated[i], out.Truncated[i] = res.Terminated, res.Truncated
	if err != nil || !res.Done() {
		return err
	}
	if v.mode == NextStep {
		v.autoreset[i] = true
		return nil
	}
	final := res.Obs
	if v.cloner != nil {
		final = v.cloner.Clone(final)
	}
	finalInfo := res.Info.Clone()
	obs, info, err := v.envs[i].Reset(NoSeed, nil)
	out.Obs[i], out.Infos[i] = obs, info
	out.Final[i], out.FinalObs[i], out.FinalInfos[i] = true, final, finalInfo
	if err != nil {
		return fmt.Errorf("autoreset: %w", err)
	}
	return nil
}

// Reset starts a new episode in every sub-env and returns their first
// observations and infos. A set seed gives sub-env i its own seed, derived
// from (seed, i) by a fixed mixing function, so that the same seed always
// gives the same batch of episodes; NoSeed keeps every sub-env's random
// stream going. Options are passed to every sub-env (in Parallel mode
// concurrently, so sub-envs must only read them).
//
// The returned slices are the Vector's own, overwritten by the next Reset
// or Step. Errors from sub-envs are joined, each naming its index.
func (v *Vector[O, A]) Reset(seed Seed, options Options) ([]O, []Info, error) {
	if v.closed {
		return nil, nil, ErrClosed
	}
	v.seed, v.resetOpts = seed, options
	err := v.dispatch(opReset)
	v.resetOpts = nil
	v.started = err == nil
	return v.out.Obs, v.out.Infos, err
}

// Step applies actions[i] to sub-env i, restarting episodes that ended as
// the autoreset mode says. len(actions) must equal NumEnvs.
//
// The result's slices are the Vector's own, overwritten by the next Step or
// Reset. Errors from sub-envs are joined, each naming its index; a panic in
// a sub-env is recovered and reported as its error. After an error, Reset
// the Vector before stepping it again.
func (v *Vector[O, A]) Step(actions []A) (VectorStep[O], error) {
	if v.closed {
		return VectorStep[O]{}, ErrClosed
	}
	if len(actions) != len(v.envs) {
		return VectorStep[O]{}, fmt.Errorf("env: Vector.Step got %d actions, want one per env (%d)", len(actions), len(v.envs))
	}
	if !v.started {
		return VectorStep[O]{}, fmt.Errorf("env: Vector.Step: %w (or the last Reset failed)", ErrResetNeeded)
	}
	v.actions = actions
	err := v.dispatch(opStep)
	v.actions = nil
	if err != nil {
		v.started = false
	}
	return v.out, err
}

// NumEnvs is the number of sub-envs.
func (v *Vector[O, A]) NumEnvs() int { return len(v.envs) }

// ObservationSpace is the observation space of a single sub-env.
func (v *Vector[O, A]) ObservationSpace() spaces.Space[O] { return v.obsSpace }

// ActionSpace is the action space of a single sub-env.
func (v *Vector[O, A]) ActionSpace() spaces.Space[A] { return v.actSpace }

// Close stops the worker goroutines and closes every sub-env, joining their
// errors. It is safe to call more than once; later calls return the first
// call's result.
func (v *Vector[O, A]) Close() error {
	if v.closed {
		return v.closeErr
	}
	v.closed = true
	for _, ch := range v.workers {
		close(ch)
	}
	v.workers = nil
	var errs []error
	for i, e := range v.envs {
		if err := e.Close(); err != nil {
			errs = append(errs, fmt.Errorf("env %d: %w", i, err))
		}
	}
	v.closeErr = errors.Join(errs...)
	return v.closeErr
}

// subSeed derives sub-env i's seed from the Vector's seed with the
// splitmix64 finaliser, so that neighbouring indices get unrelated streams.
func subSeed(seed Seed, i int) Seed {
	if !seed.Set {
		return NoSeed
	}
	z := seed.Value + uint64(i+1)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return SeedOf(z ^ (z >> 31))
}
