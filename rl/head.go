package rl

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/autollmresearch/gym/nn"
	"github.com/autollmresearch/gym/spaces"
)

// head turns the actor's outputs for one observation into a distribution
// over actions. Actions are stored as float64 vectors of length actDim (a
// discrete index as one float64).
type head interface {
	// outDim is the number of actor outputs the head reads.
	outDim() int
	// actDim is the length of a stored action.
	actDim() int
	// sample draws an action from the distribution given by out (and
	// mask), writes it to act and returns its log-probability.
	sample(rng *rand.Rand, out []float64, mask []bool, act []float64) (float64, error)
	// mode writes the most likely action to act.
	mode(out []float64, mask []bool, act []float64) error
	// eval sets the head to the distribution of out (and mask) and returns
	// the log-probability of act and the entropy.
	eval(out []float64, mask []bool, act []float64) (logp, entropy float64, err error)
	// backward adds to dOut (and to the head's own parameter gradients)
	// the gradient of gLogProb·log p(act) + gEntropy·H for the last eval.
	backward(dOut []float64, gLogProb, gEntropy float64) error
	// params and grads expose the parameters of the head itself (the
	// Gaussian's log standard deviations) and their gradient; nil for
	// none.
	params() []float64
	grads() []float64
}

// categoricalHead is a categorical policy over K discrete actions.
type categoricalHead struct {
	dist *nn.Categorical
	last int // action of the last eval
}

func newCategoricalHead(k int) *categoricalHead {
	return &categoricalHead{dist: nn.NewCategorical(k)}
}

func (h *categoricalHead) outDim() int { return h.dist.Len() }
func (h *categoricalHead) actDim() int { return 1 }

func (h *categoricalHead) sample(rng *rand.Rand, out []float64, mask []bool, act []float64) (float64, error) {
	if err := h.dist.Set(out, mask); err != nil {
		return 0, err
	}
	a, err := h.dist.Sample(rng)
	if err != nil {
		return 0, err
	}
	act[0] = float64(a)
	return h.dist.LogProbs()[a], nil
}

func (h *categoricalHead) mode(out []float64, mask []bool, act []float64) error {
	if err := h.dist.Set(out, mask); err != nil {
		return err
	}
	a, err := h.dist.Mode()
	act[0] = float64(a)
	return err
}

func (h *categoricalHead) eval(out []float64, mask []bool, act []float64) (float64, float64, error) {
	if err := h.dist.Set(out, mask); err != nil {
		return 0, 0, err
	}
	h.last = int(act[0])
	lp, err := h.dist.LogProb(h.last)
	return lp, h.dist.Entropy(), err
}

func (h *categoricalHead) backward(dOut []float64, gLogProb, gEntropy float64) error {
	return h.dist.Backward(dOut, h.last, gLogProb, gEntropy)
}

func (h *categoricalHead) params() []float64 { return nil }
func (h *categoricalHead) grads() []float64  { return nil }

// gaussianHead is a diagonal Gaussian policy whose mean is the actor's
// output and whose log standard deviations are parameters of their own.
type gaussianHead struct {
	logStd, logStdGrad []float64
	last               nn.DiagGaussian
	lastAct            []float64
}

func newGaussianHead(d int, initLogStd float64) *gaussianHead {
	h := &gaussianHead{logStd: make([]float64, d), logStdGrad: make([]float64, d)}
	for i := range h.logStd {
		h.logStd[i] = initLogStd
	}
	return h
}

func (h *gaussianHead) outDim() int { return len(h.logStd) }
func (h *gaussianHead) actDim() int { return len(h.logStd) }

func (h *gaussianHead) sample(rng *rand.Rand, out []float64, _ []bool, act []float64) (float64, error) {
	g, err := nn.NewDiagGaussian(out, h.logStd)
	if err != nil {
		return 0, err
	}
	if err := g.Sample(rng, act); err != nil {
		return 0, err
	}
	return g.LogProb(act)
}

func (h *gaussianHead) mode(out []float64, _ []bool, act []float64) error {
	g, err := nn.NewDiagGaussian(out, h.logStd)
	if err != nil {
		return err
	}
	return g.Mode(act)
}

func (h *gaussianHead) eval(out []float64, _ []bool, act []float64) (float64, float64, error) {
	g, err := nn.NewDiagGaussian(out, h.logStd)
	if err != nil {
		return 0, 0, err
	}
	h.last, h.lastAct = g, act
	lp, err := g.LogProb(act)
	return lp, g.Entropy(), err
}

func (h *gaussianHead) backward(dOut []float64, gLogProb, gEntropy float64) error {
	return h.last.Backward(h.lastAct, dOut, h.logStdGrad, gLogProb, gEntropy)
}

func (h *gaussianHead) params() []float64 { return h.logStd }
func (h *gaussianHead) grads() []float64  { return h.logStdGrad }

// codec converts stored actions into the env's action type A.
type codec[A any] interface {
	// newActions returns a slice of n env actions, each with its own
	// storage where A is a slice.
	newActions(n int) []A
	// decode writes the env action of the stored action act into dst.
	decode(act []float64, dst *A)
}

// discreteCodec maps the index k of a Discrete(n, start) space to
// start + k.
type discreteCodec struct{ start int }

func (discreteCodec) newActions(n int) []int           { return make([]int, n) }
func (c discreteCodec) decode(act []float64, dst *int) { *dst = c.start + int(act[0]) }

// boxCodec clips a continuous action to the box's bounds.
type boxCodec struct{ low, high []float64 }

func (c boxCodec) newActions(n int) [][]float64 {
	out := make([][]float64, n)
	for i := range out {
		out[i] = make([]float64, len(c.low))
	}
	return out
}

func (c boxCodec) decode(act []float64, dst *[]float64) {
	for i, v := range act {
		(*dst)[i] = math.Min(math.Max(v, c.low[i]), c.high[i])
	}
}

// newHead builds the head and codec for an action space: a categorical
// head for a Discrete space (A = int) and a Gaussian head for a Box
// (A = []float64).
func newHead[A any](space spaces.Space[A], initLogStd float64) (head, codec[A], error) {
	switch sp := any(space).(type) {
	case *spaces.Discrete:
		c, ok := any(discreteCodec{start: sp.Start()}).(codec[A])
		if !ok { // cannot happen: a Space[A] that is a *Discrete has A = int
			return nil, nil, fmt.Errorf("rl: action space %v with action type %T", space, *new(A))
		}
		return newCategoricalHead(sp.N()), c, nil
	case *spaces.Box:
		low, high := sp.Low(), sp.High()
		for i := range low {
			if low[i] > high[i] {
				return nil, nil, fmt.Errorf("rl: action space %v has low %g above high %g at %d", space, low[i], high[i], i)
			}
		}
		c, ok := any(boxCodec{low: low, high: high}).(codec[A])
		if !ok {
			return nil, nil, fmt.Errorf("rl: action space %v with action type %T", space, *new(A))
		}
		return newGaussianHead(sp.Dim(), initLogStd), c, nil
	case nil:
		return nil, nil, fmt.Errorf("rl: the env has no action space")
	}
	return nil, nil, fmt.Errorf("rl: action space %v (%T) is not supported; want *spaces.Discrete or *spaces.Box", space, space)
}

// actOne runs actor on one observation and returns the head's action for
// it: the most likely one when rng is nil, otherwise a draw from rng. ws is
// a one-row workspace of actor and buf a scratch of h.actDim() values.
func actOne[A any](actor *nn.MLP, ws *nn.Workspace, h head, c codec[A], buf, obs []float64, mask []bool, rng *rand.Rand) (A, error) {
	var a A
	out, err := actor.Forward(ws, obs)
	if err != nil {
		return a, fmt.Errorf("rl: Act: %w", err)
	}
	if rng == nil {
		err = h.mode(out, mask, buf)
	} else {
		_, err = h.sample(rng, out, mask, buf)
	}
	if err != nil {
		return a, fmt.Errorf("rl: Act: %w", err)
	}
	a = c.newActions(1)[0]
	c.decode(buf, &a)
	return a, nil
}
