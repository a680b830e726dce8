package spaces

import "math"

// Bounds of the two-coordinate sets Candidates searches through a cell
// grid: the grid is built by testing candidates against every cell, which
// stays cheap up to a few hundred candidates; larger sets keep the k-d tree
// alone.
const (
	gridMinCandidates = treeMinCandidates
	gridMaxCandidates = 512
	// gridAfter is the number of queries a set answers before it builds
	// its grid.
	gridAfter = 1024
	// gridMaxSide caps the cells per side of the grid.
	gridMaxSide = 64
	// gridMaxCoordinate bounds the coordinates of a gridded set, so that
	// squared distances within the grid's box never overflow.
	gridMaxCoordinate = 1e6
	// gridSlack widens each cell (as a fraction of its side) and the
	// distance margins of its candidate list (relatively), far beyond the
	// rounding of the computations on either side.
	gridSlack = 1e-6
	// gridDominators is the number of candidates, those of least greatest
	// distance to a cell, that each candidate of the cell's list is
	// checked against for being nearer everywhere in the cell.
	gridDominators = 4
)

// cellGrid answers nearest-candidate queries in two dimensions in about
// constant time. The box spanning the unit square and every candidate is
// cut into cells about as large as the candidates' spacing, and each cell
// lists, in ascending order, every candidate that can be the nearest to a
// point of the cell: those not ruled out by a bound on distances or by
// another candidate nearer at every point of the cell, each test with a
// margin beyond rounding. A query scans its cell's list as scanNearest
// scans every point, so the index and the squared distance are bit for bit
// those of the scan.
type cellGrid struct {
	points       []float64 // the candidates' rows, shared with Candidates
	lo0, lo1     float64   // the box's lower corner
	hi0, hi1     float64   // and upper corner
	inv0, inv1   float64   // cells per unit along each coordinate
	side0, side1 int       // cells along each coordinate
	start        []int32   // cell c lists items[start[c]:start[c+1]]
	items        []int32
}

// gridFits reports whether the n = len(points)/2 rows of points may have
// a grid: a mid-sized set of bounded coordinates.
func gridFits(points []float64) bool {
	n := len(points) / 2
	if n < gridMinCandidates || n > gridMaxCandidates {
		return false
	}
	for _, v := range points {
		if !(math.Abs(v) <= gridMaxCoordinate) {
			return false
		}
	}
	return true
}

// newCellGrid builds the grid of the n = len(points)/2 rows of points,
// for which gridFits holds.
func newCellGrid(points []float64) *cellGrid {
	n := len(points) / 2
	// The candidates' bounding box, then the grid's box.
	blo0, blo1, bhi0, bhi1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for i := range n {
		x, y := points[2*i], points[2*i+1]
		blo0, bhi0 = min(blo0, x), max(bhi0, x)
		blo1, bhi1 = min(blo1, y), max(bhi1, y)
	}
	g := &cellGrid{points: points, lo0: min(0, blo0), lo1: min(0, blo1), hi0: max(1, bhi0), hi1: max(1, bhi1)}
	// Cells about the candidates' spacing: √n per side of their box.
	perSide := math.Ceil(math.Sqrt(float64(n)))
	cells := func(lo, hi, blo, bhi float64) int {
		w := (bhi - blo) / perSide
		if !(w > 0) {
			return int(perSide)
		}
		return int(min(math.Ceil((hi-lo)/w), gridMaxSide))
	}
	g.side0, g.side1 = cells(g.lo0, g.hi0, blo0, bhi0), cells(g.lo1, g.hi1, blo1, bhi1)
	w0, w1 := (g.hi0-g.lo0)/float64(g.side0), (g.hi1-g.lo1)/float64(g.side1)
	g.inv0, g.inv1 = float64(g.side0)/(g.hi0-g.lo0), float64(g.side1)/(g.hi1-g.lo1)
	g.start = make([]int32, 0, g.side0*g.side1+1)
	g.items = make([]int32, 0, 2*g.side0*g.side1)
	var kept []int32
	for c1 := range g.side1 {
		y0 := g.lo1 + float64(c1)*w1 - gridSlack*w1
		y1 := g.lo1 + float64(c1+1)*w1 + gridSlack*w1
		for c0 := range g.side0 {
			x0 := g.lo0 + float64(c0)*w0 - gridSlack*w0
			x1 := g.lo0 + float64(c0+1)*w0 + gridSlack*w0
			g.start = append(g.start, int32(len(g.items)))
			kept = g.cellCandidates(kept[:0], [4]float64{x0, x1, y0, y1})
			g.items = append(g.items, kept...)
		}
	}
	g.start = append(g.start, int32(len(g.items)))
	return g
}

// cellCandidates appends to dst, in ascending order, the candidates that
// can be nearest to a point of the cell [x0, x1] × [y0, y1] (box holds
// x0, x1, y0, y1).
func (g *cellGrid) cellCandidates(dst []int32, box [4]float64) []int32 {
	x0, x1, y0, y1 := box[0], box[1], box[2], box[3]
	pts := g.points
	n := len(pts) / 2
	// A candidate whose least distance to the cell exceeds the greatest
	// distance of some candidate to it is never nearest there. The few
	// candidates of least greatest distance are the likely dominators
	// below.
	var doms [gridDominators]int32
	var domFar [gridDominators]float64
	for k := range domFar {
		domFar[k] = math.Inf(1)
	}
	for i := range n {
		x, y := pts[2*i], pts[2*i+1]
		fx, fy := max(math.Abs(x-x0), math.Abs(x-x1)), max(math.Abs(y-y0), math.Abs(y-y1))
		far := fx*fx + fy*fy
		for k := range domFar {
			if far < domFar[k] {
				copy(domFar[k+1:], domFar[k:])
				copy(doms[k+1:], doms[k:])
				domFar[k], doms[k] = far, int32(i)
				break
			}
		}
	}
	bound := domFar[0] * (1 + gridSlack)
	first := len(dst)
	for i := range n {
		x, y := pts[2*i], pts[2*i+1]
		nx, ny := max(x0-x, 0, x-x1), max(y0-y, 0, y-y1)
		if nx*nx+ny*ny <= bound {
			dst = append(dst, int32(i))
		}
	}
	// Neither is one that one of those candidates is nearer to at every
	// point of the cell. The difference of two squared distances is linear in the
	// point and the rounding margin convex, so checking the corners
	// suffices.
	corners := [4][2]float64{{x0, y0}, {x1, y0}, {x0, y1}, {x1, y1}}
	sq := func(i int32, c [2]float64) float64 {
		d0, d1 := pts[2*i]-c[0], pts[2*i+1]-c[1]
		return d0*d0 + d1*d1
	}
	dominated := func(i, by int32) bool {
		for _, c := range corners {
			a, b := sq(i, c), sq(by, c)
			if !(a-b > gridSlack*(a+b)) {
				return false
			}
		}
		return true
	}
	out := dst[:first]
	for _, i := range dst[first:] {
		keep := true
		for k, j := range doms {
			if k < n && j != i && dominated(i, j) {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, i)
		}
	}
	return out
}

// nearest returns the nearest candidate to (p0, p1) and its squared
// distance, as scanNearest; ok is false when the point lies outside the
// grid's box.
func (g *cellGrid) nearest(p0, p1 float64) (best int, bestSq float64, ok bool) {
	if !(p0 >= g.lo0 && p0 <= g.hi0 && p1 >= g.lo1 && p1 <= g.hi1) {
		return -1, 0, false
	}
	c0 := min(int((p0-g.lo0)*g.inv0), g.side0-1)
	c1 := min(int((p1-g.lo1)*g.inv1), g.side1-1)
	c := c1*g.side0 + c0
	best, bestSq = -1, math.Inf(1)
	pts := g.points
	for _, i := range g.items[g.start[c]:g.start[c+1]] {
		d0, d1 := pts[2*i]-p0, pts[2*i+1]-p1
		if sq := d0*d0 + d1*d1; sq < bestSq {
			best, bestSq = int(i), sq
		}
	}
	return best, bestSq, true
}
