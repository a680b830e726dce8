package prior_test

import (
	"fmt"
	"log"

	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/prior"
)

// A world is an ordinary table: the research env plays its held-out
// targets like any other.
func Example() {
	p, err := prior.New("pretrain")
	if err != nil {
		log.Fatal(err)
	}
	world, err := p.Draw(42)
	if err != nil {
		log.Fatal(err)
	}
	defer world.Release()
	fmt.Println(world.Meta().Provenance, world.NumExperiments(), "experiments")

	e, err := research.New(world, research.Options{Split: research.Test})
	if err != nil {
		log.Fatal(err)
	}
	defer e.Close()
	fmt.Println(len(e.Targets()), "held-out targets")
	// Output:
	// synthetic 23 experiments
	// 6 held-out targets
}

// The prior-predictive statistics of a table, here the embedded default
// mixture table.
func ExampleStatistics() {
	t, err := research.DefaultTable("mixture")
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range prior.Statistics("mixture")[:2] {
		fmt.Printf("%s %.2f\n", s.Name, s.Of(t))
	}
	// Output:
	// spearman_adjacent 0.58
	// spearman_to_target 0.57
}
