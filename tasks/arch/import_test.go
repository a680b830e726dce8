package arch

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/fidelity"
	"github.com/autollmresearch/gym/tasks"
)

func fixtureSurrogates(t *testing.T) []*Surrogate {
	t.Helper()
	var out []*Surrogate
	for _, s := range Scales() {
		sur, err := loadFixture(t, newFixture(s, 10+uint64(s)), s)
		require.NoError(t, err)
		out = append(out, sur)
	}
	return out
}

func TestImport(t *testing.T) {
	surs := fixtureSurrogates(t)
	opts := ImportOptions{MixedPerScale: 40, Seed: 8}
	tab, err := Import(surs, opts)
	require.NoError(t, err)

	m := tab.Meta()
	assert.Equal(t, tasks.Surrogate, m.Provenance)
	assert.Equal(t, "Apache-2.0 (HW-GPT-Bench)", m.Licence)
	assert.Contains(t, m.Source, "github.com/automl/HW-GPT-Bench")
	assert.Contains(t, m.CostSource, "estimated")

	exps := tab.Experiments()
	require.Len(t, exps, 3)
	for i, sur := range surs {
		s := sur.Scale()
		assert.Equal(t, ExperimentID(s), exps[i].ID)
		assert.Equal(t, maxParams(s), exps[i].Fidelity[FidMaxParams])
		archs, err := Candidates(s, 40, newRand(8, candidateStream, s))
		require.NoError(t, err)
		require.Equal(t, len(archs), exps[i].NumConfigs)
		for _, a := range archs {
			c, ok := tab.Lookup(i, a.Config())
			require.True(t, ok, "%v is in the table", a)
			want, err := sur.Perplexity(a)
			require.NoError(t, err)
			o := tab.Outcome(i, c)
			assert.Equal(t, want, o.Objective)
			assert.Equal(t, []float64{want, float64(Params(a)), FLOPsPerToken(a)}, o.Metrics)
			assert.Equal(t, CostModel{}.Hours(a), o.CostGPUHours)
		}
	}

	// The same seed gives the default the same candidates.
	def, err := Generate(GenOptions{MixedPerScale: 40, Seed: 8})
	require.NoError(t, err)
	for i := range exps {
		assert.Equal(t, tab.Configs(i), def.Configs(i))
	}
}

func TestImportErrors(t *testing.T) {
	surs := fixtureSurrogates(t)
	bad := newFixture(Small, 1)
	bad.tensor("fc5.bias").data[0] = -1e4
	negative, err := loadFixture(t, bad, Small)
	require.NoError(t, err)

	cases := []struct {
		name string
		surs []*Surrogate
		opts ImportOptions
		want string
	}{
		{"none", nil, ImportOptions{}, "no surrogates given"},
		{"nil", []*Surrogate{surs[0], nil}, ImportOptions{}, "surrogate 1 is nil"},
		{"duplicate scale", []*Surrogate{surs[1], surs[1]}, ImportOptions{}, "two surrogates for scale m"},
		{"bad accelerator", surs, ImportOptions{Cost: CostModel{Accelerator: fidelity.Accelerator{Name: "x", PeakFLOPS: 1e15, Utilisation: 2}}}, "utilisation 2 must be in (0, 1]"},
		{"negative perplexity", []*Surrogate{negative}, ImportOptions{}, "want a positive finite value"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Import(c.surs, c.opts)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func TestImportDir(t *testing.T) {
	dir := t.TempDir()
	_, err := ImportDir(dir, ImportOptions{})
	require.ErrorContains(t, err, "holds none of perplexity_s.pt, perplexity_m.pt, perplexity_l.pt")

	// Only the medium and large checkpoints.
	for _, s := range []Scale{Medium, Large} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, SurrogateFileName(s)), newFixture(s, 1).bytes(t), 0o644))
	}
	tab, err := ImportDir(dir, ImportOptions{MixedPerScale: -1})
	require.NoError(t, err)
	exps := tab.Experiments()
	require.Len(t, exps, 2)
	assert.Equal(t, "arch/m", exps[0].ID)
	assert.Equal(t, "arch/l", exps[1].ID)
	assert.Equal(t, 162, exps[0].NumConfigs)

	one, err := ImportFile(filepath.Join(dir, SurrogateFileName(Large)), ImportOptions{MixedPerScale: 5})
	require.NoError(t, err)
	require.Len(t, one.Experiments(), 1)
	assert.Equal(t, 167, one.Experiments()[0].NumConfigs)

	// A small-scale file holding a medium-scale network.
	require.NoError(t, os.WriteFile(filepath.Join(dir, SurrogateFileName(Small)), newFixture(Medium, 2).bytes(t), 0o644))
	_, err = ImportDir(dir, ImportOptions{})
	require.ErrorContains(t, err, "perplexity_s.pt holds a surrogate for scale m, want s")

	// A corrupt file names itself.
	require.NoError(t, os.WriteFile(filepath.Join(dir, SurrogateFileName(Small)), []byte("junk"), 0o644))
	_, err = ImportDir(dir, ImportOptions{})
	require.ErrorContains(t, err, "perplexity_s.pt: arch: surrogate checkpoint is not a readable zip archive")
	_, err = ImportFile(filepath.Join(dir, "missing.pt"), ImportOptions{})
	require.ErrorContains(t, err, "missing.pt")
}
