package spaces_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/spaces"
)

// allKinds is a space with every kind of dimension.
func allKinds() *spaces.ConfigSpace {
	return spaces.MustConfigSpace(
		spaces.LogDim("lr", 1e-5, 1e-1),
		spaces.IntDim("bs", 32, 4096),
		spaces.LinearDim("clip", 0, 0.5),
		spaces.CategoricalDim("opt", "adam", "adamw", "sgd"),
		spaces.CategoricalDim("bias", "true", "false"),
		spaces.SimplexDim("mix", "web", "code", "math"),
	)
}

// valid is a canonical config of allKinds.
func valid() spaces.Config {
	return spaces.Config{
		"lr": 2e-3, "bs": 256, "clip": 0.2, "opt": "adam", "bias": "true",
		"mix": []float64{0.5, 0.3, 0.2},
	}
}

// del as a value passed to with deletes the key.
type deleted struct{}

var del deleted

// with returns valid() with the given keys replaced (or deleted by del).
func with(kv ...any) spaces.Config {
	c := valid()
	for i := 0; i < len(kv); i += 2 {
		k := kv[i].(string)
		if kv[i+1] == del {
			delete(c, k)
			continue
		}
		c[k] = kv[i+1]
	}
	return c
}

func rng(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)) }

func TestNewConfigSpaceErrors(t *testing.T) {
	tests := []struct {
		name string
		dims []spaces.Dim
		want string
	}{
		{"no dims", nil, "at least one dimension"},
		{"empty name", []spaces.Dim{spaces.LinearDim("", 0, 1)}, "empty name"},
		{"duplicate name", []spaces.Dim{spaces.LinearDim("a", 0, 1), spaces.LinearDim("a", 0, 2)}, `"a" given twice`},
		{"low above high", []spaces.Dim{spaces.LinearDim("a", 2, 1)}, `"a": low 2 must be below high 1`},
		{"NaN bound", []spaces.Dim{spaces.LinearDim("a", math.NaN(), 1)}, `"a": bounds [NaN, 1] must be finite`},
		{"span overflows", []spaces.Dim{spaces.LinearDim("a", -math.MaxFloat64, math.MaxFloat64)}, "too far apart"},
		{"log low zero", []spaces.Dim{spaces.LogDim("lr", 0, 1)}, `"lr": log-scale low 0 must be positive`},
		{"int not whole", []spaces.Dim{{Name: "n", Kind: spaces.Int, Low: 0.5, High: 3}}, `"n": integer bounds [0.5, 3] must be whole`},
		{"int too large", []spaces.Dim{{Name: "n", Kind: spaces.Int, Low: 0, High: 1e17}}, "within ±2^53"},
		{"no choices", []spaces.Dim{spaces.CategoricalDim("opt")}, `"opt": choices: none given`},
		{"duplicate choice", []spaces.Dim{spaces.CategoricalDim("opt", "a", "a")}, `"opt": choices: "a" given twice`},
		{"empty choice", []spaces.Dim{spaces.CategoricalDim("opt", "a", "")}, `"opt": choices: empty name`},
		{"invalid UTF-8", []spaces.Dim{spaces.CategoricalDim("opt", "a", "\xff")}, "not valid UTF-8"},
		{"no parts", []spaces.Dim{spaces.SimplexDim("mix")}, `"mix": parts: none given`},
		{"choices on log", []spaces.Dim{{Name: "lr", Kind: spaces.Log, Low: 1, High: 2, Choices: []string{"x"}}}, "takes no choices"},
		{"bounds on simplex", []spaces.Dim{{Name: "m", Kind: spaces.Simplex, High: 1, Parts: []string{"x"}}}, "takes only parts"},
		{"unknown kind", []spaces.Dim{{Name: "x", Kind: 9}}, "unknown kind Kind(9)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := spaces.NewConfigSpace(tt.dims...)
			require.Error(t, err)
			assert.Nil(t, s)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	assert.Panics(t, func() { spaces.MustConfigSpace() })
}

func TestDimsAreCopies(t *testing.T) {
	choices := []string{"a", "b"}
	s := spaces.MustConfigSpace(spaces.CategoricalDim("x", choices...))
	choices[0] = "changed"
	s.Dims()[0].Choices[1] = "changed"
	d, ok := s.Dim("x")
	require.True(t, ok)
	d.Choices[0] = "changed"
	d, _ = s.Dim("x")
	assert.Equal(t, []string{"a", "b"}, d.Choices)
	_, ok = s.Dim("y")
	assert.False(t, ok)
}

func TestKindText(t *testing.T) {
	for k := spaces.Log; k <= spaces.Simplex; k++ {
		b, err := k.MarshalText()
		require.NoError(t, err)
		var back spaces.Kind
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, k, back)
	}
	_, err := spaces.Kind(0).MarshalText()
	assert.Error(t, err)
	var k spaces.Kind
	err = k.UnmarshalText([]byte("loggy"))
	assert.ErrorContains(t, err, `unknown dimension kind "loggy"`)
}

func TestNormalizeCoerces(t *testing.T) {
	s := allKinds()
	tests := []struct {
		name string
		key  string
		in   any
		want any
	}{
		{"log from int", "lr", 1, nil}, // out of range: checked below
		{"log from float32", "lr", float32(0.5) * 0.0625, 0.03125},
		{"log from json.Number", "lr", json.Number("2e-3"), 2e-3},
		{"linear from int", "clip", 0, 0.0},
		{"linear from uint8", "clip", uint8(0), 0.0},
		{"int from float64", "bs", 256.0, 256},
		{"int from int64", "bs", int64(512), 512},
		{"int from uint", "bs", uint(64), 64},
		{"int from json.Number", "bs", json.Number("128"), 128},
		{"int from json.Number float", "bs", json.Number("1.28e2"), 128},
		{"categorical from bool", "bias", false, "false"},
		{"simplex from []any", "mix", []any{0.5, json.Number("0.25"), 1.0 / 4}, []float64{0.5, 0.25, 0.25}},
		{"simplex from map", "mix", map[string]any{"math": 0.25, "web": 0.75}, []float64{0.75, 0, 0.25}},
		{"simplex from map[string]float64", "mix", map[string]float64{"code": 1}, []float64{0, 1, 0}},
		{"simplex within tolerance", "mix", []float64{0.5, 0.5, 5e-7}, []float64{0.5, 0.5, 5e-7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := s.Normalize(with(tt.key, tt.in))
			if tt.want == nil {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, out[tt.key])
			assert.True(t, s.Contains(with(tt.key, tt.in)))
		})
	}
}

func TestNormalizeNumericChoices(t *testing.T) {
	s := spaces.MustConfigSpace(spaces.CategoricalDim("heads", "4", "8", "1000000", "0.5", "1e+30", "true"))
	tests := []struct {
		in   any
		want string
	}{
		{4, "4"},
		{8.0, "8"},
		{int64(1000000), "1000000"},
		{1e6, "1000000"},
		{json.Number("8"), "8"},
		{json.Number("8.0"), "8"},
		{json.Number("0.50"), "0.5"},
		{0.5, "0.5"},
		{1e30, "1e+30"},
		{true, "true"},
		{"4", "4"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%T %v", tt.in, tt.in), func(t *testing.T) {
			out, err := s.Normalize(spaces.Config{"heads": tt.in})
			require.NoError(t, err)
			assert.Equal(t, tt.want, out["heads"])
		})
	}
	_, err := s.Normalize(spaces.Config{"heads": 16})
	require.ErrorIs(t, err, spaces.ErrUnknownChoice)
	assert.ErrorContains(t, err, `"heads": got number 16, want one of "4", "8"`)
	_, err = s.Normalize(spaces.Config{"heads": false})
	assert.ErrorIs(t, err, spaces.ErrUnknownChoice)
}

func TestNormalizeErrors(t *testing.T) {
	s := allKinds()
	tests := []struct {
		name string
		cfg  spaces.Config
		kind error
		dim  string
		want string // in the message
	}{
		{"unknown", with("momentum", 0.9), spaces.ErrUnknownDim, "momentum",
			`"momentum": unknown dimension (allowed: lr, bs, clip, opt, bias, mix)`},
		{"missing", with("lr", del), spaces.ErrMissingDim, "lr",
			`"lr": missing (want a number in [1e-05, 0.1] (log scale))`},
		{"wrong type string", with("lr", "fast"), spaces.ErrWrongType, "lr",
			`"lr": got string "fast", want a number in [1e-05, 0.1] (log scale)`},
		{"wrong type bool", with("bs", true), spaces.ErrWrongType, "bs",
			`"bs": got bool true, want an integer in [32, 4096]`},
		{"wrong type null", with("clip", nil), spaces.ErrWrongType, "clip",
			`"clip": got null, want a number in [0, 0.5]`},
		{"wrong type list for choice", with("opt", []any{"adam"}), spaces.ErrWrongType, "opt",
			`"opt": got a list, want one of "adam", "adamw", "sgd"`},
		{"wrong type json.Number", with("lr", json.Number("fast")), spaces.ErrWrongType, "lr", `got number fast`},
		{"out of range high", with("lr", 0.5), spaces.ErrOutOfRange, "lr", `"lr": 0.5 is out of range [1e-05, 0.1]`},
		{"out of range low", with("clip", -0.1), spaces.ErrOutOfRange, "clip", `"clip": -0.1 is out of range [0, 0.5]`},
		{"out of range int", with("bs", 8192), spaces.ErrOutOfRange, "bs", `"bs": 8192 is out of range [32, 4096]`},
		{"out of range huge uint", with("bs", uint64(math.MaxUint64)), spaces.ErrOutOfRange, "bs", `is out of range [32, 4096]`},
		{"out of range overflow", with("lr", json.Number("1e400")), spaces.ErrOutOfRange, "lr", `number 1e400 is out of range`},
		{"NaN", with("lr", math.NaN()), spaces.ErrNotFinite, "lr", `"lr": NaN is not a finite number`},
		{"Inf", with("clip", math.Inf(1)), spaces.ErrNotFinite, "clip", `"clip": +Inf is not a finite number`},
		{"NaN int", with("bs", math.NaN()), spaces.ErrNotFinite, "bs", `"bs": NaN is not a finite number`},
		{"not integer", with("bs", 256.5), spaces.ErrNotInteger, "bs", `"bs": 256.5 is not an integer`},
		{"not integer json", with("bs", json.Number("256.5")), spaces.ErrNotInteger, "bs", `"bs": 256.5 is not an integer`},
		{"unknown choice", with("opt", "rmsprop"), spaces.ErrUnknownChoice, "opt",
			`"opt": got string "rmsprop", want one of "adam", "adamw", "sgd"`},
		{"simplex length", with("mix", []float64{0.5, 0.5}), spaces.ErrSimplex, "mix",
			`"mix": has 2 parts, want 3 (web, code, math)`},
		{"simplex list length", with("mix", []any{1.0}), spaces.ErrSimplex, "mix", `has 1 parts, want 3`},
		{"simplex unknown part", with("mix", map[string]any{"web": 0.5, "books": 0.5}), spaces.ErrSimplex, "mix",
			`"mix": unknown part "books" (parts: web, code, math)`},
		{"simplex negative part", with("mix", []float64{1.2, -0.2, 0}), spaces.ErrSimplex, "mix",
			`"mix": part "code" is negative (-0.2)`},
		{"simplex sum", with("mix", []float64{0.5, 0.3, 0.1}), spaces.ErrSimplex, "mix",
			`"mix": parts sum to 0.9, want 1 (within 1e-06)`},
		{"simplex sum just outside", with("mix", []float64{0.5, 0.5, 2e-6}), spaces.ErrSimplex, "mix", `parts sum to 1.000002`},
		{"simplex NaN part", with("mix", []float64{math.NaN(), 0.5, 0.5}), spaces.ErrNotFinite, "mix",
			`"mix": part "web": NaN is not a finite number`},
		{"simplex part type", with("mix", []any{"half", 0.5, 0.5}), spaces.ErrWrongType, "mix",
			`"mix": part "web": got string "half", want a non-negative number`},
		{"simplex wrong type", with("mix", 1.0), spaces.ErrWrongType, "mix", `"mix": got number 1, want an object {web, code, math}`},
		{"simplex empty object", with("mix", map[string]any{}), spaces.ErrSimplex, "mix", `parts sum to 0`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := s.Normalize(tt.cfg)
			require.Error(t, err)
			assert.Nil(t, out)
			assert.ErrorIs(t, err, tt.kind)
			assert.Contains(t, err.Error(), tt.want)
			var ce *spaces.ConfigError
			require.ErrorAs(t, err, &ce)
			require.Len(t, ce.Fields, 1, err.Error())
			assert.Equal(t, tt.dim, ce.Fields[0].Dim)
			assert.Equal(t, tt.kind, ce.Fields[0].Err)
			var fe spaces.FieldError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, tt.dim, fe.Dim)

			assert.False(t, s.Contains(tt.cfg))
			dst := make([]float64, s.EncodedDim())
			assert.ErrorIs(t, s.Encode(tt.cfg, dst), tt.kind)
			_, err = s.FormatJSON(tt.cfg)
			assert.ErrorIs(t, err, tt.kind)
		})
	}
}

func TestNormalizeReportsEveryProblem(t *testing.T) {
	s := allKinds()
	c := spaces.Config{
		"lr":    "big",
		"bs":    1.5,
		"opt":   "rmsprop",
		"mix":   []float64{-1, 1, 1},
		"zeta":  1,
		"alpha": 2,
	}
	_, err := s.Normalize(c)
	var ce *spaces.ConfigError
	require.ErrorAs(t, err, &ce)
	var got []string
	for _, f := range ce.Fields {
		got = append(got, f.Dim+": "+f.Err.Error())
	}
	assert.Equal(t, []string{
		"lr: wrong type",
		"bs: not an integer",
		"clip: missing dimension",
		"opt: unknown choice",
		"bias: missing dimension",
		"mix: invalid simplex",
		"alpha: unknown dimension",
		"zeta: unknown dimension",
	}, got)
	assert.Equal(t, len(ce.Fields), strings.Count(err.Error(), "; ")+1)
	assert.True(t, strings.HasPrefix(err.Error(), "invalid config: "), err.Error())

	_, err = s.Normalize(nil)
	require.ErrorAs(t, err, &ce)
	assert.Len(t, ce.Fields, s.Len())
}

func TestNormalizeCopies(t *testing.T) {
	s := allKinds()
	c := valid()
	out, err := s.Normalize(c)
	require.NoError(t, err)
	assert.Equal(t, c, out)
	c["mix"].([]float64)[0] = 0.9
	c["lr"] = 0.01
	assert.Equal(t, []float64{0.5, 0.3, 0.2}, out["mix"])
	assert.Equal(t, 2e-3, out["lr"])

	again, err := s.Normalize(out)
	require.NoError(t, err)
	assert.Equal(t, out, again, "Normalize is idempotent")
}

func TestSampleIsContainedAndCanonical(t *testing.T) {
	s := allKinds()
	r := rng(1)
	seen := map[string]map[string]bool{"opt": {}, "bias": {}}
	minBS, maxBS := math.MaxInt, math.MinInt
	for i := 0; i < 2000; i++ {
		c := s.Sample(r)
		require.True(t, s.Contains(c), "%v", c)
		n, err := s.Normalize(c)
		require.NoError(t, err)
		require.Equal(t, c, n, "samples are canonical")
		assert.IsType(t, 0.0, c["lr"])
		assert.IsType(t, 0, c["bs"])
		assert.IsType(t, "", c["opt"])
		assert.IsType(t, []float64{}, c["mix"])
		seen["opt"][c["opt"].(string)] = true
		seen["bias"][c["bias"].(string)] = true
		minBS, maxBS = min(minBS, c["bs"].(int)), max(maxBS, c["bs"].(int))
	}
	assert.Len(t, seen["opt"], 3)
	assert.Len(t, seen["bias"], 2)
	assert.Less(t, minBS, 100)
	assert.Greater(t, maxBS, 4000)
}

func TestSampleDistributions(t *testing.T) {
	s := spaces.MustConfigSpace(
		spaces.LogDim("lr", 1e-6, 1),
		spaces.LinearDim("x", -1, 1),
		spaces.SimplexDim("mix", "a", "b", "c", "d"),
	)
	r := rng(7)
	const n = 4000
	var belowMilli, negative, mixA float64
	for i := 0; i < n; i++ {
		c := s.Sample(r)
		if c["lr"].(float64) < 1e-3 { // the log-scale midpoint
			belowMilli++
		}
		if c["x"].(float64) < 0 {
			negative++
		}
		mixA += c["mix"].([]float64)[0]
	}
	assert.InDelta(t, 0.5, belowMilli/n, 0.05, "log-uniform: half the mass below the geometric mean")
	assert.InDelta(t, 0.5, negative/n, 0.05, "uniform: half the mass below the midpoint")
	assert.InDelta(t, 0.25, mixA/n, 0.02, "Dirichlet(1): each of 4 parts has mean 1/4")
}

func TestSampleDeterministic(t *testing.T) {
	s := allKinds()
	a, b, other := rng(42), rng(42), rng(43)
	differs := false
	for i := 0; i < 50; i++ {
		ca, cb, co := s.Sample(a), s.Sample(b), s.Sample(other)
		require.Equal(t, ca, cb)
		if !s.Equal(ca, co) {
			differs = true
		}
	}
	assert.True(t, differs, "another seed gives other samples")
}

func TestCloneAndEqual(t *testing.T) {
	s := allKinds()
	c := valid()
	c2 := s.Clone(c)
	require.Equal(t, c, c2)
	c2["mix"].([]float64)[0] = 0.6
	c2["mix"].([]float64)[1] = 0.2
	assert.Equal(t, 0.5, c["mix"].([]float64)[0])
	assert.False(t, s.Equal(c, c2))

	raw := spaces.Config{"m": map[string]any{"a": 1.0}, "l": []any{1.0}, "f": map[string]float64{"a": 1}}
	rc := s.Clone(raw)
	rc["m"].(map[string]any)["a"] = 2.0
	rc["l"].([]any)[0] = 2.0
	rc["f"].(map[string]float64)["a"] = 2
	assert.Equal(t, spaces.Config{"m": map[string]any{"a": 1.0}, "l": []any{1.0}, "f": map[string]float64{"a": 1}}, raw)
	assert.Nil(t, s.Clone(nil))

	assert.True(t, s.Equal(c, with("bs", 256.0, "mix", map[string]any{"web": 0.5, "code": 0.3, "math": 0.2})))
	assert.False(t, s.Equal(c, with("bs", 257)))
	assert.False(t, s.Equal(c, with("lr", "x")))
	assert.False(t, s.Equal(with("lr", "x"), c))
}

func TestEncodeKnownValues(t *testing.T) {
	s := allKinds()
	dst := make([]float64, s.EncodedDim())
	require.Equal(t, 1+1+1+3+2+3, len(dst))
	c := spaces.Config{
		"lr": 1e-3, "bs": 32, "clip": 0.5, "opt": "adamw", "bias": "false",
		"mix": map[string]any{"code": 1.0},
	}
	require.NoError(t, s.Encode(c, dst))
	h := 1 / math.Sqrt2
	want := []float64{0.5, 0, 1, 0, h, 0, 0, h, 0, 1, 0}
	assert.InDeltaSlice(t, want, dst, 1e-12)

	err := s.Encode(c, make([]float64, 3))
	assert.ErrorContains(t, err, "dst has length 3, want 11")
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	s := allKinds()
	r := rng(3)
	dst := make([]float64, s.EncodedDim())
	for i := 0; i < 500; i++ {
		c := s.Sample(r)
		require.NoError(t, s.Encode(c, dst))
		for j, x := range dst {
			require.True(t, x >= 0 && x <= 1, "coordinate %d = %g", j, x)
		}
		back, err := s.Decode(dst)
		require.NoError(t, err)
		require.True(t, s.Contains(back))
		assert.InEpsilon(t, c["lr"], back["lr"], 1e-12)
		assert.InDelta(t, c["clip"], back["clip"], 1e-12)
		assert.Equal(t, c["bs"], back["bs"])
		assert.Equal(t, c["opt"], back["opt"])
		assert.Equal(t, c["bias"], back["bias"])
		assert.InDeltaSlice(t, c["mix"], back["mix"], 1e-12)
	}
	// Bounds decode exactly.
	lo := spaces.Config{"lr": 1e-5, "bs": 32, "clip": 0.0, "opt": "adam", "bias": "true", "mix": []float64{1, 0, 0}}
	require.NoError(t, s.Encode(lo, dst))
	back, err := s.Decode(dst)
	require.NoError(t, err)
	assert.Equal(t, lo, back)
}

func TestDecodeProjects(t *testing.T) {
	s := spaces.MustConfigSpace(
		spaces.LogDim("lr", 1e-4, 1),
		spaces.IntDim("n", 1, 10),
		spaces.LinearDim("x", 0, 2),
		spaces.CategoricalDim("c", "a", "b", "c"),
		spaces.SimplexDim("m", "p", "q"),
	)
	tests := []struct {
		name  string
		point []float64
		want  spaces.Config
	}{
		{"clamped low", []float64{-3, -1, -0.5, 0, 0, 0, 0, 0},
			spaces.Config{"lr": 1e-4, "n": 1, "x": 0.0, "c": "a", "m": []float64{0.5, 0.5}}},
		{"clamped high", []float64{7, 2, 1.5, 0, 0, 1, 3, 1},
			spaces.Config{"lr": 1.0, "n": 10, "x": 2.0, "c": "c", "m": []float64{0.75, 0.25}}},
		{"interior", []float64{0.25, 0.5, 0.25, 0.2, 0.9, 0.1, -2, 5},
			spaces.Config{"lr": 1e-3, "n": 6, "x": 0.5, "c": "b", "m": []float64{0, 1}}},
		{"argmax tie takes first", []float64{0.5, 0.1, 0, 0.4, 0.4, 0.4, 1e300, 1e300},
			spaces.Config{"lr": 1e-2, "n": 2, "x": 0.0, "c": "a", "m": []float64{0.5, 0.5}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Decode(tt.point)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.True(t, s.Contains(got))
		})
	}

	_, err := s.Decode(make([]float64, 3))
	assert.ErrorContains(t, err, "point has length 3, want 8")
	p := make([]float64, 8)
	p[4] = math.NaN()
	_, err = s.Decode(p)
	assert.ErrorIs(t, err, spaces.ErrNotFinite)
	assert.ErrorContains(t, err, `point[4] (dimension "c") is NaN`)
	p[4], p[0] = 0, math.Inf(-1)
	_, err = s.Decode(p)
	assert.ErrorContains(t, err, `point[0] (dimension "lr") is -Inf`)
}

func TestFlattenerAndSpace(t *testing.T) {
	s := allKinds()
	var f spaces.Flattener[spaces.Config] = s
	var sp spaces.Space[spaces.Config] = s
	var cl spaces.Cloner[spaces.Config] = s
	_, _ = sp, cl
	assert.Equal(t, s.EncodedDim(), f.FlatDim())
	dst := make([]float64, f.FlatDim())
	require.NoError(t, f.Flatten(valid(), dst))
	back, err := f.Unflatten(dst)
	require.NoError(t, err)
	assert.True(t, s.Equal(valid(), back) || s.Contains(back))
}

func TestDistance(t *testing.T) {
	s := allKinds()
	d, err := s.Distance(valid(), valid())
	require.NoError(t, err)
	assert.Equal(t, 0.0, d)

	d, err = s.Distance(valid(), with("opt", "sgd"))
	require.NoError(t, err)
	assert.InDelta(t, 1, d, 1e-12, "different choices are at distance 1")

	d, err = s.Distance(with("lr", 1e-5), with("lr", 1e-1))
	require.NoError(t, err)
	assert.InDelta(t, 1, d, 1e-12, "the log range spans distance 1")

	d, err = s.Distance(with("mix", []float64{1, 0, 0}), with("mix", []float64{0, 1, 0}))
	require.NoError(t, err)
	assert.InDelta(t, math.Sqrt2, d, 1e-12)

	_, err = s.Distance(valid(), with("lr", 5.0))
	assert.ErrorContains(t, err, "second config")
	assert.ErrorIs(t, err, spaces.ErrOutOfRange)
	_, err = s.Distance(with("bs", del), valid())
	assert.ErrorContains(t, err, "first config")
	assert.ErrorIs(t, err, spaces.ErrMissingDim)
}

func TestDistanceWideSpace(t *testing.T) {
	parts := make([]string, 100)
	for i := range parts {
		parts[i] = fmt.Sprintf("p%d", i)
	}
	s := spaces.MustConfigSpace(spaces.SimplexDim("mix", parts...))
	r := rng(5)
	a, b := s.Sample(r), s.Sample(r)
	d, err := s.Distance(a, b)
	require.NoError(t, err)
	pa, pb := a["mix"].([]float64), b["mix"].([]float64)
	sum := 0.0
	for i := range pa {
		sum += (pa[i] - pb[i]) * (pa[i] - pb[i])
	}
	assert.InDelta(t, math.Sqrt(sum), d, 1e-12)

	cs, err := spaces.NewCandidates(s, []spaces.Config{a, b})
	require.NoError(t, err)
	i, dist, err := cs.NearestConfig(b)
	require.NoError(t, err)
	assert.Equal(t, 1, i)
	assert.Equal(t, 0.0, dist)
}

func TestNearestMatchesBruteForce(t *testing.T) {
	for name, s := range map[string]*spaces.ConfigSpace{
		"all kinds": allKinds(),
		"two knobs": spaces.MustConfigSpace(spaces.LogDim("lr", 1e-5, 1), spaces.LogDim("bs", 1, 65536)),
	} {
		t.Run(name, func(t *testing.T) { testNearestMatchesBruteForce(t, s) })
	}
}

func testNearestMatchesBruteForce(t *testing.T, s *spaces.ConfigSpace) {
	r := rng(11)
	cfgs := make([]spaces.Config, 300)
	for i := range cfgs {
		cfgs[i] = s.Sample(r)
	}
	cs, err := spaces.NewCandidates(s, cfgs)
	require.NoError(t, err)
	require.Equal(t, len(cfgs), cs.Len())
	require.Same(t, s, cs.Space())

	for q := 0; q < 200; q++ {
		query := s.Sample(r)
		best, bestD := -1, math.Inf(1)
		for i := 0; i < cs.Len(); i++ {
			d, err := s.Distance(query, cs.Config(i))
			require.NoError(t, err)
			if d < bestD {
				best, bestD = i, d
			}
		}
		i, d, err := cs.NearestConfig(query)
		require.NoError(t, err)
		assert.Equal(t, best, i)
		assert.InDelta(t, bestD, d, 1e-12)
	}

	// Raw points, inside and outside the unit cube.
	for q := 0; q < 200; q++ {
		p := make([]float64, s.EncodedDim())
		for j := range p {
			p[j] = r.Float64()*1.4 - 0.2
		}
		best, bestD := -1, math.Inf(1)
		for i := 0; i < cs.Len(); i++ {
			sum := 0.0
			for j, x := range cs.Point(i) {
				sum += (x - p[j]) * (x - p[j])
			}
			if d := math.Sqrt(sum); d < bestD {
				best, bestD = i, d
			}
		}
		i, d := cs.Nearest(p)
		assert.Equal(t, best, i)
		assert.InDelta(t, bestD, d, 1e-12)
	}
}

func TestNearestTiesAndBadPoints(t *testing.T) {
	s := spaces.MustConfigSpace(spaces.LinearDim("x", 0, 1), spaces.LinearDim("y", 0, 1))
	cs, err := spaces.NewCandidates(s, []spaces.Config{
		{"x": 0.0, "y": 0.0},
		{"x": 1.0, "y": 1.0},
		{"x": 0.0, "y": 0.0}, // duplicate of 0
		{"x": 1.0, "y": 0.0},
	})
	require.NoError(t, err)

	i, d := cs.Nearest([]float64{0, 0})
	assert.Equal(t, 0, i, "exact duplicate: the lower index wins")
	assert.Equal(t, 0.0, d)
	i, _ = cs.Nearest([]float64{0.5, 0.5})
	assert.Equal(t, 0, i, "equidistant from all: the lowest index wins")
	i, _ = cs.Nearest([]float64{1, 0.5})
	assert.Equal(t, 1, i, "equidistant from 1 and 3")

	i, d = cs.Nearest([]float64{1e200, 1e200})
	assert.Equal(t, 0, i, "every distance overflows: the first is as near as any")
	assert.True(t, math.IsInf(d, 1))

	for _, p := range [][]float64{{0}, {0, 0, 0}, {math.NaN(), 0}, {0, math.Inf(1)}} {
		i, d := cs.Nearest(p)
		assert.Equal(t, -1, i, "%v", p)
		assert.True(t, math.IsInf(d, 1))
	}

	_, _, err = cs.NearestConfig(spaces.Config{"x": 2.0, "y": 0.0})
	assert.ErrorIs(t, err, spaces.ErrOutOfRange)
	assert.ErrorContains(t, err, `"x": 2 is out of range [0, 1]`)
}

func TestCandidatesViews(t *testing.T) {
	s := allKinds()
	cfgs := []spaces.Config{valid(), with("bs", 512.0)}
	cs, err := spaces.NewCandidates(s, cfgs)
	require.NoError(t, err)
	assert.Equal(t, 512, cs.Config(1)["bs"], "candidates are normalised")
	cfgs[0]["mix"].([]float64)[0] = 0.9
	assert.Equal(t, 0.5, cs.Config(0)["mix"].([]float64)[0], "candidates do not alias their input")

	p := cs.Point(0)
	assert.Len(t, p, s.EncodedDim())
	assert.Equal(t, len(p), cap(p), "a point cannot be appended into its neighbour")
	want := make([]float64, s.EncodedDim())
	require.NoError(t, s.Encode(valid(), want))
	assert.Equal(t, want, p)
}

func TestNewCandidatesErrors(t *testing.T) {
	s := allKinds()
	_, err := spaces.NewCandidates(s, []spaces.Config{valid(), valid(), with("opt", "lion")})
	require.Error(t, err)
	assert.ErrorContains(t, err, `candidates: config 2: invalid config: "opt": got string "lion"`)
	assert.ErrorIs(t, err, spaces.ErrUnknownChoice)

	_, err = spaces.NewCandidates(s, nil)
	assert.ErrorContains(t, err, "no configs")
	_, err = spaces.NewCandidates(nil, []spaces.Config{valid()})
	assert.ErrorContains(t, err, "nil configuration space")
}

func TestCandidatesConcurrent(t *testing.T) {
	s := allKinds()
	r := rng(9)
	cfgs := make([]spaces.Config, 100)
	for i := range cfgs {
		cfgs[i] = s.Sample(r)
	}
	cs, err := spaces.NewCandidates(s, cfgs)
	require.NoError(t, err)
	queries := make([]spaces.Config, 40)
	want := make([]int, len(queries))
	for q := range queries {
		queries[q] = s.Sample(r)
		want[q], _, err = cs.NearestConfig(queries[q])
		require.NoError(t, err)
	}
	var wg sync.WaitGroup
	got := make([][]int, 4)
	for g := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, q := range queries {
				i, _, err := cs.NearestConfig(q)
				if err != nil {
					i = -2
				}
				got[g] = append(got[g], i)
			}
		}()
	}
	wg.Wait()
	for g := range got {
		assert.Equal(t, want, got[g])
	}
}

func TestParseJSON(t *testing.T) {
	s := allKinds()
	tests := []struct {
		name string
		in   string
		want spaces.Config
	}{
		{"canonical", `{"lr":0.002,"bs":256,"clip":0.2,"opt":"adam","bias":"true","mix":{"web":0.5,"code":0.3,"math":0.2}}`, valid()},
		{"any order, white space, list mix",
			"\n {\"mix\": [0.5, 0.3, 0.2], \"bias\": true, \"opt\": \"adam\",\n \"clip\": 2e-1, \"bs\": 2.56e2, \"lr\": 2E-3}\t", valid()},
		{"mix with parts left out", `{"lr":0.002,"bs":256,"clip":0.2,"opt":"adam","bias":"true","mix":{"code":1}}`,
			with("mix", []float64{0, 1, 0})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.ParseJSON([]byte(tt.in))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseJSONErrors(t *testing.T) {
	s := allKinds()
	const ok = `"lr":0.002,"bs":256,"clip":0.2,"opt":"adam","bias":"true","mix":[0.5,0.3,0.2]`
	tests := []struct {
		name string
		in   string
		kind error
		want []string
	}{
		{"empty", "", spaces.ErrMalformedJSON, []string{"malformed JSON at line 1, column 1 (byte 0): empty input"}},
		{"blank", " \n ", spaces.ErrMalformedJSON, []string{"empty input"}},
		{"truncated", `{"lr": 0.002, "bs":`, spaces.ErrMalformedJSON, []string{"line 1, column 20 (byte 19): unexpected EOF"}},
		{"missing colon", "{\n  \"lr\" 0.002}", spaces.ErrMalformedJSON, []string{"line 2, column 8", "after object key"}},
		{"bad token", `{"lr": 0.0.2}`, spaces.ErrMalformedJSON, []string{"column 11", "invalid character"}},
		{"single quotes", `{'lr': 1}`, spaces.ErrMalformedJSON, []string{"column 2"}},
		{"trailing comma", `{"lr": 1,}`, spaces.ErrMalformedJSON, []string{"invalid character '}'"}},
		{"trailing data", `{` + ok + `} x`, spaces.ErrMalformedJSON, []string{"invalid character 'x'"}},
		{"two objects", `{` + ok + `}{}`, spaces.ErrMalformedJSON, []string{"unexpected data after the config object"}},
		{"bad nested", `{"mix": [1, }`, spaces.ErrMalformedJSON, []string{"invalid character '}'"}},
		{"unterminated deep", `{"mix": [[[[`, spaces.ErrMalformedJSON, []string{"unexpected EOF"}},
		{"duplicate key", `{` + ok + `,"lr":0.003}`, spaces.ErrDuplicateDim, []string{`"lr": given more than once`}},
		{"duplicate part", `{"lr":0.002,"bs":256,"clip":0.2,"opt":"adam","bias":"true","mix":{"web":0.5,"web":0.5}}`,
			spaces.ErrDuplicateDim, []string{`"mix": key "web" given more than once in the object`}},
		{"unknown key", `{` + ok + `,"wd":0.1}`, spaces.ErrUnknownDim, []string{`"wd": unknown dimension`}},
		{"out of range", `{"lr":2,` + ok[11:] + `}`, spaces.ErrOutOfRange, []string{`"lr": 2 is out of range [1e-05, 0.1]`}},
		{"huge number", `{"lr":1e999,` + ok[11:] + `}`, spaces.ErrOutOfRange, []string{`"lr": number 1e999 is out of range`}},
		{"fractional int", `{"lr":0.002,"bs":64.5,"clip":0.2,"opt":"adam","bias":"true","mix":[0.5,0.3,0.2]}`,
			spaces.ErrNotInteger, []string{`"bs": 64.5 is not an integer`}},
		{"string number", `{"lr":"0.002",` + ok[11:] + `}`, spaces.ErrWrongType, []string{`"lr": got string "0.002"`}},
		{"null", `{"lr":null,` + ok[11:] + `}`, spaces.ErrWrongType, []string{`"lr": got null`}},
		{"nested too deep", `{"lr":0.002,"bs":256,"clip":0.2,"opt":"adam","bias":"true","mix":[[0.5],0.3,0.2]}`,
			spaces.ErrWrongType, []string{`"mix": part "web": got a list`}},
		{"simplex sum", `{"lr":0.002,"bs":256,"clip":0.2,"opt":"adam","bias":"true","mix":[0.5,0.3,0.3]}`,
			spaces.ErrSimplex, []string{`"mix": parts sum to 1.1`}},
		{"missing", `{}`, spaces.ErrMissingDim, []string{`"lr": missing`, `"mix": missing`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := s.ParseJSON([]byte(tt.in))
			require.Error(t, err)
			assert.Nil(t, c)
			assert.ErrorIs(t, err, tt.kind)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}

	for _, in := range []string{`[1, 2]`, `"lr"`, `12`, `null`, `true`} {
		_, err := s.ParseJSON([]byte(in))
		require.Error(t, err, in)
		assert.ErrorContains(t, err, "config JSON must be an object, got")
		assert.NotErrorIs(t, err, spaces.ErrMalformedJSON)
	}

	var syn *json.SyntaxError
	_, err := s.ParseJSON([]byte(`{"lr" 1}`))
	assert.ErrorAs(t, err, &syn, "the decoder's error stays reachable")
}

func TestJSONRoundTrip(t *testing.T) {
	s := allKinds()
	r := rng(21)
	for i := 0; i < 500; i++ {
		c := s.Sample(r)
		b, err := s.FormatJSON(c)
		require.NoError(t, err)
		require.True(t, json.Valid(b), "%s", b)
		back, err := s.ParseJSON(b)
		require.NoError(t, err, "%s", b)
		require.Equal(t, c, back, "%s", b)
		b2, err := s.FormatJSON(back)
		require.NoError(t, err)
		require.Equal(t, string(b), string(b2))
	}
}

func TestFormatJSONCanonical(t *testing.T) {
	s := allKinds()
	b, err := s.FormatJSON(with("bs", 256.0, "lr", json.Number("2e-3"), "mix", map[string]any{"math": 0.2, "code": 0.3, "web": 0.5}))
	require.NoError(t, err)
	assert.Equal(t, `{"lr":0.002,"bs":256,"clip":0.2,"opt":"adam","bias":"true","mix":{"web":0.5,"code":0.3,"math":0.2}}`, string(b))

	odd := spaces.MustConfigSpace(
		spaces.CategoricalDim("q\"uote", "a\\b", "tab\there", "nl\n", "bell\a", "ünï"),
		spaces.LogDim("tiny", 1e-300, 1e300),
	)
	for _, choice := range []string{"a\\b", "tab\there", "nl\n", "bell\a", "ünï"} {
		c := spaces.Config{"q\"uote": choice, "tiny": 1.5e-200}
		b, err := odd.FormatJSON(c)
		require.NoError(t, err)
		require.True(t, json.Valid(b), "%s", b)
		back, err := odd.ParseJSON(b)
		require.NoError(t, err, "%s", b)
		assert.Equal(t, c, back)
	}
}

func TestFormat(t *testing.T) {
	s := allKinds()
	assert.Equal(t, "lr=0.002 bs=256 clip=0.2 opt=adam bias=true mix={web:0.5,code:0.3,math:0.2}", s.Format(valid()))
	assert.Equal(t, "lr=bad bs=256 clip=0.2 opt=adam bias=true mix=[0.5 0.3 0.2] wd=0.1",
		s.Format(with("lr", "bad", "wd", 0.1)))

	q := spaces.MustConfigSpace(spaces.CategoricalDim("name", "two words", "a=b", "plain"))
	assert.Equal(t, `name="two words"`, q.Format(spaces.Config{"name": "two words"}))
	assert.Equal(t, `name="a=b"`, q.Format(spaces.Config{"name": "a=b"}))
	assert.Equal(t, `name=""`, q.Format(spaces.Config{"name": ""}), "invalid, rendered as given")
	assert.Equal(t, `name=plain`, q.Format(spaces.Config{"name": "plain"}))
}

func TestDescribe(t *testing.T) {
	s := allKinds()
	d := s.Describe()
	assert.Equal(t, "config", d.Type)
	require.Len(t, d.Dims, s.Len())
	assert.Equal(t, spaces.DimDescription{Name: "lr", Kind: "log", Low: 1e-5, High: 0.1}, d.Dims[0])
	assert.Equal(t, spaces.DimDescription{Name: "opt", Kind: "categorical", Choices: []string{"adam", "adamw", "sgd"}}, d.Dims[3])

	b, err := json.Marshal(d.Dims)
	require.NoError(t, err)
	assert.Equal(t, `[{"name":"lr","kind":"log","low":0.00001,"high":0.1},`+
		`{"name":"bs","kind":"int","low":32,"high":4096},`+
		`{"name":"clip","kind":"linear","low":0,"high":0.5},`+
		`{"name":"opt","kind":"categorical","choices":["adam","adamw","sgd"]},`+
		`{"name":"bias","kind":"categorical","choices":["true","false"]},`+
		`{"name":"mix","kind":"simplex","parts":["web","code","math"]}]`, string(b))

	// Through JSON and back.
	full, err := json.Marshal(d)
	require.NoError(t, err)
	var back spaces.Description
	require.NoError(t, json.Unmarshal(full, &back))
	s2, err := spaces.ConfigSpaceFromDescription(back)
	require.NoError(t, err)
	assert.Equal(t, s.String(), s2.String())
	assert.Equal(t, s.Dims(), s2.Dims())

	// The description is a copy.
	d.Dims[3].Choices[0] = "changed"
	assert.Equal(t, "adam", s.Describe().Dims[3].Choices[0])
}

func TestConfigSpaceFromDescriptionErrors(t *testing.T) {
	tests := []struct {
		name string
		d    spaces.Description
		want string
	}{
		{"wrong type", spaces.Description{Type: "box"}, `description has type "box", want "config"`},
		{"no dims", spaces.Description{Type: "config"}, "no dims"},
		{"unknown kinds", spaces.Description{Type: "config", Dims: []spaces.DimDescription{
			{Name: "a", Kind: "linear", High: 1}, {Name: "b", Kind: "float"}, {Name: "c", Kind: ""}}},
			`dims[1] ("b"): spaces: unknown dimension kind "float"`},
		{"bad bounds", spaces.Description{Type: "config", Dims: []spaces.DimDescription{{Name: "lr", Kind: "log", Low: -1, High: 1}}},
			`"lr": log-scale low -1 must be positive`},
		{"bounds on categorical", spaces.Description{Type: "config", Dims: []spaces.DimDescription{
			{Name: "opt", Kind: "categorical", High: 3, Choices: []string{"a"}}}}, "takes only choices"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := spaces.ConfigSpaceFromDescription(tt.d)
			require.Error(t, err)
			assert.Nil(t, s)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	_, err := spaces.ConfigSpaceFromDescription(spaces.Description{Type: "config", Dims: []spaces.DimDescription{
		{Name: "b", Kind: "float"}, {Name: "c", Kind: ""}}})
	assert.ErrorContains(t, err, `dims[0] ("b")`)
	assert.ErrorContains(t, err, `dims[1] ("c")`)
}

func TestErrorTextCountsManyProblems(t *testing.T) {
	s := allKinds()
	c := valid()
	for i := 0; i < 25; i++ {
		c[fmt.Sprintf("extra%02d", i)] = i
	}
	_, err := s.Normalize(c)
	var ce *spaces.ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Len(t, ce.Fields, 25)
	assert.Equal(t, 10, strings.Count(err.Error(), "unknown dimension"))
	assert.True(t, strings.HasSuffix(err.Error(), "; and 15 more problems"), err.Error())
}

func TestErrorTextIsBounded(t *testing.T) {
	s := allKinds()
	long := strings.Repeat("x", 10000)
	_, err := s.Normalize(with("opt", long, long, 1))
	require.Error(t, err)
	assert.Less(t, len(err.Error()), 600)
	assert.True(t, errors.Is(err, spaces.ErrUnknownDim) && errors.Is(err, spaces.ErrUnknownChoice))
}

func TestHotPathsDoNotAllocate(t *testing.T) {
	s := allKinds()
	c := valid()
	dst := make([]float64, s.EncodedDim())
	cs, err := spaces.NewCandidates(s, []spaces.Config{valid(), with("opt", "sgd")})
	require.NoError(t, err)
	tests := []struct {
		name string
		f    func()
	}{
		{"Encode", func() { _ = s.Encode(c, dst) }},
		{"Contains", func() { _ = s.Contains(c) }},
		{"Distance", func() { _, _ = s.Distance(c, c) }},
		{"Nearest", func() { _, _ = cs.Nearest(dst) }},
		{"NearestConfig", func() { _, _, _ = cs.NearestConfig(c) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Zero(t, testing.AllocsPerRun(100, tt.f))
		})
	}
}

func TestNormalizeAcceptsEveryGoNumberType(t *testing.T) {
	s := spaces.MustConfigSpace(spaces.IntDim("n", 0, 200), spaces.LinearDim("x", 0, 200))
	for _, v := range []any{
		int(100), int8(100), int16(100), int32(100), int64(100),
		uint(100), uint8(100), uint16(100), uint32(100), uint64(100),
		float32(100), float64(100), json.Number("100"), json.Number("1e2"),
	} {
		t.Run(fmt.Sprintf("%T", v), func(t *testing.T) {
			out, err := s.Normalize(spaces.Config{"n": v, "x": v})
			require.NoError(t, err)
			assert.Equal(t, spaces.Config{"n": 100, "x": 100.0}, out)
		})
	}
	_, err := s.Normalize(spaces.Config{"n": uint(math.MaxUint64), "x": complex(1, 0)})
	assert.ErrorContains(t, err, `"n": 1.8446744073709552e+19 is out of range [0, 200]`)
	assert.ErrorContains(t, err, `"x": got a value of Go type complex128, want a number in [0, 200]`)
}
