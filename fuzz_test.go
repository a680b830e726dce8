package gym_test

import (
	"encoding/json"
	"testing"

	"github.com/autollmresearch/gym"
	"github.com/autollmresearch/gym/env"
)

// FuzzJSONActions sends any bytes as the action of every built-in env, in
// its JSON view (as the server does): Step must return a result or an
// error, never panic, and keep the env usable.
func FuzzJSONActions(f *testing.F) {
	for _, s := range []string{`0`, `27`, `-1`, `1e999`, `[0.5, 0.5, 0.5]`, `[]`, `null`, `"text"`,
		`{"config": {"lr": 0.002, "bs": 512}}`, `{"config": {}, "fidelity": "nowhere"}`,
		`"{\"lr\": 0.001, \"bs\": 256}"`, `{"config": {"lr": "NaN"}}`, `[1e308, -1e308]`} {
		f.Add([]byte(s))
	}
	ids := gym.BuiltinIDs()
	envs := make([]env.JSONEnv, len(ids))
	for i, id := range ids {
		e, err := env.MakeJSON(id, nil)
		if err != nil {
			f.Fatal(err)
		}
		envs[i] = e
	}
	f.Cleanup(func() {
		for _, e := range envs {
			_ = e.Close()
		}
	})
	f.Fuzz(func(t *testing.T, action []byte) {
		for i, e := range envs {
			if _, _, err := e.Reset(env.SeedOf(1), nil); err != nil {
				t.Fatalf("%s: reset: %v", ids[i], err)
			}
			r, err := e.Step(json.RawMessage(action))
			if err == nil && !json.Valid(r.Obs) {
				t.Fatalf("%s: the observation is not JSON", ids[i])
			}
		}
	})
}
