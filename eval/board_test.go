package eval

import (
	"bytes"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// boardResult has two envs and two policies with K = 2: on env a, p wins
// at k=1 and q at k=2; on env b they tie at k=1 and p wins at k=2.
func boardResult() *Result {
	ep := func(env, pol string, r1, r2 float64) Episode {
		return Episode{Env: env, Policy: pol, Target: "t", Regret: []float64{r1, r2}, GPUHours: []float64{1, 2}, FinalRegret: r2}
	}
	return &Result{
		Envs:     []EnvInfo{{Name: "a", K: 2}, {Name: "b", K: 2}},
		Policies: []string{"p", "q"},
		Episodes: []Episode{
			ep("a", "p", 0.1, 0.1), ep("a", "p", 0.3, 0.1),
			ep("a", "q", 0.4, 0.0), ep("a", "q", 0.4, 0.0),
			ep("b", "p", 0.5, 0.2), ep("b", "p", 0.5, 0.2),
			ep("b", "q", 0.5, 0.4), ep("b", "q", 0.5, 0.4),
		},
	}
}

func TestBoard(t *testing.T) {
	rows := boardResult().Board()
	require.Len(t, rows, 4)
	want := []struct {
		policy string
		k      int
		mean   float64
		wins   float64
	}{
		{"p", 1, (0.2 + 0.5) / 2, 1.5},
		{"p", 2, (0.1 + 0.2) / 2, 1},
		{"q", 1, (0.4 + 0.5) / 2, 0.5},
		{"q", 2, (0.0 + 0.4) / 2, 1},
	}
	for i, w := range want {
		assert.Equal(t, w.policy, rows[i].Policy)
		assert.Equal(t, w.k, rows[i].K)
		assert.InDelta(t, w.mean, rows[i].MeanRegret, 1e-12)
		assert.InDelta(t, w.wins, rows[i].Wins, 1e-12)
		assert.Equal(t, 2, rows[i].Envs)
	}
	// p at k=1: env a's episodes 0.1 and 0.3 have SE 0.1, env b's 0; the
	// board's SE is √(0.1² + 0²)/2.
	assert.InDelta(t, 0.05, rows[0].SERegret, 1e-12)

	var buf bytes.Buffer
	require.NoError(t, boardResult().WriteBoard(&buf, OverSeeds))
	out := buf.String()
	assert.Contains(t, out, "Mean over 2 env(s)")
	assert.Contains(t, out, "| p | **0.350 ± 0.050** | **0.150 ± 0.000** | 1.5 | 1 |")
	assert.Contains(t, out, "| q | 0.450 ± 0.000 | 0.200 ± 0.000 | 0.5 | 1 |")
}

func TestMerge(t *testing.T) {
	r := boardResult()
	other := &Result{Envs: []EnvInfo{{Name: "c", K: 2}}, Policies: []string{"q", "z"},
		Episodes: []Episode{{Env: "c", Policy: "z", Regret: []float64{0, 0}, GPUHours: []float64{0, 0}}}}
	require.NoError(t, r.Merge(other))
	assert.Equal(t, []string{"p", "q", "z"}, r.Policies)
	assert.Len(t, r.Envs, 3)
	assert.Len(t, r.Episodes, 9)
	err := r.Merge(&Result{Envs: []EnvInfo{{Name: "a"}}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"a"`)
	assert.False(t, math.IsNaN(r.Board()[0].MeanRegret))
}

func TestSelectBaselines(t *testing.T) {
	all, err := SelectBaselines("")
	require.NoError(t, err)
	assert.Len(t, all, len(Baselines()))
	two, err := SelectBaselines(" gp-ei-warm, random ")
	require.NoError(t, err)
	require.Len(t, two, 2)
	assert.Equal(t, "gp-ei-warm", two[0].Name)
	assert.Equal(t, "random", two[1].Name)
	_, err = SelectBaselines("random,oracle,random")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown policy "oracle"`)
	assert.Contains(t, err.Error(), `"random" is listed twice`)
	assert.Contains(t, err.Error(), "scaling-law")
}

func TestBoardOverEnvs(t *testing.T) {
	rows := boardResult().Board()
	// p at k=1: env means 0.2 and 0.5, standard deviation 0.3/√2, over √2.
	assert.InDelta(t, 0.15, rows[0].SEEnvs, 1e-12)
	var buf bytes.Buffer
	require.NoError(t, boardResult().WriteBoard(&buf, OverEnvs))
	assert.Contains(t, buf.String(), "± its standard error over envs")
	assert.Contains(t, buf.String(), "| p | **0.350 ± 0.150** |")
}
