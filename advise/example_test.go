package advise_test

import (
	"context"
	"fmt"
	"log"

	"github.com/autollmresearch/gym/advise"
	"github.com/autollmresearch/gym/tasks/pretrain"
)

// Advise on the embedded pretrain table as if its largest model size had
// not been run yet: the target is the table's most expensive cell and
// every cell of that size is held out.
func ExampleAdvise() {
	table, err := pretrain.Default() // shared by the module: not released
	if err != nil {
		log.Fatal(err)
	}
	target, err := advise.ParseTarget("largest")
	if err != nil {
		log.Fatal(err)
	}
	a, err := advise.Advise(context.Background(), advise.Request{
		Table: table, Target: target, Holdout: []string{"params"}, K: 3, Seed: 1,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("recommendations:", len(a.Recommendations))
	fmt.Println("law fitted in:", a.Law.Predictors)
	for _, r := range a.Extrapolation {
		if r.Coordinate == "params" {
			fmt.Printf("params lies %.2f decades beyond the context\n", float64(r.Decades))
		}
	}
	// Output:
	// recommendations: 3
	// law fitted in: [params tokens]
	// params lies 0.37 decades beyond the context
}
