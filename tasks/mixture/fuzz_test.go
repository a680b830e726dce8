package mixture

import (
	"strings"
	"testing"
)

// FuzzImport checks that the ADMIRE CSV importer never panics and returns
// a table or an error, not both.
func FuzzImport(f *testing.F) {
	valid := newFixture().String()
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Add(strings.Replace(valid, "\n", "\r\n", -1))
	f.Add("")
	f.Fuzz(func(t *testing.T, data string) {
		tb, err := Import(strings.NewReader(data))
		if err != nil {
			if tb != nil {
				t.Fatal("a table and an error")
			}
			return
		}
		tb.Release()
	})
}
