package plotfile

import (
	"bytes"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// panel returns a plot titled title with one line.
func panel(t *testing.T, title string) *plot.Plot {
	t.Helper()
	p := plot.New()
	p.Title.Text = title
	l, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 1}, {X: 1, Y: 3}, {X: 2, Y: 2}})
	require.NoError(t, err)
	l.Color = Palette[0]
	p.Add(l)
	return p
}

func TestSave(t *testing.T) {
	tests := []struct {
		name   string
		size   Size
		panels int
		cols   int
		wantW  int
		wantH  int
	}{
		{"one plot, default DPI", Size{Width: 2 * vg.Inch, Height: 1 * vg.Inch}, 1, 0, 192, 96},
		{"one plot, 150 DPI", Size{Width: 2 * vg.Inch, Height: 1 * vg.Inch, DPI: 150}, 1, 0, 300, 150},
		{"grid of 5 in rows of 2", Size{Width: 4 * vg.Inch, Height: 6 * vg.Inch, DPI: 50}, 5, 2, 200, 300},
		{"grid of 3 in one column", Size{Width: 3 * vg.Inch, Height: 6 * vg.Inch, DPI: 50}, 3, 1, 150, 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var panels []*plot.Plot
			for i := range tt.panels {
				panels = append(panels, panel(t, fmt.Sprintf("panel %d", i)))
			}
			fig := One(panels[0])
			if tt.cols > 0 {
				fig = Grid(panels, tt.cols, draw.Tiles{PadX: vg.Millimeter, PadY: vg.Millimeter})
			}
			prefix := filepath.Join(t.TempDir(), "fig")
			paths, err := Save(prefix, tt.size, fig)
			require.NoError(t, err)
			require.Equal(t, []string{prefix + ".png", prefix + ".svg"}, paths)

			data, err := os.ReadFile(paths[0])
			require.NoError(t, err)
			img, err := png.Decode(bytes.NewReader(data))
			require.NoError(t, err)
			assert.Equal(t, tt.wantW, img.Bounds().Dx())
			assert.Equal(t, tt.wantH, img.Bounds().Dy())

			svg, err := os.ReadFile(paths[1])
			require.NoError(t, err)
			assert.True(t, strings.HasSuffix(strings.TrimSpace(string(svg)), "</svg>"))
			for i := range tt.panels {
				assert.Contains(t, string(svg), fmt.Sprintf(">panel %d<", i), "panel %d is drawn", i)
			}
			left, err := filepath.Glob(filepath.Join(filepath.Dir(prefix), ".*tmp*"))
			require.NoError(t, err)
			assert.Empty(t, left, "temporary files left behind")
		})
	}
}

func TestSaveIsDeterministic(t *testing.T) {
	dir := t.TempDir()
	fig := Grid([]*plot.Plot{panel(t, "a"), panel(t, "b")}, 2, draw.Tiles{})
	size := Size{Width: 4 * vg.Inch, Height: 2 * vg.Inch, DPI: 40}
	a, err := Save(filepath.Join(dir, "a"), size, fig)
	require.NoError(t, err)
	b, err := Save(filepath.Join(dir, "b"), size, fig)
	require.NoError(t, err)
	for i := range a {
		da, err := os.ReadFile(a[i])
		require.NoError(t, err)
		db, err := os.ReadFile(b[i])
		require.NoError(t, err)
		assert.True(t, bytes.Equal(da, db), "%s and %s differ", a[i], b[i])
	}
}

func TestSaveFileErrors(t *testing.T) {
	dir := t.TempDir()
	size := Size{Width: vg.Inch, Height: vg.Inch}
	fig := One(panel(t, "x"))
	tests := []struct {
		name, path, want string
	}{
		{"unknown extension", filepath.Join(dir, "fig.jpg"), "fig.jpg: want a .png or .svg file"},
		{"no extension", filepath.Join(dir, "fig"), "want a .png or .svg file"},
		{"missing directory", filepath.Join(dir, "missing", "fig.png"), filepath.Join(dir, "missing", "fig.png")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := SaveFile(tt.path, size, fig)
			require.Error(t, err)
			assert.ErrorContains(t, err, tt.want)
			_, statErr := os.Stat(tt.path)
			assert.True(t, os.IsNotExist(statErr), "%s was written", tt.path)
		})
	}
}

func TestSaveReportsWhatItWroteBeforeAFailure(t *testing.T) {
	dir := t.TempDir()
	prefix := filepath.Join(dir, "fig")
	require.NoError(t, os.Mkdir(prefix+".svg", 0o755)) // a directory where the SVG goes
	paths, err := Save(prefix, Size{Width: vg.Inch, Height: vg.Inch}, One(panel(t, "x")))
	require.Error(t, err)
	assert.ErrorContains(t, err, prefix+".svg")
	assert.Equal(t, []string{prefix + ".png"}, paths)
}

func TestGridClampsColumns(t *testing.T) {
	prefix := filepath.Join(t.TempDir(), "fig")
	_, err := Save(prefix, Size{Width: vg.Inch, Height: 2 * vg.Inch}, Grid([]*plot.Plot{panel(t, "a"), panel(t, "b")}, 0, draw.Tiles{}))
	require.NoError(t, err)
	svg, err := os.ReadFile(prefix + ".svg")
	require.NoError(t, err)
	assert.Contains(t, string(svg), ">a<")
	assert.Contains(t, string(svg), ">b<")
}
