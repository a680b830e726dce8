package rl

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/autollmresearch/gym/nn"
)

// bcStream is the second word of the PCG source of behaviour cloning.
const bcStream = 0x6263_5f72_6c00_0001

// ActionKind says how a policy network's outputs are read: as the logits
// of a categorical distribution over discrete actions, or as the mean of a
// Gaussian over a Box.
type ActionKind uint8

// The action kinds.
const (
	// DiscreteActions: the network outputs one logit per action, and an
	// action is stored as its index.
	DiscreteActions ActionKind = iota + 1
	// BoxActions: the network outputs the mean action, one value per
	// coordinate.
	BoxActions
)

// String returns "discrete" or "box".
func (k ActionKind) String() string {
	switch k {
	case DiscreteActions:
		return "discrete"
	case BoxActions:
		return "box"
	}
	return fmt.Sprintf("ActionKind(%d)", uint8(k))
}

// Dataset holds recorded (observation, action[, mask]) pairs for
// behaviour cloning, row after row.
type Dataset struct {
	// ObsDim is the length of an observation, ActDim of a stored action
	// (1 for a discrete action) and MaskDim of an action mask (0 when
	// there are no masks).
	ObsDim, ActDim, MaskDim int
	// Obs holds Len() × ObsDim observations.
	Obs []float64
	// Actions holds Len() × ActDim actions; a discrete action is its index
	// as a float64.
	Actions []float64
	// Masks holds Len() × MaskDim entries, true where the action was
	// allowed; nil when MaskDim is 0.
	Masks []bool
}

// Len is the number of rows, or 0 when ObsDim is not positive.
func (d Dataset) Len() int {
	if d.ObsDim <= 0 {
		return 0
	}
	return len(d.Obs) / d.ObsDim
}

// check verifies that the dataset fits the network and the action kind.
func (d Dataset) check(actor *nn.MLP, kind ActionKind) error {
	if d.ObsDim < 1 || d.ActDim < 1 || d.MaskDim < 0 {
		return fmt.Errorf("rl: Dataset has ObsDim %d, ActDim %d and MaskDim %d, want positive ObsDim and ActDim and MaskDim >= 0", d.ObsDim, d.ActDim, d.MaskDim)
	}
	n := d.Len()
	if n == 0 || len(d.Obs) != n*d.ObsDim {
		return fmt.Errorf("rl: Dataset has %d observation values, want a positive multiple of ObsDim %d", len(d.Obs), d.ObsDim)
	}
	if len(d.Actions) != n*d.ActDim {
		return fmt.Errorf("rl: Dataset has %d action values for %d rows, want %d (ActDim %d)", len(d.Actions), n, n*d.ActDim, d.ActDim)
	}
	if len(d.Masks) != n*d.MaskDim {
		return fmt.Errorf("rl: Dataset has %d mask entries for %d rows, want %d (MaskDim %d)", len(d.Masks), n, n*d.MaskDim, d.MaskDim)
	}
	if actor.In() != d.ObsDim {
		return fmt.Errorf("rl: TrainBC: the network takes %d inputs, the observations have %d values", actor.In(), d.ObsDim)
	}
	switch kind {
	case DiscreteActions:
		if d.ActDim != 1 {
			return fmt.Errorf("rl: TrainBC: discrete actions need ActDim 1, the dataset has %d", d.ActDim)
		}
		if d.MaskDim != 0 && d.MaskDim != actor.Out() {
			return fmt.Errorf("rl: TrainBC: masks have %d entries, the network has %d outputs", d.MaskDim, actor.Out())
		}
	case BoxActions:
		if d.ActDim != actor.Out() {
			return fmt.Errorf("rl: TrainBC: actions have %d values, the network has %d outputs", d.ActDim, actor.Out())
		}
		if d.MaskDim != 0 {
			return errors.New("rl: TrainBC: Box actions take no masks")
		}
	default:
		return fmt.Errorf("rl: TrainBC: action kind %v, want DiscreteActions or BoxActions", kind)
	}
	for r := range n {
		for k, v := range d.Obs[r*d.ObsDim : (r+1)*d.ObsDim] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("rl: Dataset row %d: observation slot %d is %g, want a finite number", r, k, v)
			}
		}
		act := d.Actions[r*d.ActDim : (r+1)*d.ActDim]
		if kind == BoxActions {
			for k, v := range act {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return fmt.Errorf("rl: Dataset row %d: action coordinate %d is %g, want a finite number", r, k, v)
				}
			}
			continue
		}
		a := act[0]
		if a != math.Trunc(a) || a < 0 || a >= float64(actor.Out()) {
			return fmt.Errorf("rl: Dataset row %d: discrete action %g, want an integer in [0, %d)", r, a, actor.Out())
		}
		if d.MaskDim > 0 && !d.Masks[r*d.MaskDim+int(a)] {
			return fmt.Errorf("rl: Dataset row %d: action %d is masked out", r, int(a))
		}
	}
	return nil
}

// BCConfig holds the settings of [TrainBC]. Start from [DefaultBCConfig].
type BCConfig struct {
	// Seed drives the split into training and validation rows and the
	// shuffling of minibatches. Default 1.
	Seed uint64 `json:"seed"`
	// Epochs is the number of passes over the training rows. Default 20.
	Epochs int `json:"epochs"`
	// BatchSize is the number of rows per gradient step. Default 64.
	BatchSize int `json:"batch_size"`
	// LR is Adam's learning rate. Default 1e-3.
	LR float64 `json:"lr"`
	// AdamEps is Adam's epsilon. Default 1e-8.
	AdamEps float64 `json:"adam_eps"`
	// MaxGradNorm clips the global norm of the gradient; 0 disables
	// clipping. Default 1.
	MaxGradNorm float64 `json:"max_grad_norm"`
	// WeightDecay is Adam's decoupled weight decay (nn.AdamConfig), which
	// pulls every parameter towards 0 and so keeps a network trained on a
	// handful of distinct experiments from fitting them with large,
	// erratic weights. Default 0 (off).
	WeightDecay float64 `json:"weight_decay,omitempty"`
	// ValFraction is the fraction of rows, drawn at random, held out to
	// measure the validation loss, in [0, 1). 0 holds out nothing.
	// Default 0.1.
	ValFraction float64 `json:"val_fraction"`
}

// DefaultBCConfig returns the documented defaults of every field.
func DefaultBCConfig() BCConfig {
	return BCConfig{Seed: 1, Epochs: 20, BatchSize: 64, LR: 1e-3, AdamEps: 1e-8, MaxGradNorm: 1, ValFraction: 0.1}
}

// Validate reports every field that is out of range.
func (c BCConfig) Validate() error {
	var errs []error
	bad := func(field string, v any, want string) {
		errs = append(errs, fmt.Errorf("rl: BCConfig.%s is %v, want %s", field, v, want))
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	if c.Epochs < 1 {
		bad("Epochs", c.Epochs, "at least 1")
	}
	if c.BatchSize < 1 {
		bad("BatchSize", c.BatchSize, "at least 1")
	}
	if !finite(c.LR) || c.LR <= 0 {
		bad("LR", c.LR, "a finite number > 0")
	}
	if !finite(c.AdamEps) || c.AdamEps <= 0 {
		bad("AdamEps", c.AdamEps, "a finite number > 0")
	}
	if !finite(c.MaxGradNorm) || c.MaxGradNorm < 0 {
		bad("MaxGradNorm", c.MaxGradNorm, "a finite number >= 0")
	}
	if !finite(c.WeightDecay) || c.WeightDecay < 0 {
		bad("WeightDecay", c.WeightDecay, "a finite number >= 0")
	}
	if !(c.ValFraction >= 0 && c.ValFraction < 1) {
		bad("ValFraction", c.ValFraction, "a number in [0, 1)")
	}
	return errors.Join(errs...)
}

// BCStats reports a behaviour-cloning run, epoch by epoch.
type BCStats struct {
	// TrainRows and ValRows are the numbers of training and held-out
	// rows.
	TrainRows, ValRows int
	// TrainLoss is each epoch's mean loss over its minibatches.
	TrainLoss []float64
	// ValLoss is the mean loss over the held-out rows after each epoch
	// (NaN when none are held out).
	ValLoss []float64
	// ValAccuracy is, for discrete actions, the fraction of held-out rows
	// whose recorded action is the network's most likely one (within the
	// mask) after each epoch; NaN for Box actions or without held-out
	// rows.
	ValAccuracy []float64
}

// TrainBC trains actor in place to imitate the actions of data, by
// supervised learning with Adam over shuffled minibatches:
//
//   - DiscreteActions: the loss is the cross-entropy −log p(a|s) of the
//     recorded action under the softmax of the network's outputs,
//     restricted to the row's mask when the dataset has masks;
//   - BoxActions: the loss is the squared error ‖μ(s) − a‖² between the
//     network's output, the mean of a Gaussian policy, and the recorded
//     action, summed over coordinates. The Gaussian's standard deviation
//     is not trained; a GRPO or PPO run starts it from its configuration.
//
// Losses are means over rows. A fraction cfg.ValFraction of the rows,
// drawn with cfg.Seed, is held out; after every epoch the loss (and, for
// discrete actions, the accuracy) on those rows is recorded. A network
// trained here can start a [GRPO] run (Options.Actor), which keeps a
// copy of it as the reference policy.
func TrainBC(actor *nn.MLP, kind ActionKind, data Dataset, cfg BCConfig) (BCStats, error) {
	if actor == nil {
		return BCStats{}, errors.New("rl: TrainBC: actor is nil")
	}
	if err := cfg.Validate(); err != nil {
		return BCStats{}, err
	}
	if err := data.check(actor, kind); err != nil {
		return BCStats{}, err
	}
	n := data.Len()
	rng := rand.New(rand.NewPCG(cfg.Seed, bcStream))
	perm := rng.Perm(n)
	nVal := int(math.Round(cfg.ValFraction * float64(n)))
	if cfg.ValFraction > 0 && nVal == 0 && n > 1 {
		nVal = 1
	}
	nVal = min(nVal, n-1)
	val, train := perm[:nVal], perm[nVal:]
	opt, err := nn.NewAdam(actor.NumParams(), nn.AdamConfig{LR: cfg.LR, Beta1: 0.9, Beta2: 0.999, Eps: cfg.AdamEps, WeightDecay: cfg.WeightDecay})
	if err != nil {
		return BCStats{}, err
	}
	b := newBCBatch(actor, kind, data, min(cfg.BatchSize, n))
	st := BCStats{TrainRows: len(train), ValRows: nVal}
	for epoch := range cfg.Epochs {
		rng.Shuffle(len(train), func(i, j int) { train[i], train[j] = train[j], train[i] })
		sum, batches := 0.0, 0
		for s := 0; s < len(train); s += b.size {
			rows := train[s:min(s+b.size, len(train))]
			loss, _, err := b.pass(rows, true)
			if err != nil {
				return st, fmt.Errorf("rl: TrainBC: epoch %d: %w", epoch+1, err)
			}
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				return st, fmt.Errorf("rl: TrainBC: epoch %d: loss is %g", epoch+1, loss)
			}
			nn.ClipGradNorm(cfg.MaxGradNorm, actor.Grads())
			if err := opt.Step(actor.Params(), actor.Grads()); err != nil {
				return st, fmt.Errorf("rl: TrainBC: %w", err)
			}
			sum += loss
			batches++
		}
		st.TrainLoss = append(st.TrainLoss, sum/float64(batches))
		vl, va := math.NaN(), math.NaN()
		if nVal > 0 {
			if vl, va, err = b.evaluate(val); err != nil {
				return st, fmt.Errorf("rl: TrainBC: validation after epoch %d: %w", epoch+1, err)
			}
		}
		st.ValLoss = append(st.ValLoss, vl)
		st.ValAccuracy = append(st.ValAccuracy, va)
	}
	return st, nil
}

// bcChunk is the number of rows one goroutine passes through the network
// at a time. A minibatch is cut into chunks of this fixed size whatever the
// number of cores, and their losses and gradients are summed in chunk
// order, so a run gives the same network bit for bit on any machine.
const bcChunk = 16

// bcBatch holds the scratch of behaviour-cloning passes.
type bcBatch struct {
	actor  *nn.MLP
	kind   ActionKind
	data   Dataset
	size   int
	chunks []*bcChunkScratch
}

// bcChunkScratch is the scratch of one chunk of a pass.
type bcChunkScratch struct {
	ws      *nn.Workspace
	obs     []float64
	dOut    []float64
	grads   []float64
	dist    *nn.Categorical
	loss    float64
	correct int
	err     error
}

func newBCBatch(actor *nn.MLP, kind ActionKind, data Dataset, size int) *bcBatch {
	b := &bcBatch{actor: actor, kind: kind, data: data, size: size}
	for range (size + bcChunk - 1) / bcChunk {
		b.chunks = append(b.chunks, &bcChunkScratch{
			ws:    actor.NewWorkspace(bcChunk),
			obs:   make([]float64, bcChunk*data.ObsDim),
			dOut:  make([]float64, bcChunk*actor.Out()),
			grads: make([]float64, actor.NumParams()),
			dist:  nn.NewCategorical(actor.Out()),
		})
	}
	return b
}

// pass computes the mean loss over rows (at most size of them) and the
// number of correct discrete predictions; with grad it also leaves the
// loss's gradient in the actor's Grads. The rows are cut into chunks of
// bcChunk, passed in parallel on up to GOMAXPROCS goroutines, and summed
// in chunk order.
func (b *bcBatch) pass(rows []int, grad bool) (loss float64, correct int, err error) {
	n := (len(rows) + bcChunk - 1) / bcChunk
	inv := 1 / float64(len(rows))
	run := func(c int) {
		b.chunks[c].pass(b, rows[c*bcChunk:min((c+1)*bcChunk, len(rows))], inv, grad)
	}
	if workers := min(n, runtime.GOMAXPROCS(0)); workers <= 1 {
		for c := range n {
			run(c)
		}
	} else {
		var next atomic.Int64
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for c := int(next.Add(1)) - 1; c < n; c = int(next.Add(1)) - 1 {
					run(c)
				}
			})
		}
		wg.Wait()
	}
	if grad {
		b.actor.ZeroGrad()
	}
	g := b.actor.Grads()
	for _, ch := range b.chunks[:n] {
		if ch.err != nil {
			return 0, 0, ch.err
		}
		loss += ch.loss
		correct += ch.correct
		if grad {
			for i, v := range ch.grads {
				g[i] += v
			}
		}
	}
	return loss * inv, correct, nil
}

// pass passes one chunk of rows of a minibatch whose rows weigh inv each:
// it records the chunk's summed loss and correct predictions, and with
// grad its gradient in ch.grads.
func (ch *bcChunkScratch) pass(b *bcBatch, rows []int, inv float64, grad bool) {
	ch.loss, ch.correct, ch.err = 0, 0, nil
	d, k, m := b.data.ObsDim, b.actor.Out(), len(rows)
	for j, r := range rows {
		copy(ch.obs[j*d:(j+1)*d], b.data.Obs[r*d:(r+1)*d])
	}
	out, err := b.actor.ForwardBatch(ch.ws, ch.obs[:m*d])
	if err != nil {
		ch.err = err
		return
	}
	dOut := ch.dOut[:m*k]
	clear(dOut)
	for j, r := range rows {
		o := out[j*k : (j+1)*k]
		switch b.kind {
		case DiscreteActions:
			var mask []bool
			if md := b.data.MaskDim; md > 0 {
				mask = b.data.Masks[r*md : (r+1)*md]
			}
			if err := ch.dist.Set(o, mask); err != nil {
				ch.err = fmt.Errorf("row %d: %w", r, err)
				return
			}
			a := int(b.data.Actions[r])
			lp, err := ch.dist.LogProb(a)
			if err != nil {
				ch.err = fmt.Errorf("row %d: %w", r, err)
				return
			}
			ch.loss -= lp
			if mode, err := ch.dist.Mode(); err == nil && mode == a {
				ch.correct++
			}
			if grad {
				if err := ch.dist.Backward(dOut[j*k:(j+1)*k], a, -inv, 0); err != nil {
					ch.err = fmt.Errorf("row %d: %w", r, err)
					return
				}
			}
		case BoxActions:
			act := b.data.Actions[r*k : (r+1)*k]
			for i, mu := range o {
				e := mu - act[i]
				ch.loss += e * e
				dOut[j*k+i] = 2 * e * inv
			}
		}
	}
	if grad {
		clear(ch.grads)
		ch.err = b.actor.BackwardParamsTo(ch.ws, dOut, ch.grads)
	}
}

// evaluate returns the mean loss and, for discrete actions, the accuracy
// over rows, without changing the network.
func (b *bcBatch) evaluate(rows []int) (loss, acc float64, err error) {
	correct := 0
	for s := 0; s < len(rows); s += b.size {
		chunk := rows[s:min(s+b.size, len(rows))]
		l, c, err := b.pass(chunk, false)
		if err != nil {
			return 0, 0, err
		}
		loss += l * float64(len(chunk))
		correct += c
	}
	acc = math.NaN()
	if b.kind == DiscreteActions {
		acc = float64(correct) / float64(len(rows))
	}
	return loss / float64(len(rows)), acc, nil
}
