package plotfile_test

import (
	"fmt"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/autollmresearch/gym/internal/plotfile"
)

// Two panels side by side, written as a PNG and an SVG file.
func ExampleSave() {
	dir, err := os.MkdirTemp("", "plotfile")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	var panels []*plot.Plot
	for i, name := range []string{"loss", "regret"} {
		p := plot.New()
		p.Title.Text = name
		l, err := plotter.NewLine(plotter.XYs{{X: 1, Y: 3}, {X: 2, Y: 2}, {X: 3, Y: 1.5}})
		if err != nil {
			panic(err)
		}
		l.Color = plotfile.Palette[i]
		p.Add(l)
		panels = append(panels, p)
	}
	size := plotfile.Size{Width: 8 * vg.Inch, Height: 3 * vg.Inch, DPI: 100}
	fig := plotfile.Grid(panels, 2, draw.Tiles{PadX: vg.Millimeter})
	paths, err := plotfile.Save(filepath.Join(dir, "curves"), size, fig)
	if err != nil {
		panic(err)
	}
	for _, p := range paths {
		fmt.Println(filepath.Base(p))
	}
	// Output:
	// curves.png
	// curves.svg
}
