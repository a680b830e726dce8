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
//	L = E + A/Nₑ^Alpha + B/D^Beta + depth·(k·|u|^p + BatchWeight·|y|^p),
//	u = x − Coupling·y,  k = 1 for u ≤ 0 and Asymmetry·(N/1e9)^AsymmetryExpN for u > 0,
//	depth = Depth·(D/1e10)^DepthExp·(N/1e9)^DepthExpN,  p = Power (2 when 0),
//
// where lr* = LRCoef·N^LRExpN·D^LRExpD·exp(LRBendN·n² + LRBendD·t²) and
// bs* = BSCoef·D^BSExpD·N^BSExpN·exp(BSBendD·t²)/SeqLen, with n = ln(N/1e9)
// and t = ln(D/1e10). u is the distance from the learning rate that is best
// at batch size bs, which grows as bs^Coupling around the optimum, so the
// basin is a valley tilted towards larger learning rates at larger batches.
// Nₑ is N for a dense model; a mixture-of-experts model with Sparsity
// total parameters per active one has the effective size
// Nₑ = N·Sparsity^ExpertGain, where N counts the active parameters.
//
// The fields after Coupling default to zero, which leaves the Step Law and
// Chinchilla forms unchanged: the bends, the scale dependence of the basin
// and of the divergence cliff, and the sparsity are what the world priors
// of package prior draw to make worlds that one power law does not
// describe.
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
	// DivergeFactor is the multiple of lr* above which runs diverge, at
	// N = 1e9 when DivergeExpN is set.
	DivergeFactor float64
	// DivergeWidth is the width, in natural-log units of learning rate, of
	// the band around DivergeFactor·lr* in which divergence is uncertain:
	// the probability of diverging is a logistic function of
	// (ln(lr/lr*) − ln DivergeFactor)/DivergeWidth.
	DivergeWidth float64
	// DivergedLoss is the loss that Loss reports for a diverged run.
	DivergedLoss float64

	// LRBendN and LRBendD bend the optimal learning rate's path away from a
	// power law: ln lr* gains LRBendN·ln²(N/1e9) + LRBendD·ln²(D/1e10).
	LRBendN, LRBendD float64
	// BSExpN is the exponent of N in the optimal batch size (0 in the Step
	// Law fit, where bs* depends on D alone), and BSBendD bends its path in
	// D as LRBendD does the learning rate's.
	BSExpN, BSBendD float64
	// DepthExpN scales the basin's curvature with model size as
	// (N/1e9)^DepthExpN, on top of the (D/1e10)^DepthExp of DepthExp.
	DepthExpN float64
	// AsymmetryExpN scales Asymmetry with model size as (N/1e9)^AsymmetryExpN.
	AsymmetryExpN float64
	// Power is the exponent p of the basin's distance terms |u|^p and
	// |y|^p: 2 (the default when 0) is a quadratic basin, less is a sharper
	// bottom with flatter walls, more a flatter bottom with steeper walls.
	Power float64
	// DivergeExpN moves the divergence cliff with model size: runs diverge
	// above DivergeFactor·(N/1e9)^DivergeExpN·lr*.
	DivergeExpN float64
	// Sparsity is a mixture-of-experts model's total parameters per active
	// parameter (0 or 1 for a dense model), and ExpertGain how much of the
	// inactive parameters count towards the loss level (see Model).
	Sparsity, ExpertGain float64
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
		{"LRBendN", m.LRBendN, false}, {"LRBendD", m.LRBendD, false},
		{"BSExpN", m.BSExpN, false}, {"BSBendD", m.BSBendD, false},
		{"DepthExpN", m.DepthExpN, false}, {"AsymmetryExpN", m.AsymmetryExpN, false},
		{"Power", m.Power, false}, {"DivergeExpN", m.DivergeExpN, false},
		{"Sparsity", m.Sparsity, false}, {"ExpertGain", m.ExpertGain, false},
	}
	for _, f := range fields {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			return fmt.Errorf("pretrain: model field %s is %g, want a finite number", f.name, f.v)
		}
		if f.positive && !(f.v > 0) {
			return fmt.Errorf("pretrain: model field %s is %g, want a positive number", f.name, f.v)
		}
	}
	if m.Power != 0 && !(m.Power >= 0.5 && m.Power <= 8) {
		return fmt.Errorf("pretrain: model field Power is %g, want a number in [0.5, 8] (or 0 for 2)", m.Power)
	}
	if m.Sparsity != 0 && m.Sparsity < 1 {
		return fmt.Errorf("pretrain: model field Sparsity is %g, want at least 1 (or 0 for a dense model)", m.Sparsity)
	}
	return nil
}

// OptimalLR returns the learning rate lr* = LRCoef·N^LRExpN·D^LRExpD (times
// the bends, see Model) at n non-embedding (active) parameters and d tokens.
func (m Model) OptimalLR(n, d float64) float64 {
	lr := m.LRCoef * math.Pow(n, m.LRExpN) * math.Pow(d, m.LRExpD)
	if m.LRBendN != 0 || m.LRBendD != 0 {
		ln, lt := math.Log(n/1e9), math.Log(d/1e10)
		lr *= math.Exp(m.LRBendN*ln*ln + m.LRBendD*lt*lt)
	}
	return lr
}

// OptimalBatch returns the batch size in sequences of SeqLen tokens,
// bs* = BSCoef·D^BSExpD·N^BSExpN/SeqLen (times the bend, see Model), at n
// non-embedding (active) parameters and d tokens.
func (m Model) OptimalBatch(n, d float64) float64 {
	bs := m.BSCoef * math.Pow(d, m.BSExpD) / SeqLen
	if m.BSExpN != 0 {
		bs *= math.Pow(n, m.BSExpN)
	}
	if m.BSBendD != 0 {
		lt := math.Log(d / 1e10)
		bs *= math.Exp(m.BSBendD * lt * lt)
	}
	return bs
}

// Level returns the loss at the optimum, E + A/Nₑ^Alpha + B/D^Beta, where Nₑ
// is n for a dense model (see Model).
func (m Model) Level(n, d float64) float64 {
	if m.Sparsity > 1 {
		n *= math.Pow(m.Sparsity, m.ExpertGain)
	}
	return m.E + m.A/math.Pow(n, m.Alpha) + m.B/math.Pow(d, m.Beta)
}

// DivergeProbability returns the probability that a run at learning rate lr
// diverges at n parameters and d tokens.
func (m Model) DivergeProbability(n, d, lr float64) float64 {
	cliff := math.Log(m.DivergeFactor)
	if m.DivergeExpN != 0 {
		cliff += m.DivergeExpN * math.Log(n/1e9)
	}
	z := (math.Log(lr/m.OptimalLR(n, d)) - cliff) / m.DivergeWidth
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
	return m.Level(n, d) + m.excess(n, d, lr, bs)
}

// excess is the loss above the level of a run that does not diverge.
func (m Model) excess(n, d, lr, bs float64) float64 {
	x := math.Log(lr / m.OptimalLR(n, d))
	y := math.Log(bs / m.OptimalBatch(n, d))
	u := x - m.Coupling*y
	k := 1.0
	if u > 0 {
		k = m.Asymmetry
		if m.AsymmetryExpN != 0 {
			k *= math.Pow(n/1e9, m.AsymmetryExpN)
		}
	}
	depth := m.Depth * math.Pow(d/1e10, m.DepthExp)
	if m.DepthExpN != 0 {
		depth *= math.Pow(n/1e9, m.DepthExpN)
	}
	if m.Power == 0 || m.Power == 2 {
		return depth * (k*u*u + m.BatchWeight*y*y)
	}
	return depth * (k*math.Pow(math.Abs(u), m.Power) + m.BatchWeight*math.Pow(math.Abs(y), m.Power))
}
