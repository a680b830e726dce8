package pretrain

import (
	"fmt"
	"math"
)

// SeqLen is the sequence length, in tokens, of one batch element: batch
// sizes are counted in sequences of SeqLen tokens, as in the Step Law runs.
const SeqLen = 2048

// Model is the loss surface behind the default table: a loss level that
// depends on scale, a basin in learning rate and batch size centred on the
// Step Law optimum, and divergence at large learning rates. Its fields are
// the published constants and the calibrated shape; DefaultModel fills them.
//
// With x = ln(lr/lr*) and y = ln(bs/bs*), the noise-free loss of a run that
// does not diverge is
//
//	L = E + A/N^Alpha + B/D^Beta + Depth·(D/1e10)^DepthExp·(k·u² + BatchWeight·y²),
//	u = x − Coupling·y,  k = 1 for u ≤ 0 and Asymmetry for u > 0,
//
// where lr* = LRCoef·N^LRExpN·D^LRExpD and bs* = BSCoef·D^BSExpD/SeqLen.
// u is the distance from the learning rate that is best at batch size bs,
// which grows as bs^Coupling around the optimum, so the basin is a valley
// tilted towards larger learning rates at larger batches.
type Model struct {
	// E, A, B, Alpha and Beta are the loss level L(N, D) = E + A/N^Alpha +
	// B/D^Beta. The defaults are the Chinchilla fit (Hoffmann et al. 2022,
	// approach 3): E=1.69, A=406.4, B=410.7, Alpha=0.34, Beta=0.28.
	E, A, B, Alpha, Beta float64
	// LRCoef, LRExpN and LRExpD give the optimal learning rate
	// lr* = LRCoef·N^LRExpN·D^LRExpD; Step Law: 1.79, -0.713, 0.307.
	LRCoef, LRExpN, LRExpD float64
	// BSCoef and BSExpD give the optimal batch size in tokens,
	// BSCoef·D^BSExpD; Step Law: 0.58, 0.571.
	BSCoef, BSExpD float64
	// Depth is the basin's curvature (loss per squared natural-log unit of
	// learning rate) at D = 1e10 tokens.
	Depth float64
	// DepthExp scales the curvature with data as (D/1e10)^DepthExp. It is
	// negative: longer training is more forgiving of a poor learning rate
	// or batch size, so the basin flattens as D grows.
	DepthExp float64
	// Asymmetry multiplies the curvature on the high-learning-rate side of
	// the valley, where loss rises faster than on the low side.
	Asymmetry float64
	// BatchWeight is the curvature across batch size relative to learning
	// rate.
	BatchWeight float64
	// Coupling is the exponent with which the best learning rate grows with
	// the batch size around the optimum.
	Coupling float64
	// DivergeFactor is the multiple of lr* above which runs diverge.
	DivergeFactor float64
	// DivergeWidth is the width, in natural-log units of learning rate, of
	// the band around DivergeFactor·lr* in which divergence is uncertain:
	// the probability of diverging is a logistic function of
	// (ln(lr/lr*) − ln DivergeFactor)/DivergeWidth.
	DivergeWidth float64
	// DivergedLoss is the loss that Loss reports for a diverged run.
	DivergedLoss float64
}

// DefaultModel returns the model used by Default.
//
// The level is the Chinchilla fit and the optimum the Step Law fit, both as
// published. The rest is a calibration against the published Step Law dense
// grids, made of a few global numbers rather than fitted cell by cell:
//
//   - the basin shape (Depth 0.023, DepthExp −0.3, Asymmetry 2,
//     BatchWeight 1, Coupling 0.3) matches the general width, tilt and
//     flattening with D of the measured basins;
//   - divergence (DivergeFactor 7, DivergeWidth 0.15) matches the share of
//     blown-up runs by learning rate: none up to 4·lr*, about a quarter at
//     5.7·lr*, three quarters at 8·lr* and nearly all at 11·lr*;
//   - DivergedLoss 7 is in the range of the diverged runs' smoothed losses.
func DefaultModel() Model {
	return Model{
		E: 1.69, A: 406.4, B: 410.7, Alpha: 0.34, Beta: 0.28,
		LRCoef: 1.79, LRExpN: -0.713, LRExpD: 0.307,
		BSCoef: 0.58, BSExpD: 0.571,
		Depth: 0.023, DepthExp: -0.3, Asymmetry: 2, BatchWeight: 1, Coupling: 0.3,
		DivergeFactor: 7, DivergeWidth: 0.15, DivergedLoss: 7,
	}
}

// Validate reports a field that is NaN or infinite, or a constant that must
// be positive (A, B, LRCoef, BSCoef, Depth, Asymmetry, BatchWeight,
// DivergeFactor, DivergeWidth) and is not.
func (m Model) Validate() error {
	fields := []struct {
		name     string
		v        float64
		positive bool
	}{
		{"E", m.E, false}, {"A", m.A, true}, {"B", m.B, true}, {"Alpha", m.Alpha, false}, {"Beta", m.Beta, false},
		{"LRCoef", m.LRCoef, true}, {"LRExpN", m.LRExpN, false}, {"LRExpD", m.LRExpD, false},
		{"BSCoef", m.BSCoef, true}, {"BSExpD", m.BSExpD, false},
		{"Depth", m.Depth, true}, {"DepthExp", m.DepthExp, false}, {"Asymmetry", m.Asymmetry, true},
		{"BatchWeight", m.BatchWeight, true}, {"Coupling", m.Coupling, false},
		{"DivergeFactor", m.DivergeFactor, true}, {"DivergeWidth", m.DivergeWidth, true},
		{"DivergedLoss", m.DivergedLoss, false},
	}
	for _, f := range fields {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			return fmt.Errorf("pretrain: model field %s is %g, want a finite number", f.name, f.v)
		}
		if f.positive && !(f.v > 0) {
			return fmt.Errorf("pretrain: model field %s is %g, want a positive number", f.name, f.v)
		}
	}
	return nil
}

// OptimalLR returns the learning rate lr* = LRCoef·N^LRExpN·D^LRExpD at
// n non-embedding parameters and d tokens.
func (m Model) OptimalLR(n, d float64) float64 {
	return m.LRCoef * math.Pow(n, m.LRExpN) * math.Pow(d, m.LRExpD)
}

// OptimalBatch returns the batch size in sequences of SeqLen tokens,
// bs* = BSCoef·D^BSExpD/SeqLen, at d tokens.
func (m Model) OptimalBatch(d float64) float64 {
	return m.BSCoef * math.Pow(d, m.BSExpD) / SeqLen
}

// Level returns the loss at the optimum, E + A/N^Alpha + B/D^Beta.
func (m Model) Level(n, d float64) float64 {
	return m.E + m.A/math.Pow(n, m.Alpha) + m.B/math.Pow(d, m.Beta)
}

// DivergeProbability returns the probability that a run at learning rate lr
// diverges at n parameters and d tokens.
func (m Model) DivergeProbability(n, d, lr float64) float64 {
	z := (math.Log(lr/m.OptimalLR(n, d)) - math.Log(m.DivergeFactor)) / m.DivergeWidth
	return 1 / (1 + math.Exp(-z))
}

// Loss returns the noise-free loss of a run with learning rate lr and batch
// size bs (sequences) at n non-embedding parameters and d tokens, and
// whether it diverges (DivergeProbability above one half). A diverged run
// reports DivergedLoss. Inputs that are not positive and finite give NaN.
func (m Model) Loss(n, d, lr, bs float64) (loss float64, diverged bool) {
	for _, v := range [...]float64{n, d, lr, bs} {
		if !(v > 0) || math.IsInf(v, 0) {
			return math.NaN(), false
		}
	}
	if m.DivergeProbability(n, d, lr) > 0.5 {
		return m.DivergedLoss, true
	}
	return m.converged(n, d, lr, bs), false
}

// converged is the loss of a run that does not diverge.
func (m Model) converged(n, d, lr, bs float64) float64 {
	x := math.Log(lr / m.OptimalLR(n, d))
	y := math.Log(bs / m.OptimalBatch(d))
	u := x - m.Coupling*y
	k := 1.0
	if u > 0 {
		k = m.Asymmetry
	}
	depth := m.Depth * math.Pow(d/1e10, m.DepthExp)
	return m.Level(n, d) + depth*(k*u*u+m.BatchWeight*y*y)
}
