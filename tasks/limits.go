package tasks

import (
	"errors"
	"fmt"
	"io"
)

// Limits of the table readers. A file whose metadata declares more is
// refused with an error matching ErrTooLarge (or ErrCorrupt, when the
// declared sizes do not fit in the file) before anything is allocated for
// it.
const (
	// MaxRows bounds the number of rows of a table read from a file.
	MaxRows = 1 << 22
	// MaxMetadataBytes bounds the size of one Arrow IPC message's metadata
	// (its flatbuffer), of a Parquet footer and of the Arrow schema stored
	// in it: 16 MiB.
	MaxMetadataBytes = 16 << 20
	// MaxMagnitude bounds the magnitude of metric values and costs a
	// table may hold, so that the sums, squares and differences baselines
	// compute from them (regret normalisation, GP models) stay finite.
	MaxMagnitude = 1e150
)

// ErrCorrupt is matched (with errors.Is) by the error of a reader whose
// input is not a well-formed Arrow IPC file, IPC stream or Parquet file:
// sizes or offsets in its metadata point outside it, or the decoder
// failed on it.
var ErrCorrupt = errors.New("tasks: corrupt table file")

// ErrTooLarge is matched (with errors.Is) by the error of a reader whose
// input declares more rows than MaxRows, or needs more memory to decode
// than the decoders may hold (tablefile.MaxDecodeBytes).
var ErrTooLarge = errors.New("tasks: table too large")

// readAllLimited reads r to its end, refusing more than limit bytes.
func readAllLimited(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: the input is longer than %d bytes", ErrTooLarge, limit)
	}
	return data, nil
}
