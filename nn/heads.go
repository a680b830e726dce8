package nn

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/autollmresearch/gym/internal/kernel"
)

// Categorical is a categorical distribution over the actions 0..K−1 given
// by unnormalised logits, with an optional mask of the allowed actions: a
// masked action has logit −Inf, probability 0 and log-probability −Inf.
//
// A Categorical is a reusable buffer: Set recomputes it in place without
// allocating, so a policy keeps one per goroutine and sets it for every
// sample.
type Categorical struct {
	logp    []float64 // log-probabilities, −Inf where masked
	p       []float64 // probabilities, 0 where masked
	shifted []float64 // scratch: the logits less the largest, then their exp
	entropy float64
	set     bool
}

// NewCategorical returns a distribution over k actions, to be Set before
// use. k below 1 is taken as 1.
func NewCategorical(k int) *Categorical {
	k = max(k, 1)
	return &Categorical{logp: make([]float64, k), p: make([]float64, k), shifted: make([]float64, k)}
}

// Len is the number of actions, K.
func (c *Categorical) Len() int { return len(c.logp) }

// Set makes c the distribution softmax(logits) restricted to the actions
// whose mask entry is true; a nil mask allows every action. The
// log-softmax is computed stably, by subtracting the largest allowed logit.
// It is an error if len(logits) or len(mask) is not Len, if no action is
// allowed, or if an allowed logit is NaN or infinite.
func (c *Categorical) Set(logits []float64, mask []bool) error {
	c.set = false
	k := len(c.logp)
	if len(logits) != k {
		return fmt.Errorf("nn: Categorical.Set: %d logits, want %d", len(logits), k)
	}
	if mask != nil && len(mask) != k {
		return fmt.Errorf("nn: Categorical.Set: mask has %d entries, want %d", len(mask), k)
	}
	hi := math.Inf(-1)
	allowed := 0
	for i, z := range logits {
		if mask != nil && !mask[i] {
			continue
		}
		if math.IsNaN(z) || math.IsInf(z, 0) {
			return fmt.Errorf("nn: Categorical.Set: logit %d is %g, want a finite number", i, z)
		}
		allowed++
		hi = max(hi, z)
	}
	if allowed == 0 {
		return errors.New("nn: Categorical.Set: the mask allows no action")
	}
	// The exponentials go through kernel.Exp, math.Exp's bits 8 at a
	// time; a masked logit, which may be anything, becomes 0.
	e := c.shifted
	for i, z := range logits {
		e[i] = 0
		if mask == nil || mask[i] {
			e[i] = z - hi
		}
	}
	kernel.Exp(e, e)
	sum := 0.0
	for i, v := range e {
		if mask == nil || mask[i] {
			sum += v
		}
	}
	logSum := math.Log(sum)
	for i, z := range logits {
		c.logp[i] = 0
		if mask == nil || mask[i] {
			c.logp[i] = z - hi - logSum
		}
	}
	kernel.Exp(c.p, c.logp)
	h := 0.0
	for i, lp := range c.logp {
		if mask != nil && !mask[i] {
			c.logp[i], c.p[i] = math.Inf(-1), 0
			continue
		}
		h -= c.p[i] * lp
	}
	c.entropy = h
	c.set = true
	return nil
}

// errNotSet is returned by methods called before a successful Set.
var errNotSet = errors.New("nn: Categorical used before a successful Set")

// checkAction verifies that c is set and a is an action.
func (c *Categorical) checkAction(op string, a int) error {
	if !c.set {
		return errNotSet
	}
	if a < 0 || a >= len(c.logp) {
		return fmt.Errorf("nn: Categorical.%s: action %d is not in [0, %d)", op, a, len(c.logp))
	}
	return nil
}

// LogProb returns the log-probability of action a: −Inf for a masked
// action, an error for one out of range.
func (c *Categorical) LogProb(a int) (float64, error) {
	if err := c.checkAction("LogProb", a); err != nil {
		return 0, err
	}
	return c.logp[a], nil
}

// Probs returns the probabilities of all actions, owned by c and valid
// until the next Set.
func (c *Categorical) Probs() []float64 { return c.p }

// LogProbs returns the log-probabilities of all actions (−Inf where
// masked), owned by c and valid until the next Set.
func (c *Categorical) LogProbs() []float64 { return c.logp }

// Entropy returns −Σ p log p over the allowed actions.
func (c *Categorical) Entropy() float64 { return c.entropy }

// Sample draws an action from rng by inverting the cumulative
// distribution with one rng.Float64; a masked action is never drawn.
func (c *Categorical) Sample(rng *rand.Rand) (int, error) {
	if !c.set {
		return 0, errNotSet
	}
	u := rng.Float64()
	last := -1
	for i, p := range c.p {
		if p == 0 {
			continue
		}
		last = i
		u -= p
		if u < 0 {
			return i, nil
		}
	}
	// Rounding left u ≥ 0 after the last allowed action.
	return last, nil
}

// Mode returns the most probable action (the lowest index among ties).
func (c *Categorical) Mode() (int, error) {
	if !c.set {
		return 0, errNotSet
	}
	best := -1
	for i, p := range c.p {
		if best < 0 || p > c.p[best] {
			best = i
		}
	}
	return best, nil
}

// Backward adds to dLogits the gradient with respect to the logits of
// gLogProb·log p(a) + gEntropy·H, where H is the entropy:
//
//	∂ log p(a)/∂z_j = [j = a] − p_j
//	∂ H/∂z_j        = −p_j (log p_j + H)
//
// Masked logits get no gradient. a must be an allowed action when gLogProb
// is not 0.
func (c *Categorical) Backward(dLogits []float64, a int, gLogProb, gEntropy float64) error {
	if err := c.checkAction("Backward", a); err != nil {
		return err
	}
	if len(dLogits) != len(c.logp) {
		return fmt.Errorf("nn: Categorical.Backward: gradient has %d entries, want %d", len(dLogits), len(c.logp))
	}
	if gLogProb != 0 && c.p[a] == 0 {
		return fmt.Errorf("nn: Categorical.Backward: action %d is masked", a)
	}
	h := c.entropy
	for j, p := range c.p {
		if p == 0 {
			continue
		}
		g := -gLogProb*p - gEntropy*p*(c.logp[j]+h)
		if j == a {
			g += gLogProb
		}
		dLogits[j] += g
	}
	return nil
}

const (
	// halfLog2Pi is ½·log(2π).
	halfLog2Pi = 0.91893853320467274178
	// halfLog2PiE is ½·log(2πe), the entropy of a standard normal.
	halfLog2PiE = halfLog2Pi + 0.5
)

// DiagGaussian is a Gaussian distribution with a diagonal covariance: a
// mean per coordinate (typically a network's output) and a log standard
// deviation per coordinate (typically parameters of their own that do not
// depend on the state).
//
// For actions in a box, sample from the distribution, keep the unclipped
// sample for LogProb and training, and clip only the copy sent to the env.
type DiagGaussian struct {
	mean, logStd []float64
}

// NewDiagGaussian returns the distribution with the given mean and log
// standard deviation, which it keeps (not copies). They must have the same,
// positive length and hold finite numbers.
func NewDiagGaussian(mean, logStd []float64) (DiagGaussian, error) {
	if len(mean) == 0 || len(mean) != len(logStd) {
		return DiagGaussian{}, fmt.Errorf("nn: NewDiagGaussian: mean has %d entries and log std %d, want the same positive number", len(mean), len(logStd))
	}
	for i := range mean {
		if math.IsNaN(mean[i]) || math.IsInf(mean[i], 0) {
			return DiagGaussian{}, fmt.Errorf("nn: NewDiagGaussian: mean[%d] is %g, want a finite number", i, mean[i])
		}
		if math.IsNaN(logStd[i]) || math.IsInf(logStd[i], 0) {
			return DiagGaussian{}, fmt.Errorf("nn: NewDiagGaussian: logStd[%d] is %g, want a finite number", i, logStd[i])
		}
	}
	return DiagGaussian{mean: mean, logStd: logStd}, nil
}

// Dim is the number of coordinates.
func (g DiagGaussian) Dim() int { return len(g.mean) }

// checkLen verifies that x has Dim entries.
func (g DiagGaussian) checkLen(op, what string, x []float64) error {
	if len(x) != len(g.mean) {
		return fmt.Errorf("nn: DiagGaussian.%s: %s has %d entries, want %d", op, what, len(x), len(g.mean))
	}
	return nil
}

// LogProb returns the log-density of x:
// Σ_i −(x_i−μ_i)²/(2σ_i²) − log σ_i − ½ log 2π.
func (g DiagGaussian) LogProb(x []float64) (float64, error) {
	if err := g.checkLen("LogProb", "x", x); err != nil {
		return 0, err
	}
	lp := 0.0
	for i, xi := range x {
		z := (xi - g.mean[i]) * math.Exp(-g.logStd[i])
		lp += -0.5*z*z - g.logStd[i] - halfLog2Pi
	}
	return lp, nil
}

// Entropy returns Σ_i log σ_i + ½ log(2πe).
func (g DiagGaussian) Entropy() float64 {
	h := 0.0
	for _, s := range g.logStd {
		h += s + halfLog2PiE
	}
	return h
}

// Sample writes a draw μ + σ·ε, ε ~ N(0, I) from rng, into dst.
func (g DiagGaussian) Sample(rng *rand.Rand, dst []float64) error {
	if err := g.checkLen("Sample", "dst", dst); err != nil {
		return err
	}
	for i := range dst {
		dst[i] = g.mean[i] + math.Exp(g.logStd[i])*rng.NormFloat64()
	}
	return nil
}

// Mode writes the mean into dst.
func (g DiagGaussian) Mode(dst []float64) error {
	if err := g.checkLen("Mode", "dst", dst); err != nil {
		return err
	}
	copy(dst, g.mean)
	return nil
}

// Backward adds to dMean and dLogStd the gradient of
// gLogProb·log p(x) + gEntropy·H with respect to the mean and the log
// standard deviation:
//
//	∂ log p/∂μ_i     = (x_i − μ_i)/σ_i²
//	∂ log p/∂log σ_i = (x_i − μ_i)²/σ_i² − 1
//	∂ H/∂log σ_i     = 1
func (g DiagGaussian) Backward(x, dMean, dLogStd []float64, gLogProb, gEntropy float64) error {
	for _, v := range [...]struct {
		what string
		s    []float64
	}{{"x", x}, {"dMean", dMean}, {"dLogStd", dLogStd}} {
		if err := g.checkLen("Backward", v.what, v.s); err != nil {
			return err
		}
	}
	for i, xi := range x {
		inv := math.Exp(-g.logStd[i])
		z := (xi - g.mean[i]) * inv
		dMean[i] += gLogProb * z * inv
		dLogStd[i] += gLogProb*(z*z-1) + gEntropy
	}
	return nil
}
