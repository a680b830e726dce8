package curves_test

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/internal/curves"
	"github.com/autollmresearch/gym/rl"
)

// writeMetrics logs returns and regrets (NaN: not reported) at steps 100,
// 200, ... to dir/metrics.csv and returns its path.
func writeMetrics(t testing.TB, dir string, returns, regrets []float64) string {
	t.Helper()
	path := filepath.Join(dir, "metrics.csv")
	f, err := os.Create(path)
	require.NoError(t, err)
	l := rl.NewLogger(f, nil)
	for i, r := range returns {
		require.NoError(t, l.Log([]rl.Metric{
			{Name: "update", Value: float64(i + 1)},
			{Name: "global_step", Value: float64(100 * (i + 1))},
			{Name: "episode_return", Value: r},
			{Name: "final_regret", Value: regrets[i]},
		}))
	}
	require.NoError(t, l.Flush())
	require.NoError(t, f.Close())
	return path
}

// writeFile writes text to dir/name and returns its path.
func writeFile(t testing.TB, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	return path
}

func TestPlot(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		name    string
		opts    curves.Options
		regrets []float64
		want    []string // texts the SVG must contain
		wantNot []string // and must not
	}{
		{
			name:    "defaults",
			regrets: []float64{nan, 0.5, 0.3, 0.2},
			want:    []string{"episode_return", "global_step"},
			wantNot: []string{"final_regret", "reference"},
		},
		{
			name: "two panels with a reference",
			opts: curves.Options{
				Title:          "PPO on toy",
				Y:              []string{"episode_return", "final_regret"},
				Name:           "PPO",
				Labels:         map[string]string{"global_step": "env steps"},
				Reference:      map[string]float64{"episode_return": -0.5},
				ReferenceLabel: "random actions",
			},
			regrets: []float64{nan, 0.5, 0.3, 0.2},
			want:    []string{"PPO on toy", "env steps", "episode_return", "final_regret", "random actions", "PPO"},
			wantNot: []string{"global_step"},
		},
		{
			name:    "empty column skipped",
			opts:    curves.Options{Y: []string{"episode_return", "final_regret"}, SkipEmpty: true},
			regrets: []float64{nan, nan, nan, nan},
			want:    []string{"episode_return"},
			wantNot: []string{"final_regret"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			csvPath := writeMetrics(t, dir, []float64{nan, -0.9, -0.4, -0.1}, tc.regrets)
			prefix := filepath.Join(dir, "plots", "curves")
			paths, err := curves.Plot(csvPath, prefix, tc.opts)
			require.NoError(t, err)
			require.Equal(t, []string{prefix + ".png", prefix + ".svg"}, paths)

			png, err := os.ReadFile(paths[0])
			require.NoError(t, err)
			assert.True(t, bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")), "PNG magic")
			assert.Greater(t, len(png), 1000)

			svg, err := os.ReadFile(paths[1])
			require.NoError(t, err)
			assert.Contains(t, string(svg), "<svg")
			for _, s := range tc.want {
				assert.Contains(t, string(svg), s)
			}
			for _, s := range tc.wantNot {
				assert.NotContains(t, string(svg), s)
			}
		})
	}
}

func TestPlotSinglePoint(t *testing.T) {
	dir := t.TempDir()
	csvPath := writeFile(t, dir, "metrics.csv", "global_step,episode_return\n128,0.25\n")
	paths, err := curves.Plot(csvPath, filepath.Join(dir, "curve"),
		curves.Options{Reference: map[string]float64{"episode_return": 0}})
	require.NoError(t, err)
	for _, p := range paths {
		info, err := os.Stat(p)
		require.NoError(t, err)
		assert.Positive(t, info.Size(), p)
	}
}

func TestPlotErrors(t *testing.T) {
	const header = "update,global_step,episode_return,final_regret\n"
	cases := []struct {
		name string
		csv  string // contents of metrics.csv
		file bool   // write csv (otherwise the file does not exist)
		opts curves.Options
		want string
	}{
		{name: "no file", want: "no such file"},
		{name: "empty file", file: true, want: "metrics.csv is empty"},
		{name: "header only", csv: header, file: true, want: "has a header but no rows"},
		{name: "missing x", csv: header + "1,100,0.5,\n", file: true,
			opts: curves.Options{X: "step"}, want: `has no column "step"`},
		{name: "missing y", csv: header + "1,100,0.5,\n", file: true,
			opts: curves.Options{Y: []string{"episode_return", "mean_return"}}, want: `has no column "mean_return"`},
		{name: "unparsable cell", csv: header + "1,100,0.5,\n2,200,abc,\n", file: true,
			want: `line 3, column "episode_return": "abc" is not a finite number`},
		{name: "unparsable x", csv: header + "1,1e,0.5,\n", file: true,
			want: `line 2, column "global_step": "1e" is not a finite number`},
		{name: "empty x", csv: header + "1,,0.5,\n", file: true,
			want: `line 2, column "global_step": empty, want a number`},
		{name: "infinite cell", csv: header + "1,100,+Inf,\n", file: true,
			want: `line 2, column "episode_return": "+Inf" is not a finite number`},
		{name: "ragged row", csv: header + "1,100,0.5\n", file: true, want: "wrong number of fields"},
		{name: "no values", csv: header + "1,100,,\n2,200,,\n", file: true,
			want: `column "episode_return" has no values in its 2 rows`},
		{name: "second column without values", csv: header + "1,100,0.5,\n", file: true,
			opts: curves.Options{Y: []string{"episode_return", "final_regret"}},
			want: `column "final_regret" has no values in its 1 rows`},
		{name: "no values even skipping", csv: header + "1,100,,\n", file: true,
			opts: curves.Options{Y: []string{"episode_return", "final_regret"}, SkipEmpty: true},
			want: "none of the columns"},
		{name: "reference not plotted", csv: header + "1,100,0.5,\n", file: true,
			opts: curves.Options{Reference: map[string]float64{"final_regret": 1}},
			want: `Reference names column "final_regret", which is not one of Y`},
		{name: "NaN reference", csv: header + "1,100,0.5,\n", file: true,
			opts: curves.Options{Reference: map[string]float64{"episode_return": math.NaN()}},
			want: `Reference["episode_return"] is NaN, want a finite number`},
		{name: "column twice", csv: header + "1,100,0.5,\n", file: true,
			opts: curves.Options{Y: []string{"episode_return", "episode_return"}},
			want: `column "episode_return" is in Options.Y twice`},
		{name: "empty column name", csv: header + "1,100,0.5,\n", file: true,
			opts: curves.Options{Y: []string{""}}, want: "Options.Y[0] is empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "metrics.csv")
			if tc.file {
				writeFile(t, dir, "metrics.csv", tc.csv)
			}
			prefix := filepath.Join(dir, "curve")
			paths, err := curves.Plot(path, prefix, tc.opts)
			require.ErrorContains(t, err, tc.want)
			assert.Empty(t, paths)
			assert.NoFileExists(t, prefix+".png")
		})
	}

	t.Run("empty prefix", func(t *testing.T) {
		path := writeFile(t, t.TempDir(), "metrics.csv", header+"1,100,0.5,\n")
		_, err := curves.Plot(path, "", curves.Options{})
		assert.ErrorContains(t, err, "empty output prefix")
	})
}

// Plotting the learning curves logged by a training run: the mean return
// against env steps with the random agent's as a reference, and the final
// regret below it.
func ExamplePlot() {
	dir, err := os.MkdirTemp("", "curves")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	logger, err := rl.CreateLogger(filepath.Join(dir, "metrics"), false)
	if err != nil {
		fmt.Println(err)
		return
	}
	for u, ret := range []float64{math.NaN(), -0.8, -0.5, -0.3} {
		err := logger.Log([]rl.Metric{
			{Name: "global_step", Value: float64(1024 * (u + 1))},
			{Name: "episode_return", Value: ret},
			{Name: "final_regret", Value: -ret / 2},
		})
		if err != nil {
			fmt.Println(err)
			return
		}
	}
	if err := logger.Close(); err != nil {
		fmt.Println(err)
		return
	}

	paths, err := curves.Plot(filepath.Join(dir, "metrics.csv"), filepath.Join(dir, "learning_curves"), curves.Options{
		Title:          "PPO on toy/grid-search-v0",
		Y:              []string{"episode_return", "final_regret"},
		Name:           "PPO",
		Labels:         map[string]string{"global_step": "env steps", "episode_return": "mean episode return"},
		Reference:      map[string]float64{"episode_return": -1},
		ReferenceLabel: "random actions",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range paths {
		fmt.Println(filepath.Base(p))
	}
	// Output:
	// learning_curves.png
	// learning_curves.svg
}
