package plotfile

import (
	"fmt"
	"image/color"
	"io"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/autollmresearch/gym/internal/atomicfile"
)

// Palette holds colours distinct enough that no two curves of a plot
// share one (up to its length). Palette[0] is the colour of data,
// Palette[1] of what stands out (a target, a reference line), Palette[3]
// of recommendations.
var Palette = []color.RGBA{
	{0x1f, 0x77, 0xb4, 0xff}, {0xd6, 0x27, 0x28, 0xff}, {0x2c, 0xa0, 0x2c, 0xff}, {0xff, 0x7f, 0x0e, 0xff},
	{0x94, 0x67, 0xbd, 0xff}, {0x8c, 0x56, 0x4b, 0xff}, {0xe3, 0x77, 0xc2, 0xff}, {0x17, 0xbe, 0xcf, 0xff},
	{0xbc, 0xbd, 0x22, 0xff}, {0x7f, 0x7f, 0x7f, 0xff}, {0x00, 0x00, 0x80, 0xff}, {0x00, 0x80, 0x80, 0xff},
}

// Size is the size of a figure and the resolution of its PNG form.
type Size struct {
	// Width and Height are the figure's size.
	Width, Height vg.Length
	// DPI is the PNG's resolution in dots per inch; 0 means
	// vgimg.DefaultDPI (96).
	DPI int
}

// Figure draws a whole figure on a canvas.
type Figure func(dc draw.Canvas)

// One is the figure of the single plot p.
func One(p *plot.Plot) Figure {
	return func(dc draw.Canvas) { p.Draw(dc) }
}

// Grid is the figure of panels in rows of cols, filled row by row, with
// aligned axes; pad gives the padding between and around the panels (its
// Rows and Cols are set from the panels). A last row that is not full
// leaves its remaining cells empty. A cols below 1 is taken as 1.
func Grid(panels []*plot.Plot, cols int, pad draw.Tiles) Figure {
	cols = max(cols, 1)
	return func(dc draw.Canvas) {
		rows := (len(panels) + cols - 1) / cols
		pad.Rows, pad.Cols = rows, cols
		grid := make([][]*plot.Plot, rows)
		for i := range grid {
			grid[i] = make([]*plot.Plot, cols)
			for j := range cols {
				if k := i*cols + j; k < len(panels) {
					grid[i][j] = panels[k]
				}
			}
		}
		canvases := plot.Align(grid, pad, dc)
		for i := range grid {
			for j, p := range grid[i] {
				if p != nil {
					p.Draw(canvases[i][j])
				}
			}
		}
	}
}

// Extensions returns the extensions of the files Save writes, in order.
func Extensions() []string { return []string{".png", ".svg"} }

// Save draws fig at size and writes it as prefix+".png" and
// prefix+".svg" (see SaveFile). It returns the paths written, those
// before the failure on an error. The directory must exist.
func Save(prefix string, size Size, fig Figure) ([]string, error) {
	var paths []string
	for _, ext := range Extensions() {
		path := prefix + ext
		if err := SaveFile(path, size, fig); err != nil {
			return paths, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// SaveFile draws fig at size and writes it to path as PNG or SVG, by
// path's extension, replacing any file there atomically: a failed write
// leaves the previous file as it was. Errors name the path.
func SaveFile(path string, size Size, fig Figure) error {
	var c vg.CanvasWriterTo
	switch filepath.Ext(path) {
	case ".png":
		dpi := size.DPI
		if dpi == 0 {
			dpi = vgimg.DefaultDPI
		}
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(size.Width, size.Height), vgimg.UseDPI(dpi))}
	case ".svg":
		c = vgsvg.New(size.Width, size.Height)
	default:
		return fmt.Errorf("cannot write %s: want a .png or .svg file", path)
	}
	fig(draw.New(c))
	err := atomicfile.Write(path, func(w io.Writer) error {
		_, err := c.WriteTo(w)
		return err
	})
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
