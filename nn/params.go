package nn

import "math/bits"

// numParams returns the number of parameters of a network with c's layer
// sizes (which must be positive), or false when it exceeds maxParams. The
// arithmetic cannot overflow, whatever the sizes.
func (c MLPConfig) numParams() (int, bool) {
	var n uint64
	add := func(a, b int) bool { // n += a*b, within maxParams
		hi, lo := bits.Mul64(uint64(a), uint64(b))
		if hi != 0 || lo > maxParams {
			return false
		}
		n += lo
		return n <= maxParams
	}
	if len(c.Sizes) < 2 {
		return 0, false
	}
	if c.Skip && !add(c.Sizes[0], c.Sizes[len(c.Sizes)-1]) {
		return 0, false
	}
	for l := range len(c.Sizes) - 1 {
		if !add(c.Sizes[l+1], c.Sizes[l]) || !add(c.Sizes[l+1], 1) {
			return 0, false
		}
	}
	return int(n), true
}
