//go:build !amd64

package kernel

// tanhGradVec has no vector kernel on this architecture.
func tanhGradVec(d, y []float64) int { return 0 }
