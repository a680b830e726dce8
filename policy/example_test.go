package policy_test

import (
	"fmt"
	"log"
	"math/rand/v2"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/policy"
)

// An episode of the Extrapolate setting: the scaling-law baseline predicts
// where the pretraining optimum moves at the held-out target from the free
// lower-fidelity results, then spends its five target trials around it.
func Example() {
	e, err := research.NewFromOptions("pretrain", env.Options{"split": "test"})
	if err != nil {
		log.Fatal(err)
	}
	defer e.Close()

	p := policy.NewScalingLaw(policy.ScalingLawOptions{})
	obs, _, err := e.Reset(env.SeedOf(1), nil)
	if err != nil {
		log.Fatal(err)
	}
	if err := p.Reset(obs, rand.New(rand.NewPCG(1, 2))); err != nil {
		log.Fatal(err)
	}
	for {
		a, err := p.Act(obs)
		if err != nil {
			log.Fatal(err)
		}
		r, err := e.Step(a)
		if err != nil {
			log.Fatal(err)
		}
		obs = r.Obs
		if r.Done() {
			break
		}
	}
	fmt.Printf("%s: %d target trials, final regret below 0.05: %t\n", p.Name(), len(obs.History), e.Regret() < 0.05)
	// Output: scaling-law: 5 target trials, final regret below 0.05: true
}

// Successive halving in the MultiFidelity setting: it pays for cheap runs
// at the fidelity nearest the target, then runs the best of them at the
// target. Here the budget is twice the cost of the five target trials.
func ExampleNewSuccessiveHalving() {
	const target = "pretrain/N=7.00e9,D=2.10e12"
	probe, err := research.NewFromOptions("pretrain", env.Options{"split": "test"})
	if err != nil {
		log.Fatal(err)
	}
	f, _ := probe.Fidelity(target)
	e, err := research.NewFromOptions("pretrain", env.Options{
		"setting": "multi-fidelity", "split": "test", "target": target,
		"budget_gpu_hours": 2 * 5 * f.CostPerRun,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer e.Close()

	p := policy.NewSuccessiveHalving(policy.SuccessiveHalvingOptions{})
	obs, _, err := e.Reset(env.SeedOf(3), nil)
	if err != nil {
		log.Fatal(err)
	}
	if err := p.Reset(obs, rand.New(rand.NewPCG(3, 4))); err != nil {
		log.Fatal(err)
	}
	for {
		a, err := p.Act(obs)
		if err != nil {
			log.Fatal(err)
		}
		r, err := e.Step(a)
		if err != nil {
			log.Fatal(err)
		}
		obs = r.Obs
		if r.Done() {
			break
		}
	}
	runs := make(map[string]int)
	var order []string
	for _, t := range obs.History {
		if runs[t.Experiment] == 0 {
			order = append(order, t.Experiment)
		}
		runs[t.Experiment]++
	}
	for _, id := range order {
		fmt.Printf("%2d runs at %s\n", runs[id], id)
	}
	fmt.Printf("within budget: %t\n", obs.Spent <= 2*5*f.CostPerRun)
	// Output:
	// 15 runs at pretrain/N=7.00e9,D=7.00e11
	//  5 runs at pretrain/N=7.00e9,D=2.10e12
	// within budget: true
}
