package agent_test

import (
	"fmt"
	"log"
	"math/rand/v2"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/policy/agent"
)

// The embedded pretrain agent, trained on generated worlds only, plays a
// held-out target of the embedded default table.
func Example() {
	a, err := agent.Pretrained("pretrain")
	if err != nil {
		log.Fatal(err)
	}
	tbl, err := research.DefaultTable("pretrain")
	if err != nil {
		log.Fatal(err)
	}
	e, err := research.New(tbl, research.Options{Split: research.Test})
	if err != nil {
		log.Fatal(err)
	}
	defer e.Close()
	pol := a.NewPolicy()
	obs, _, err := e.Reset(env.SeedOf(1), nil)
	if err != nil {
		log.Fatal(err)
	}
	if err := pol.Reset(obs, rand.New(rand.NewPCG(1, 1))); err != nil {
		log.Fatal(err)
	}
	for k := 1; ; k++ {
		act, err := pol.Act(obs)
		if err != nil {
			log.Fatal(err)
		}
		r, err := e.Step(act)
		if err != nil {
			log.Fatal(err)
		}
		obs = r.Obs
		fmt.Printf("trial %d: regret %.3f\n", k, e.Regret())
		if r.Done() {
			break
		}
	}
	// Output:
	// trial 1: regret 0.010
	// trial 2: regret 0.010
	// trial 3: regret 0.010
	// trial 4: regret 0.010
	// trial 5: regret 0.010
}
