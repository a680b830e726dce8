package tasks

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// writeLegacyCSV writes t as CSV in the format of earlier versions of
// WriteCSV, which readers must keep accepting: one comment line
// "# <key>=<value>" per gym.* metadata key (the checksum included; the
// value JSON-quoted when it would not read back as raw text), then the
// plain CSV.
func writeLegacyCSV(w io.Writer, t *Table) error {
	bw := bufio.NewWriter(w)
	rec := t.FileRecord()
	md := rec.Schema().Metadata()
	rec.Release()
	for i, k := range md.Keys() {
		fmt.Fprintf(bw, "# %s=%s\n", k, legacyMetaValue(md.Values()[i]))
	}
	if err := WriteCSV(bw, t); err != nil {
		return err
	}
	return bw.Flush()
}

// legacyMetaValue renders a metadata value for a comment line, JSON-quoting
// it when the raw text would not read back the same.
func legacyMetaValue(v string) string {
	needQuote := strings.HasPrefix(v, `"`) || strings.TrimSpace(v) != v || !utf8.ValidString(v)
	for _, r := range v {
		if unicode.IsControl(r) {
			needQuote = true
			break
		}
	}
	if !needQuote {
		return v
	}
	var b bytes.Buffer
	writeJSONString(&b, v)
	return b.String()
}
