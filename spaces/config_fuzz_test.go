package spaces_test

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/autollmresearch/gym/spaces"
)

// FuzzParseJSON checks that ParseJSON never panics, that whatever it accepts
// is a canonical member of the space, and that accepted configs survive
// FormatJSON and ParseJSON unchanged.
func FuzzParseJSON(f *testing.F) {
	s := spaces.MustConfigSpace(
		spaces.LogDim("lr", 1e-5, 1e-1),
		spaces.IntDim("bs", 32, 4096),
		spaces.LinearDim("clip", -0.5, 0.5),
		spaces.CategoricalDim("heads", "4", "8", "1e+21", "true"),
		spaces.SimplexDim("mix", "web", "code", "math"),
	)
	for _, seed := range []string{
		`{"lr":0.002,"bs":256,"clip":0.2,"heads":"8","mix":{"web":0.5,"code":0.3,"math":0.2}}`,
		`{"lr":1e-5,"bs":32,"clip":-0.5,"heads":8,"mix":[1,0,0]}`,
		`{"lr":0.1,"bs":4096.0,"clip":-0,"heads":true,"mix":{"code":1}}`,
		`{"lr":2E-3,"bs":2.56e2,"clip":0.5,"heads":1e21,"mix":[0.3333333,0.3333333,0.3333334]}`,
		`{"lr":0.002,"bs":256,"clip":0.2,"heads":"4","mix":[0.5,0.5,1e-7]}`,
		`{"lr":0.002,"lr":0.003}`,
		`{"mix":{"web":1,"web":0}}`,
		`{"mix":[[[[[]]]],{"a":{"b":[1]}},0]}`,
		`{"lr":1e999,"bs":9223372036854775808,"clip":-1e-400}`,
		`{"lr":"0.002","bs":null,"clip":true,"heads":[],"mix":"web"}`,
		`{"unknown":1}`,
		`{"lr":0.002,}`,
		`{"lr" 0.002}`,
		`[1,2,3]`,
		`"config"`,
		`null`,
		``,
		`{} {}`,
		"{\"heads\":\"\xff\"}",
		`{"heads":"\u0038"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := s.ParseJSON(data)
		if err != nil {
			if c != nil {
				t.Fatalf("error %v with non-nil config %v", err, c)
			}
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if !s.Contains(c) {
			t.Fatalf("accepted config %v is not contained", c)
		}
		n, err := s.Normalize(c)
		if err != nil || !reflect.DeepEqual(n, c) {
			t.Fatalf("accepted config %v is not canonical: %v, %v", c, n, err)
		}
		out, err := s.FormatJSON(c)
		if err != nil {
			t.Fatalf("FormatJSON(%v): %v", c, err)
		}
		back, err := s.ParseJSON(out)
		if err != nil {
			t.Fatalf("ParseJSON(%s): %v", out, err)
		}
		if !reflect.DeepEqual(back, c) {
			t.Fatalf("round trip through %s changed %v to %v", out, c, back)
		}
		again, err := s.FormatJSON(back)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("FormatJSON is not stable: %s then %s (%v)", out, again, err)
		}
	})
}
