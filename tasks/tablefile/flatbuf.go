package tablefile

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Limits of the Arrow IPC metadata checked before a file or stream is
// handed to the Arrow decoder, which trusts the lengths it reads.
const (
	// maxFieldDepth bounds the nesting of fields in a schema.
	maxFieldDepth = 64
	// maxTables bounds the number of flatbuffer tables one message may
	// make the decoder visit.
	maxTables = 1 << 18
)

// errMetadata is wrapped by the errors of checkMessage.
var errMetadata = errors.New("corrupt Arrow IPC metadata")

// fbuf checks a flatbuffer of the Arrow IPC schema (Message.fbs, Schema.fbs,
// File.fbs): every table, vector and string it reaches lies inside the
// buffer, so that no vector length read from it can make the decoder
// allocate more than the buffer holds, and fields nest at most
// maxFieldDepth deep.
type fbuf struct {
	b      []byte
	tables int
}

func (f *fbuf) fail(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errMetadata, fmt.Sprintf(format, args...))
}

func (f *fbuf) u32(at int) (int, error) {
	if at < 0 || at > len(f.b)-4 {
		return 0, f.fail("offset %d outside the %d-byte metadata", at, len(f.b))
	}
	return int(binary.LittleEndian.Uint32(f.b[at:])), nil
}

// table checks the table at t and returns the position of its vtable and
// the vtable's size.
func (f *fbuf) table(t int) (vt, vtSize int, err error) {
	if f.tables++; f.tables > maxTables {
		return 0, 0, f.fail("more than %d tables", maxTables)
	}
	so, err := f.u32(t)
	if err != nil {
		return 0, 0, err
	}
	vt = t - int(int32(uint32(so)))
	if vt < 0 || vt > len(f.b)-4 {
		return 0, 0, f.fail("vtable at %d outside the metadata", vt)
	}
	vtSize = int(binary.LittleEndian.Uint16(f.b[vt:]))
	objSize := int(binary.LittleEndian.Uint16(f.b[vt+2:]))
	if vtSize < 4 || vtSize%2 != 0 || vt+vtSize > len(f.b) || t+objSize > len(f.b) {
		return 0, 0, f.fail("table at %d does not fit in the metadata", t)
	}
	return vt, vtSize, nil
}

// field returns the position of field i of the table at t, or 0 when it
// is absent.
func (f *fbuf) field(t, i int) (int, error) {
	vt, vtSize, err := f.table(t)
	if err != nil {
		return 0, err
	}
	if 4+2*i >= vtSize {
		return 0, nil
	}
	off := int(binary.LittleEndian.Uint16(f.b[vt+4+2*i:]))
	if off == 0 {
		return 0, nil
	}
	if t+off > len(f.b)-4 {
		return 0, f.fail("field %d of the table at %d outside the metadata", i, t)
	}
	return t + off, nil
}

// ref follows the offset stored at position p.
func (f *fbuf) ref(p int) (int, error) {
	u, err := f.u32(p)
	if err != nil {
		return 0, err
	}
	if p+u > len(f.b)-4 {
		return 0, f.fail("reference at %d points outside the metadata", p)
	}
	return p + u, nil
}

// child returns the table field i of the table at t refers to, or 0.
func (f *fbuf) child(t, i int) (int, error) {
	p, err := f.field(t, i)
	if err != nil || p == 0 {
		return 0, err
	}
	c, err := f.ref(p)
	if err != nil {
		return 0, err
	}
	_, _, err = f.table(c)
	return c, err
}

// vector checks the vector (or string) of elements of size elem that field
// i of the table at t refers to and returns the position of its first
// element and its length (0, 0 when absent).
func (f *fbuf) vector(t, i, elem int) (start, n int, err error) {
	p, err := f.field(t, i)
	if err != nil || p == 0 {
		return 0, 0, err
	}
	v, err := f.ref(p)
	if err != nil {
		return 0, 0, err
	}
	if n, err = f.u32(v); err != nil {
		return 0, 0, err
	}
	if n > (len(f.b)-v-4)/elem {
		return 0, 0, f.fail("vector of %d elements at %d does not fit in the %d-byte metadata", n, v, len(f.b))
	}
	return v + 4, n, nil
}

// tables checks the vector of tables of field i of the table at t and
// calls visit on each.
func (f *fbuf) tableVector(t, i int, visit func(int) error) error {
	start, n, err := f.vector(t, i, 4)
	if err != nil {
		return err
	}
	for k := range n {
		c, err := f.ref(start + 4*k)
		if err != nil {
			return err
		}
		if _, _, err := f.table(c); err != nil {
			return err
		}
		if err := visit(c); err != nil {
			return err
		}
	}
	return nil
}

// keyValues checks a vector of KeyValue tables.
func (f *fbuf) keyValues(t, i int) error {
	return f.tableVector(t, i, func(kv int) error {
		if _, _, err := f.vector(kv, 0, 1); err != nil {
			return err
		}
		_, _, err := f.vector(kv, 1, 1)
		return err
	})
}

// Flatbuffer ids of the unions the checks look into.
const (
	fbHeaderSchema          = 1
	fbHeaderDictionaryBatch = 2
	fbHeaderRecordBatch     = 3
	fbTypeTimestamp         = 10
	fbTypeUnion             = 14
)

// message checks a Message flatbuffer.
func (f *fbuf) message() error {
	root, err := f.ref(0)
	if err != nil {
		return err
	}
	if _, _, err := f.table(root); err != nil {
		return err
	}
	if err := f.keyValues(root, 4); err != nil {
		return err
	}
	p, err := f.field(root, 1)
	if err != nil {
		return err
	}
	var kind byte
	if p != 0 {
		kind = f.b[p]
	}
	h, err := f.child(root, 2)
	if err != nil || h == 0 {
		return err
	}
	switch kind {
	case fbHeaderSchema:
		return f.schema(h)
	case fbHeaderRecordBatch:
		return f.recordBatch(h)
	case fbHeaderDictionaryBatch:
		rb, err := f.child(h, 1)
		if err != nil || rb == 0 {
			return err
		}
		return f.recordBatch(rb)
	}
	return f.fail("message of header type %d, want a schema, record batch or dictionary batch", kind)
}

// footer checks the Footer flatbuffer of an IPC file.
func (f *fbuf) footer() error {
	root, err := f.ref(0)
	if err != nil {
		return err
	}
	if _, _, err := f.table(root); err != nil {
		return err
	}
	if s, err := f.child(root, 1); err != nil {
		return err
	} else if s != 0 {
		if err := f.schema(s); err != nil {
			return err
		}
	}
	for _, i := range []int{2, 3} { // dictionaries, recordBatches: Block structs
		if _, _, err := f.vector(root, i, 24); err != nil {
			return err
		}
	}
	return f.keyValues(root, 4)
}

func (f *fbuf) schema(s int) error {
	if err := f.tableVector(s, 1, func(c int) error { return f.fieldTable(c, 1) }); err != nil {
		return err
	}
	if err := f.keyValues(s, 2); err != nil {
		return err
	}
	_, _, err := f.vector(s, 3, 8)
	return err
}

func (f *fbuf) fieldTable(t, depth int) error {
	if depth > maxFieldDepth {
		return f.fail("fields nested more than %d deep", maxFieldDepth)
	}
	if _, _, err := f.vector(t, 0, 1); err != nil { // name
		return err
	}
	var kind byte
	if p, err := f.field(t, 2); err != nil {
		return err
	} else if p != 0 {
		kind = f.b[p]
	}
	typ, err := f.child(t, 3)
	if err != nil {
		return err
	}
	if typ != 0 {
		switch kind {
		case fbTypeTimestamp: // timezone
			_, _, err = f.vector(typ, 1, 1)
		case fbTypeUnion: // typeIds
			_, _, err = f.vector(typ, 1, 4)
		}
		if err != nil {
			return err
		}
	}
	if d, err := f.child(t, 4); err != nil {
		return err
	} else if d != 0 {
		if _, err := f.child(d, 1); err != nil { // indexType
			return err
		}
	}
	if err := f.tableVector(t, 5, func(c int) error { return f.fieldTable(c, depth+1) }); err != nil {
		return err
	}
	return f.keyValues(t, 6)
}

func (f *fbuf) recordBatch(rb int) error {
	for _, v := range []struct{ i, size int }{{1, 16}, {2, 16}, {4, 8}} { // nodes, buffers, variadicBufferCounts
		if _, _, err := f.vector(rb, v.i, v.size); err != nil {
			return err
		}
	}
	_, err := f.child(rb, 3) // compression
	return err
}

// checkMessage checks the flatbuffer of one IPC message's metadata.
func checkMessage(meta []byte) error {
	f := fbuf{b: meta}
	return f.message()
}

// checkFooter checks the flatbuffer of an IPC file's footer.
func checkFooter(meta []byte) error {
	f := fbuf{b: meta}
	return f.footer()
}
