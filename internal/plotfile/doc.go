// Package plotfile saves the module's plots: one gonum plot, or a grid of
// them with aligned axes, drawn at a given size and written as PNG and
// SVG files, each replaced atomically (package internal/atomicfile), and
// the colour palette the plots share.
package plotfile
