package arch_test

import (
	"fmt"
	"log"

	"github.com/autollmresearch/gym/tasks/arch"
)

func ExampleParams() {
	gpt2 := arch.Uniform(arch.Small, 768, 12, 12, 4, true)
	fmt.Println(gpt2)
	fmt.Printf("%.1fM parameters, %.2f GFLOPs per token\n", float64(arch.Params(gpt2))/1e6, arch.FLOPsPerToken(gpt2)/1e9)
	// Output:
	// s/e768-l12-h[12×12]-r[4×12]-bias
	// 123.7M parameters, 0.28 GFLOPs per token
}

func ExampleDefault() {
	t, err := arch.Default()
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range t.Experiments() {
		st := t.Stats(e.Index)
		fmt.Printf("%s: %d architectures, perplexity %.0f to %.0f\n", e.ID, e.NumConfigs, st.Best, st.Worst)
	}
	// Output:
	// arch/s: 462 architectures, perplexity 21 to 43
	// arch/m: 462 architectures, perplexity 21 to 36
	// arch/l: 462 architectures, perplexity 18 to 30
}

func ExampleArch_Config() {
	mixed := arch.Arch{Scale: arch.Small, Embed: 384, Layers: 10,
		Heads:    []int{4, 4, 8, 8, 8, 8, 12, 12, 12, 12},
		MLPRatio: []int{4, 4, 4, 4, 3, 3, 3, 2, 2, 2},
	}
	fmt.Println(mixed.Validate())
	fmt.Println(mixed.Config())
	// Output:
	// <nil>
	// map[bias:false embed_dim:384 heads:8.8 mlp_ratio:3.1 n_layers:10]
}
