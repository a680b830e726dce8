// Package tablefile reads and writes outcome tables (tasks.Table) in the
// binary formats: the Arrow IPC file format (.arrow, .ipc, .feather), the
// Arrow IPC stream format (.arrows) and Apache Parquet (.parquet, .pq).
// Importing it also makes tasks.ReadFile, tasks.WriteFile and tasks.Write
// handle those files, which package tasks alone refuses with
// tasks.ErrFormatUnavailable, so that a program that never opens a binary
// table file (the toy env, the built-in envs over their embedded defaults)
// does not link their decoders:
//
//	import _ "github.com/autollmresearch/gym/tasks/tablefile"
//
// Every reader validates the table in full and verifies its stored
// checksum. What a file declares (the IPC footer, blocks and message
// metadata, the stream framing, the Parquet footer, row groups and column
// chunks, the stored Arrow schema) is checked against the input's length
// and the limits (tasks.MaxRows, tasks.MaxMetadataBytes, MaxDecodeBytes)
// before anything is decoded, and decoding draws on an allocator that
// refuses to hold more than MaxDecodeBytes: a corrupt file fails with an
// error matching tasks.ErrCorrupt, an oversized one tasks.ErrTooLarge,
// and neither can end the process. OpenParquet and DecodePanic give the
// module's other Parquet readers (transcripts, trajectories) the same
// protection.
package tablefile
