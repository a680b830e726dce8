package spaces_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/autollmresearch/gym/spaces"
)

// An action mask restricts sampling to the actions that are legal now.
func ExampleDiscrete_SampleMasked() {
	actions := spaces.NewDiscrete(4)
	r := rand.New(rand.NewPCG(1, 2))

	legal := []bool{false, true, false, true} // only actions 1 and 3
	counts := make([]int, actions.N())
	for range 1000 {
		a, err := actions.SampleMasked(r, legal)
		if err != nil {
			fmt.Println(err)
			return
		}
		counts[a]++
	}
	fmt.Println("never sampled:", counts[0] == 0 && counts[2] == 0)

	_, err := actions.SampleMasked(r, []bool{false, false, false, false})
	fmt.Println(err)
	// Output:
	// never sampled: true
	// spaces: Discrete(4).SampleMasked: mask allows no value
}

func ExampleBox() {
	// Learning rate and batch size, as log10 values, plus an unbounded score.
	b, err := spaces.NewBoxBounds(
		[]float64{-5, 5, math.Inf(-1)},
		[]float64{-1, 12, math.Inf(1)},
		3,
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(b)
	fmt.Println(b.Contains([]float64{-3, 8, 1e6}))
	fmt.Println(b.Contains([]float64{0, 8, 0}))           // -1 < 0: out of bounds
	fmt.Println(b.Contains([]float64{-3, 8, math.NaN()})) // NaN is never contained

	x := b.Sample(rand.New(rand.NewPCG(1, 2)))
	fmt.Println(len(x), b.Contains(x))
	fmt.Println(b.Describe().JSON())
	// Output:
	// Box([-5 5 -inf], [-1 12 inf], (3,))
	// true
	// false
	// false
	// 3 true
	// {
	//   "type": "box",
	//   "shape": [
	//     3
	//   ],
	//   "low": [
	//     -5,
	//     5,
	//     "-inf"
	//   ],
	//   "high": [
	//     -1,
	//     12,
	//     "inf"
	//   ]
	// }
}

// A Dict flattens its sub-spaces in key order: a Discrete becomes a one-hot
// vector and a Box is copied as is.
func ExampleDict_Flatten() {
	obs := spaces.NewDict(map[string]spaces.Space[any]{
		"stage":  spaces.Erase(spaces.NewDiscrete(3)),
		"budget": spaces.Erase(spaces.NewBox(0, 1, 2)),
	})
	x := map[string]any{"stage": 2, "budget": []float64{0.25, 0.75}}

	v, err := spaces.Flatten(obs, x)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(obs.Keys(), v)

	back, err := obs.Unflatten(v)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(back["stage"], back["budget"])
	// Output:
	// [budget stage] [0.25 0.75 0 0 1]
	// 2 [0.25 0.75]
}

// A description read from JSON, possibly from an untrusted client, is
// checked before a space is built from it.
func ExampleFromDescription() {
	for _, js := range []string{
		`{"type": "dict", "spaces": {"arm": {"type": "discrete", "n": 3}, "x": {"type": "box", "low": ["-inf"], "high": [0]}}}`,
		`{"type": "dict", "spaces": {"x": {"type": "box", "shape": [2], "low": [0, 1], "high": [1, 0]}}}`,
	} {
		d, err := spaces.ParseDescription([]byte(js))
		if err != nil {
			fmt.Println(err)
			continue
		}
		s, err := spaces.FromDescription(d)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(s)
	}
	// Output:
	// Dict("arm": Discrete(3), "x": Box(-inf, 0, ()))
	// spaces: invalid description: spaces["x"] (type "box"): invalid bounds: element 1: low 1 is above high 0
}

// Erase lets spaces of different value types share a Dict; Unerase gets the
// typed space back.
func ExampleErase() {
	d := spaces.NewDict(map[string]spaces.Space[any]{
		"arm":    spaces.Erase(spaces.NewDiscrete(3)),
		"prompt": spaces.Erase(spaces.NewText(1, 20)),
	})
	arm, _ := d.Space("arm")
	fmt.Println(arm.Contains(2), arm.Contains("2"))

	if typed, ok := spaces.Unerase[int](arm); ok {
		fmt.Println(typed.(*spaces.Discrete).N())
	}
	_, err := spaces.FlatDim(d)
	fmt.Println(err)
	// Output:
	// true false
	// 3
	// spaces: Dict key "prompt": spaces: Text(1, 20) has no flat form
}
