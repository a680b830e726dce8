package research

import (
	"testing"
)

// FuzzParseAnswer checks that the answer parser of the text views never
// panics on any reply, over the spaces of every task, and that it is
// deterministic.
func FuzzParseAnswer(f *testing.F) {
	f.Add(`{"config": {"lr": 0.002, "bs": 512}}`)
	f.Add("Here is my answer:\n```json\n{\"lr\": 0.001, \"bs\": 256, \"fidelity\": \"\"}\n```")
	f.Add(`{"lr": 1e999, "bs": -1}`)
	f.Add(`{"fidelity": "nowhere", "lr": 0.1}`)
	f.Add(`{{{{{{{{{{`)
	f.Add("")
	type task struct {
		env  *Env
		fids []string
	}
	var ts []task
	for _, name := range Tasks() {
		tbl, err := DefaultTable(name)
		if err != nil {
			f.Fatal(err)
		}
		e, err := New(tbl, Options{})
		if err != nil {
			f.Fatal(err)
		}
		ts = append(ts, task{env: e, fids: e.Targets()})
	}
	f.Fuzz(func(t *testing.T, reply string) {
		for _, tk := range ts {
			space := tk.env.table.Meta().Space
			a, err := ParseAnswer(space, tk.fids, reply)
			b, err2 := ParseAnswer(space, tk.fids, reply)
			if (err == nil) != (err2 == nil) || (err == nil && a.Experiment != b.Experiment) {
				t.Fatal("ParseAnswer is not deterministic")
			}
		}
	})
}
