package spaces_test

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/autollmresearch/gym/spaces"
)

// A pretraining space: a log-scale learning rate, an integer batch size, an
// optimiser and a data mixture.
func ExampleNewConfigSpace() {
	s, err := spaces.NewConfigSpace(
		spaces.LogDim("lr", 1e-5, 1e-1),
		spaces.IntDim("bs", 32, 4096),
		spaces.CategoricalDim("opt", "adam", "sgd"),
		spaces.SimplexDim("mix", "web", "code"),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s)
	fmt.Println(s.Len(), "dimensions,", s.EncodedDim(), "encoded coordinates")

	c := s.Sample(rand.New(rand.NewPCG(1, 2)))
	fmt.Println(s.Contains(c))
	// Output:
	// Config(lr: log[1e-05, 0.1], bs: int[32, 4096], opt: categorical{adam, sgd}, mix: simplex{web, code})
	// 4 dimensions, 6 encoded coordinates
	// true
}

func ExampleConfigSpace_ParseJSON() {
	s := spaces.MustConfigSpace(
		spaces.LogDim("lr", 1e-5, 1e-1),
		spaces.IntDim("bs", 32, 4096),
		spaces.CategoricalDim("opt", "adam", "sgd"),
	)
	c, err := s.ParseJSON([]byte(`{"lr": 2e-3, "bs": 256, "opt": "adam"}`))
	fmt.Println(s.Format(c), err)

	_, err = s.ParseJSON([]byte(`{"lr": 0.5, "bs": 100.5, "optimizer": "adam"}`))
	fmt.Println(err)
	fmt.Println(errors.Is(err, spaces.ErrOutOfRange), errors.Is(err, spaces.ErrWrongType))
	var ce *spaces.ConfigError
	if errors.As(err, &ce) {
		for _, f := range ce.Fields {
			fmt.Printf("%s: %v\n", f.Dim, f.Err)
		}
	}
	// Output:
	// lr=0.002 bs=256 opt=adam <nil>
	// invalid config: "lr": 0.5 is out of range [1e-05, 0.1]; "bs": 100.5 is not an integer (want an integer in [32, 4096]); "opt": missing (want one of "adam", "sgd"); "optimizer": unknown dimension (allowed: lr, bs, opt)
	// true false
	// lr: out of range
	// bs: not an integer
	// opt: missing dimension
	// optimizer: unknown dimension
}

func ExampleConfigSpace_Encode() {
	s := spaces.MustConfigSpace(
		spaces.LogDim("lr", 1e-5, 1e-1),
		spaces.LinearDim("temp", 0, 2),
		spaces.CategoricalDim("opt", "adam", "sgd"),
		spaces.SimplexDim("mix", "web", "code"),
	)
	c := spaces.Config{"lr": 1e-3, "temp": 0.5, "opt": "sgd", "mix": []float64{0.75, 0.25}}
	point := make([]float64, s.EncodedDim())
	if err := s.Encode(c, point); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%.4f\n", point)

	back, err := s.Decode(point)
	fmt.Println(s.Format(back), err)
	// Output:
	// [0.5000 0.2500 0.0000 0.7071 0.7500 0.2500]
	// lr=0.001 temp=0.5 opt=sgd mix={web:0.75,code:0.25} <nil>
}

func ExampleCandidates_Nearest() {
	s := spaces.MustConfigSpace(
		spaces.LogDim("lr", 1e-4, 1e-1),
		spaces.IntDim("bs", 64, 1024),
	)
	// The configs that were actually run.
	grid, err := spaces.NewCandidates(s, []spaces.Config{
		{"lr": 1e-4, "bs": 64},
		{"lr": 1e-3, "bs": 256},
		{"lr": 1e-2, "bs": 1024},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// An off-grid proposal is matched to the nearest run config.
	i, dist, err := grid.NearestConfig(spaces.Config{"lr": 2e-3, "bs": 300})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s (distance %.3f)\n", s.Format(grid.Config(i)), dist)

	// A point of the unit square, as a numeric policy might output.
	i, dist = grid.Nearest([]float64{0.9, 0.8})
	fmt.Printf("%s (distance %.3f)\n", s.Format(grid.Config(i)), dist)
	// Output:
	// lr=0.001 bs=256 (distance 0.110)
	// lr=0.01 bs=1024 (distance 0.307)
}
