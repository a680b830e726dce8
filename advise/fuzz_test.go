package advise

import (
	"testing"
)

// FuzzParseTarget checks that any target string parses or fails with an
// error, never panics, that a parsed spec reads back from its String, and
// that resolving it against a table never panics.
func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"largest", "params=7e9,tokens=2e12", "Qwen2.5-7B", "params=", "=", ",", "params=1e9,,tokens=1", "compute=NaN", "params=Inf,tokens=1e9", "params=0x1p30,tokens=1e12", "a=b=c"} {
		f.Add(s)
	}
	tb := pretrainTable(f)
	f.Fuzz(func(t *testing.T, s string) {
		spec, err := ParseTarget(s)
		if err != nil {
			return
		}
		again, err := ParseTarget(spec.String())
		if err != nil {
			t.Fatalf("%q parsed to %q, which does not parse: %v", s, spec.String(), err)
		}
		if again.String() != spec.String() {
			t.Fatalf("%q: %q reads back as %q", s, spec.String(), again.String())
		}
		if tg, err := spec.Resolve(tb); err == nil && len(tg.Coords) != len(tb.Meta().Fidelity) {
			t.Fatalf("%q resolved to %v, want every fidelity coordinate", s, tg.Coords)
		}
	})
}
