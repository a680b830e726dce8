// Package tasks holds the outcome table that answers every query of the
// environments: an Arrow-columnar store of (experiment, config, seed) rows
// with the canonical schema, its validation, CSV reading and writing, and a
// constant-time lookup index. The binary file formats (Arrow IPC and
// Parquet) are in package tasks/tablefile, which a program imports to read
// or write them (ReadFile and WriteFile dispatch to it by extension): a
// program that only plays the embedded defaults links no Parquet. One
// sub-package per task (pretrain, arch, mixture, grpo) defines the task's
// configuration space, fidelity ladder, embedded default and importer for
// the real upstream data.
//
// # The canonical schema
//
// A table is one Arrow record batch whose columns are, in this order:
//
//	experiment        string (dictionary-encoded when written; readers accept plain strings)
//	fid_<name>        float64, or string for a coordinate with levels
//	cfg_<dim>         float64 (log, linear), int64 (int), string (categorical)
//	cfg_<dim>.<part>  float64, one per part of a simplex dimension
//	metric_<name>     float64
//	cost_gpu_hours    float64
//	diverged          bool
//	seed              int64
//
// and whose schema metadata carries the [Meta] under the gym.* keys
// ([KeyTask], [KeySpace], ...): the configuration space and the fidelity
// list as JSON, the metrics, the objective and its direction, the
// provenance (measured, surrogate or synthetic), how costs were obtained,
// and the source, citation and licence. The same schema round-trips through
// Arrow IPC, Parquet and CSV ([WriteFile], [ReadFile]), so tables open in
// pandas, polars or DuckDB, and users can bring their own results in the
// same shape. A CSV table is a plain CSV (a header row and data rows, which
// pandas.read_csv and DuckDB open with no options) with its metadata in a
// JSON sidecar next to it, "runs.csv.meta.json" (SidecarPath,
// WriteSidecar, ReadCSVSidecar); ReadFile also reads CSVs of earlier
// versions, which carry the metadata in leading comment lines
// ("# gym.task=pretrain", one per key). A CSV edited in another tool loses
// no metadata as long as the sidecar is kept: ReadCSVWithMeta (or the
// command "go run ./cmd/table attach") joins the two again.
//
// # Building and validating
//
// A [Builder] collects [Row] values; [Builder.Build] and every reader
// validate the whole table and report every problem at once in a
// [*ValidationError], each naming the column and the 1-based data row (and,
// for CSV, the line): missing, unexpected or mistyped columns, nulls,
// NaN or infinite metrics, costs and fidelity coordinates, metrics and
// costs of a magnitude above MaxMagnitude, negative costs,
// configs outside the space, unknown fidelity levels, experiments whose rows
// disagree on their fidelity, empty experiment ids, duplicate (experiment,
// config, seed) rows, and experiments in which every config diverged (whose
// regret would be undefined). A table that loads is a valid table.
//
// Every writer stores a content checksum in the metadata (KeyChecksum, see
// Table.Checksum), and every reader verifies it when present: a file
// changed after it was written fails with an error matching ErrChecksum.
// Corrupt or oversized binary files fail with ErrCorrupt or ErrTooLarge
// before anything is allocated for them (see MaxRows and package
// tasks/tablefile).
//
// # Experiments, configs and outcomes
//
// Experiments are numbered cheap to expensive by their fidelity
// coordinates (the first coordinate numerically or by level order, ties
// broken by the next ones, then by id); [Experiment.Rank] numbers the
// distinct fidelity points. Within an experiment, the distinct configs are
// numbered in order of first appearance; [Table.Lookup] finds a config's
// number in constant time without allocating, and [Table.Candidates] finds
// the nearest config to an off-grid proposal. [Table.Outcome] averages a
// config's seeds: the objective and metrics over the seeds that did not
// diverge (over all seeds if every one did), the cost over all seeds; a
// config diverged if more than half its seeds did. [Table.Stats] and
// [Table.Regret] score an objective value against the experiment's configs
// that did not diverge.
//
// # Sharing and memory
//
// A [Table] is immutable and safe for concurrent use. It owns an Arrow
// record (reference-counted: [Table.Retain], [Table.Release]) and an index
// in Go memory; per-experiment [spaces.Config] values and candidates are
// materialised on first use and cached.
package tasks
