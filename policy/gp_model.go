package policy

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/autollmresearch/gym/internal/kernel"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// This file holds the Gaussian-process regression behind the GP policy.
//
// The model is the usual one of Bayesian optimisation: targets are
// standardised to zero mean and unit variance, and modelled as
//
//	y = f(x) + ε,  f ~ GP(0, s²·k(x, x')),  ε ~ N(0, s²·g)
//
// with k the ARD Matérn-5/2 correlation
//
//	k(x, x') = (1 + √5·r + 5r²/3)·exp(−√5·r),  r² = Σ_j (x_j − x'_j)² / ℓ_j².
//
// The signal variance s² is profiled out of the likelihood (its maximum
// likelihood value is yᵀ(K+gI)⁻¹y / n, K the correlation matrix), so the
// hyperparameters searched are the lengthscales ℓ_j and the noise ratio g.
// They are chosen by maximising the log marginal likelihood plus a weak
// log-normal prior on every lengthscale over a deterministic grid of
// isotropic settings (one lengthscale per group of dimensions), refined by a
// few sweeps of a coordinate search over the individual lengthscales. The
// search has no random element, so equal data give equal models.
//
// The Cholesky factorisation adds a growing jitter to the diagonal when the
// matrix is not numerically positive definite, and a fit fails with an
// error, never a panic, when even the largest jitter does not help.

// gpHyper are the hyperparameters of a GP fit.
type gpHyper struct {
	// lengths holds one lengthscale per input dimension, all > 0.
	lengths []float64
	// noise is the noise variance as a fraction of the signal variance.
	noise float64
}

// clone returns a deep copy of h.
func (h gpHyper) clone() gpHyper {
	return gpHyper{lengths: append([]float64(nil), h.lengths...), noise: h.noise}
}

// gpSearch describes the hyperparameter search of gpData.search.
type gpSearch struct {
	// groups gives the group of every input dimension; dimensions of one
	// group share a lengthscale on the grid.
	groups []int
	// grids lists, per group, the lengthscales of the grid.
	grids [][]float64
	// priors holds, per group, the centre of the log-normal prior of every
	// lengthscale of the group; its log-scale width is gpPriorWidth.
	priors []float64
	// noises lists the noise ratios of the grid.
	noises []float64
	// sweeps is the number of coordinate-search sweeps over the individual
	// lengthscales after the grid; 0 keeps the best grid point.
	sweeps int
}

// gpPriorWidth is the standard deviation of the log-normal prior of each
// lengthscale, in natural-log units: weak enough that a few points move the
// lengthscale by an order of magnitude, strong enough that a handful of
// points does not send it to the edge of the grid.
const gpPriorWidth = 1.5

// gpJitters are the diagonal jitters tried, in order, when a correlation
// matrix is not numerically positive definite.
var gpJitters = [...]float64{0, 1e-10, 1e-8, 1e-6, 1e-4, 1e-2}

// gpMinProfile is the smallest number of points whose signal variance is
// estimated from the data; with fewer the standardised targets carry no
// information about it and it is fixed at 1.
const gpMinProfile = 3

// gpData is a training set prepared for fitting: inputs, standardised
// targets and the per-dimension squared differences every fit reuses.
type gpData struct {
	n, d   int
	x      []float64 // n rows of d inputs
	y      []float64 // standardised targets
	mean   float64   // of the raw targets
	scale  float64   // standard deviation of the raw targets, 1 if 0
	diff2  []float64 // d blocks of n·(n−1)/2 squared differences, pairs i<j
	pairs  int
	kernel []float64   // n×n scratch for the correlation matrix (upper triangle)
	spare  [][]float64 // n×n buffers of factors no longer needed
	// prefix, set during fitAfter, is the model whose factor the leading
	// block of this set's factor extends.
	prefix *gpModel
	// bufs, when set, supplies the set's buffers; recycle hands them
	// back.
	bufs *gpBuffers
}

// gpBufferCap is the most buffers a gpBuffers keeps.
const gpBufferCap = 16

// gpBuffers recycles the large buffers of fits that are no longer needed
// (correlation matrices, factors, squared differences) for the next fits
// of a policy, which saves allocating and collecting megabytes per
// episode. A recycled buffer is handed out zeroed, as a new one is, so
// fits compute the same bits either way. A nil *gpBuffers allocates.
type gpBuffers struct{ free [][]float64 }

// get returns a zeroed buffer of length size: the smallest recycled one
// that is large enough, or a new one with room for a few more rows.
func (b *gpBuffers) get(size int) []float64 {
	if b == nil {
		return make([]float64, size)
	}
	best := -1
	for i, f := range b.free {
		if cap(f) >= size && (best < 0 || cap(f) < cap(b.free[best])) {
			best = i
		}
	}
	if best < 0 {
		return make([]float64, size, size+size/4)
	}
	f := b.free[best][:size]
	b.free[best] = b.free[len(b.free)-1]
	b.free = b.free[:len(b.free)-1]
	clear(f)
	return f
}

// put hands buffers back for reuse; the caller must not use them again.
func (b *gpBuffers) put(bufs ...[]float64) {
	if b == nil {
		return
	}
	for _, f := range bufs {
		if cap(f) > 0 && len(b.free) < gpBufferCap {
			b.free = append(b.free, f)
		}
	}
}

// recycle hands the set's buffers, and the factor of m if it is a model
// of the set, back to g.bufs. Neither may be used afterwards.
func (g *gpData) recycle(m *gpModel) {
	if g == nil || g.bufs == nil {
		return
	}
	if m != nil && m.data == g {
		g.bufs.put(m.upper.Data)
		m.upper.Data = nil
	}
	g.bufs.put(g.kernel, g.diff2)
	g.bufs.put(g.spare...)
	g.kernel, g.diff2, g.spare = nil, nil, nil
}

// prepareGPData checks and standardises a training set of n = len(y)
// points whose inputs are the rows of x, d coordinates each. Every input
// and target must be finite.
func prepareGPData(x []float64, d int, y []float64) (*gpData, error) {
	return prepareGPDataIn(x, d, y, nil)
}

// prepareGPDataIn is prepareGPData with the set's buffers from bufs.
func prepareGPDataIn(x []float64, d int, y []float64, bufs *gpBuffers) (*gpData, error) {
	n := len(y)
	switch {
	case n == 0:
		return nil, errors.New("gp: no training points")
	case d <= 0:
		return nil, fmt.Errorf("gp: input dimension %d, want at least 1", d)
	case len(x) != n*d:
		return nil, fmt.Errorf("gp: %d input coordinates for %d points of dimension %d, want %d", len(x), n, d, n*d)
	}
	for i := range n {
		if !isFinite(y[i]) {
			return nil, fmt.Errorf("gp: target of training point %d is %v, want a finite number", i, y[i])
		}
		for j, v := range x[i*d : (i+1)*d] {
			if !isFinite(v) {
				return nil, fmt.Errorf("gp: input %d of training point %d is %v, want a finite number", j, i, v)
			}
		}
	}
	g := &gpData{n: n, d: d, x: append([]float64(nil), x...), y: make([]float64, n), scale: 1, bufs: bufs}
	for _, v := range y {
		g.mean += v / float64(n)
	}
	ss := 0.0
	for _, v := range y {
		ss += (v - g.mean) * (v - g.mean)
	}
	if sd := math.Sqrt(ss / float64(n)); sd > 0 && isFinite(sd) {
		g.scale = sd
	}
	for i, v := range y {
		g.y[i] = (v - g.mean) / g.scale
	}
	g.kernel = bufs.get(n * n)
	return g, nil
}

// newGPData checks and standardises a training set of n = len(y) points
// whose inputs are the rows of x, d coordinates each, and computes the
// squared differences every fit under new lengthscales reuses. Every input
// and target must be finite.
func newGPData(x []float64, d int, y []float64) (*gpData, error) {
	return newGPDataIn(x, d, y, nil)
}

// newGPDataIn is newGPData with the set's buffers from bufs.
func newGPDataIn(x []float64, d int, y []float64, bufs *gpBuffers) (*gpData, error) {
	g, err := prepareGPDataIn(x, d, y, bufs)
	if err != nil {
		return nil, err
	}
	g.pairDiffs()
	return g, nil
}

// pairDiffs computes the squared differences of every pair of points, per
// dimension.
func (g *gpData) pairDiffs() {
	n, d := g.n, g.d
	g.pairs = n * (n - 1) / 2
	g.diff2 = g.bufs.get(d * g.pairs)
	p := 0
	for i := range n {
		xi := g.x[i*d : (i+1)*d]
		for k := i + 1; k < n; k++ {
			xk := g.x[k*d : (k+1)*d]
			for j := range d {
				t := xi[j] - xk[j]
				g.diff2[j*g.pairs+p] = t * t
			}
			p++
		}
	}
}

// isFinite reports whether v is neither NaN nor infinite.
func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// matern52 is the Matérn-5/2 correlation at squared scaled distance r2.
func matern52(r2 float64) float64 { return kernel.Matern52At(r2) }

// gpModel is a fitted GP: the factorised correlation matrix of its
// training points and what prediction needs.
type gpModel struct {
	data   *gpData
	hyper  gpHyper
	invL2  []float64         // 1/ℓ² per dimension
	signal float64           // s², on the standardised scale
	jitter float64           // diagonal jitter that made the factorisation succeed
	upper  blas64.Triangular // the Cholesky factor U, K + (g+jitter)·I = UᵀU
	alpha  []float64         // (K + (g+jitter)·I)⁻¹ y
	lml    float64           // log marginal likelihood
	// prefix, when set, is a model whose training points are this one's
	// first and whose factor is the leading block of this one's.
	prefix *gpModel
}

// fit factorises the training set's covariance under h. It fails when a
// hyperparameter is not positive and finite or when the matrix stays
// indefinite with the largest jitter.
func (g *gpData) fit(h gpHyper) (*gpModel, error) {
	invL2, err := g.correlate(h.lengths)
	if err != nil {
		return nil, err
	}
	return g.factor(h, invL2)
}

// fitAfter is fit(prefix.hyper) for a training set whose first points are
// those of prefix (the same inputs, in the same order; the targets may
// differ), bit for bit: the correlations among those points are taken
// from prefix's matrix, and the factor extends prefix's when the same
// jitter is tried (see cholExtend). prefix's data must not have been
// fitted again since prefix was.
func (g *gpData) fitAfter(prefix *gpModel) (*gpModel, error) {
	nc := prefix.data.n
	if nc >= g.n || prefix.data.d != g.d {
		return g.fit(prefix.hyper)
	}
	n, k, pk := g.n, g.kernel, prefix.data.kernel
	for i := range nc {
		copy(k[i*n+i+1:i*n+nc], pk[i*nc+i+1:(i+1)*nc])
	}
	invL2 := prefix.invL2
	for i := range n {
		xi := g.x[i*g.d : (i+1)*g.d]
		c0 := max(i+1, nc)
		seg := k[i*n+c0 : i*n+n]
		for c := c0; c < n; c++ {
			xc := g.x[c*g.d : (c+1)*g.d]
			r2 := 0.0
			for j, w := range invL2 {
				t := xi[j] - xc[j]
				r2 += w * (t * t)
			}
			seg[c-c0] = r2
		}
		kernel.Matern52(seg, seg)
	}
	g.prefix = prefix
	defer func() { g.prefix = nil }()
	return g.factor(prefix.hyper, slices.Clone(invL2))
}

// correlate checks the lengthscales and writes the correlation matrix
// under them to g.kernel's upper triangle, right of the diagonal (the
// rest is never read), from the squared differences of pairDiffs when the
// set has them (a set fitted under many lengthscales) or else from the
// inputs. It returns 1/ℓ² per dimension.
func (g *gpData) correlate(lengths []float64) ([]float64, error) {
	if len(lengths) != g.d {
		return nil, fmt.Errorf("gp: %d lengthscales for inputs of dimension %d", len(lengths), g.d)
	}
	invL2 := make([]float64, g.d)
	for j, l := range lengths {
		if !(l > 0) || math.IsInf(l, 1) {
			return nil, fmt.Errorf("gp: lengthscale %d is %v, want a positive finite number", j, l)
		}
		invL2[j] = 1 / (l * l)
	}
	n, k := g.n, g.kernel
	if g.diff2 == nil {
		// A set fitted once: the squared differences computed here, as
		// pairDiffs would (the same products, so the same bits).
		for i := range n {
			xi := g.x[i*g.d : (i+1)*g.d]
			seg := k[i*n+i+1 : (i+1)*n]
			for c := i + 1; c < n; c++ {
				xc := g.x[c*g.d : (c+1)*g.d]
				r2 := 0.0
				for j, w := range invL2 {
					t := xi[j] - xc[j]
					r2 += w * (t * t)
				}
				seg[c-i-1] = r2
			}
			kernel.Matern52(seg, seg)
		}
		return invL2, nil
	}
	// r2 of every pair, summed over the dimensions in order, then the
	// correlations of all pairs at once.
	corr := g.bufs.get(g.pairs)
	kernel.Accumulate(corr, invL2, 1, g.diff2, g.pairs, g.d, g.pairs)
	kernel.Matern52(corr, corr)
	p := 0
	for i := range n {
		p += copy(k[i*n+i+1:(i+1)*n], corr[p:])
	}
	g.bufs.put(corr)
	return invL2, nil
}

// factor factorises the correlation matrix last written by correlate
// (under h.lengths, whose inverse squares are invL2) plus the noise ratio
// h.noise on the diagonal, adding jitter as needed, and completes the fit.
func (g *gpData) factor(h gpHyper, invL2 []float64) (*gpModel, error) {
	if !(h.noise >= 0) || math.IsInf(h.noise, 1) {
		return nil, fmt.Errorf("gp: noise ratio is %v, want a non-negative finite number", h.noise)
	}
	m := &gpModel{data: g, hyper: h.clone(), invL2: invL2}
	n, k := g.n, g.kernel
	// The factor is LAPACK's Potrf of the upper triangle, as mat.Cholesky
	// computes it (potrf gives gonum's bits), without the condition
	// estimate mat.Cholesky adds.
	u := g.factorBuf()
	var ok bool
	for _, jit := range gpJitters {
		for i := range n {
			k[i*n+i] = 1 + h.noise + jit
			copy(u[i*n+i:(i+1)*n], k[i*n+i:(i+1)*n])
		}
		if pre := g.prefix; pre != nil && pre.jitter == jit && pre.upper.Data != nil {
			nc := pre.data.n
			for i := range nc {
				copy(u[i*n+i:i*n+nc], pre.upper.Data[i*nc+i:(i+1)*nc])
			}
			if ok = cholExtend(u, k, n, nc); ok {
				m.prefix = pre
			}
		} else {
			ok = potrf(u, n)
		}
		if ok {
			m.jitter = jit
			break
		}
	}
	if !ok {
		g.spare = append(g.spare, u)
		return nil, fmt.Errorf("gp: the covariance of %d training points is not positive definite even with diagonal jitter %g (lengthscales %v, noise ratio %g)", n, gpJitters[len(gpJitters)-1], h.lengths, h.noise)
	}
	m.upper = blas64.Triangular{Uplo: blas.Upper, Diag: blas.NonUnit, N: n, Stride: n, Data: u}
	m.alpha = make([]float64, n)
	copy(m.alpha, g.y)
	cholSolve(u, n, m.alpha)
	quad := 0.0
	for i := range n {
		quad += m.alpha[i] * g.y[i]
	}
	m.signal = 1
	if n >= gpMinProfile {
		m.signal = max(quad/float64(n), 1e-12)
	}
	logDet := 0.0
	for i := range n {
		logDet += 2 * math.Log(u[i*n+i])
	}
	m.lml = -0.5*quad/m.signal - 0.5*logDet - 0.5*float64(n)*math.Log(2*math.Pi*m.signal)
	if !isFinite(m.lml) {
		return nil, fmt.Errorf("gp: log marginal likelihood of %d training points is %v (lengthscales %v, noise ratio %g)", n, m.lml, h.lengths, h.noise)
	}
	return m, nil
}

// cholSolve solves UᵀU·x = b in place for the upper triangular factor U
// (n×n, row-major) and the vector b: LAPACK's Potrs with one right-hand
// side, the same operations in the same order (gonum's Dtrsm, left side,
// transposed then not), written out for a vector, which Dtrsm handles one
// call per element.
func cholSolve(u []float64, n int, b []float64) {
	b = b[:n]
	// Uᵀ·z = b, row k of U scattering into the later entries.
	kernel.SolveUpperTrans(u, n, b)
	// U·x = z, from the last entry up.
	for i := n - 1; i >= 0; i-- {
		row := u[i*n : (i+1)*n]
		bi := b[i]
		for k := i + 1; k < n; k++ {
			if va := row[k]; va != 0 {
				bi += -va * b[k]
			}
		}
		b[i] = bi * (1 / u[i*n+i])
	}
}

// factorBuf returns an n×n buffer for a Cholesky factor: a spare one
// released by release, or a new one.
func (g *gpData) factorBuf() []float64 {
	if k := len(g.spare); k > 0 {
		u := g.spare[k-1]
		g.spare = g.spare[:k-1]
		return u
	}
	return g.bufs.get(g.n * g.n)
}

// release hands the factor of a model that is no longer needed back to
// its training set, for the next fit to reuse.
func (g *gpData) release(m *gpModel) {
	if m != nil && m.data == g && m.upper.Data != nil {
		g.spare = append(g.spare, m.upper.Data)
		m.upper.Data = nil
	}
}

// logPrior is the log density, up to a constant, of the lengthscales in h
// under the search's log-normal priors.
func (s *gpSearch) logPrior(h gpHyper) float64 {
	lp := 0.0
	for j, l := range h.lengths {
		z := (math.Log(l) - math.Log(s.priors[s.groups[j]])) / gpPriorWidth
		lp -= 0.5 * z * z
	}
	return lp
}

// validate reports a search that does not fit inputs of dimension d.
func (s *gpSearch) validate(d int) error {
	if len(s.groups) != d {
		return fmt.Errorf("gp: search has groups for %d input dimensions, want %d", len(s.groups), d)
	}
	if len(s.grids) != len(s.priors) || len(s.grids) == 0 {
		return fmt.Errorf("gp: search has %d lengthscale grids and %d priors, want equal non-zero counts", len(s.grids), len(s.priors))
	}
	for j, grp := range s.groups {
		if grp < 0 || grp >= len(s.grids) || len(s.grids[grp]) == 0 {
			return fmt.Errorf("gp: input dimension %d is in group %d, which has no lengthscale grid", j, grp)
		}
	}
	if len(s.noises) == 0 {
		return errors.New("gp: search has no noise ratios")
	}
	return nil
}

// search fits the model whose hyperparameters maximise the log marginal
// likelihood plus the log prior: first over the grid (every combination of
// one lengthscale per group and one noise ratio), then by s.sweeps sweeps
// of a coordinate search that halves or doubles each lengthscale in turn
// while that improves the objective. Ties keep the earlier setting. Grid
// points whose factorisation fails are skipped; search fails only when
// every one does.
func (g *gpData) search(s gpSearch) (*gpModel, error) {
	if err := s.validate(g.d); err != nil {
		return nil, err
	}
	r := &searcher{g: g, s: s, bestObj: math.Inf(-1), tried: make(map[string]bool)}
	r.grid()
	if r.best == nil {
		return nil, fmt.Errorf("gp: no hyperparameter setting of the grid fits: %w", r.firstErr)
	}
	for range s.sweeps {
		if !r.sweep() {
			break
		}
	}
	return r.best, nil
}

// searcher is the state of one hyperparameter search: the best model so
// far, the first fit that failed, and every setting fitted, so that the
// coordinate search does not fit one again (a setting fitted before cannot
// improve on the best, which is at least as good as it).
type searcher struct {
	g        *gpData
	s        gpSearch
	best     *gpModel
	bestObj  float64
	firstErr error
	tried    map[string]bool
}

// key identifies a setting exactly.
func (r *searcher) key(lengths []float64, noise float64) string {
	b := make([]byte, 0, 8*(len(lengths)+1))
	for _, v := range lengths {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return string(binary.LittleEndian.AppendUint64(b, math.Float64bits(noise)))
}

// note keeps the first error.
func (r *searcher) note(err error) {
	if r.firstErr == nil {
		r.firstErr = err
	}
}

// try fits every noise ratio of noises not tried before under lengths and
// reports whether one of them improved on the best so far. The
// correlation matrix is computed once for all of them.
func (r *searcher) try(lengths, noises []float64) bool {
	var fresh []float64
	for _, noise := range noises {
		if k := r.key(lengths, noise); !r.tried[k] {
			r.tried[k] = true
			fresh = append(fresh, noise)
		}
	}
	if len(fresh) == 0 {
		return false
	}
	invL2, err := r.g.correlate(lengths)
	if err != nil {
		r.note(err)
		return false
	}
	improved := false
	for _, noise := range fresh {
		h := gpHyper{lengths: lengths, noise: noise}
		m, err := r.g.factor(h, invL2)
		if err != nil {
			r.note(err)
			continue
		}
		if obj := m.lml + r.s.logPrior(h); obj > r.bestObj {
			r.g.release(r.best)
			r.best, r.bestObj, improved = m, obj, true
		} else {
			r.g.release(m)
		}
	}
	return improved
}

// grid tries every combination of one lengthscale per group and every
// noise ratio, counting the groups' grids like an odometer.
func (r *searcher) grid() {
	lengths := make([]float64, r.g.d)
	idx := make([]int, len(r.s.grids))
	for {
		for j, grp := range r.s.groups {
			lengths[j] = r.s.grids[grp][idx[grp]]
		}
		r.try(lengths, r.s.noises)
		k := 0
		for ; k < len(idx); k++ {
			if idx[k]++; idx[k] < len(r.s.grids[k]) {
				break
			}
			idx[k] = 0
		}
		if k == len(idx) {
			return
		}
	}
}

// sweep halves and doubles each lengthscale of the best setting in turn,
// and reports whether that improved the best.
func (r *searcher) sweep() bool {
	moved := false
	for j := range r.g.d {
		for _, f := range [...]float64{0.5, 2} {
			h := r.best.hyper.clone()
			h.lengths[j] *= f
			if r.try(h.lengths, []float64{h.noise}) {
				moved = true
			}
		}
	}
	return moved
}

// predict writes to mean and sd the posterior mean and standard deviation
// of the latent function f (without the noise) at the m = len(mean) points
// whose inputs are the rows of xs, on the scale of the raw targets. scratch
// is reused when it holds at least m·n values (n the number of training
// points) and the slice used is returned.
func (m *gpModel) predict(xs []float64, mean, sd, scratch []float64) ([]float64, error) {
	g := m.data
	rows, n, d := len(mean), g.n, g.d
	if len(sd) != rows || len(xs) != rows*d {
		return scratch, fmt.Errorf("gp: predict: %d coordinates, %d means and %d deviations for inputs of dimension %d", len(xs), rows, len(sd), d)
	}
	if cap(scratch) < rows*n {
		scratch = make([]float64, rows*n)
	}
	cross := scratch[:rows*n]
	for r := range rows {
		xr := xs[r*d : (r+1)*d]
		for j, v := range xr {
			if !isFinite(v) {
				return scratch, fmt.Errorf("gp: predict: input %d of point %d is %v, want a finite number", j, r, v)
			}
		}
		row := cross[r*n : (r+1)*n]
		for i := range n {
			xi := g.x[i*d : (i+1)*d]
			r2 := 0.0
			for j, w := range m.invL2 {
				t := xr[j] - xi[j]
				r2 += w * t * t
			}
			row[i] = r2
		}
		kernel.Matern52(row, row)
		mu := 0.0
		for i := range n {
			mu += row[i] * m.alpha[i]
		}
		mean[r] = g.mean + g.scale*mu
	}
	// Solve X·U = K*, so that row r of X has squared norm
	// k*ᵀ (K + gI)⁻¹ k*, the variance the data explain at point r.
	trsmRightUpper(m.upper.Data, n, cross, rows, g.bufs)
	for r := range rows {
		row := cross[r*n : (r+1)*n]
		q := 0.0
		for _, v := range row {
			q += v * v
		}
		sd[r] = g.scale * math.Sqrt(m.signal*max(0, 1-q))
	}
	return scratch, nil
}

// predictCache holds what predict computes for a fixed set of points
// against the training points of a prefix model (see gpModel.prefix):
// per point, the correlations with them, the solved row of X·U = K* over
// their columns (kept negated: the multipliers of the solve's updates of
// later columns), and the running sum of its squares.
type predictCache struct {
	prefix *gpModel
	points []float64 // rows × d inputs, shared with the caller
	rows   int
	cross  []float64 // rows × nc correlations
	solved []float64 // rows × nc solved values, negated once computed: the multipliers of Dtrsm's updates
	zero   []bool    // per row, whether a solved value is zero (Dtrsm skips its update)
	sumSq  []float64 // per row, the squares of the solved values summed in order
}

// newPredictCache computes the cache of the points xs (rows of the
// prefix's input dimension) against prefix's training points.
func newPredictCache(prefix *gpModel, xs []float64, rows int) *predictCache {
	return newPredictCacheIn(prefix, xs, rows, nil)
}

// newPredictCacheIn is newPredictCache with the cache's buffers from bufs.
func newPredictCacheIn(prefix *gpModel, xs []float64, rows int, bufs *gpBuffers) *predictCache {
	g := prefix.data
	nc, d := g.n, g.d
	c := &predictCache{prefix: prefix, points: xs, rows: rows, cross: bufs.get(rows * nc), zero: make([]bool, rows), sumSq: make([]float64, rows)}
	for r := range rows {
		xr := xs[r*d : (r+1)*d]
		row := c.cross[r*nc : (r+1)*nc]
		for i := range nc {
			xi := g.x[i*d : (i+1)*d]
			r2 := 0.0
			for j, w := range prefix.invL2 {
				t := xr[j] - xi[j]
				r2 += w * t * t
			}
			row[i] = r2
		}
		kernel.Matern52(row, row)
	}
	c.solved = bufs.get(len(c.cross))
	copy(c.solved, c.cross)
	trsmRightUpper(prefix.upper.Data, nc, c.solved, rows, bufs)
	for r := range rows {
		row := c.solved[r*nc : (r+1)*nc]
		q := 0.0
		for _, v := range row {
			q += v * v
		}
		c.sumSq[r] = q
		c.zero[r] = negColumn(row, row, 1, 0) // negated in place
	}
	return c
}

// predictCached is predict for the points of cache, whose prefix is
// m.prefix, bit for bit: the correlations with the prefix's training
// points and their part of the triangular solve are taken from the cache,
// and the solve is carried on over the new columns in the order Dtrsm
// follows. scratch is reused as by predict.
func (m *gpModel) predictCached(cache *predictCache, mean, sd, scratch []float64) ([]float64, error) {
	g := m.data
	rows, n, nc, d := cache.rows, g.n, cache.prefix.data.n, g.d
	if (m.prefix != cache.prefix && m != cache.prefix) || len(mean) != rows || len(sd) != rows {
		return scratch, errors.New("gp: predict: the cache does not fit the model")
	}
	nt := n - nc
	if cap(scratch) < nt {
		scratch = make([]float64, nt)
	}
	tail := scratch[:nt]
	u := m.upper.Data
	for r := range rows {
		pre := cache.cross[r*nc : (r+1)*nc]
		xr := cache.points[r*d : (r+1)*d]
		mu := 0.0
		for i, v := range pre {
			mu += v * m.alpha[i]
		}
		for t := range nt {
			xi := g.x[(nc+t)*d : (nc+t+1)*d]
			r2 := 0.0
			for j, w := range m.invL2 {
				dv := xr[j] - xi[j]
				r2 += w * dv * dv
			}
			tail[t] = matern52(r2)
			mu += tail[t] * m.alpha[nc+t]
		}
		mean[r] = g.mean + g.scale*mu
		// Dtrsm's row loop: the prefix's columns are solved already; their
		// updates of the new columns, then the new columns themselves.
		updateRow(tail, cache.solved[r*nc:(r+1)*nc], u[nc:], n, cache.zero[r])
		for t := range nt {
			if tail[t] == 0 {
				continue
			}
			k := nc + t
			tail[t] /= u[k*n+k]
			s := tail[t]
			urow := u[k*n+k+1 : (k+1)*n]
			for c, v := range urow {
				tail[t+1+c] += -s * v
			}
		}
		q := cache.sumSq[r]
		for _, v := range tail {
			q += v * v
		}
		sd[r] = g.scale * math.Sqrt(m.signal*max(0, 1-q))
	}
	return scratch, nil
}

// expectedImprovement is the expected improvement below best of a normal
// belief with the given mean and standard deviation, for minimisation:
// E[max(best − Y, 0)] for Y ~ N(mean, sd²). It is never negative; with no
// uncertainty it is the plain improvement max(best − mean, 0).
func expectedImprovement(mean, sd, best float64) float64 {
	gap := best - mean
	if !(sd > 0) {
		return max(gap, 0)
	}
	z := gap / sd
	pdf := math.Exp(-0.5*z*z) / math.Sqrt(2*math.Pi)
	cdf := 0.5 * math.Erfc(-z/math.Sqrt2)
	return max(gap*cdf+sd*pdf, 0)
}
