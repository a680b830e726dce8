package nn_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"

	"github.com/autollmresearch/gym/nn"
)

// A policy network over 3 inputs with 4 discrete actions, one sampled
// action and the gradient of its log-probability.
func ExampleMLP() {
	rng := rand.New(rand.NewPCG(1, 2))
	policy, err := nn.NewMLP(nn.MLPConfig{Sizes: []int{3, 16, 16, 4}, OutputGain: 0.01}, rng)
	if err != nil {
		panic(err)
	}
	ws := policy.NewWorkspace(1)
	logits, err := policy.Forward(ws, []float64{0.1, -0.2, 0.3})
	if err != nil {
		panic(err)
	}
	dist := nn.NewCategorical(4)
	if err := dist.Set(logits, []bool{true, true, false, true}); err != nil {
		panic(err)
	}
	a, _ := dist.Sample(rng)
	lp, _ := dist.LogProb(a)

	// Gradient of log p(a) with respect to every parameter.
	dlogits := make([]float64, 4)
	if err := dist.Backward(dlogits, a, 1, 0); err != nil {
		panic(err)
	}
	policy.ZeroGrad()
	if err := policy.Backward(ws, dlogits); err != nil {
		panic(err)
	}
	fmt.Println("parameters:", policy.NumParams())
	fmt.Printf("action %d, p ≈ %.2f (3 allowed actions, near-uniform at init)\n", a, dist.Probs()[a])
	fmt.Printf("log p = %.3f, gradient norm > 0: %v\n", lp, nn.GlobalNorm(policy.Grads()) > 0)
	// Output:
	// parameters: 404
	// action 3, p ≈ 0.33 (3 allowed actions, near-uniform at init)
	// log p = -1.098, gradient norm > 0: true
}

// Saving a network and its optimiser, and loading them back.
func ExampleWriteFile() {
	rng := rand.New(rand.NewPCG(1, 2))
	net, _ := nn.NewMLP(nn.MLPConfig{Sizes: []int{2, 8, 1}}, rng)
	opt, _ := nn.NewAdam(net.NumParams(), nn.DefaultAdamConfig())

	ckpt := new(nn.Checkpoint)
	ckpt.PutMLP("value", net)
	ckpt.PutAdam("value_opt", opt)
	ckpt.Meta = []byte(`{"update": 12}`)

	dir, _ := os.MkdirTemp("", "nn-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "value.ckpt")
	if err := nn.WriteFile(path, ckpt); err != nil {
		panic(err)
	}
	back, err := nn.ReadFile(path)
	if err != nil {
		panic(err)
	}
	restored, err := back.NewMLPFrom("value")
	if err != nil {
		panic(err)
	}
	fmt.Println(back.Names(), string(back.Meta))
	fmt.Println("same parameters:", slices.Equal(net.Params(), restored.Params()))

	// A checkpoint for another shape is refused with ErrShape.
	other, _ := nn.NewMLP(nn.MLPConfig{Sizes: []int{2, 4, 1}}, rng)
	err = back.LoadMLP("value", other)
	fmt.Println(errors.Is(err, nn.ErrShape))
	// Output:
	// [value value_opt.m value_opt.v] {"update":12}
	// same parameters: true
	// true
}

// Adam minimising (p₀ − 3)² + (p₁ + 1)², with gradient clipping.
func ExampleAdam() {
	p := []float64{0, 0}
	g := make([]float64, 2)
	opt, err := nn.NewAdam(len(p), nn.AdamConfig{LR: 0.1, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8})
	if err != nil {
		panic(err)
	}
	for range 500 {
		g[0], g[1] = 2*(p[0]-3), 2*(p[1]+1)
		nn.ClipGradNorm(1, g)
		if err := opt.Step(p, g); err != nil {
			panic(err)
		}
	}
	fmt.Printf("p = [%.3f %.3f] after %d steps\n", p[0], p[1], opt.Steps())
	// Output:
	// p = [3.000 -1.000] after 500 steps
}
