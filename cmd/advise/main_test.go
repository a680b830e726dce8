package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/internal/cli/clitest"
	"github.com/autollmresearch/gym/internal/shareddata"
	"github.com/autollmresearch/gym/tasks"
	"github.com/autollmresearch/gym/tasks/pretrain"
)

// defaultTable writes the embedded pretrain table to a file, as a user's
// own runs would be.
func defaultTable(t *testing.T) string {
	t.Helper()
	tb, err := pretrain.Default() // shared: never released
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "runs.parquet")
	require.NoError(t, tasks.WriteFile(path, tb))
	return path
}

func TestFlagErrors(t *testing.T) {
	clitest.CheckUsage(t, run, errUsage, []clitest.Usage{
		{Want: []string{"no runs"}},
		{Args: []string{"-table", "x.parquet"}, Want: []string{"-target: advise: target is empty"}},
		{Args: []string{"-table", "x.parquet", "-target", "params=1e9,params=2e9"}, Want: []string{`"params" is given twice`}},
		{Args: []string{"-table", "x.parquet", "-table", "y.parquet", "-target", "largest"}, Want: []string{"2 tables named"}},
		{Args: []string{"-table", "x.parquet", "-target", "largest", "-k", "0"}, Want: []string{"-k is 0"}},
		{Args: []string{"-table", "x.parquet", "-calibrate", "-target", "largest", "-json"}, Want: []string{"-target does not apply", "-json does not apply"}},
		{Args: []string{"-table", "x.parquet", "-target", "largest", "-csv", "c.csv"}, Want: []string{"-csv applies only with -calibrate"}},
		{Args: []string{"-table", "x.parquet", "-target", "largest", "extra"}, Want: []string{`unexpected argument "extra"`}},
		{Args: []string{"-bogus"}, Want: []string{"flag provided but not defined: -bogus"}},
	})
}

func TestHelpIsNotAnError(t *testing.T) {
	err := run(context.Background(), []string{"-h"}, &bytes.Buffer{}, &bytes.Buffer{})
	assert.ErrorIs(t, err, flag.ErrHelp)
}

func TestBadInputNamesIt(t *testing.T) {
	path := defaultTable(t)
	dir := t.TempDir()
	badCol := filepath.Join(dir, "bad.csv")
	require.NoError(t, os.WriteFile(badCol, []byte("lr,bs,depth,loss\n0.001,256,3,2.5\n"), 0o644))
	offSpace := filepath.Join(dir, "off.csv")
	require.NoError(t, os.WriteFile(offSpace, []byte("lr,bs,loss\n5,256,2.5\n"), 0o644))
	nan := filepath.Join(dir, "nan.csv")
	require.NoError(t, os.WriteFile(nan, []byte("lr,bs,loss\n0.001,256,NaN\n"), 0o644))
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-target", "width=3"}, `"width" is not a fidelity coordinate`},
		{[]string{"-target", "largest", "-observed", badCol}, `unknown column "depth"`},
		{[]string{"-target", "largest", "-observed", offSpace}, "not in the table's space"},
		{[]string{"-target", "largest", "-observed", nan}, "objective is NaN"},
		{[]string{"-target", "largest", "-observed", filepath.Join(dir, "gone.csv")}, "gone.csv"},
		{[]string{"-target", "largest", "-holdout", "depth"}, `Request.Holdout names "depth"`},
	}
	for _, c := range cases {
		t.Run(c.want, func(t *testing.T) {
			err := run(context.Background(), append([]string{"-table", path}, c.args...), &bytes.Buffer{}, &bytes.Buffer{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func TestAdviseTextJSONPlotObserved(t *testing.T) {
	path := defaultTable(t)
	base := []string{"-table", path, "-target", "largest", "-holdout", "params", "-k", "3"}
	var text bytes.Buffer
	require.NoError(t, run(context.Background(), base, &text, &bytes.Buffer{}))
	assert.Contains(t, text.String(), "Recommended target runs (K = 3)")

	var js, js2 bytes.Buffer
	require.NoError(t, run(context.Background(), append(base, "-json"), &js, &bytes.Buffer{}))
	require.NoError(t, run(context.Background(), append(base, "-json"), &js2, &bytes.Buffer{}))
	assert.Equal(t, js.String(), js2.String(), "same input and seed, different output")
	var a struct {
		Recommendations []struct {
			Config map[string]float64 `json:"config"`
		} `json:"recommendations"`
	}
	require.NoError(t, json.Unmarshal(js.Bytes(), &a))
	require.Len(t, a.Recommendations, 3)

	// Tell the first recommendation's outcome: the next advice shows it and
	// recommends other configs.
	first := a.Recommendations[0].Config
	obs := filepath.Join(t.TempDir(), "made.csv")
	require.NoError(t, os.WriteFile(obs, []byte("lr,bs,loss\n"+ftoa(first["lr"])+","+ftoa(first["bs"])+",2.9\n"), 0o644))
	var next bytes.Buffer
	require.NoError(t, run(context.Background(), append(base, "-observed", obs, "-json"), &next, &bytes.Buffer{}))
	var b struct {
		Observed        []any `json:"observed"`
		Recommendations []struct {
			Config map[string]float64 `json:"config"`
		} `json:"recommendations"`
	}
	require.NoError(t, json.Unmarshal(next.Bytes(), &b))
	assert.Len(t, b.Observed, 1)
	for _, r := range b.Recommendations {
		assert.NotEqual(t, first, r.Config)
	}

	dir := t.TempDir()
	var stderr bytes.Buffer
	require.NoError(t, run(context.Background(), append(base, "-plot", dir), &bytes.Buffer{}, &stderr))
	for _, ext := range []string{".png", ".svg"} {
		assert.FileExists(t, filepath.Join(dir, "advise-runs"+ext))
	}
}

func ftoa(v float64) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestCalibrateOnRealTables(t *testing.T) {
	steplaw := shareddata.Require(t, shareddata.StepLaw)
	admire := shareddata.Require(t, shareddata.Admire)
	hwgpt := shareddata.Require(t, shareddata.HWGPT)
	csv := filepath.Join(t.TempDir(), "cal.csv")
	var out bytes.Buffer
	err := run(context.Background(), []string{"-calibrate", "-steplaw", steplaw, "-admire", admire, "-hwgpt", hwgpt, "-csv", csv}, &out, &bytes.Buffer{})
	require.NoError(t, err)
	for _, want := range []string{"**steplaw, mean of 5**", "**admire, mean of 1**", "**hwgpt, mean of 1**"} {
		assert.Contains(t, out.String(), want)
	}
	assert.FileExists(t, csv)
}

func TestMissingTable(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "gone.parquet")
	err := run(context.Background(), []string{"-table", missing, "-target", "largest"}, &bytes.Buffer{}, &bytes.Buffer{})
	require.Error(t, err)
	assert.False(t, errors.Is(err, errUsage))
	assert.Contains(t, err.Error(), missing)
}
