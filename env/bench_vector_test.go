package env_test

import (
	"math/rand/v2"
	"testing"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/toy"
)

// BenchmarkVectorStep16 steps 16 toy envs (default settings) with random
// actions; an op is one Vector.Step of all 16, autoresets included.
func BenchmarkVectorStep16(b *testing.B) {
	for _, bm := range []struct {
		name     string
		parallel bool
	}{{"sequential", false}, {"parallel", true}} {
		b.Run(bm.name, func(b *testing.B) {
			envs := make([]env.Env[[]float64, int], 16)
			for i := range envs {
				g, err := toy.NewFromOptions(nil)
				if err != nil {
					b.Fatal(err)
				}
				envs[i] = g
			}
			v, err := env.NewVector(envs, env.VectorOptions{Parallel: bm.parallel})
			if err != nil {
				b.Fatal(err)
			}
			defer v.Close()
			if _, _, err := v.Reset(env.SeedOf(1), nil); err != nil {
				b.Fatal(err)
			}
			r := rand.New(rand.NewPCG(1, 2))
			actions := make([][]int, 64)
			for k := range actions {
				actions[k] = make([]int, v.NumEnvs())
				for i := range actions[k] {
					actions[k][i] = v.ActionSpace().Sample(r)
				}
			}
			b.ReportAllocs()
			k := 0
			for b.Loop() {
				if _, err := v.Step(actions[k%len(actions)]); err != nil {
					b.Fatal(err)
				}
				k++
			}
		})
	}
}
