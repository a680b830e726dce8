//go:build !amd64

package kernel

// adamVec has no vector kernel on this architecture.
func adamVec(params, grads, m, v []float64, c AdamCoef) int { return 0 }
