package kernel

import "math"

// table holds the constants of the vector kernels, each repeated over a
// vector's 8 lanes, in the order of the offsets consts_amd64.h names.
var table = func() []float64 {
	const maxLog = 8.8029691931113054295988e+01 // math.Tanh's MAXLOG
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
		math.Float64frombits(1023),                                                       // exponent bias, as an integer
		-9.64399179425052238628e-1, -9.92877231001918586564e1, -1.61468768441708447952e3, // math.Tanh's P
		1.12811678491632931402e2, 2.23548839060100448583e3, 4.84406305325125486048e3, // math.Tanh's Q
		0.625, 0.5 * maxLog, 0,
		3, 5, // Matérn
	}
	t := make([]float64, 8*len(consts))
	for i, c := range consts {
		for j := range 8 {
			t[8*i+j] = c
		}
	}
	return t
}()
