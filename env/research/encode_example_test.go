package research_test

import (
	"fmt"
	"log"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/research"
)

// A policy trained on the Numeric view can act in the programmatic view:
// the encoder gives it the same vector and turns its point into an Action.
func ExampleObservationEncoder() {
	core, err := research.NewFromOptions("pretrain", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer core.Close()
	enc, err := research.NewObservationEncoder(core)
	if err != nil {
		log.Fatal(err)
	}
	obs, _, err := core.Reset(env.SeedOf(1), nil)
	if err != nil {
		log.Fatal(err)
	}
	vec := make([]float64, enc.Dim())
	if err := enc.Encode(obs, vec); err != nil {
		log.Fatal(err)
	}
	fmt.Println("observation values:", enc.Dim(), "action values:", enc.ActionDim())

	// The corner (0, 0) of the config encoding runs the target config
	// nearest to it.
	a, err := enc.DecodeAction(obs, []float64{0, 0})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(a.Config)
	// Output:
	// observation values: 88 action values: 2
	// map[bs:64 lr:0.0009765625]
}
