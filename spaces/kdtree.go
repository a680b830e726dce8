package spaces

import (
	"cmp"
	"math"
	"slices"
)

// Bounds of the sets Candidates searches through a k-d tree: smaller sets
// are scanned faster than the tree is walked, and in more dimensions the
// tree prunes too little to pay.
const (
	treeMinCandidates = 32
	treeMaxWidth      = 8
	// treeLeaf is the most candidates a leaf of the tree holds.
	treeLeaf = 8
)

// kdTree is a k-d tree over a set of points, stored implicitly: the points
// are permuted so that every subtree is a contiguous range [lo, hi) whose
// median position mid = (lo+hi)/2 is the splitting point; ranges of at most
// treeLeaf points are leaves. Points of [lo, mid) have a coordinate
// dim[mid] no greater than the splitting point's, those of (mid, hi) no
// smaller.
type kdTree struct {
	points []float64 // the points in tree order, rows of width
	index  []int32   // index[k] is the original index of tree row k
	dim    []uint8   // splitting coordinate of each inner node, by mid
	width  int
	// lo and hi bound every point, per coordinate.
	lo, hi [treeMaxWidth]float64
}

// newKDTree builds the tree of the n = len(points)/width rows of points.
func newKDTree(points []float64, width int) *kdTree {
	n := len(points) / width
	t := &kdTree{
		points: make([]float64, len(points)),
		index:  make([]int32, n),
		dim:    make([]uint8, n),
		width:  width,
	}
	for i := range t.index {
		t.index[i] = int32(i)
	}
	t.build(points, 0, n)
	for k := range width {
		t.lo[k], t.hi[k] = math.Inf(1), math.Inf(-1)
		for i := range n {
			t.lo[k], t.hi[k] = min(t.lo[k], points[i*width+k]), max(t.hi[k], points[i*width+k])
		}
	}
	for k, i := range t.index {
		copy(t.points[k*width:(k+1)*width], points[int(i)*width:(int(i)+1)*width])
	}
	return t
}

// build orders t.index[lo:hi] into a subtree, reading coordinates from the
// original points.
func (t *kdTree) build(points []float64, lo, hi int) {
	if hi-lo <= treeLeaf {
		return
	}
	w := t.width
	ids := t.index[lo:hi]
	// Split along the coordinate of widest spread.
	best, spread := 0, -1.0
	for k := range w {
		mn, mx := math.Inf(1), math.Inf(-1)
		for _, i := range ids {
			x := points[int(i)*w+k]
			mn, mx = min(mn, x), max(mx, x)
		}
		if mx-mn > spread {
			best, spread = k, mx-mn
		}
	}
	slices.SortFunc(ids, func(a, b int32) int {
		if c := cmp.Compare(points[int(a)*w+best], points[int(b)*w+best]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	mid := (lo + hi) / 2
	t.dim[mid] = uint8(best)
	t.build(points, lo, mid)
	t.build(points, mid+1, hi)
}

// nearest is Candidates.Nearest over the tree, for a point of the right
// length (at most treeMaxWidth) with finite coordinates.
func (t *kdTree) nearest(point []float64) (int, float64) {
	// Start from the gaps between point and the box bounding every point.
	var off [treeMaxWidth]float64
	for k, x := range point {
		if x < t.lo[k] {
			off[k] = t.lo[k] - x
		} else if x > t.hi[k] {
			off[k] = t.hi[k] - x
		}
	}
	var best int
	var bestSq float64
	if t.width == 2 {
		best, bestSq = t.search2(point[0], point[1], off[0], off[1], 0, len(t.index), -1, math.Inf(1))
	} else {
		best, bestSq = t.search(point, &off, 0, len(t.index), -1, math.Inf(1))
	}
	if best < 0 {
		best = 0 // every squared distance overflowed
	}
	return best, math.Sqrt(bestSq)
}

// search looks for a point of subtree [lo, hi) nearer to point than the
// best so far (original index best at squared distance bestSq; ties go to
// the lower original index) and returns the new best. off holds, per
// coordinate, a gap between point and the subtree's region (0 where point
// lies within its extent), so that the computed squared distance of every
// point of the subtree is at least that of off: rounding is monotone.
func (t *kdTree) search(point []float64, off *[treeMaxWidth]float64, lo, hi, best int, bestSq float64) (int, float64) {
	w := t.width
	if hi-lo <= treeLeaf {
		if w == 2 { // the common two-knob case, without a call per point
			p0, p1 := point[0], point[1]
			pts := t.points[2*lo : 2*hi]
			for k := 0; k+1 < len(pts); k += 2 {
				d0, d1 := pts[k]-p0, pts[k+1]-p1
				if sq := d0*d0 + d1*d1; sq <= bestSq {
					if i := int(t.index[lo+k/2]); sq < bestSq || i < best || best < 0 {
						best, bestSq = i, sq
					}
				}
			}
			return best, bestSq
		}
		for k := lo; k < hi; k++ {
			if sq, ok := sqDist(t.points[k*w:(k+1)*w], point, bestSq); ok {
				if i := int(t.index[k]); sq < bestSq || i < best || best < 0 {
					best, bestSq = i, sq
				}
			}
		}
		return best, bestSq
	}
	mid := (lo + hi) / 2
	d := int(t.dim[mid])
	// Every point of the far side differs from point along d by at least
	// gap.
	gap := t.points[mid*w+d] - point[d]
	nearLo, nearHi, farLo, farHi := mid+1, hi, lo, mid
	if gap > 0 {
		nearLo, nearHi, farLo, farHi = lo, mid, mid+1, hi
	}
	best, bestSq = t.search(point, off, nearLo, nearHi, best, bestSq)
	if sq, ok := sqDist(t.points[mid*w:(mid+1)*w:(mid+1)*w], point, bestSq); ok {
		if i := int(t.index[mid]); sq < bestSq || i < best || best < 0 {
			best, bestSq = i, sq
		}
	}
	old := off[d]
	off[d] = gap
	var near bool
	if w == 2 {
		near = off[0]*off[0]+off[1]*off[1] <= bestSq
	} else {
		_, near = sqDist(off[:w], zeros[:w], bestSq)
	}
	if near {
		best, bestSq = t.search(point, off, farLo, farHi, best, bestSq)
	}
	off[d] = old
	return best, bestSq
}

// search2 is search for two coordinates, the common two-knob case, with
// the point (p0, p1) and the gaps (o0, o1) in registers.
func (t *kdTree) search2(p0, p1, o0, o1 float64, lo, hi, best int, bestSq float64) (int, float64) {
	pts := t.points
	if hi-lo <= treeLeaf {
		for k := lo; k < hi; k++ {
			d0, d1 := pts[2*k]-p0, pts[2*k+1]-p1
			if sq := d0*d0 + d1*d1; sq <= bestSq {
				if i := int(t.index[k]); sq < bestSq || i < best || best < 0 {
					best, bestSq = i, sq
				}
			}
		}
		return best, bestSq
	}
	mid := (lo + hi) / 2
	m0, m1 := pts[2*mid], pts[2*mid+1]
	var gap float64
	if t.dim[mid] == 0 {
		gap = m0 - p0
	} else {
		gap = m1 - p1
	}
	nearLo, nearHi, farLo, farHi := mid+1, hi, lo, mid
	if gap > 0 {
		nearLo, nearHi, farLo, farHi = lo, mid, mid+1, hi
	}
	best, bestSq = t.search2(p0, p1, o0, o1, nearLo, nearHi, best, bestSq)
	d0, d1 := m0-p0, m1-p1
	if sq := d0*d0 + d1*d1; sq <= bestSq {
		if i := int(t.index[mid]); sq < bestSq || i < best || best < 0 {
			best, bestSq = i, sq
		}
	}
	if t.dim[mid] == 0 {
		o0 = gap
	} else {
		o1 = gap
	}
	if o0*o0+o1*o1 <= bestSq {
		best, bestSq = t.search2(p0, p1, o0, o1, farLo, farHi, best, bestSq)
	}
	return best, bestSq
}

// zeros is the origin, for the squared length of a gap vector.
var zeros [treeMaxWidth]float64

// sqDist returns the squared distance between row and point, computed as
// scanNearest does, and whether it is at most bound (it stops early when
// it exceeds it).
func sqDist(row, point []float64, bound float64) (float64, bool) {
	if len(row) == 2 {
		d0, d1 := row[0]-point[0], row[1]-point[1]
		sq := d0*d0 + d1*d1
		return sq, sq <= bound
	}
	p := point[:len(row)]
	sq := 0.0
	for j, x := range row {
		d := x - p[j]
		sq += d * d
		if sq > bound {
			return sq, false
		}
	}
	return sq, true
}

// scanNearest scans the rows of points (of width w) for the one nearest to
// point and returns its index and squared distance; ties keep the lower
// index. The index is -1 if every squared distance overflowed.
func scanNearest(points []float64, w int, point []float64) (int, float64) {
	best, bestSq := -1, math.Inf(1)
	if w == 2 { // the common two-knob case (lr x bs), without per-coordinate branches
		p0, p1 := point[0], point[1]
		for i, off := 0, 0; off+1 < len(points); i, off = i+1, off+2 {
			d0, d1 := points[off]-p0, points[off+1]-p1
			if sq := d0*d0 + d1*d1; sq < bestSq {
				best, bestSq = i, sq
			}
		}
		return best, bestSq
	}
	for i, off := 0, 0; off < len(points); i, off = i+1, off+w {
		row := points[off : off+w : off+w]
		p := point[:len(row)] // lets the compiler drop bounds checks below
		sq := 0.0
		for j, x := range row {
			d := x - p[j]
			sq += d * d
			if sq >= bestSq {
				break // cannot beat the best so far; ties keep the lower index
			}
		}
		if sq < bestSq {
			best, bestSq = i, sq
		}
	}
	return best, bestSq
}
