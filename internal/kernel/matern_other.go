//go:build !amd64

package kernel

// matern52Vec has no vector kernel on this architecture.
func matern52Vec(dst, r2 []float64) int { return 0 }

// VectorMatern reports whether Matern52 has a vector kernel here.
func VectorMatern() bool { return false }
