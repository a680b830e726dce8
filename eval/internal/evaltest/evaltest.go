// Package evaltest holds a fixture for the tests of eval and of the
// packages that report its results.
package evaltest

import (
	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/eval"
)

// HandResult is a Result with hand-picked numbers: policy "a" has three
// episodes on env "x" (one of them failed after one target trial), "b" has
// one; env "y" has a single episode of "a".
func HandResult() *eval.Result {
	return &eval.Result{
		Envs: []eval.EnvInfo{
			{Name: "x", Task: "demo", Setting: research.Extrapolate, Split: research.Test, K: 2, Targets: []string{"x/L"}, Episodes: 3},
			{Name: "y", Task: "demo", Setting: research.Extrapolate, Split: research.Test, K: 1, Targets: []string{"y/L"}, Episodes: 1},
		},
		Policies: []string{"a", "b"},
		Episodes: []eval.Episode{
			{Env: "x", Policy: "a", Target: "x/L", Episode: 0, Regret: []float64{0.5, 0.2}, GPUHours: []float64{10, 20}, FinalRegret: 0.2, TotalGPUHours: 20},
			{Env: "x", Policy: "a", Target: "x/L", Episode: 1, Regret: []float64{0.3, 0.3}, GPUHours: []float64{10, 30}, FinalRegret: 0.3, TotalGPUHours: 30},
			{Env: "x", Policy: "a", Target: "x/L", Episode: 2, Regret: []float64{0.1, 0.1}, GPUHours: []float64{10, 10}, FinalRegret: 0.1, TotalGPUHours: 10,
				Error: "step 2: policy: gave up"},
			{Env: "x", Policy: "b", Target: "x/L", Episode: 0, Regret: []float64{0.4, 0}, GPUHours: []float64{5, 15}, FinalRegret: 0, TotalGPUHours: 15},
			{Env: "y", Policy: "a", Target: "y/L", Episode: 0, Regret: []float64{0.7}, GPUHours: []float64{3}, FinalRegret: 0.7, TotalGPUHours: 3},
		},
	}
}
