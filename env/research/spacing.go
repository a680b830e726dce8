package research

import (
	"math"
	"slices"
)

// ConfigSpacing is the median, over every candidate config of every target
// of the env's split, of the distance to its nearest other candidate in the
// space's encoding: the step between neighbouring configs. It sets the
// scale of useful exploration for a policy that proposes encoded configs
// (a Gaussian much wider than it jumps across the grid, one much narrower
// never leaves the config it started at). With a single config everywhere
// it returns e^−1.5, as any scale will do.
func (e *Env) ConfigSpacing() float64 {
	tbl := e.Table()
	var dists []float64
	for _, id := range e.Targets() {
		i, ok := tbl.ExperimentIndex(id)
		if !ok {
			continue
		}
		cands := tbl.Candidates(i)
		for j := range cands.Len() {
			if d := nearestOther(cands.Point, cands.Len(), j); !math.IsInf(d, 1) && d > 0 {
				dists = append(dists, math.Sqrt(d))
			}
		}
	}
	if len(dists) == 0 {
		return math.Exp(-1.5)
	}
	slices.Sort(dists)
	return dists[len(dists)/2]
}

// nearestOther returns the squared distance from point j to the nearest
// other of the n points point(0..n−1).
func nearestOther(point func(int) []float64, n, j int) float64 {
	p, best := point(j), math.Inf(1)
	for k := range n {
		if k == j {
			continue
		}
		sq := 0.0
		for c, v := range point(k) {
			sq += (v - p[c]) * (v - p[c])
		}
		best = min(best, sq)
	}
	return best
}
