// Package atomicfile writes files so that a failed write never loses the
// previous content: the new content goes to a temporary file in the same
// directory, which is synced to disk and then renamed over the target. A
// reader sees the old file or the new one, never a partial write, and a
// write that fails (a full disk, an encoder error, a crash) leaves the old
// file as it was and no temporary file behind.
//
// Every file the library writes (tables, checkpoints, metrics logs, plots)
// goes through this package.
package atomicfile
