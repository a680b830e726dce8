package tasks

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// WriteCSV writes t as a plain CSV that pandas, polars, DuckDB and
// spreadsheets open with no options: a header row with the canonical column
// names, then one line per row, and nothing else. Floats are written in the
// shortest form that reads back to the same bits.
//
// The metadata (task, configuration space, fidelities, metrics, objective,
// provenance, checksum) does not fit in a plain CSV: WriteSidecar writes it
// as a JSON document, and WriteFile writes both, the sidecar next to the
// CSV (SidecarPath). ReadCSVSidecar and ReadFile read them back.
func WriteCSV(w io.Writer, t *Table) error {
	bw := bufio.NewWriter(w)
	cw := csv.NewWriter(bw)
	n := int(t.rec.NumCols())
	fields := make([]string, n)
	for j := range n {
		fields[j] = t.rec.ColumnName(j)
	}
	if err := cw.Write(fields); err != nil {
		return fmt.Errorf("tasks: writing CSV: %w", err)
	}
	cols := t.rec.Columns()
	var buf []byte
	for r := range int(t.rec.NumRows()) {
		for j, a := range cols {
			switch a := a.(type) {
			case *array.Float64:
				buf = strconv.AppendFloat(buf[:0], a.Value(r), 'g', -1, 64)
				fields[j] = string(buf)
			case *array.Int64:
				fields[j] = strconv.FormatInt(a.Value(r), 10)
			case *array.Boolean:
				fields[j] = strconv.FormatBool(a.Value(r))
			default:
				fields[j] = stringAt(a, r)
			}
		}
		if err := cw.Write(fields); err != nil {
			return fmt.Errorf("tasks: writing CSV: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("tasks: writing CSV: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("tasks: writing CSV: %w", err)
	}
	return nil
}

// ReadCSV reads a CSV table that carries its metadata in leading comment
// lines, "# gym.<key>=<value>" one per key (values that would not read back
// as raw text JSON-quoted), as earlier versions of WriteCSV wrote it, then
// a header row naming the canonical columns (in any order) and data rows.
// It validates the table in full, and verifies the content checksum when
// the comment lines record one; problems name the data row and the line.
// A plain CSV, as WriteCSV now writes it, has its metadata in a sidecar:
// read it with ReadCSVSidecar (or ReadFile), or give the metadata to
// ReadCSVWithMeta.
func ReadCSV(r io.Reader) (*Table, error) {
	return readCSV(r, "")
}

// readCSV is ReadCSV; the error for a CSV without metadata names sidecar,
// the sidecar file that was looked for, when not "".
func readCSV(r io.Reader, sidecar string) (*Table, error) {
	br := bufio.NewReader(r)
	kv, lines, ps, err := readCSVComments(br)
	if err != nil {
		return nil, err
	}
	if ps.len() > 0 {
		return nil, ps.err()
	}
	if !hasGymKey(kv) {
		return nil, &ValidationError{Problems: []Problem{{Msg: noMetadata(sidecar)}}}
	}
	meta, err := metaFromMap(kv)
	if err != nil {
		return nil, err
	}
	t, err := readCSVBody(br, lines, meta)
	if err != nil {
		return nil, err
	}
	stored, ok := kv[KeyChecksum]
	return verifyChecksum(t, stored, ok)
}

// ReadCSVWithMeta reads a plain CSV table, a header row and data rows,
// whose metadata is given. Leading comment lines, if any, are skipped. No
// checksum is verified: this is the way to read a table edited after it was
// written, under the metadata of the original (see ReadSidecar).
func ReadCSVWithMeta(r io.Reader, meta Meta) (*Table, error) {
	if err := meta.Validate(); err != nil {
		return nil, err
	}
	br := bufio.NewReader(r)
	_, lines, _, err := readCSVComments(br)
	if err != nil {
		return nil, err
	}
	return readCSVBody(br, lines, meta.clone())
}

// noMetadata says what a CSV without metadata lacks, and where to get it.
func noMetadata(sidecar string) string {
	where := "no sidecar was given"
	if sidecar != "" {
		where = fmt.Sprintf("there is no sidecar %s next to it", sidecar)
	}
	return fmt.Sprintf("no metadata: the CSV has no leading \"# gym.<key>=<value>\" lines and %s, so the table's task (%s), "+
		"configuration space (%s), fidelity columns (%s), metrics (%s), objective and direction (%s, %s) and provenance (%s) are unknown; "+
		"put the sidecar that was written with the CSV next to it (ReadFile) or pass it to ReadCSVSidecar, or give the metadata to ReadCSVWithMeta "+
		"(from the command line: go run ./cmd/table attach -meta SIDECAR_OR_TABLE -csv FILE.csv -o OUT)",
		where, KeyTask, KeySpace, KeyFidelity, KeyMetrics, KeyObjective, KeyDirection, KeyProvenance)
}

// readCSVComments consumes the leading lines that start with '#', returning
// the "key=value" pairs they hold and how many lines they took.
func readCSVComments(br *bufio.Reader) (map[string]string, int, problems, error) {
	kv := make(map[string]string)
	var ps problems
	lines := 0
	for {
		b, err := br.Peek(1)
		if err != nil || b[0] != '#' {
			if err != nil && err != io.EOF {
				return nil, 0, ps, fmt.Errorf("tasks: reading CSV: %w", err)
			}
			return kv, lines, ps, nil
		}
		line, err := br.ReadString('\n')
		if err != nil && err != io.EOF {
			return nil, 0, ps, fmt.Errorf("tasks: reading CSV: %w", err)
		}
		lines++
		text := strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
		text = strings.TrimPrefix(strings.TrimPrefix(text, "#"), " ")
		key, value, ok := strings.Cut(text, "=")
		if !ok || !strings.HasPrefix(key, "gym.") {
			continue // a plain comment
		}
		if strings.HasPrefix(value, `"`) {
			var s string
			if err := json.Unmarshal([]byte(value), &s); err != nil {
				ps.add(Problem{Column: key, Line: lines, Msg: fmt.Sprintf("value is not a valid JSON string: %v", err)})
				continue
			}
			value = s
		}
		if _, dup := kv[key]; dup {
			ps.add(Problem{Column: key, Line: lines, Msg: "metadata key given twice"})
			continue
		}
		kv[key] = value
	}
}

// readCSVBody reads the header and data rows after the comment lines,
// builds the canonical record and validates it.
func readCSVBody(r io.Reader, commentLines int, meta Meta) (*Table, error) {
	var ps problems
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		if err == io.EOF {
			ps.add(Problem{Line: commentLines + 1, Msg: "no header row"})
			return nil, ps.err()
		}
		return nil, csvError(err, commentLines)
	}
	cols := meta.columns()
	colOf := matchCSVHeader(meta, cols, header, commentLines+1, &ps)
	if ps.len() > 0 {
		return nil, ps.err()
	}

	schema, _ := meta.Schema() // meta was validated
	rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer rb.Release()
	recRow, recLine, err := readCSVRows(cr, rb, cols, colOf, len(header), commentLines, &ps)
	if err != nil {
		return nil, err
	}
	rec := rb.NewRecordBatch()
	defer rec.Release()
	t, ok := indexCSV(meta, rec, recRow, recLine, &ps)
	if !ok {
		return nil, ps.err()
	}
	rec.Retain() // the table's reference
	return t, nil
}

// matchCSVHeader maps each field of header, the CSV's header row (on line
// headerLine), to its canonical column of cols (-1 for none), reporting
// unexpected, repeated and missing columns.
func matchCSVHeader(meta Meta, cols []column, header []string, headerLine int, ps *problems) []int {
	want := make(map[string]int, len(cols))
	for i, c := range cols {
		want[c.name] = i
	}
	colOf := make([]int, len(header)) // header field to canonical column
	have := make([]int, len(cols))
	for i := range have {
		have[i] = -1
	}
	for i, name := range header {
		j, ok := want[name]
		switch {
		case !ok:
			msg := unexpectedColumn(meta, name)
			if name == "" || strings.HasPrefix(name, "Unnamed: ") {
				msg += "; a data frame's index written as a column has no name: in pandas, write with to_csv(path, index=False)"
			}
			ps.add(Problem{Column: name, Line: headerLine, Msg: msg})
			colOf[i] = -1
		case have[j] >= 0:
			ps.add(Problem{Column: name, Line: headerLine, Msg: fmt.Sprintf("column appears twice (fields %d and %d)", have[j]+1, i+1)})
			colOf[i] = -1
		default:
			have[j] = i
			colOf[i] = j
		}
	}
	for j, c := range cols {
		if have[j] < 0 {
			ps.add(Problem{Column: c.name, Line: headerLine, Msg: fmt.Sprintf("missing column (want %s)", typeWant(c.typ))})
		}
	}
	return colOf
}

// readCSVRows reads the data rows of cr into rb, field i into canonical
// column colOf[i] of cols, reporting fields that do not parse (appended as
// nulls) and rows whose number of fields differs from the header's
// (nfields; left out of the record, so that each record row keeps its data
// row number and line). It returns the data row and line of each record
// row; a malformed CSV ends the reading with an error.
func readCSVRows(cr *csv.Reader, rb *array.RecordBuilder, cols []column, colOf []int, nfields, commentLines int, ps *problems) (recRow, recLine []int, err error) {
	row := 0
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return recRow, recLine, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return nil, nil, fmt.Errorf("tasks: reading CSV: %w", err)
			}
			ps.add(Problem{Row: row + 1, Line: commentLines + pe.StartLine, Msg: fmt.Sprintf("malformed CSV: %v", pe.Err)})
			return nil, nil, ps.err()
		}
		row++
		line, _ := cr.FieldPos(0)
		line += commentLines
		if len(rec) != nfields {
			ps.add(Problem{Row: row, Line: line, Msg: fmt.Sprintf("row has %d fields, the header %d", len(rec), nfields)})
			continue
		}
		recRow = append(recRow, row)
		recLine = append(recLine, line)
		for i, field := range rec {
			j := colOf[i]
			if msg := appendCSVField(rb.Field(j), cols[j], field); msg != "" {
				ps.add(Problem{Column: cols[j].name, Row: row, Line: line, Msg: msg})
				rb.Field(j).AppendNull()
			}
		}
	}
}

// indexCSV validates and indexes rec, the record read from a CSV, adding
// index's problems to ps with record row r mapped to data row recRow[r-1]
// and line recLine[r-1] (rows with the wrong number of fields were left out
// of rec). It returns false when ps holds any problem.
func indexCSV(meta Meta, rec arrow.RecordBatch, recRow, recLine []int, ps *problems) (*Table, bool) {
	var vs problems
	t, ok := index(meta, rec, &vs, false)
	for _, p := range vs.list {
		if p.Row > 0 {
			p.Row, p.Line = recRow[p.Row-1], recLine[p.Row-1]
		}
		ps.add(p)
	}
	ps.omitted += vs.omitted
	if !ok || ps.len() > 0 {
		return nil, false
	}
	return t, true
}

// appendCSVField parses one field into b, returning a problem description
// or "".
func appendCSVField(b array.Builder, c column, field string) string {
	if field == "" && c.typ.ID() != arrow.STRING && c.typ.ID() != arrow.DICTIONARY {
		return "missing value"
	}
	switch b := b.(type) {
	case *array.Float64Builder:
		v, err := strconv.ParseFloat(strings.TrimSpace(field), 64)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return fmt.Sprintf("%q is out of the float64 range", field)
			}
			return fmt.Sprintf("%q is not a number", field)
		}
		b.Append(v)
	case *array.Int64Builder:
		v, err := strconv.ParseInt(strings.TrimSpace(field), 10, 64)
		if err != nil {
			return fmt.Sprintf("%q is not an integer", field)
		}
		b.Append(v)
	case *array.BooleanBuilder:
		v, err := strconv.ParseBool(strings.TrimSpace(field))
		if err != nil {
			return fmt.Sprintf("%q is not a boolean (want true or false)", field)
		}
		b.Append(v)
	case *array.StringBuilder:
		b.Append(field)
	case *array.BinaryDictionaryBuilder:
		if err := b.AppendString(field); err != nil {
			return err.Error()
		}
	default:
		return fmt.Sprintf("column type %s cannot be read from CSV", c.typ)
	}
	return ""
}

func csvError(err error, commentLines int) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &ValidationError{Problems: []Problem{{Line: commentLines + pe.StartLine, Msg: fmt.Sprintf("malformed CSV: %v", pe.Err)}}}
	}
	return fmt.Errorf("tasks: reading CSV: %w", err)
}
