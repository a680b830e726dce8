// Package report writes an evaluation's results (eval.Result) in the
// formats that need heavy libraries: the per-episode rows as a Parquet
// file (WriteParquet) and the regret curves of every env as PNG and SVG
// plots (Plot, RemovePlots). The Markdown and CSV writers, which need
// nothing, stay with eval.Result, so that a program that runs evaluations
// and reads their numbers links neither Parquet nor gonum/plot.
package report
