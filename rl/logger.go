package rl

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/autollmresearch/gym/internal/atomicfile"
)

// Metric is one named number of a log record.
type Metric struct {
	// Name is the column (CSV) or key (JSON) the value is written under.
	Name string
	// Value is the number; NaN stands for "not available" and is written
	// as an empty CSV field and a JSON null.
	Value float64
}

// Logger writes records of metrics as CSV (a header row, then one row per
// record) and as JSON lines (one object per record, keys in column order),
// either or both. Every record must have the same metric names, in the
// same order, as the first.
type Logger struct {
	csv     *csv.Writer
	jsonl   *bufio.Writer
	names   []string // columns, set by the header or the first record
	header  bool     // the CSV header has been written (or was there)
	closers []io.Closer
	pending []*atomicfile.File // files CreateLogger replaces on Close
	row     []string
	line    []byte
}

// NewLogger returns a Logger writing CSV to csvW and JSON lines to jsonlW;
// either may be nil to skip that format. Call Flush (or Close) to make sure
// everything is written.
func NewLogger(csvW, jsonlW io.Writer) *Logger {
	l := &Logger{}
	if csvW != nil {
		l.csv = csv.NewWriter(csvW)
	}
	if jsonlW != nil {
		l.jsonl = bufio.NewWriter(jsonlW)
	}
	return l
}

// CreateLogger opens prefix+".csv" and prefix+".jsonl" for writing,
// creating the directory as needed. With appendTo, existing files are
// appended to (a run resumed from a checkpoint continues its logs), and
// an existing CSV header fixes the columns that records must have.
// Otherwise the logs are new files that replace any previous ones when
// Close succeeds: they are written to temporary files in the same
// directory and renamed into place by Close, so that a run whose logs
// cannot be written leaves the previous logs as they were.
func CreateLogger(prefix string, appendTo bool) (*Logger, error) {
	if err := os.MkdirAll(filepath.Dir(prefix), 0o755); err != nil {
		return nil, fmt.Errorf("rl: creating the log directory: %w", err)
	}
	csvPath, jsonlPath := prefix+".csv", prefix+".jsonl"
	if !appendTo {
		cf, err := atomicfile.Create(csvPath)
		if err != nil {
			return nil, fmt.Errorf("rl: opening the CSV log: %w", err)
		}
		jf, err := atomicfile.Create(jsonlPath)
		if err != nil {
			_ = cf.Abort() // reporting the open error
			return nil, fmt.Errorf("rl: opening the JSON-lines log: %w", err)
		}
		l := NewLogger(cf, jf)
		l.pending = []*atomicfile.File{cf, jf}
		return l, nil
	}
	flags := os.O_CREATE | os.O_WRONLY | os.O_APPEND
	var names []string
	if appendTo {
		header, err := readCSVHeader(csvPath)
		if err != nil {
			return nil, err
		}
		names = header
	}
	cf, err := os.OpenFile(csvPath, flags, 0o644)
	if err != nil {
		return nil, fmt.Errorf("rl: opening the CSV log: %w", err)
	}
	jf, err := os.OpenFile(jsonlPath, flags, 0o644)
	if err != nil {
		_ = cf.Close() // reporting the open error
		return nil, fmt.Errorf("rl: opening the JSON-lines log: %w", err)
	}
	l := NewLogger(cf, jf)
	l.closers = []io.Closer{cf, jf}
	if names != nil {
		l.names, l.header = names, true
	}
	return l, nil
}

// readCSVHeader returns the first row of the CSV file at path, or nil if
// the file is absent or empty.
func readCSVHeader(path string) ([]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("rl: reading the CSV log header: %w", err)
	}
	defer f.Close()
	header, err := csv.NewReader(f).Read()
	if errors.Is(err, io.EOF) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("rl: reading the CSV log header of %s: %w", path, err)
	}
	return header, nil
}

// Log writes one record.
func (l *Logger) Log(metrics []Metric) error {
	if l.names == nil {
		l.names = make([]string, len(metrics))
		for i, m := range metrics {
			l.names[i] = m.Name
		}
	}
	if len(metrics) != len(l.names) {
		return fmt.Errorf("rl: Logger.Log: record has %d metrics, the log has %d columns (%s)", len(metrics), len(l.names), strings.Join(l.names, ","))
	}
	for i, m := range metrics {
		if m.Name != l.names[i] {
			return fmt.Errorf("rl: Logger.Log: metric %d is %q, the log's column %d is %q", i, m.Name, i, l.names[i])
		}
	}
	if l.csv != nil {
		if !l.header {
			if err := l.csv.Write(l.names); err != nil {
				return fmt.Errorf("rl: writing the CSV log: %w", err)
			}
			l.header = true
		}
		l.row = l.row[:0]
		for _, m := range metrics {
			s := ""
			if !math.IsNaN(m.Value) {
				s = strconv.FormatFloat(m.Value, 'g', -1, 64)
			}
			l.row = append(l.row, s)
		}
		if err := l.csv.Write(l.row); err != nil {
			return fmt.Errorf("rl: writing the CSV log: %w", err)
		}
	}
	if l.jsonl != nil {
		b := append(l.line[:0], '{')
		for i, m := range metrics {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendQuote(b, m.Name)
			b = append(b, ':')
			switch {
			case math.IsNaN(m.Value):
				b = append(b, "null"...)
			case math.IsInf(m.Value, 1):
				b = append(b, `"+Inf"`...)
			case math.IsInf(m.Value, -1):
				b = append(b, `"-Inf"`...)
			default:
				b = strconv.AppendFloat(b, m.Value, 'g', -1, 64)
			}
		}
		b = append(b, '}', '\n')
		l.line = b
		if _, err := l.jsonl.Write(b); err != nil {
			return fmt.Errorf("rl: writing the JSON-lines log: %w", err)
		}
	}
	return nil
}

// Columns returns the metric names of the log, nil before the first
// record.
func (l *Logger) Columns() []string { return slices.Clone(l.names) }

// Flush writes buffered records to the underlying writers.
func (l *Logger) Flush() error {
	var errs []error
	if l.csv != nil {
		l.csv.Flush()
		errs = append(errs, l.csv.Error())
	}
	if l.jsonl != nil {
		errs = append(errs, l.jsonl.Flush())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("rl: flushing the logs: %w", err)
	}
	return nil
}

// Close flushes the logger and closes the files CreateLogger opened.
//
// Logs CreateLogger opened as new files are put in place only when every
// record was written; otherwise they are dropped and the error returned.
func (l *Logger) Close() error {
	errs := []error{l.Flush()}
	for _, c := range l.closers {
		errs = append(errs, c.Close())
	}
	l.closers = nil
	failed := errors.Join(errs...) != nil
	for _, f := range l.pending {
		if failed {
			errs = append(errs, f.Abort())
			continue
		}
		if err := f.Commit(); err != nil {
			errs = append(errs, fmt.Errorf("rl: putting the log %s in place: %w", f.Path(), err))
			failed = true
		}
	}
	l.pending = nil
	return errors.Join(errs...)
}
