// Package parquetio holds what the module's Parquet files share: one
// writer set-up (Snappy compression, dictionary encoding only where asked,
// column statistics, the Arrow schema stored in the file, the caller's
// writer left open) and the reading of a whole file as record batches.
//
// Opening a file to read, with the limits and corruption checks, is
// tablefile.OpenParquet's job; the readers of tables, transcripts and
// trajectories open with it and hand the reader to [ReadAll].
package parquetio
