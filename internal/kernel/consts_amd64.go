package kernel

import "math"

// table holds the constants of the vector kernels, each repeated over a
// vector's 8 lanes, in the order of the offsets consts_amd64.h names.
var table = func() []float64 {
	consts := []float64{
		math.Float64frombits(1<<63 - 1),                       // absolute value mask
		math.Float64frombits(1 << 63),                         // sign mask
		1.4426950408889634073599246810018920,                  // log2(e)
		0.69314718055966295651160180568695068359375,           // ln 2, upper part
		0.28235290563031577122588448175013436025525412068e-12, // ln 2, lower part
		0.0625,                                                                       // argument reduction
		2.4801587301587301587e-5, 1.9841269841269841270e-4, 1.3888888888888888889e-3, // Taylor series of exp
		8.3333333333333333333e-3, 4.1666666666666666667e-2, 1.6666666666666666667e-1,
		0.5, 1, 2,
		math.Float64frombits(1023), // exponent bias, as an integer
		3, 5,                       // Matérn
	}
	t := make([]float64, 8*len(consts))
	for i, c := range consts {
		for j := range 8 {
			t[8*i+j] = c
		}
	}
	return t
}()
