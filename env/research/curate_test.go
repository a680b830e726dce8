package research

import (
	"cmp"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/env"
)

// TestPlansMatchBruteForce checks the shared per-group prefixes of the
// plans against the definition: the experiments of the target's group
// ranked strictly below it, cheap to expensive (ties in table order).
func TestPlansMatchBruteForce(t *testing.T) {
	for _, task := range Tasks() {
		for _, setting := range []string{"extrapolate", "multi-fidelity"} {
			for _, split := range []string{"train", "test"} {
				e := viewCore(t, task, env.Options{OptionSetting: setting, OptionSplit: split})
				c := e.cur
				for k, target := range c.pool {
					var want []int
					for j, f := range c.fids {
						if c.groups[j] == c.groups[target] && f.Rank < c.fids[target].Rank {
							want = append(want, j)
						}
					}
					slices.SortStableFunc(want, func(a, b int) int { return cmp.Compare(c.fids[a].Rank, c.fids[b].Rank) })
					require.Equal(t, len(want) > 0, c.hasCheaper(target))
					p := e.plans[k]
					exps := []int{target}
					ctx := want
					if setting == "multi-fidelity" {
						exps, ctx = append(slices.Clone(want), target), nil
					}
					require.Equal(t, exps, p.exps, "%s %s %s target %d", task, setting, split, target)
					require.Equal(t, len(exps), len(p.fids))
					for i, j := range exps {
						require.Equal(t, c.fids[j].Experiment, p.fids[i].Experiment)
					}
					require.Equal(t, len(ctx), p.context.Len())
					for i, j := range ctx {
						require.Equal(t, j, p.context.exps[i])
						require.Equal(t, c.fids[j].Experiment, p.context.Fidelity(i).Experiment)
					}
				}
			}
		}
	}
}
