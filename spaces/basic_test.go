package spaces_test

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/spaces"
)

func basicRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)) }

func mustBasicBox(t testing.TB, low, high []float64, shape ...int) *spaces.Box {
	t.Helper()
	b, err := spaces.NewBoxBounds(low, high, shape...)
	require.NoError(t, err)
	return b
}

// basicSpaces returns one erased space of every kind, with the edge cases
// each kind has (offsets, infinite bounds, Unicode charsets, nesting).
func basicSpaces(t testing.TB) map[string]spaces.Space[any] {
	inf := math.Inf(1)
	return map[string]spaces.Space[any]{
		"discrete":          spaces.Erase(spaces.NewDiscrete(5)),
		"discrete-one":      spaces.Erase(spaces.NewDiscrete(1)),
		"discrete-start":    spaces.Erase(spaces.NewDiscreteFrom(3, -1)),
		"multi-discrete":    spaces.Erase(spaces.NewMultiDiscrete(2, 3, 1, 7)),
		"box-bounded":       spaces.Erase(spaces.NewBox(-1, 1, 2, 3)),
		"box-scalar":        spaces.Erase(spaces.NewBox(0, 10)),
		"box-unbounded":     spaces.Erase(spaces.NewBox(-inf, inf, 4)),
		"box-mixed":         spaces.Erase(mustBasicBox(t, []float64{0, -inf, -inf, 5, -math.MaxFloat64}, []float64{inf, 1, inf, 5, math.MaxFloat64}, 5)),
		"text-default":      spaces.Erase(spaces.NewText(0, 12)),
		"text-charset":      spaces.Erase(spaces.NewTextCharset(2, 4, "aé日")),
		"text-fixed-length": spaces.Erase(spaces.NewTextCharset(3, 3, "01")),
		"dict": spaces.Erase(spaces.NewDict(map[string]spaces.Space[any]{
			"action": spaces.Erase(spaces.NewDiscrete(4)),
			"pos":    spaces.Erase(spaces.NewBox(0, 1, 2)),
			"inner": spaces.Erase(spaces.NewDict(map[string]spaces.Space[any]{
				"md": spaces.Erase(spaces.NewMultiDiscrete(3, 3)),
			})),
		})),
		"dict-with-text": spaces.Erase(spaces.NewDict(map[string]spaces.Space[any]{
			"n":      spaces.Erase(spaces.NewDiscrete(2)),
			"prompt": spaces.Erase(spaces.NewText(1, 8)),
		})),
		"dict-empty": spaces.Erase(spaces.NewDict(nil)),
	}
}

func TestBasicSamplesAreContained(t *testing.T) {
	for name, s := range basicSpaces(t) {
		t.Run(name, func(t *testing.T) {
			r := basicRand(1)
			for i := range 1000 {
				x := s.Sample(r)
				require.Truef(t, s.Contains(x), "sample %d = %#v not in %v", i, x, s)
			}
		})
	}
}

func TestBasicSamplesAreDeterministic(t *testing.T) {
	for name, s := range basicSpaces(t) {
		t.Run(name, func(t *testing.T) {
			a, b, c := basicRand(7), basicRand(7), basicRand(8)
			var xs, ys, zs []any
			for range 50 {
				xs = append(xs, s.Sample(a))
				ys = append(ys, s.Sample(b))
				zs = append(zs, s.Sample(c))
			}
			require.Equal(t, xs, ys, "same seed, different samples")
			if name != "discrete-one" && name != "dict-empty" {
				require.NotEqual(t, xs, zs, "different seeds, same samples")
			}
		})
	}
}

func TestBasicFlattenRoundTrip(t *testing.T) {
	for name, s := range basicSpaces(t) {
		n, err := spaces.FlatDim(s)
		if strings.HasPrefix(name, "text") || name == "dict-with-text" {
			require.Errorf(t, err, "%s should have no flat form", name)
			continue
		}
		require.NoError(t, err, name)
		t.Run(name, func(t *testing.T) {
			r := basicRand(2)
			for range 200 {
				x := s.Sample(r)
				v, err := spaces.Flatten(s, x)
				require.NoError(t, err)
				require.Len(t, v, n)
				y, err := spaces.Unflatten(s, v)
				require.NoError(t, err)
				require.Equal(t, x, y)
				require.True(t, s.Contains(y))
			}
		})
	}
}

func TestBasicFlattenValues(t *testing.T) {
	v, err := spaces.Flatten(spaces.NewDiscreteFrom(4, 10), 12)
	require.NoError(t, err)
	assert.Equal(t, []float64{0, 0, 1, 0}, v)

	v, err = spaces.Flatten(spaces.NewMultiDiscrete(2, 3), []int{1, 0})
	require.NoError(t, err)
	assert.Equal(t, []float64{0, 1, 1, 0, 0}, v)

	d := spaces.NewDict(map[string]spaces.Space[any]{
		"b": spaces.Erase(spaces.NewBox(0, 1, 2)),
		"a": spaces.Erase(spaces.NewDiscrete(2)),
	})
	v, err = spaces.Flatten(d, map[string]any{"a": 1, "b": []float64{0.25, 0.5}})
	require.NoError(t, err)
	assert.Equal(t, []float64{0, 1, 0.25, 0.5}, v, "key order a, b")
}

func TestUnflattenScores(t *testing.T) {
	tests := []struct {
		name    string
		src     []float64
		want    int
		wantErr string
	}{
		{"one-hot", []float64{0, 0, 1}, 2, ""},
		{"logits", []float64{-1, 3.5, 2}, 1, ""},
		{"tie goes to first", []float64{2, 2, 1}, 0, ""},
		{"infinities", []float64{math.Inf(-1), math.Inf(1), 0}, 1, ""},
		{"NaN", []float64{0, math.NaN(), 1}, 0, "entry 1 is NaN"},
		{"too short", []float64{1, 0}, 0, "length 2, want 3"},
		{"too long", []float64{1, 0, 0, 0}, 0, "length 4, want 3"},
	}
	d := spaces.NewDiscrete(3)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := d.Unflatten(tc.src)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestBasicFlattenErrors(t *testing.T) {
	md := spaces.NewMultiDiscrete(2, 3)
	box := spaces.NewBox(0, 1, 3)
	dict := spaces.NewDict(map[string]spaces.Space[any]{
		"a": spaces.Erase(spaces.NewDiscrete(2)),
		"b": spaces.Erase(spaces.NewBox(0, 1, 2)),
	})
	withText := spaces.NewDict(map[string]spaces.Space[any]{
		"a":      spaces.Erase(spaces.NewDiscrete(2)),
		"prompt": spaces.Erase(spaces.NewText(0, 3)),
	})
	tests := []struct {
		name    string
		run     func() error
		wantErr string
	}{
		{"discrete out of range", func() error { return spaces.NewDiscrete(3).Flatten(3, make([]float64, 3)) }, "value 3 is outside [0, 2]"},
		{"discrete short dst", func() error { return spaces.NewDiscrete(3).Flatten(0, make([]float64, 2)) }, "dst has length 2, want 3"},
		{"multi-discrete entry", func() error { return md.Flatten([]int{1, 3}, make([]float64, 5)) }, "value[1] = 3 is outside [0, 2]"},
		{"multi-discrete negative", func() error { return md.Flatten([]int{-1, 0}, make([]float64, 5)) }, "value[0] = -1"},
		{"multi-discrete length", func() error { return md.Flatten([]int{1}, make([]float64, 5)) }, "value has length 1, want 2"},
		{"multi-discrete unflatten NaN", func() error {
			_, err := md.Unflatten([]float64{0, 1, 0, math.NaN(), 0})
			return err
		}, "segment 1 (entries 2 to 4): entry 1 is NaN"},
		{"box length", func() error { return box.Flatten([]float64{1, 2}, make([]float64, 3)) }, "value has length 2, want 3"},
		{"box unflatten length", func() error {
			_, err := box.Unflatten([]float64{1})
			return err
		}, "vector has length 1, want 3"},
		{"dict missing key", func() error { return dict.Flatten(map[string]any{"a": 1}, make([]float64, 4)) }, `lacks key "b"`},
		{"dict extra key", func() error {
			return dict.Flatten(map[string]any{"a": 1, "b": []float64{0, 0}, "z": 1, "c": 2}, make([]float64, 4))
		}, `unexpected keys ["c" "z"]`},
		{"dict wrong type", func() error {
			return dict.Flatten(map[string]any{"a": "x", "b": []float64{0, 0}}, make([]float64, 4))
		}, `key "a": spaces: Discrete(2).Flatten: value has type string, want int`},
		{"dict sub error", func() error {
			return dict.Flatten(map[string]any{"a": 5, "b": []float64{0, 0}}, make([]float64, 4))
		}, `key "a": spaces: Discrete(2).Flatten: value 5 is outside [0, 1]`},
		{"dict unflatten sub error", func() error {
			_, err := dict.Unflatten([]float64{math.NaN(), 0, 0, 0})
			return err
		}, `key "a": spaces: Discrete(2).Unflatten: entry 0 is NaN`},
		{"dict with text", func() error {
			return withText.Flatten(map[string]any{"a": 1, "prompt": "x"}, nil)
		}, `Dict key "prompt": spaces: Text(0, 3) has no flat form`},
		{"generic helper on text", func() error {
			_, err := spaces.Flatten[string](spaces.NewText(0, 3), "x")
			return err
		}, "Text(0, 3) has no flat form (it does not implement Flattener[string])"},
		{"generic unflatten on dict with text", func() error {
			_, err := spaces.Unflatten(withText, []float64{1, 0})
			return err
		}, `Dict key "prompt"`},
		{"erased text", func() error {
			_, err := spaces.Erase(spaces.NewText(0, 3)).(spaces.Flattener[any]).Unflatten(nil)
			return err
		}, "Text(0, 3) has no flat form"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorContains(t, tc.run(), tc.wantErr)
		})
	}
	assert.Zero(t, withText.FlatDim())
	assert.Zero(t, spaces.Erase(spaces.NewText(0, 3)).(spaces.Flattener[any]).FlatDim())
}

func TestDiscreteContains(t *testing.T) {
	d := spaces.NewDiscreteFrom(3, -1)
	for x, want := range map[int]bool{-2: false, -1: true, 0: true, 1: true, 2: false, math.MinInt: false, math.MaxInt: false} {
		assert.Equalf(t, want, d.Contains(x), "Contains(%d)", x)
	}
	top := spaces.NewDiscreteFrom(2, math.MaxInt-1)
	assert.True(t, top.Contains(math.MaxInt))
	assert.False(t, top.Contains(math.MinInt))
	low := spaces.NewDiscreteFrom(2, math.MinInt)
	assert.False(t, low.Contains(math.MaxInt), "overflow must not wrap")
}

func TestMultiDiscreteContains(t *testing.T) {
	m := spaces.NewMultiDiscrete(2, 3)
	tests := []struct {
		x    []int
		want bool
	}{
		{[]int{0, 0}, true},
		{[]int{1, 2}, true},
		{[]int{2, 0}, false},
		{[]int{0, 3}, false},
		{[]int{-1, 0}, false},
		{[]int{0}, false},
		{[]int{0, 0, 0}, false},
		{nil, false},
	}
	for _, tc := range tests {
		assert.Equalf(t, tc.want, m.Contains(tc.x), "Contains(%v)", tc.x)
	}
	assert.Equal(t, 2, m.Len())
	assert.Equal(t, 5, m.FlatDim())
}

func TestBoxContains(t *testing.T) {
	inf := math.Inf(1)
	b := mustBasicBox(t, []float64{0, -inf, -1}, []float64{1, 2, inf}, 3)
	tests := []struct {
		name string
		x    []float64
		want bool
	}{
		{"inside", []float64{0.5, -1e300, 1e300}, true},
		{"on bounds", []float64{0, 2, -1}, true},
		{"infinite on infinite bounds", []float64{1, -inf, inf}, true},
		{"above", []float64{1.0000001, 0, 0}, false},
		{"below", []float64{0, 0, -1.5}, false},
		{"NaN", []float64{0, math.NaN(), 0}, false},
		{"short", []float64{0, 0}, false},
		{"long", []float64{0, 0, 0, 0}, false},
		{"nil", nil, false},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, b.Contains(tc.x), tc.name)
	}
}

func TestBoxSampleDistribution(t *testing.T) {
	inf := math.Inf(1)
	b := mustBasicBox(t, []float64{2, 3, -inf, -inf}, []float64{4, inf, -3, inf}, 4)
	r := basicRand(3)
	const n = 20000
	var sum [4]float64
	for range n {
		x := b.Sample(r)
		for i, v := range x {
			sum[i] += v
		}
	}
	// Uniform on [2, 4], 3 + Exp(1), -3 - Exp(1) and N(0, 1) have means 3,
	// 4, -4 and 0; with n = 20000 the standard errors are below 0.01.
	want := []float64{3, 4, -4, 0}
	for i := range want {
		assert.InDeltaf(t, want[i], sum[i]/n, 0.05, "element %d", i)
	}
}

func TestBoxAccessorsCopy(t *testing.T) {
	b := mustBasicBox(t, []float64{0, 1}, []float64{2, 3}, 2, 1)
	assert.Equal(t, 2, b.Dim())
	b.Shape()[0] = 99
	b.Low()[0] = 99
	b.High()[0] = 99
	assert.Equal(t, []int{2, 1}, b.Shape())
	assert.Equal(t, []float64{0, 1}, b.Low())
	assert.Equal(t, []float64{2, 3}, b.High())

	low := []float64{0, 0}
	b = mustBasicBox(t, low, []float64{1, 1}, 2)
	low[0] = 5
	assert.True(t, b.Contains([]float64{0, 0}), "NewBoxBounds must copy its inputs")
}

func TestNewBoxBoundsErrors(t *testing.T) {
	inf := math.Inf(1)
	tests := []struct {
		name      string
		low, high []float64
		shape     []int
		wantErr   string
	}{
		{"length", []float64{0}, []float64{1, 1}, []int{2}, "lengths 1 and 2, want 2 for shape (2,)"},
		{"NaN", []float64{0, math.NaN()}, []float64{1, 1}, []int{2}, "element 1: bounds [nan, 1] contain NaN"},
		{"low above high", []float64{0, 3}, []float64{1, 1}, []int{2}, "element 1: low 3 is above high 1"},
		{"low +inf", []float64{inf}, []float64{inf}, nil, "element 0: low is +inf"},
		{"high -inf", []float64{-inf}, []float64{-inf}, nil, "element 0: high is -inf"},
		{"many bad elements", []float64{1, 1, 1, 1, 1, 1, 1}, make([]float64, 7), []int{7}, "element 4: low 1 is above high 0; further elements not checked"},
		{"zero shape", []float64{}, []float64{}, []int{2, 0}, "shape [2 0]: entry 1 is 0, want >= 1"},
		{"overflowing shape", nil, nil, []int{math.MaxInt / 2, 3}, "overflows"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := spaces.NewBoxBounds(tc.low, tc.high, tc.shape...)
			require.ErrorContains(t, err, tc.wantErr)
		})
	}
}

func TestBasicConstructorsPanicOnProgrammingErrors(t *testing.T) {
	tests := map[string]func(){
		"discrete n=0":          func() { spaces.NewDiscrete(0) },
		"discrete overflow":     func() { spaces.NewDiscreteFrom(3, math.MaxInt-1) },
		"multi-discrete empty":  func() { spaces.NewMultiDiscrete() },
		"multi-discrete zero":   func() { spaces.NewMultiDiscrete(2, 0) },
		"box NaN":               func() { spaces.NewBox(math.NaN(), 1, 2) },
		"box low above high":    func() { spaces.NewBox(1, 0) },
		"box bad shape":         func() { spaces.NewBox(0, 1, -1) },
		"text negative":         func() { spaces.NewText(-1, 3) },
		"text max below min":    func() { spaces.NewText(3, 2) },
		"text invalid charset":  func() { spaces.NewTextCharset(0, 3, "a\xffb") },
		"dict nil sub-space":    func() { spaces.NewDict(map[string]spaces.Space[any]{"x": nil}) },
		"dict erased nil":       func() { spaces.NewDict(map[string]spaces.Space[any]{"x": spaces.Erase[int](nil)}) },
		"text too long":         func() { spaces.NewText(0, spaces.MaxTextLength+1) },
		"discrete overflow top": func() { spaces.NewDiscreteFrom(math.MaxInt, 2) },
	}
	for name, f := range tests {
		assert.Panics(t, f, name)
	}
}

func TestTextContains(t *testing.T) {
	tests := []struct {
		name  string
		space *spaces.Text
		x     string
		want  bool
	}{
		{"empty allowed", spaces.NewText(0, 3), "", true},
		{"too short", spaces.NewText(1, 3), "", false},
		{"too long", spaces.NewText(0, 3), "abcd", false},
		{"runes not bytes", spaces.NewText(0, 3), "日本語", true},
		{"invalid UTF-8", spaces.NewText(0, 10), "a\xffb", false},
		{"no charset means any rune", spaces.NewText(0, 10), "π!?", true},
		{"charset ok", spaces.NewTextCharset(0, 5, "abé"), "béa", true},
		{"charset violated", spaces.NewTextCharset(0, 5, "abé"), "bec", false},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, tc.space.Contains(tc.x), tc.name)
	}
}

func TestTextSample(t *testing.T) {
	s := spaces.NewTextCharset(0, 3, "aab")
	assert.Equal(t, "ab", s.Charset(), "repeated runes count once")
	seen := map[string]bool{}
	r := basicRand(4)
	for range 2000 {
		seen[s.Sample(r)] = true
	}
	// 1 + 2 + 4 + 8 strings of length 0 to 3 over {a, b}.
	assert.Len(t, seen, 15)

	d := spaces.NewText(5, 5)
	x := d.Sample(r)
	for _, c := range x {
		assert.Contains(t, spaces.DefaultCharset, string(c))
	}
}

func TestDiscreteSampleMasked(t *testing.T) {
	d := spaces.NewDiscreteFrom(5, 10)
	mask := []bool{false, true, false, true, true}
	r := basicRand(5)
	counts := map[int]int{}
	for range 3000 {
		x, err := d.SampleMasked(r, mask)
		require.NoError(t, err)
		counts[x]++
	}
	assert.Len(t, counts, 3)
	for _, x := range []int{11, 13, 14} {
		assert.InDelta(t, 1000, counts[x], 150, "value %d should get about a third", x)
	}

	_, err := d.SampleMasked(r, []bool{true})
	assert.ErrorContains(t, err, "Discrete(5, start=10).SampleMasked: mask has length 1, want 5")
	_, err = d.SampleMasked(r, make([]bool, 5))
	assert.ErrorContains(t, err, "mask allows no value")
}

func TestMultiDiscreteSampleMasked(t *testing.T) {
	m := spaces.NewMultiDiscrete(3, 4)
	r := basicRand(6)
	seen := map[int]bool{}
	for range 500 {
		x, err := m.SampleMasked(r, [][]bool{{false, false, true}, nil})
		require.NoError(t, err)
		require.True(t, m.Contains(x))
		require.Equal(t, 2, x[0])
		seen[x[1]] = true
	}
	assert.Len(t, seen, 4, "a nil mask leaves the entry unrestricted")

	tests := []struct {
		name    string
		masks   [][]bool
		wantErr string
	}{
		{"too few masks", [][]bool{nil}, "got 1 masks, want 2"},
		{"wrong mask length", [][]bool{{true}, nil}, "masks[0]: mask has length 1, want 3"},
		{"nothing allowed", [][]bool{nil, {false, false, false, false}}, "masks[1]: mask allows no value"},
	}
	for _, tc := range tests {
		_, err := m.SampleMasked(r, tc.masks)
		assert.ErrorContains(t, err, tc.wantErr, tc.name)
	}
}

func TestDictContains(t *testing.T) {
	d := spaces.NewDict(map[string]spaces.Space[any]{
		"n": spaces.Erase(spaces.NewDiscrete(3)),
		"x": spaces.Erase(spaces.NewBox(0, 1, 2)),
	})
	tests := []struct {
		name string
		x    map[string]any
		want bool
	}{
		{"ok", map[string]any{"n": 2, "x": []float64{0, 1}}, true},
		{"missing key", map[string]any{"n": 2}, false},
		{"extra key", map[string]any{"n": 2, "x": []float64{0, 1}, "y": 1}, false},
		{"renamed key", map[string]any{"n": 2, "y": []float64{0, 1}}, false},
		{"wrong type", map[string]any{"n": 2.0, "x": []float64{0, 1}}, false},
		{"wrong slice type", map[string]any{"n": 2, "x": []float32{0, 1}}, false},
		{"nil value", map[string]any{"n": 2, "x": nil}, false},
		{"out of range", map[string]any{"n": 3, "x": []float64{0, 1}}, false},
		{"NaN", map[string]any{"n": 0, "x": []float64{math.NaN(), 1}}, false},
		{"nil map", nil, false},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, d.Contains(tc.x), tc.name)
	}
	assert.True(t, spaces.NewDict(nil).Contains(nil))
	assert.Equal(t, []string{"n", "x"}, d.Keys())
	assert.Equal(t, 2, d.Len())
	_, ok := d.Space("missing")
	assert.False(t, ok)
}

func TestDictCloneIsDeep(t *testing.T) {
	d := spaces.NewDict(map[string]spaces.Space[any]{
		"md": spaces.Erase(spaces.NewMultiDiscrete(3, 3)),
		"x":  spaces.Erase(spaces.NewBox(0, 1, 2)),
		"inner": spaces.Erase(spaces.NewDict(map[string]spaces.Space[any]{
			"y": spaces.Erase(spaces.NewBox(0, 1, 1)),
		})),
	})
	orig := d.Sample(basicRand(9))
	c := d.Clone(orig)
	require.Equal(t, orig, c)
	c["md"].([]int)[0] = 99
	c["x"].([]float64)[0] = 99
	c["inner"].(map[string]any)["y"].([]float64)[0] = 99
	assert.True(t, d.Contains(orig), "mutating the clone changed the original")
	assert.Nil(t, d.Clone(nil))
}

func TestBasicCloneCopies(t *testing.T) {
	md := spaces.NewMultiDiscrete(3)
	x := []int{1}
	y := md.Clone(x)
	y[0] = 2
	assert.Equal(t, []int{1}, x)
	assert.Nil(t, md.Clone(nil))

	b := spaces.NewBox(0, 1, 1)
	u := []float64{0.5}
	v := b.Clone(u)
	v[0] = 2
	assert.Equal(t, []float64{0.5}, u)

	assert.Equal(t, 3, spaces.NewDiscrete(5).Clone(3))
	assert.Equal(t, "ab", spaces.NewText(0, 5).Clone("ab"))
}

func TestErase(t *testing.T) {
	d := spaces.NewDiscrete(3)
	e := spaces.Erase(d)
	assert.True(t, e.Contains(2))
	assert.False(t, e.Contains(int64(2)), "wrong dynamic type")
	assert.False(t, e.Contains("2"))
	assert.False(t, e.Contains(nil))
	assert.Equal(t, "Discrete(3)", e.String())
	assert.Equal(t, d.Describe(), e.Describe())

	back, ok := spaces.Unerase[int](e)
	require.True(t, ok)
	assert.Same(t, d, back.(*spaces.Discrete))
	_, ok = spaces.Unerase[string](e)
	assert.False(t, ok)

	assert.Same(t, e, spaces.Erase(e), "erasing a Space[any] is a no-op")

	c := e.(spaces.Cloner[any])
	assert.Equal(t, "not an int", c.Clone("not an int"), "values of the wrong type are returned as is")
	bx := spaces.Erase(spaces.NewBox(0, 1, 2))
	x := []float64{0.1, 0.2}
	y := bx.(spaces.Cloner[any]).Clone(x).([]float64)
	y[0] = 5
	assert.Equal(t, 0.1, x[0])
}

func TestBasicStrings(t *testing.T) {
	inf := math.Inf(1)
	tests := []struct {
		space basicStringer
		want  string
	}{
		{spaces.NewDiscrete(5), "Discrete(5)"},
		{spaces.NewDiscreteFrom(5, 1), "Discrete(5, start=1)"},
		{spaces.NewMultiDiscrete(2, 3), "MultiDiscrete([2 3])"},
		{spaces.NewBox(0, 1, 2, 3), "Box(0, 1, (2, 3))"},
		{spaces.NewBox(-inf, inf, 3), "Box(-inf, inf, (3,))"},
		{spaces.NewBox(0, 1), "Box(0, 1, ())"},
		{mustBasicBox(t, []float64{0, -inf}, []float64{1, 2.5}, 2), "Box([0 -inf], [1 2.5], (2,))"},
		{mustBasicBox(t, make([]float64, 8), []float64{1, 2, 3, 4, 5, 6, 7, 8}, 8), "Box([0 0 0 0 0 0 ...], [1 2 3 4 5 6 ...], (8,))"},
		{spaces.NewText(0, 5), "Text(0, 5)"},
		{spaces.NewTextCharset(1, 5, "ab"), `Text(1, 5, charset="ab")`},
		{spaces.NewDict(map[string]spaces.Space[any]{
			"z": spaces.Erase(spaces.NewDiscrete(2)),
			"a": spaces.Erase(spaces.NewBox(0, 1, 1)),
		}), `Dict("a": Box(0, 1, (1,)), "z": Discrete(2))`},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, tc.space.String())
	}
}

type basicStringer interface{ String() string }

func TestBasicDescriptionRoundTrip(t *testing.T) {
	for name, s := range basicSpaces(t) {
		t.Run(name, func(t *testing.T) {
			desc := s.Describe()
			parsed, err := spaces.ParseDescription([]byte(desc.JSON()))
			require.NoError(t, err)
			built, err := spaces.FromDescription(parsed)
			require.NoError(t, err)
			rebuilt := built.(basicStringer)
			assert.Equal(t, s.String(), rebuilt.String())
			again := built.(interface{ Describe() spaces.Description }).Describe()
			assert.Equal(t, desc.JSON(), again.JSON())

			// The rebuilt space accepts what the original samples.
			e := eraseBuilt(t, built)
			r := basicRand(10)
			for range 100 {
				require.True(t, e.Contains(s.Sample(r)))
			}
		})
	}
}

// eraseBuilt erases a space returned by FromDescription.
func eraseBuilt(t *testing.T, s any) spaces.Space[any] {
	switch s := s.(type) {
	case *spaces.Discrete:
		return spaces.Erase(s)
	case *spaces.MultiDiscrete:
		return spaces.Erase(s)
	case *spaces.Box:
		return spaces.Erase(s)
	case *spaces.Text:
		return spaces.Erase(s)
	case *spaces.Dict:
		return spaces.Erase(s)
	}
	t.Fatalf("unexpected space %T", s)
	return nil
}

func TestBoxDescriptionJSON(t *testing.T) {
	inf := math.Inf(1)
	b := mustBasicBox(t, []float64{0, -inf}, []float64{inf, 1e-3}, 2)
	got, err := json.Marshal(b.Describe())
	require.NoError(t, err)
	assert.JSONEq(t, `{"type":"box","shape":[2],"low":[0,"-inf"],"high":["inf",0.001]}`, string(got))
}

func TestFloatJSON(t *testing.T) {
	tests := []struct {
		in      string
		want    float64
		wantErr string
	}{
		{`1.5`, 1.5, ""},
		{`-2e300`, -2e300, ""},
		{`"inf"`, math.Inf(1), ""},
		{`"+Inf"`, math.Inf(1), ""},
		{`"Infinity"`, math.Inf(1), ""},
		{`"-inf"`, math.Inf(-1), ""},
		{`"-INFINITY"`, math.Inf(-1), ""},
		{`"nan"`, math.NaN(), ""},
		{`"1.5"`, 0, `float "1.5": want a number`},
		{`null`, 0, "float is null"},
		{`true`, 0, "float true"},
		{`1e400`, 0, "float 1e400"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			var f spaces.Float
			err := json.Unmarshal([]byte(tc.in), &f)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			if math.IsNaN(tc.want) {
				assert.True(t, math.IsNaN(float64(f)))
			} else {
				assert.Equal(t, tc.want, float64(f))
			}
		})
	}
	out, err := json.Marshal([]spaces.Float{spaces.Float(math.Inf(1)), spaces.Float(math.Inf(-1)), spaces.Float(math.NaN()), 0.25, 1e21})
	require.NoError(t, err)
	assert.Equal(t, `["inf","-inf","nan",0.25,1e+21]`, string(out))
}

func TestParseDescriptionErrors(t *testing.T) {
	tests := []struct {
		name, in, wantErr string
	}{
		{"not JSON", `{"type":`, "parsing space description"},
		{"unknown field", `{"type":"discrete","n":3,"size":4}`, `unknown field "size"`},
		{"wrong field type", `{"type":"discrete","n":"3"}`, "Description.n of type int"},
		{"trailing data", `{"type":"discrete","n":3} {}`, "unexpected data after the description, which ends at byte 25"},
		{"bad bound", `{"type":"box","low":["big"],"high":[1]}`, `float "big"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := spaces.ParseDescription([]byte(tc.in))
			require.ErrorContains(t, err, tc.wantErr)
		})
	}
}

func TestFromDescriptionErrors(t *testing.T) {
	tests := []struct {
		name, in, wantErr string
	}{
		{"missing type", `{"n":3}`, "invalid description: type is missing"},
		{"unknown type", `{"type":"tuple"}`, `type "tuple": unknown type (want one of discrete,`},
		{"config", `{"type":"config"}`, `type "config": config description has no dims`},
		{"config with shape", `{"type":"config","shape":[2]}`, `field "shape" is set but this type uses only dims`},
		{"discrete n=0", `{"type":"discrete"}`, `type "discrete": n = 0, want n >= 1`},
		{"discrete negative", `{"type":"discrete","n":-4}`, "n = -4"},
		{"discrete overflow", `{"type":"discrete","n":10,"start":9223372036854775800}`, "overflows"},
		{"discrete with nvec", `{"type":"discrete","n":3,"nvec":[2]}`, `field "nvec" is set but this type uses only n, start`},
		{"multi-discrete empty", `{"type":"multi_discrete"}`, "nvec is empty"},
		{"multi-discrete zero", `{"type":"multi_discrete","nvec":[3,0]}`, "nvec[1] = 0, want >= 1"},
		{"multi-discrete overflow", `{"type":"multi_discrete","nvec":[9223372036854775807,1]}`, "flat length overflows"},
		{"box no bounds", `{"type":"box","shape":[2]}`, "low and high have 0 and 0 values, want 2 (one per element of shape (2,))"},
		{"box short bounds", `{"type":"box","shape":[2,2],"low":[0],"high":[1]}`, "want 4"},
		{"box NaN", `{"type":"box","low":["nan"],"high":[1]}`, "element 0: bounds [nan, 1] contain NaN"},
		{"box inverted", `{"type":"box","shape":[2],"low":[0,2],"high":[1,1]}`, "element 1: low 2 is above high 1"},
		{"box -inf high", `{"type":"box","low":["-inf"],"high":["-inf"]}`, "element 0: high is -inf"},
		{"box negative shape", `{"type":"box","shape":[-2],"low":[],"high":[]}`, "shape [-2]: entry 0 is -2"},
		{"box huge shape", `{"type":"box","shape":[4611686018427387904,4],"low":[0],"high":[1]}`, "overflows"},
		{"box with n", `{"type":"box","n":1,"low":[0],"high":[1]}`, `field "n" is set`},
		{"text negative", `{"type":"text","min_length":-1,"max_length":3}`, "min length -1 is negative"},
		{"text inverted", `{"type":"text","min_length":4,"max_length":3}`, "max length 3 is below min length 4"},
		{"text too long", `{"type":"text","max_length":100000000}`, "max length 100000000 is above the limit 16777216"},
		{"dict bad sub", `{"type":"dict","spaces":{"a":{"type":"discrete","n":2},"obs":{"type":"box","shape":[2],"low":[0,3],"high":[1,1]}}}`,
			`spaces["obs"] (type "box"): invalid bounds: element 1: low 3 is above high 1`},
		{"dict nested", `{"type":"dict","spaces":{"outer":{"type":"dict","spaces":{"in":{"type":"text","max_length":-1}}}}}`,
			`spaces["outer"].spaces["in"] (type "text"): max length -1 is below min length 0`},
		{"dict sub without type", `{"type":"dict","spaces":{"a":{}}}`, `spaces["a"]: type is missing`},
		{"dict with shape", `{"type":"dict","shape":[1]}`, `field "shape" is set but this type uses only spaces`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := spaces.ParseDescription([]byte(tc.in))
			require.NoError(t, err)
			s, err := spaces.FromDescription(d)
			require.ErrorContains(t, err, tc.wantErr)
			assert.Nil(t, s)
			assert.True(t, strings.HasPrefix(err.Error(), "spaces: invalid description: "), err.Error())
		})
	}
}

func TestFromDescriptionTypes(t *testing.T) {
	s, err := spaces.FromDescription(spaces.Description{Type: spaces.TypeDiscrete, N: 4, Start: 2})
	require.NoError(t, err)
	d, ok := s.(*spaces.Discrete)
	require.True(t, ok)
	assert.Equal(t, 4, d.N())
	assert.Equal(t, 2, d.Start())

	s, err = spaces.FromDescription(spaces.Description{Type: spaces.TypeText, MaxLength: 3, Charset: "xyz"})
	require.NoError(t, err)
	text := s.(*spaces.Text)
	assert.Equal(t, 0, text.MinLength())
	assert.Equal(t, 3, text.MaxLength())
	assert.Equal(t, "xyz", text.Charset())

	_, err = spaces.FromDescription(spaces.Description{Type: spaces.TypeText, MaxLength: 3, Charset: "a\xffb"})
	require.ErrorContains(t, err, `type "text": charset "a\xffb" is not valid UTF-8`)

	s, err = spaces.FromDescription(spaces.Description{Type: spaces.TypeDict, Spaces: map[string]spaces.Description{
		"k": {Type: spaces.TypeMultiDiscrete, Nvec: []int{2, 5}},
	}})
	require.NoError(t, err)
	sub, ok := s.(*spaces.Dict).Space("k")
	require.True(t, ok)
	inner, ok := spaces.Unerase[[]int](sub)
	require.True(t, ok)
	assert.Equal(t, []int{2, 5}, inner.(*spaces.MultiDiscrete).Nvec())

	// A configuration space inside a Dict is rebuilt by
	// ConfigSpaceFromDescription and erased as a Space[Config].
	d2, err := spaces.ParseDescription([]byte(`{"type":"dict","spaces":{"cfg":{"type":"config","dims":[{"name":"lr","kind":"log","low":1e-5,"high":0.1}]}}}`))
	require.NoError(t, err)
	s, err = spaces.FromDescription(d2)
	require.NoError(t, err)
	sub, ok = s.(*spaces.Dict).Space("cfg")
	require.True(t, ok)
	cfg, ok := spaces.Unerase[spaces.Config](sub)
	require.True(t, ok)
	assert.Equal(t, []string{"lr"}, cfg.(*spaces.ConfigSpace).Names())
}

// The basic spaces implement the package's interfaces.
var (
	_ spaces.Space[int]                = (*spaces.Discrete)(nil)
	_ spaces.Cloner[int]               = (*spaces.Discrete)(nil)
	_ spaces.Flattener[int]            = (*spaces.Discrete)(nil)
	_ spaces.Space[[]int]              = (*spaces.MultiDiscrete)(nil)
	_ spaces.Cloner[[]int]             = (*spaces.MultiDiscrete)(nil)
	_ spaces.Flattener[[]int]          = (*spaces.MultiDiscrete)(nil)
	_ spaces.Space[[]float64]          = (*spaces.Box)(nil)
	_ spaces.Cloner[[]float64]         = (*spaces.Box)(nil)
	_ spaces.Flattener[[]float64]      = (*spaces.Box)(nil)
	_ spaces.Space[string]             = (*spaces.Text)(nil)
	_ spaces.Cloner[string]            = (*spaces.Text)(nil)
	_ spaces.Space[map[string]any]     = (*spaces.Dict)(nil)
	_ spaces.Cloner[map[string]any]    = (*spaces.Dict)(nil)
	_ spaces.Flattener[map[string]any] = (*spaces.Dict)(nil)
)
