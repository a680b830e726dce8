package pretrain_test

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/fidelity"
	"github.com/autollmresearch/gym/internal/shareddata"
	"github.com/autollmresearch/gym/spaces"
	"github.com/autollmresearch/gym/tasks"
	"github.com/autollmresearch/gym/tasks/pretrain"
)

// A small model: h=256, ffnh=1024, numl=4 gives N = (4·256² + 3·256·1024)·4
// = 4,194,304. ti is chosen so that bs·2048·ti is within 0.01% of D.
const fixture = `exp_name,N,D,lr,bs,smooth loss,loss,h,ffnh,numh,numl,ti,D/N,notes
a1,4194304,1000000000,0.001,32,3.10,3.12,256,1024,4,4,15259,238.4,
a2,4194304,1000000000,0.002,32,3.05,3.06,256,1024,4,4,15259,238.4,best
a3,4194304,1000000000,0.001,64,3.08,3.09,256,1024,4,4,7629,238.4,
a4,4194304,1000000000,0.01,64,7.2,9.5,256,1024,4,4,7629,238.4,blew up
a5,4194304,1000000000,0.002,32,3.07,3.08,256,1024,4,4,15259,238.4,replicate
b1,4194304,2000000000,0.001,32,2.95,2.96,256,1024,4,4,30518,476.8,
b2,4194304,2000000000,0.002,32,2.90,2.91,256,1024,4,4,30518,476.8,
`

func TestImport(t *testing.T) {
	tb, err := pretrain.Import(strings.NewReader(fixture))
	require.NoError(t, err)
	assert.Equal(t, 7, tb.NumRows())

	m := tb.Meta()
	assert.Equal(t, tasks.Measured, m.Provenance)
	assert.Equal(t, "no licence upstream: do not redistribute", m.Licence)
	assert.Contains(t, m.Source, "step-law/steplaw")
	assert.Contains(t, m.CostSource, "estimated")

	exps := tb.Experiments()
	require.Len(t, exps, 2)
	assert.Equal(t, "pretrain/N=4.19e6,D=1.00e9", exps[0].ID)
	assert.Equal(t, "pretrain/N=4.19e6,D=2.00e9", exps[1].ID)
	assert.Equal(t, 4194304.0, exps[0].Fidelity[pretrain.Params])
	assert.Equal(t, 1e9, exps[0].Fidelity[pretrain.Tokens])
	assert.Equal(t, 4, exps[0].NumConfigs)
	assert.Equal(t, 5, exps[0].NumRows)

	s := tb.Stats(0)
	assert.Equal(t, 1, s.Diverged, "the run at 7.2 is over 1.5x the cell's best")
	assert.Equal(t, 3, s.Count)

	cfg, ok := tb.Lookup(0, spaces.Config{pretrain.LR: 0.002, pretrain.BS: 32.0})
	require.True(t, ok)
	o := tb.Outcome(0, cfg)
	assert.Equal(t, 2, o.Seeds, "repeated (lr, bs) become seeds")
	assert.InDelta(t, 3.06, o.Objective, 1e-12, "objective is the smoothed loss")
	assert.InDelta(t, 3.07, o.Metrics[1], 1e-12, "final_loss is the raw loss")
	assert.InEpsilon(t, fidelity.DefaultAccelerator().TrainingHours(4194304, 1e9), o.CostGPUHours, 1e-12)

	cfg, ok = tb.Lookup(0, spaces.Config{pretrain.LR: 0.01, pretrain.BS: 64.0})
	require.True(t, ok)
	assert.True(t, tb.Outcome(0, cfg).Diverged)
}

func TestImportModelCSV(t *testing.T) {
	// Runs written from the model in the published layout come back with
	// the model's losses.
	m := pretrain.DefaultModel()
	shapes := []shape{{h: 960, ffnh: 9368, numh: 15, numl: 7}, {h: 1280, ffnh: 9472, numh: 10, numl: 10}}
	tokens := []float64{1e10, 4e10}
	lrs := []float64{2.44e-4, 9.77e-4, 3.91e-3}
	bss := []float64{64, 256, 1024}
	tb, err := pretrain.Import(strings.NewReader(stepLawCSV(m, shapes, tokens, lrs, bss)))
	require.NoError(t, err)
	require.Equal(t, 4, tb.NumExperiments())
	assert.Equal(t, 4*9, tb.NumRows())
	for _, e := range tb.Experiments() {
		n, d := e.Fidelity[pretrain.Params].(float64), e.Fidelity[pretrain.Tokens].(float64)
		for i, cfg := range tb.Configs(e.Index) {
			want, _ := m.Loss(n, d, cfg[pretrain.LR].(float64), cfg[pretrain.BS].(float64))
			assert.InDelta(t, want, tb.Outcome(e.Index, i).Objective, 1e-9)
		}
	}
}

func TestImportErrors(t *testing.T) {
	const header = "h,ffnh,numh,numl,lr,bs,ti,loss,smooth loss,exp_name,D,N,D/N\n"
	const good = "256,1024,4,4,0.001,32,15259,3.12,3.10,a,1000000000,4194304,238.4\n"
	cases := []struct {
		name, in string
		msgs     []string
	}{
		{"empty", "", []string{"empty input; want a header line"}},
		{"header only", header, []string{"no data rows after the header"}},
		{"missing column", strings.Replace(header, "smooth loss,", "", 1) + strings.Replace(good, "3.10,", "", 1),
			[]string{`line 1: header lacks column(s) "smooth loss"`}},
		{"two missing columns", "lr,bs\n0.001,32\n", []string{`"h", "ffnh", "numl", "ti", "loss", "smooth loss", "N", "D"`}},
		{"repeated column", strings.Replace(header, "exp_name", "lr", 1) + good, []string{`column "lr" appears twice`}},
		{"short row", header + "256,1024,4,4,0.001,32,15259,3.12,3.10,a,1000000000,4194304\n", []string{"line 2: 12 fields, want 13 as in the header"}},
		{"unparsable", header + strings.Replace(good, "0.001", "abc", 1), []string{`line 2, column "lr": cannot parse "abc" as a number`}},
		{"NaN", header + strings.Replace(good, "3.10", "NaN", 1), []string{`line 2, column "smooth loss": NaN, want a finite number`}},
		{"infinite", header + strings.Replace(good, "3.12", "+Inf", 1), []string{`line 2, column "loss": +Inf, want a finite number`}},
		{"empty field", header + strings.Replace(good, ",32,", ",,", 1), []string{`line 2, column "bs": missing value`}},
		{"negative", header + strings.Replace(good, "3.12", "-1", 1), []string{`line 2, column "loss": -1, want a positive number`}},
		{"N disagrees", header + strings.Replace(good, "4194304", "4194999", 1),
			[]string{`line 2, column "N": 4.194999e+06 disagrees with (4h²+3h·ffnh)·numl = 4.194304e+06`}},
		{"D disagrees", header + strings.Replace(good, "15259", "20000", 1),
			[]string{`line 2, column "D": 1e+09 disagrees with bs·2048·ti = 1.31072e+09`}},
		{"lr outside the space", header + strings.Replace(good, "0.001", "5", 1), []string{`line 2, column "lr": 5 is outside the space's [1e-05, 1]`}},
		{"bad quote", header + good + `256,1024,4,4,0.001,32,15259,3.12,3.10,"a"x,1000000000,4194304,238.4` + "\n",
			[]string{"line 3:", `extraneous or missing " in quoted-field`}},
		{"several problems", header + strings.Replace(good, "0.001", "abc", 1) + good + strings.Replace(good, "3.12", "NaN", 1),
			[]string{"2 problems", `line 2, column "lr"`, `line 4, column "loss"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tb, err := pretrain.Import(strings.NewReader(c.in))
			require.Error(t, err)
			assert.Nil(t, tb)
			for _, msg := range c.msgs {
				assert.Contains(t, err.Error(), msg)
			}
		})
	}
}

func TestImportTooManyProblems(t *testing.T) {
	const bad = "256,1024,4,4,abc,32,15259,3.12,3.10,a,1000000000,4194304,238.4\n"
	in := "h,ffnh,numh,numl,lr,bs,ti,loss,smooth loss,exp_name,D,N,D/N\n" + strings.Repeat(bad, 100)
	_, err := pretrain.Import(strings.NewReader(in))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "20 problems (stopped after the first 20)")
	assert.Equal(t, 20+1, strings.Count(err.Error(), "\n")+1, "one line per problem plus the summary")
}

func TestImportFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.csv")
	require.NoError(t, os.WriteFile(good, []byte(fixture), 0o600))
	tb, err := pretrain.ImportFile(good)
	require.NoError(t, err)
	assert.Equal(t, 7, tb.NumRows())

	bad := filepath.Join(dir, "bad.csv")
	require.NoError(t, os.WriteFile(bad, []byte(strings.Replace(fixture, "0.002,32,3.05", "0.002,32,x", 1)), 0o600))
	_, err = pretrain.ImportFile(bad)
	require.Error(t, err)
	assert.Contains(t, err.Error(), bad+`: line 3, column "smooth loss": cannot parse "x"`)

	_, err = pretrain.ImportFile(filepath.Join(dir, "missing.csv"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "missing.csv")
}

func TestImportRealData(t *testing.T) {
	tb, err := pretrain.ImportFile(shareddata.Require(t, shareddata.StepLaw))
	require.NoError(t, err)
	assert.Equal(t, 1911, tb.NumRows())
	exps := tb.Experiments()
	require.Len(t, exps, 17)
	var diverged, runs int
	for _, e := range exps {
		s := tb.Stats(e.Index)
		diverged += s.Diverged
		runs += s.Count + s.Diverged
		assert.Greater(t, s.Best, 2.0, e.ID)
		assert.Less(t, s.Worst, 3.5, "converged runs stay near the basin: %s", e.ID)
		n := e.Fidelity[pretrain.Params].(float64)
		assert.True(t, n > 2e8 && n < 1.1e9, "N = %g", n)
	}
	assert.Equal(t, 1911, runs, "no repeated (lr, bs) pairs in the published file")
	frac := float64(diverged) / float64(runs)
	assert.InDelta(t, 0.095, frac, 0.01, "about 9.5%% of the published runs diverge")
	assert.False(t, math.IsNaN(frac))
}

func BenchmarkImport(b *testing.B) {
	m := pretrain.DefaultModel()
	shapes := []shape{{960, 9368, 15, 7}, {1024, 9552, 16, 8}, {1280, 9472, 10, 10}, {2048, 8192, 16, 16}}
	var lrs []float64
	for k := range 12 {
		lrs = append(lrs, 2.44e-4*math.Pow(math.Sqrt2, float64(k)))
	}
	bss := []float64{32, 64, 96, 128, 192, 256, 352, 512, 1024, 2048}
	in := stepLawCSV(m, shapes, []float64{1e10, 2e10, 5e10, 1e11}, lrs, bss) // 1,920 runs
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		tb, err := pretrain.Import(strings.NewReader(in))
		if err != nil {
			b.Fatal(err)
		}
		tb.Release()
	}
}
