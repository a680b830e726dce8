package fidelity_test

import (
	"fmt"
	"math"

	"github.com/autollmresearch/gym/fidelity"
)

func ExampleAccelerator_TrainingHours() {
	h100 := fidelity.DefaultAccelerator()
	// A 1B-parameter model on 20B tokens (the Chinchilla-optimal ratio).
	fmt.Printf("%.0f GPU hours\n", h100.TrainingHours(1e9, 20e9))
	// Output: 84 GPU hours
}

func ExampleCurate() {
	exps := []fidelity.Experiment{
		{ID: "S", Group: "gpt2", Rank: 0},
		{ID: "M", Group: "gpt2", Rank: 1},
		{ID: "L", Group: "gpt2", Rank: 2},
	}
	s, err := fidelity.Curate(exps, fidelity.SplitOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("train:", s.Train, "test:", s.Test)
	// Output: train: [S M] test: [L]
}

func ExampleFitPowerLaw() {
	// Optimal learning rates at a few (N, D) cells, from the Step Law.
	var x [][]float64
	var y []float64
	for _, n := range []float64{1e8, 1e9, 1e10} {
		for _, d := range []float64{1e10, 1e11, 1e12} {
			x = append(x, []float64{n, d})
			y = append(y, 1.79*math.Pow(n, -0.713)*math.Pow(d, 0.307))
		}
	}
	law, err := fidelity.FitPowerLaw(x, y)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("lr* = %v (R² %.3f)\n", law, law.R2)
	fmt.Printf("at N=7e10, D=2e12: %.2e\n", law.Predict([]float64{7e10, 2e12}))
	// Output:
	// lr* = 1.79 · x0^-0.713 · x1^0.307 (R² 1.000)
	// at N=7e10, D=2e12: 1.98e-04
}

func ExampleSpearman() {
	// Losses of four configs at a cheap and at an expensive fidelity: the
	// two middle configs swap places.
	cheap := []float64{2.61, 2.65, 2.70, 2.90}
	dear := []float64{2.31, 2.37, 2.35, 2.52}
	rho, err := fidelity.Spearman(cheap, dear)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("ρ = %.1f\n", rho)
	// Output: ρ = 0.8
}
