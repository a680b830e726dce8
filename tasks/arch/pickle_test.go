package arch

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadStateDict(t *testing.T) {
	f := newFixture(Large, 1)
	refs, err := readStateDict(f.pickleStateDict())
	require.NoError(t, err)
	require.Len(t, refs, 10)
	assert.Equal(t, tensorRef{
		Name: "fc1.weight", StorageType: "torch.FloatStorage", Key: "0",
		Numel: 128 * 224, Shape: []int64{128, 224}, Stride: []int64{224, 1},
	}, refs[0])
	assert.Equal(t, "fc5.bias", refs[9].Name)
	assert.Equal(t, []int64{1}, refs[9].Shape)
}

// pickleOf assembles a pickle from opcodes and operands.
func pickleOf(parts ...string) []byte { return []byte("\x80\x02" + strings.Join(parts, "") + ".") }

func TestReadStateDictErrors(t *testing.T) {
	str := func(s string) string { return "X" + string([]byte{byte(len(s)), 0, 0, 0}) + s }
	// A value shared 60 levels deep through the memo: printing it in full
	// would take 2^60 steps.
	var dag strings.Builder
	dag.WriteString("K\x01")
	for range 60 {
		dag.WriteString("q\x00h\x00\x86")
	}
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "without a STOP opcode"},
		{"stop on empty stack", pickleOf(), "STOP with an empty stack"},
		{"future protocol", []byte{0x80, 9, '.'}, "unsupported pickle protocol 9"},
		{"memo miss", pickleOf("h\x05"), "memo entry 5 was never stored"},
		{"tuple without mark", pickleOf("K\x01t"), "TUPLE without a MARK"},
		{"underflow", pickleOf("\x86"), "stack underflow"},
		{"setitems odd", pickleOf("}(K\x01u"), "SETITEMS needs a MARK and key-value pairs"},
		{"reduce without tuple", pickleOf("cx\ny\nK\x01R"), "call needs a callable and an argument tuple"},
		{"huge string", []byte("\x80\x02X\xff\xff\xff\x7f"), "truncated operand"},
		{"non-string key", pickleOf("}K\x01K\x02s"), "state dict key 0 is a int64, want a string"},
		{"non-tensor value", pickleOf("}", str("w"), "K\x02s"), `state dict entry "w": value is a int64, want a tensor`},
		{"other builder", pickleOf("}", str("w"), "cos\nsystem\n)Rs"), "value is built by os.system, want torch._utils._rebuild_tensor_v2"},
		{"shared structure", pickleOf("}", str("w"), dag.String(), ")Rs"), "value is built by (((2 items), (2 items))"},
		{"bad storage", pickleOf("}", str("w"), "ctorch._utils\n_rebuild_tensor_v2\n(K\x01K\x00)K\x00tRs"), "tensor storage is a int64"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := readStateDict(c.data)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
			assert.Less(t, len(err.Error()), 300, "messages stay short")
		})
	}
}

func TestDescribe(t *testing.T) {
	assert.Equal(t, "None", describe(nil))
	assert.Equal(t, `("storage", torch.FloatStorage, 3)`, describe(pyTuple{"storage", pyGlobal{"torch", "FloatStorage"}, int64(3)}))
	assert.Equal(t, "((1, (2 items)))", describe(pyTuple{pyTuple{int64(1), pyTuple{int64(2), int64(3)}}}))
	assert.Equal(t, "a list of 2 items", describe(&pyList{items: []any{1, 2}}))
	long := describe(strings.Repeat("x", 500))
	assert.LessOrEqual(t, len(long), 80)
}
