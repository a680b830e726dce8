package tasks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/autollmresearch/gym/internal/atomicfile"
)

// SidecarExt is what a CSV table's sidecar file appends to the CSV's own
// name: the metadata of "runs.csv" is in "runs.csv.meta.json". Appending
// to the full name keeps the sidecars of "runs.csv" and "runs.parquet"
// apart and keeps a "*.csv" pattern from matching it.
const SidecarExt = ".meta.json"

// SidecarFormat is the value of the "format" member of a sidecar file.
const SidecarFormat = "gym.table-metadata/1"

// SidecarPath returns the path of the sidecar file of the CSV table at
// csvPath: csvPath with SidecarExt appended.
func SidecarPath(csvPath string) string { return csvPath + SidecarExt }

// Sidecar is the metadata of a table held apart from its rows, as in the
// JSON file next to a CSV table (see WriteSidecar).
type Sidecar struct {
	// Meta is the table's metadata.
	Meta Meta
	// Checksum is the content checksum of the table the sidecar was
	// written with (see Table.Checksum), or "" when it records none.
	Checksum string
}

// sidecarDoc is the JSON form of a sidecar file.
type sidecarDoc struct {
	Format   string          `json:"format"`
	Metadata json.RawMessage `json:"metadata"`
}

// WriteSidecar writes the metadata of t, with its content checksum, as the
// JSON document that WriteFile puts next to a CSV table:
//
//	{
//	  "format": "gym.table-metadata/1",
//	  "metadata": {
//	    "gym.version": "1",
//	    "gym.task": "pretrain",
//	    ...
//	    "gym.checksum": "sha256:..."
//	  }
//	}
//
// The members of "metadata" are the gym.* keys of the Arrow schema
// metadata, in the order the other formats store them, each with its value
// as a string (the configuration space, the fidelity list and the metric
// list are themselves JSON text, as in Parquet and Arrow files).
func WriteSidecar(w io.Writer, t *Table) error {
	return Sidecar{Meta: t.meta, Checksum: t.Checksum()}.Write(w)
}

// Write writes s as a sidecar document (see WriteSidecar), with no
// checksum member when s.Checksum is "". It fails when s.Meta is not valid.
func (s Sidecar) Write(w io.Writer) error {
	md, err := s.Meta.Metadata()
	if err != nil {
		return err
	}
	keys, values := md.Keys(), md.Values()
	if s.Checksum != "" {
		keys = append(slices.Clip(keys), KeyChecksum)
		values = append(slices.Clip(values), s.Checksum)
	}
	var b bytes.Buffer
	b.WriteString("{\n  \"format\": ")
	writeJSONString(&b, SidecarFormat)
	b.WriteString(",\n  \"metadata\": {")
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("\n    ")
		writeJSONString(&b, k)
		b.WriteString(": ")
		writeJSONString(&b, values[i])
	}
	b.WriteString("\n  }\n}\n")
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("tasks: writing the metadata sidecar: %w", err)
	}
	return nil
}

// writeJSONString appends s to b as a JSON string, without HTML escaping.
func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)       // cannot fail for a string
	b.Truncate(b.Len() - 1) // the encoder's newline
}

// ReadSidecar reads and validates a sidecar document written by
// WriteSidecar (at most MaxMetadataBytes). Problems name the metadata key
// at fault.
func ReadSidecar(r io.Reader) (Sidecar, error) {
	kv, err := readSidecarMap(r)
	if err != nil {
		return Sidecar{}, err
	}
	m, err := metaFromMap(kv)
	if err != nil {
		return Sidecar{}, err
	}
	return Sidecar{Meta: m, Checksum: kv[KeyChecksum]}, nil
}

// readSidecarMap reads a sidecar document into its key-value metadata.
func readSidecarMap(r io.Reader) (map[string]string, error) {
	data, err := readAllLimited(r, MaxMetadataBytes)
	if err != nil {
		return nil, fmt.Errorf("tasks: reading the metadata sidecar: %w", err)
	}
	var doc sidecarDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, sidecarProblem("", "not a JSON object {\"format\": %q, \"metadata\": {...}}: %v", SidecarFormat, err)
	}
	if doc.Format != SidecarFormat {
		return nil, sidecarProblem("", "format is %q, want %q", doc.Format, SidecarFormat)
	}
	var kv map[string]string
	if len(doc.Metadata) == 0 || bytes.Equal(doc.Metadata, []byte("null")) {
		return nil, sidecarProblem("", "no \"metadata\" member")
	}
	if err := json.Unmarshal(doc.Metadata, &kv); err != nil {
		return nil, sidecarProblem("", "\"metadata\" is not an object of string values: %v", err)
	}
	if !hasGymKey(kv) {
		return nil, sidecarProblem("", "\"metadata\" holds no gym.* key")
	}
	return kv, nil
}

// sidecarProblem is a validation error about a sidecar document.
func sidecarProblem(key, format string, a ...any) error {
	return &ValidationError{Problems: []Problem{{Column: key, Msg: "metadata sidecar: " + fmt.Sprintf(format, a...)}}}
}

// hasGymKey reports whether kv holds a gym.* key.
func hasGymKey(kv map[string]string) bool {
	for k := range kv {
		if strings.HasPrefix(k, "gym.") {
			return true
		}
	}
	return false
}

// ReadCSVSidecar reads a plain CSV table (a header row and data rows, as
// WriteCSV writes it) whose metadata is in the sidecar document read from
// sidecar (as WriteSidecar writes it). It validates the table in full and
// verifies the sidecar's checksum: a CSV changed after it was written (by
// hand, or through pandas or a spreadsheet) fails with an error matching
// ErrChecksum, and ReadCSVWithMeta with the sidecar's Meta reads it anyway.
// Leading comment lines of the CSV, if any, are skipped: the sidecar's
// metadata is the one that counts.
func ReadCSVSidecar(csv, sidecar io.Reader) (*Table, error) {
	sc, err := ReadSidecar(sidecar)
	if err != nil {
		return nil, err
	}
	t, err := ReadCSVWithMeta(csv, sc.Meta)
	if err != nil {
		return nil, err
	}
	return verifyChecksum(t, sc.Checksum, sc.Checksum != "")
}

// writeCSVFile writes t to path as a plain CSV and its metadata to the
// sidecar next to it. Both are written to temporary files first; the
// sidecar is put in place, then the CSV. A failed write leaves both
// previous files as they were; if the second rename fails, the new sidecar
// sits next to the previous CSV and its checksum makes ReadFile refuse the
// pair (ErrChecksum) rather than read rows under the wrong metadata.
func writeCSVFile(path string, t *Table) error {
	var side bytes.Buffer
	if err := WriteSidecar(&side, t); err != nil {
		return err
	}
	csvFile, err := atomicfile.Create(path)
	if err != nil {
		return err
	}
	defer csvFile.Abort()
	if err := WriteCSV(writeHook(csvFile), t); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(SidecarPath(path), side.Bytes()); err != nil {
		return err
	}
	return csvFile.Commit()
}

// readCSVFile reads the CSV table in in (opened from path) with the
// metadata of its sidecar when there is one, else from its leading
// comment lines (the format of earlier versions).
func readCSVFile(in io.Reader, path string) (*Table, error) {
	side := SidecarPath(path)
	sf, err := os.Open(side)
	switch {
	case err == nil:
		defer sf.Close()
		t, err := ReadCSVSidecar(in, sf)
		if errors.Is(err, ErrChecksum) {
			return nil, fmt.Errorf("%w; %s was changed after %s was written with it (to keep the change: go run ./cmd/table attach -meta %s -csv %s -o FILE)", err, path, side, side, path)
		}
		var ve *ValidationError
		if errors.As(err, &ve) && len(ve.Problems) > 0 && ve.Problems[0].Row == 0 && ve.Problems[0].Line == 0 {
			ve.Source = side
		}
		return t, err
	case !errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("tasks: opening the metadata sidecar: %w", err)
	}
	return readCSV(in, side)
}
