package pretrain_test

import (
	"fmt"
	"strings"

	"github.com/autollmresearch/gym/fidelity"
	"github.com/autollmresearch/gym/tasks/pretrain"
)

func ExampleDefault() {
	tb, err := pretrain.Default()
	if err != nil {
		fmt.Println(err)
		return
	}
	exps := tb.Experiments()
	fmt.Println(len(exps), "cells,", tb.NumRows(), "runs")
	fmt.Println("cheapest:", exps[0].ID)
	target := exps[len(exps)-1]
	fmt.Println("target:  ", target.ID)
	fmt.Printf("one target run costs %.0f GPU hours\n", tb.Outcome(target.Index, 0).CostGPUHours)
	// Output:
	// 24 cells, 2880 runs
	// cheapest: pretrain/N=1.00e8,D=1.00e9
	// target:   pretrain/N=7.00e9,D=2.10e12
	// one target run costs 61931 GPU hours
}

func ExampleModel_Loss() {
	m := pretrain.DefaultModel()
	n, d := 1e9, 2e10
	lr, bs := m.OptimalLR(n, d), m.OptimalBatch(n, d)
	fmt.Printf("lr* = %.2e, bs* = %.0f sequences\n", lr, bs)
	for _, f := range []float64{1, 4, 16} {
		loss, diverged := m.Loss(n, d, f*lr, bs)
		fmt.Printf("lr = %2g·lr*: loss %.3f, diverged %v\n", f, loss, diverged)
	}
	// Output:
	// lr* = 9.96e-04, bs* = 216 sequences
	// lr =  1·lr*: loss 2.580, diverged false
	// lr =  4·lr*: loss 2.652, diverged false
	// lr = 16·lr*: loss 7.000, diverged true
}

func ExampleImport() {
	// Two runs in the published Step Law layout (columns may come in any
	// order; others are ignored).
	const csv = `h,ffnh,numh,numl,lr,bs,ti,loss,smooth loss,exp_name,D,N,D/N
256,1024,4,4,0.001,32,15259,3.12,3.10,a,1000000000,4194304,238.4
256,1024,4,4,0.002,32,15259,3.06,3.05,b,1000000000,4194304,238.4
`
	tb, err := pretrain.Import(strings.NewReader(csv))
	if err != nil {
		fmt.Println(err)
		return
	}
	e := tb.ExperimentAt(0)
	fmt.Println(e.ID, tb.Meta().Provenance, "best", tb.Stats(e.Index).Best)
	// Output: pretrain/N=4.19e6,D=1.00e9 measured best 3.05
}

func Example_split() {
	// Train on the cheaper cells, test on the most expensive quarter.
	tb, err := pretrain.Default()
	if err != nil {
		fmt.Println(err)
		return
	}
	var exps []fidelity.Experiment
	for _, e := range tb.Experiments() {
		exps = append(exps, fidelity.Experiment{ID: e.ID, Group: pretrain.Task, Rank: e.Fidelity[pretrain.Compute].(float64)})
	}
	split, err := fidelity.Curate(exps, fidelity.SplitOptions{TestFraction: 0.25})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(split.Train), "train,", len(split.Test), "test; cheapest test:", split.Test[0])
	// Output: 18 train, 6 test; cheapest test: pretrain/N=1.28e9,D=3.84e11
}
