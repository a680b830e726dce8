package spaces

import (
	"errors"
	"fmt"
	"math"
	"sync/atomic"
)

// Candidates is a finite set of valid configurations of one space, encoded
// once so that the one nearest to any point can be found quickly. An
// environment uses it to match an off-grid proposal to the nearest config
// that was actually run.
//
// A Candidates is read-only after construction and safe for concurrent use
// by multiple goroutines.
type Candidates struct {
	space  *ConfigSpace
	cfgs   []Config  // canonical, in the order given
	points []float64 // len(cfgs) rows of width coordinates
	width  int
	tree   *kdTree // nil for a set small enough to scan
	// A mid-sized two-coordinate set builds a cell grid once it has
	// answered gridAfter queries (gridable says it may), for the queries
	// after those.
	gridable bool
	queries  atomic.Int64
	grid     atomic.Pointer[cellGrid]
}

// NewCandidates normalises and encodes cfgs. The set must not be empty; an
// invalid config is reported by its index. cfgs is not retained.
func NewCandidates(s *ConfigSpace, cfgs []Config) (*Candidates, error) {
	if s == nil {
		return nil, errors.New("spaces: candidates: nil configuration space")
	}
	if len(cfgs) == 0 {
		return nil, errors.New("spaces: candidates: no configs given")
	}
	cs := &Candidates{
		space:  s,
		cfgs:   make([]Config, len(cfgs)),
		points: make([]float64, len(cfgs)*s.width),
		width:  s.width,
	}
	for i, c := range cfgs {
		n, err := s.Normalize(c)
		if err != nil {
			return nil, fmt.Errorf("spaces: candidates: config %d: %w", i, err)
		}
		if err := s.Encode(n, cs.points[i*s.width:(i+1)*s.width]); err != nil {
			return nil, fmt.Errorf("spaces: candidates: config %d: %w", i, err)
		}
		cs.cfgs[i] = n
	}
	if len(cfgs) >= treeMinCandidates && cs.width <= treeMaxWidth {
		cs.tree = newKDTree(cs.points, cs.width)
	}
	cs.gridable = cs.width == 2 && gridFits(cs.points)
	return cs, nil
}

// Space returns the configuration space of the candidates.
func (cs *Candidates) Space() *ConfigSpace { return cs.space }

// Len is the number of candidates.
func (cs *Candidates) Len() int { return len(cs.cfgs) }

// Config returns candidate i in canonical form. The Config is shared with
// the set and must not be modified; use [ConfigSpace.Clone] for a copy to
// change.
func (cs *Candidates) Config(i int) Config { return cs.cfgs[i] }

// Point returns the encoding of candidate i. The slice is a view into the
// set and must not be modified.
func (cs *Candidates) Point(i int) []float64 {
	lo, hi := i*cs.width, (i+1)*cs.width
	return cs.points[lo:hi:hi]
}

// Nearest returns the index of the candidate whose encoding is nearest to
// point in Euclidean distance, and that distance. Ties go to the lowest
// index. point must have length EncodedDim; it need not lie in the unit
// cube. If point has the wrong length or a NaN or infinite coordinate,
// Nearest returns -1 and +Inf. It does not allocate.
//
// A set of at least 32 candidates of up to 8 encoded coordinates is
// searched through a k-d tree built by NewCandidates, in about logarithmic
// time. A set of 32 to 512 candidates of two coordinates that has answered
// 1,024 queries builds a grid of cells listing the candidates that can be
// nearest within each and answers later queries in the unit square through
// it, in about constant time; building it costs as much as a few thousand
// queries, which a set queried that often is likely to repay. The index and
// the distance are bit for bit those of a scan of every candidate.
func (cs *Candidates) Nearest(point []float64) (index int, dist float64) {
	w := cs.width
	if len(point) != w {
		return -1, math.Inf(1)
	}
	for _, x := range point {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return -1, math.Inf(1)
		}
	}
	if g := cs.grid.Load(); g != nil {
		if best, bestSq, ok := g.nearest(point[0], point[1]); ok {
			return best, math.Sqrt(bestSq)
		}
	} else if cs.gridable && cs.queries.Add(1) == gridAfter {
		// Only the caller of this very query builds it.
		cs.grid.Store(newCellGrid(cs.points))
	}
	if cs.tree != nil {
		return cs.tree.nearest(point)
	}
	best, bestSq := scanNearest(cs.points, w, point)
	if best < 0 {
		// Every squared distance overflowed; candidate 0 is as near as any.
		best = 0
	}
	return best, math.Sqrt(bestSq)
}

// NearestConfig encodes c and returns the index of the nearest candidate and
// its distance, as [Candidates.Nearest]. c must be a valid configuration of
// the space. It does not allocate for a valid c whose encoding has at most 64
// coordinates; otherwise it allocates one scratch vector per call.
func (cs *Candidates) NearestConfig(c Config) (int, float64, error) {
	var buf [maxStackWidth]float64
	var p []float64
	if cs.width <= maxStackWidth {
		p = buf[:cs.width]
	} else {
		p = make([]float64, cs.width)
	}
	if err := cs.space.Encode(c, p); err != nil {
		return -1, math.Inf(1), fmt.Errorf("spaces: nearest: %w", err)
	}
	i, d := cs.Nearest(p)
	return i, d, nil
}
