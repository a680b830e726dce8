package tasks

import (
	"math"
	"math/bits"
	"slices"

	"github.com/autollmresearch/gym/spaces"
)

// hashValues hashes a config's values (float64 bits, with -0 folded into
// +0 by the caller) into 64 bits.
func hashValues(v []float64) uint64 {
	h := uint64(0x9e3779b97f4a7c15)
	for _, x := range v {
		h ^= math.Float64bits(x)
		h *= 0xbf58476d1ce4e5b9
		h = bits.RotateLeft64(h, 31)
	}
	// Final avalanche so that the low bits used for probing depend on all
	// input bits.
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// tableSize is the number of slots of an open-addressing table for n
// entries: a power of two at least 2n (and at least 8).
func tableSize(n int) int {
	size := 8
	for size < 2*n {
		size <<= 1
	}
	return size
}

// group assigns every row its global config: rows of the same experiment
// with equal config values share one. Configs are numbered contiguously per
// experiment, in order of first appearance. It fills t.cfgStart, t.cfgVals,
// t.hashes, t.slots and t.slotStart, and returns each
// row's global config (-1 for rows without an experiment).
//
// Rows are grouped one experiment at a time so that the hash table in use
// stays small enough to live in cache.
func (t *Table) group(expOf []int32, vals []float64, nexp int) []int32 {
	n, nv := len(expOf), t.nvals
	rowCfg, start, byExp := bucketByExperiment(expOf, nexp)
	t.cfgStart = make([]int, nexp+1)
	t.slotStart = make([]int, nexp+1)
	g := configGrouper{
		nv: nv, vals: vals, rowCfg: rowCfg,
		hashes: make([]uint64, 0, n), cfgVals: make([]float64, 0, n*nv),
	}
	for e := range nexp {
		base := len(g.hashes)
		g.add(byExp[start[e]:start[e+1]])
		t.cfgStart[e+1] = len(g.hashes)
		t.addSlots(g.hashes[base:])
		t.slotStart[e+1] = len(t.slots)
	}
	t.hashes = slices.Clip(g.hashes)
	t.cfgVals = slices.Clip(g.cfgVals)
	return rowCfg
}

// bucketByExperiment lists the rows of each of nexp experiments, in row
// order: the rows of experiment e are byExp[start[e]:start[e+1]]. It also
// returns a row-config slice with -1 for the rows without an experiment.
func bucketByExperiment(expOf []int32, nexp int) (rowCfg, start, byExp []int32) {
	rowCfg = make([]int32, len(expOf))
	start = make([]int32, nexp+1)
	for r, e := range expOf {
		if e < 0 {
			rowCfg[r] = -1
			continue
		}
		start[e+1]++
	}
	for e := range nexp {
		start[e+1] += start[e]
	}
	byExp = make([]int32, start[nexp])
	next := slices.Clone(start[:nexp])
	for r, e := range expOf {
		if e >= 0 {
			byExp[next[e]] = int32(r)
			next[e]++
		}
	}
	return rowCfg, start, byExp
}

// configGrouper numbers the distinct configs of a table's rows.
type configGrouper struct {
	nv      int       // values per config
	vals    []float64 // every row's config values, row-major
	rowCfg  []int32   // each row's global config, filled in
	hashes  []uint64  // each config's hash
	cfgVals []float64 // each config's values, row-major
	scratch []int32   // the open-addressing table, reused
}

// add numbers the configs of rows, the rows of one experiment, after those
// numbered already, in order of first appearance, and sets each row's
// config.
func (g *configGrouper) add(rows []int32) {
	nv, hashes, cfgVals := g.nv, g.hashes, g.cfgVals
	size := tableSize(len(rows))
	if cap(g.scratch) < size {
		g.scratch = make([]int32, size)
	}
	scratch := g.scratch[:size]
	clear(scratch)
	mask := uint64(size - 1)
	base := len(hashes)
	for _, r := range rows {
		v := g.vals[int(r)*nv : int(r+1)*nv]
		h := hashValues(v)
		for i := h & mask; ; i = (i + 1) & mask {
			s := scratch[i]
			if s == 0 {
				k := len(hashes)
				scratch[i] = int32(k-base) + 1
				hashes = append(hashes, h)
				cfgVals = append(cfgVals, v...)
				g.rowCfg[r] = int32(k)
				break
			}
			k := base + int(s) - 1
			if hashes[k] == h && slices.Equal(cfgVals[k*nv:(k+1)*nv], v) {
				g.rowCfg[r] = int32(k)
				break
			}
		}
	}
	g.scratch, g.hashes, g.cfgVals = scratch, hashes, cfgVals
}

// addSlots appends to t.slots the lookup table of one experiment's
// configs, given by their hashes, sized for them: slot values are 1 + the
// config's index within the experiment, 0 for an empty slot.
func (t *Table) addSlots(hashes []uint64) {
	off := len(t.slots)
	size := tableSize(len(hashes))
	t.slots = append(t.slots, make([]int32, size)...)
	region, mask := t.slots[off:], uint64(size-1)
	for k, h := range hashes {
		i := h & mask
		for region[i] != 0 {
			i = (i + 1) & mask
		}
		region[i] = int32(k) + 1
	}
}

// Lookup returns the index, within experiment exp, of the config equal to
// c, and whether there is one. A config in canonical types (see
// spaces.Config) is found in constant time without allocating; any other
// config the space accepts is normalised first. Values must match the
// table's exactly (bit for bit, except that -0 equals +0); use Candidates
// for the nearest config instead.
func (t *Table) Lookup(exp int, c spaces.Config) (int, bool) {
	if exp < 0 || exp >= len(t.exps) || len(c) != len(t.dims) {
		return -1, false
	}
	var buf [32]float64
	var v []float64
	if t.nvals <= len(buf) {
		v = buf[:t.nvals]
	} else {
		v = make([]float64, t.nvals)
	}
	found, canonical := t.values(c, v)
	if !canonical {
		nc, err := t.meta.Space.Normalize(c)
		if err != nil {
			return -1, false
		}
		found, canonical = t.values(nc, v)
		if !canonical {
			return -1, false
		}
	}
	if !found {
		return -1, false
	}
	return t.find(exp, v)
}

// values writes c's values into v. found is false when c cannot be in the
// table (a missing dimension, an unknown choice); canonical is false when a
// value does not have its canonical type.
func (t *Table) values(c spaces.Config, v []float64) (found, canonical bool) {
	for i := range t.dims {
		d := &t.dims[i]
		x, ok := c[d.name]
		if !ok {
			return false, true
		}
		switch d.kind {
		case spaces.Int:
			n, ok := x.(int)
			if !ok {
				return false, false
			}
			v[d.off] = float64(n)
		case spaces.Categorical:
			s, ok := x.(string)
			if !ok {
				return false, false
			}
			k, ok := d.choice[s]
			if !ok {
				return false, true
			}
			v[d.off] = float64(k)
		case spaces.Simplex:
			p, ok := x.([]float64)
			if !ok || len(p) != d.width {
				return false, false
			}
			for k, f := range p {
				v[d.off+k] = f + 0
			}
		default:
			f, ok := x.(float64)
			if !ok {
				return false, false
			}
			v[d.off] = f + 0
		}
	}
	return true, true
}

// find probes experiment exp's lookup table for values v.
func (t *Table) find(exp int, v []float64) (int, bool) {
	h := hashValues(v)
	base, nv := t.cfgStart[exp], t.nvals
	region := t.slots[t.slotStart[exp]:t.slotStart[exp+1]]
	mask := uint64(len(region) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := region[i]
		if s == 0 {
			return -1, false
		}
		g := base + int(s) - 1
		if t.hashes[g] == h && slices.Equal(t.cfgVals[g*nv:(g+1)*nv], v) {
			return g - base, true
		}
	}
}
