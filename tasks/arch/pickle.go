package arch

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
)

// This file reads the data.pkl entry of a PyTorch zip checkpoint: a pickle
// (protocol 2 as torch.save writes it) of an OrderedDict from parameter
// names to tensors. Only the opcodes such a state dict needs are
// interpreted; nothing is ever executed, globals are kept as names.

// maxPickleSize bounds the data.pkl entry; a state dict of ten tensors
// takes about a kilobyte.
const maxPickleSize = 1 << 20

// tensorRef is one tensor of a state dict: where its data lives and its
// layout.
type tensorRef struct {
	Name        string
	StorageType string // e.g. "torch.FloatStorage"
	Key         string // the storage's entry name under data/
	Numel       int64  // elements in the storage
	Offset      int64  // storage offset in elements
	Shape       []int64
	Stride      []int64
}

type pyGlobal struct{ module, name string }

func (g pyGlobal) String() string { return g.module + "." + g.name }

type pyTuple []any

type pyList struct{ items []any }

type pyDict struct {
	keys, vals []any
}

// pyObject is the result of calling a global (REDUCE, NEWOBJ); dict-like
// objects (OrderedDict) collect SETITEM(S) in items.
type pyObject struct {
	fn    any
	args  pyTuple
	items pyDict
	state any
}

type pyPersID struct{ id any }

type pyMark struct{}

type pickleReader struct {
	data  []byte
	pos   int
	stack []any
	memo  map[uint32]any
}

var errPickleEOF = errors.New("unexpected end of data")

func (p *pickleReader) fail(op byte, format string, args ...any) error {
	return fmt.Errorf("pickle opcode 0x%02x at offset %d: %s", op, p.pos, fmt.Sprintf(format, args...))
}

func (p *pickleReader) take(n int) ([]byte, error) {
	if n < 0 || n > len(p.data)-p.pos {
		return nil, errPickleEOF
	}
	b := p.data[p.pos : p.pos+n]
	p.pos += n
	return b, nil
}

func (p *pickleReader) line() (string, error) {
	for i := p.pos; i < len(p.data); i++ {
		if p.data[i] == '\n' {
			s := string(p.data[p.pos:i])
			p.pos = i + 1
			return s, nil
		}
	}
	return "", errPickleEOF
}

func (p *pickleReader) push(v any) { p.stack = append(p.stack, v) }

func (p *pickleReader) pop() (any, bool) {
	n := len(p.stack)
	if n == 0 {
		return nil, false
	}
	v := p.stack[n-1]
	p.stack = p.stack[:n-1]
	if _, isMark := v.(pyMark); isMark {
		return nil, false
	}
	return v, true
}

// popMark pops everything above the topmost mark and the mark itself.
func (p *pickleReader) popMark() ([]any, bool) {
	for i := len(p.stack) - 1; i >= 0; i-- {
		if _, ok := p.stack[i].(pyMark); ok {
			items := append([]any(nil), p.stack[i+1:]...)
			p.stack = p.stack[:i]
			return items, true
		}
	}
	return nil, false
}

func (p *pickleReader) top() (any, bool) {
	if len(p.stack) == 0 {
		return nil, false
	}
	v := p.stack[len(p.stack)-1]
	if _, isMark := v.(pyMark); isMark {
		return nil, false
	}
	return v, true
}

func setItems(target any, kv []any) bool {
	var d *pyDict
	switch t := target.(type) {
	case *pyDict:
		d = t
	case *pyObject:
		d = &t.items
	default:
		return false
	}
	for i := 0; i+1 < len(kv); i += 2 {
		d.keys = append(d.keys, kv[i])
		d.vals = append(d.vals, kv[i+1])
	}
	return true
}

// unpickle runs the pickle program and returns the value it stops with.
func unpickle(data []byte) (any, error) {
	if len(data) > maxPickleSize {
		return nil, fmt.Errorf("pickle of %d bytes exceeds the %d-byte limit for a state dict", len(data), maxPickleSize)
	}
	p := &pickleReader{data: data, memo: make(map[uint32]any)}
	for {
		if p.pos >= len(p.data) {
			return nil, fmt.Errorf("pickle ends at offset %d without a STOP opcode", p.pos)
		}
		op := p.data[p.pos]
		p.pos++
		if err := p.step(op); err != nil {
			if errors.Is(err, errStop) {
				v, ok := p.pop()
				if !ok {
					return nil, p.fail(op, "STOP with an empty stack")
				}
				return v, nil
			}
			if errors.Is(err, errPickleEOF) {
				return nil, p.fail(op, "truncated operand")
			}
			return nil, err
		}
	}
}

var errStop = errors.New("stop")

// step interprets one opcode. The opcodes fall into families, each
// interpreted by its own method: stream control and constants here,
// globals, the memo, scalars, containers, and calls.
func (p *pickleReader) step(op byte) error {
	switch op {
	case 0x80: // PROTO
		v, err := p.take(1)
		if err != nil {
			return err
		}
		if v[0] > 5 {
			return p.fail(op, "unsupported pickle protocol %d", v[0])
		}
	case 0x95: // FRAME
		if _, err := p.take(8); err != nil {
			return err
		}
	case '.': // STOP
		return errStop
	case '}': // EMPTY_DICT
		p.push(&pyDict{})
	case ']': // EMPTY_LIST
		p.push(&pyList{})
	case ')': // EMPTY_TUPLE
		p.push(pyTuple{})
	case '(': // MARK
		p.push(pyMark{})
	case 'N': // NONE
		p.push(nil)
	case 0x88: // NEWTRUE
		p.push(true)
	case 0x89: // NEWFALSE
		p.push(false)
	case 'c', 0x93: // GLOBAL, STACK_GLOBAL
		return p.global(op)
	case 'q', 'r', 0x94, 'h', 'j': // BINPUT, LONG_BINPUT, MEMOIZE, BINGET, LONG_BINGET
		return p.memoOp(op)
	case 'X', 0x8c, 0x8d, 'K', 'M', 'J', 0x8a, 'G': // strings, integers, floats
		return p.scalar(op)
	case 't', 0x85, 0x86, 0x87, 'l', 'd': // TUPLE, TUPLE1-3, LIST, DICT
		return p.container(op)
	case 'a', 'e', 's', 'u': // APPEND, APPENDS, SETITEM, SETITEMS
		return p.fill(op)
	case 'R', 0x81, 'b', 'Q': // REDUCE, NEWOBJ, BUILD, BINPERSID
		return p.call(op)
	default:
		return p.fail(op, "unsupported opcode (not a PyTorch state dict?)")
	}
	return nil
}

// uintLE reads an n-byte little-endian unsigned integer operand.
func (p *pickleReader) uintLE(n int) (uint64, error) {
	b, err := p.take(n)
	if err != nil {
		return 0, err
	}
	var x uint64
	for i := n - 1; i >= 0; i-- {
		x = x<<8 | uint64(b[i])
	}
	return x, nil
}

// global interprets GLOBAL (module and name as operand lines) and
// STACK_GLOBAL (both from the stack), pushing the name of the global.
func (p *pickleReader) global(op byte) error {
	if op == 'c' { // GLOBAL
		mod, err := p.line()
		if err != nil {
			return err
		}
		name, err := p.line()
		if err != nil {
			return err
		}
		p.push(pyGlobal{mod, name})
		return nil
	}
	name, ok1 := p.pop() // STACK_GLOBAL
	mod, ok2 := p.pop()
	ms, ok3 := mod.(string)
	ns, ok4 := name.(string)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return p.fail(op, "STACK_GLOBAL needs two strings")
	}
	p.push(pyGlobal{ms, ns})
	return nil
}

// memoOp interprets the memo opcodes: BINPUT, LONG_BINPUT and MEMOIZE store
// the top of the stack, BINGET and LONG_BINGET push a stored value.
func (p *pickleReader) memoOp(op byte) error {
	var idx uint32
	switch op {
	case 'q', 'h': // BINPUT, BINGET
		x, err := p.uintLE(1)
		if err != nil {
			return err
		}
		idx = uint32(x)
	case 'r', 'j': // LONG_BINPUT, LONG_BINGET
		x, err := p.uintLE(4)
		if err != nil {
			return err
		}
		idx = uint32(x)
	default: // MEMOIZE
		idx = uint32(len(p.memo))
	}
	if op == 'h' || op == 'j' {
		v, ok := p.memo[idx]
		if !ok {
			return p.fail(op, "memo entry %d was never stored", idx)
		}
		p.push(v)
		return nil
	}
	v, ok := p.top()
	if !ok {
		return p.fail(op, "stack underflow")
	}
	p.memo[idx] = v
	return nil
}

// scalar interprets the opcodes that push a string, an integer or a float
// operand.
func (p *pickleReader) scalar(op byte) error {
	switch op {
	case 'X': // BINUNICODE
		return p.pushUnicode(4)
	case 0x8c: // SHORT_BINUNICODE
		return p.pushUnicode(1)
	case 0x8d: // BINUNICODE8
		return p.pushUnicode(8)
	case 'K': // BININT1
		return p.pushUint(1)
	case 'M': // BININT2
		return p.pushUint(2)
	case 'J': // BININT
		x, err := p.uintLE(4)
		if err != nil {
			return err
		}
		p.push(int64(int32(uint32(x))))
	case 0x8a: // LONG1
		return p.long1(op)
	default: // BINFLOAT
		b, err := p.take(8)
		if err != nil {
			return err
		}
		p.push(math.Float64frombits(binary.BigEndian.Uint64(b)))
	}
	return nil
}

// pushUnicode pushes a UTF-8 string whose length is a width-byte operand.
func (p *pickleReader) pushUnicode(width int) error {
	n, err := p.uintLE(width)
	if err != nil {
		return err
	}
	if n > uint64(len(p.data)) {
		return errPickleEOF
	}
	s, err := p.take(int(n))
	if err != nil {
		return err
	}
	p.push(string(s))
	return nil
}

// pushUint pushes a width-byte unsigned integer operand.
func (p *pickleReader) pushUint(width int) error {
	x, err := p.uintLE(width)
	if err != nil {
		return err
	}
	p.push(int64(x))
	return nil
}

// long1 interprets LONG1: a two's-complement little-endian integer of up
// to 8 bytes.
func (p *pickleReader) long1(op byte) error {
	b, err := p.take(1)
	if err != nil {
		return err
	}
	n := int(b[0])
	if n > 8 {
		return p.fail(op, "integer of %d bytes is too large", n)
	}
	x, err := p.uintLE(n)
	if err != nil {
		return err
	}
	if n > 0 && n < 8 && x>>(8*(n-1))&0x80 != 0 { // sign-extend
		x |= ^uint64(0) << (8 * n)
	}
	p.push(int64(x))
	return nil
}

// container interprets the opcodes that build a tuple, a list or a dict
// from the stack.
func (p *pickleReader) container(op byte) error {
	switch op {
	case 't': // TUPLE
		items, ok := p.popMark()
		if !ok {
			return p.fail(op, "TUPLE without a MARK")
		}
		p.push(pyTuple(items))
	case 0x85, 0x86, 0x87: // TUPLE1, TUPLE2, TUPLE3
		n := int(op-0x85) + 1
		t := make(pyTuple, n)
		for i := n - 1; i >= 0; i-- {
			v, ok := p.pop()
			if !ok {
				return p.fail(op, "stack underflow")
			}
			t[i] = v
		}
		p.push(t)
	case 'l': // LIST
		items, ok := p.popMark()
		if !ok {
			return p.fail(op, "LIST without a MARK")
		}
		p.push(&pyList{items: items})
	default: // DICT
		items, ok := p.popMark()
		if !ok {
			return p.fail(op, "DICT without a MARK")
		}
		d := &pyDict{}
		setItems(d, items)
		p.push(d)
	}
	return nil
}

// fill interprets the opcodes that add items to the list or dict on top
// of the stack.
func (p *pickleReader) fill(op byte) error {
	switch op {
	case 'a': // APPEND
		v, ok1 := p.pop()
		l, ok2 := p.top()
		list, ok3 := l.(*pyList)
		if !ok1 || !ok2 || !ok3 {
			return p.fail(op, "APPEND needs a list and a value")
		}
		list.items = append(list.items, v)
	case 'e': // APPENDS
		items, ok := p.popMark()
		if !ok {
			return p.fail(op, "APPENDS without a MARK")
		}
		l, ok := p.top()
		list, isList := l.(*pyList)
		if !ok || !isList {
			return p.fail(op, "APPENDS needs a list")
		}
		list.items = append(list.items, items...)
	case 's': // SETITEM
		v, ok1 := p.pop()
		k, ok2 := p.pop()
		d, ok3 := p.top()
		if !ok1 || !ok2 || !ok3 || !setItems(d, []any{k, v}) {
			return p.fail(op, "SETITEM needs a dict, a key and a value")
		}
	default: // SETITEMS
		items, ok := p.popMark()
		if !ok || len(items)%2 != 0 {
			return p.fail(op, "SETITEMS needs a MARK and key-value pairs")
		}
		d, ok := p.top()
		if !ok || !setItems(d, items) {
			return p.fail(op, "SETITEMS needs a dict")
		}
	}
	return nil
}

// call interprets the opcodes that build objects: REDUCE and NEWOBJ record
// a call of a global (never made), BUILD sets an object's state, and
// BINPERSID wraps a persistent id.
func (p *pickleReader) call(op byte) error {
	switch op {
	case 'R', 0x81: // REDUCE, NEWOBJ
		args, ok1 := p.pop()
		fn, ok2 := p.pop()
		t, ok3 := args.(pyTuple)
		if !ok1 || !ok2 || !ok3 {
			return p.fail(op, "call needs a callable and an argument tuple")
		}
		p.push(&pyObject{fn: fn, args: t})
	case 'b': // BUILD
		state, ok1 := p.pop()
		obj, ok2 := p.top()
		if !ok1 || !ok2 {
			return p.fail(op, "stack underflow")
		}
		if o, isObj := obj.(*pyObject); isObj {
			o.state = state
		}
	default: // BINPERSID
		id, ok := p.pop()
		if !ok {
			return p.fail(op, "stack underflow")
		}
		p.push(&pyPersID{id: id})
	}
	return nil
}

// readStateDict interprets a torch.save'd state dict pickle and returns its
// tensors in order.
func readStateDict(data []byte) ([]tensorRef, error) {
	v, err := unpickle(data)
	if err != nil {
		return nil, err
	}
	var d *pyDict
	switch t := v.(type) {
	case *pyDict:
		d = t
	case *pyObject:
		d = &t.items
	default:
		return nil, fmt.Errorf("pickle holds a %T, want a state dict (OrderedDict of tensors)", v)
	}
	refs := make([]tensorRef, 0, len(d.keys))
	for i, k := range d.keys {
		name, ok := k.(string)
		if !ok {
			return nil, fmt.Errorf("state dict key %d is a %T, want a string", i, k)
		}
		ref, err := tensorFrom(d.vals[i])
		if err != nil {
			return nil, fmt.Errorf("state dict entry %q: %w", name, err)
		}
		ref.Name = name
		refs = append(refs, ref)
	}
	return refs, nil
}

// tensorFrom reads a torch._utils._rebuild_tensor_v2(storage, offset, size,
// stride, ...) call.
func tensorFrom(v any) (tensorRef, error) {
	var r tensorRef
	call, ok := v.(*pyObject)
	if !ok {
		return r, fmt.Errorf("value is a %T, want a tensor", v)
	}
	if g, ok := call.fn.(pyGlobal); !ok || g.name != "_rebuild_tensor_v2" {
		return r, fmt.Errorf("value is built by %s, want torch._utils._rebuild_tensor_v2", describe(call.fn))
	}
	if len(call.args) < 4 {
		return r, fmt.Errorf("tensor has %d rebuild arguments, want at least 4", len(call.args))
	}
	pid, ok := call.args[0].(*pyPersID)
	if !ok {
		return r, fmt.Errorf("tensor storage is a %T, want a persistent storage reference", call.args[0])
	}
	st, ok := pid.id.(pyTuple)
	if !ok || len(st) < 5 {
		return r, errors.New("storage reference is not a ('storage', type, key, location, size) tuple")
	}
	if tag, _ := st[0].(string); tag != "storage" {
		return r, fmt.Errorf("storage reference tag %s, want \"storage\"", describe(st[0]))
	}
	if g, ok := st[1].(pyGlobal); ok {
		r.StorageType = g.String()
	} else {
		r.StorageType = describe(st[1])
	}
	if r.Key, ok = st[2].(string); !ok {
		return r, fmt.Errorf("storage key is a %T, want a string", st[2])
	}
	if r.Numel, ok = st[4].(int64); !ok || r.Numel < 0 {
		return r, fmt.Errorf("storage size %s is not a non-negative integer", describe(st[4]))
	}
	if r.Offset, ok = call.args[1].(int64); !ok || r.Offset < 0 {
		return r, fmt.Errorf("storage offset %s is not a non-negative integer", describe(call.args[1]))
	}
	var err error
	if r.Shape, err = intTuple(call.args[2], "size"); err != nil {
		return r, err
	}
	if r.Stride, err = intTuple(call.args[3], "stride"); err != nil {
		return r, err
	}
	if len(r.Stride) != len(r.Shape) {
		return r, fmt.Errorf("tensor has %d sizes but %d strides", len(r.Shape), len(r.Stride))
	}
	return r, nil
}

func intTuple(v any, what string) ([]int64, error) {
	t, ok := v.(pyTuple)
	if !ok {
		return nil, fmt.Errorf("tensor %s is %s, want a tuple of integers", what, describe(v))
	}
	out := make([]int64, len(t))
	for i, x := range t {
		n, ok := x.(int64)
		if !ok || n < 0 {
			return nil, fmt.Errorf("tensor %s %s: element %d is not a non-negative integer", what, describe(t), i)
		}
		out[i] = n
	}
	return out, nil
}

// describe renders a pickled value for an error message, briefly: values
// may share structure through the memo, so printing them in full could
// take exponential time.
func describe(v any) string {
	var b strings.Builder
	describeTo(&b, v, 2)
	if b.Len() > 80 {
		return b.String()[:77] + "..."
	}
	return b.String()
}

func describeTo(b *strings.Builder, v any, depth int) {
	if b.Len() > 80 {
		return
	}
	switch t := v.(type) {
	case nil:
		b.WriteString("None")
	case bool, int64, float64:
		fmt.Fprint(b, t)
	case string:
		if len(t) > 40 {
			t = t[:40] + "..."
		}
		fmt.Fprintf(b, "%q", t)
	case pyGlobal:
		b.WriteString(t.String())
	case pyTuple:
		if depth == 0 {
			fmt.Fprintf(b, "(%d items)", len(t))
			return
		}
		b.WriteByte('(')
		for i, x := range t {
			if i > 0 {
				b.WriteString(", ")
			}
			if b.Len() > 80 {
				b.WriteString("...")
				break
			}
			describeTo(b, x, depth-1)
		}
		b.WriteByte(')')
	case *pyList:
		fmt.Fprintf(b, "a list of %d items", len(t.items))
	case *pyDict:
		fmt.Fprintf(b, "a dict of %d items", len(t.keys))
	case *pyObject:
		b.WriteString("a call of ")
		describeTo(b, t.fn, 0)
	case *pyPersID:
		b.WriteString("a persistent id")
	default:
		fmt.Fprintf(b, "a %T", v)
	}
}
