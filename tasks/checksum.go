package tasks

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// KeyChecksum is the metadata key of a table's content checksum: "sha256:"
// and the hex SHA-256 of the table's metadata and values in a canonical
// form that does not depend on the file format (see Checksum). Every
// writer of this package stores it; every reader verifies it when it is
// present and fails with an error matching ErrChecksum when the content
// does not match. Tables written by other tools (pandas, polars, DuckDB)
// have none and load as before.
const KeyChecksum = "gym.checksum"

// ErrChecksum is matched (with errors.Is) by the error of a reader whose
// file carries a content checksum (KeyChecksum) that its content does not
// match: the file was changed after it was written.
var ErrChecksum = errors.New("tasks: table content does not match its checksum")

// Checksum returns the content checksum of t, as stored under KeyChecksum:
// "sha256:" and the hex SHA-256 of the metadata (keys sorted, KeyChecksum
// left out) and of every column's name and values, row by row, floats by
// their bits.
func (t *Table) Checksum() string {
	h := sha256.New()
	var buf []byte
	str := func(s string) {
		buf = binary.LittleEndian.AppendUint64(buf[:0], uint64(len(s)))
		h.Write(buf)
		h.Write([]byte(s))
	}
	md := t.rec.Schema().Metadata()
	keys := slices.Sorted(slices.Values(md.Keys()))
	for _, k := range keys {
		if k == KeyChecksum {
			continue
		}
		str(k)
		str(md.Values()[md.FindKey(k)])
	}
	n := int(t.rec.NumRows())
	for j, a := range t.rec.Columns() {
		str(t.rec.ColumnName(j))
		for r := range n {
			buf = buf[:0]
			switch {
			case a.IsNull(r):
				buf = append(buf, 0)
			default:
				switch a := a.(type) {
				case *array.Float64:
					buf = binary.LittleEndian.AppendUint64(append(buf, 1), math.Float64bits(a.Value(r)))
				case *array.Int64:
					buf = binary.LittleEndian.AppendUint64(append(buf, 2), uint64(a.Value(r)))
				case *array.Boolean:
					b := byte(0)
					if a.Value(r) {
						b = 1
					}
					buf = append(buf, 3, b)
				default:
					h.Write([]byte{4})
					str(stringAt(a, r))
					continue
				}
			}
			h.Write(buf)
		}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// FileRecord returns the table as the one Arrow record batch a file stores:
// the canonical columns, with the metadata and the content checksum
// (KeyChecksum) in the schema's metadata. It is for writers of file
// formats, such as package tasks/tablefile. The caller releases it.
func (t *Table) FileRecord() arrow.RecordBatch {
	md := t.rec.Schema().Metadata()
	keys := append(slices.Clone(md.Keys()), KeyChecksum)
	vals := append(slices.Clone(md.Values()), t.Checksum())
	meta := arrow.NewMetadata(keys, vals)
	schema := arrow.NewSchema(t.rec.Schema().Fields(), &meta)
	return array.NewRecordBatch(schema, t.rec.Columns(), t.rec.NumRows())
}

// verifyChecksum checks t against the checksum stored in a file's metadata
// (none when stored is ""). On a mismatch it releases t.
func verifyChecksum(t *Table, stored string, ok bool) (*Table, error) {
	if !ok {
		return t, nil
	}
	if got := t.Checksum(); got != stored {
		t.Release()
		return nil, fmt.Errorf("%w: the file records %.20s (cut), its content hashes to %.20s (cut)", ErrChecksum, stored, got)
	}
	return t, nil
}

// storedChecksum returns the checksum in schema metadata.
func storedChecksum(s *arrow.Schema) (string, bool) {
	if s == nil {
		return "", false
	}
	md := s.Metadata()
	i := md.FindKey(KeyChecksum)
	if i < 0 {
		return "", false
	}
	return md.Values()[i], true
}
