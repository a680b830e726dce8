package tasks

import (
	"bytes"
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
)

// FuzzReadCSV checks that ReadCSV never panics and that any table it
// accepts round-trips through WriteCSV and ReadCSV unchanged.
func FuzzReadCSV(f *testing.F) {
	tb, err := buildTable(f, testMeta(), smallRows())
	if err != nil {
		f.Fatal(err)
	}
	defer tb.Release()
	var buf bytes.Buffer
	if err := writeLegacyCSV(&buf, tb); err != nil {
		f.Fatal(err)
	}
	valid := buf.String()
	f.Add(valid)
	f.Add(strings.Replace(valid, "adam", "rmsprop", 1))
	f.Add(strings.Replace(valid, ",false,", ",true,", -1))
	f.Add(strings.Replace(valid, "\n", "\r\n", -1))
	f.Add(strings.Replace(valid, "# gym.task=toy", `# gym.task="to\"y"`, 1))
	f.Add(strings.Replace(valid, `"levels":["S","M","L"]`, `"levels":[]`, 1))
	f.Add(valid[:len(valid)/2])
	f.Add(valid[strings.Index(valid, "experiment,"):])
	f.Add("# gym.version=1\nexperiment\n\"\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, data string) {
		got, err := ReadCSV(strings.NewReader(data))
		if err != nil {
			if got != nil {
				t.Fatal("a table and an error")
			}
			return
		}
		defer got.Release()
		var out bytes.Buffer
		if err := writeLegacyCSV(&out, got); err != nil {
			t.Fatalf("cannot write an accepted table: %v", err)
		}
		back, err := ReadCSV(&out)
		if err != nil {
			t.Fatalf("written table does not read back: %v\n%s", err, out.String())
		}
		defer back.Release()
		sameContent(t, got, back)
	})
}

// sameContent fails t unless back has the metadata, shape, values (floats
// by their bits) and experiments of got.
func sameContent(t *testing.T, got, back *Table) {
	t.Helper()
	if !got.Record().Schema().Metadata().Equal(back.Record().Schema().Metadata()) {
		t.Fatalf("metadata changed:\n%v\n%v", got.Record().Schema().Metadata(), back.Record().Schema().Metadata())
	}
	if got.NumRows() != back.NumRows() || got.Record().NumCols() != back.Record().NumCols() {
		t.Fatal("shape changed")
	}
	a, b := got.Record(), back.Record()
	for j := range int(a.NumCols()) {
		for r := range got.NumRows() {
			var same bool
			switch x := a.Column(j).(type) {
			case *array.Float64:
				same = math.Float64bits(x.Value(r)) == math.Float64bits(b.Column(j).(*array.Float64).Value(r))
			case *array.Int64:
				same = x.Value(r) == b.Column(j).(*array.Int64).Value(r)
			case *array.Boolean:
				same = x.Value(r) == b.Column(j).(*array.Boolean).Value(r)
			default:
				same = stringAt(x, r) == stringAt(b.Column(j), r)
			}
			if !same {
				t.Fatalf("column %s row %d changed", a.ColumnName(j), r+1)
			}
		}
	}
	if got.NumExperiments() != back.NumExperiments() {
		t.Fatal("experiments changed")
	}
}

// FuzzReadCSVSidecar checks that ReadCSVSidecar never panics on any CSV
// and sidecar document, and that any table it accepts round-trips through
// WriteCSV, WriteSidecar and ReadCSVSidecar unchanged.
func FuzzReadCSVSidecar(f *testing.F) {
	tb, err := buildTable(f, testMeta(), smallRows())
	if err != nil {
		f.Fatal(err)
	}
	defer tb.Release()
	var plain, side, legacy bytes.Buffer
	if err := WriteCSV(&plain, tb); err != nil {
		f.Fatal(err)
	}
	if err := WriteSidecar(&side, tb); err != nil {
		f.Fatal(err)
	}
	if err := writeLegacyCSV(&legacy, tb); err != nil {
		f.Fatal(err)
	}
	csv, doc := plain.String(), side.String()
	noSum := regexp.MustCompile(`,\n\s*"gym.checksum": "[^"]*"`).ReplaceAllString(doc, "")
	f.Add(csv, doc)
	f.Add(legacy.String(), doc)                              // comment lines are skipped
	f.Add(strings.Replace(csv, "adam", "rmsprop", 1), doc)   // edited: checksum
	f.Add(strings.Replace(csv, "adam", "rmsprop", 1), noSum) // edited, no checksum
	f.Add(strings.Replace(csv, "\n", "\r\n", -1), doc)       // CRLF
	f.Add(csv[:len(csv)/2], noSum)                           // cut short
	f.Add(csv, doc[:len(doc)/2])                             // sidecar cut short
	f.Add(csv, strings.Replace(doc, SidecarFormat, "gym.table-metadata/2", 1))
	f.Add(csv, strings.Replace(noSum, `"gym.task": "toy"`, `"gym.task": "to\"y"`, 1))
	f.Add(csv, strings.Replace(noSum, `\"levels\":[\"S\",\"M\",\"L\"]`, `\"levels\":[]`, 1))
	f.Add(csv, strings.Replace(noSum, `"gym.version": "1"`, `"gym.version": 1`, 1))
	f.Add(csv, `{"format":"gym.table-metadata/1","metadata":null}`)
	f.Add(csv, `{"format":"gym.table-metadata/1","metadata":{"gym.task":"toy","gym.task":"x"}}`)
	f.Add("", "")
	f.Fuzz(func(t *testing.T, csvText, sideText string) {
		got, err := ReadCSVSidecar(strings.NewReader(csvText), strings.NewReader(sideText))
		if err != nil {
			if got != nil {
				t.Fatal("a table and an error")
			}
			return
		}
		defer got.Release()
		var c, s bytes.Buffer
		if err := WriteCSV(&c, got); err != nil {
			t.Fatalf("cannot write an accepted table: %v", err)
		}
		if err := WriteSidecar(&s, got); err != nil {
			t.Fatalf("cannot write the sidecar of an accepted table: %v", err)
		}
		if strings.HasPrefix(c.String(), "#") {
			t.Fatal("the written CSV starts with a comment line")
		}
		back, err := ReadCSVSidecar(&c, &s)
		if err != nil {
			t.Fatalf("written table does not read back: %v\n%s\n%s", err, c.String(), s.String())
		}
		defer back.Release()
		sameContent(t, got, back)
	})
}
