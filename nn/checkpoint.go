package nn

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"

	"github.com/autollmresearch/gym/internal/atomicfile"
)

// CheckpointVersion is the checkpoint format version this package writes
// and reads.
const CheckpointVersion = 1

// checkpointMagic opens every checkpoint file.
const checkpointMagic = "GYMNNCKP"

// Sizes of the fixed parts of a checkpoint file.
const (
	fixedHeaderLen = 8 + 4 + 4 + 8 + 8 // magic, version, flags, header length, payload length
	checksumLen    = sha256.Size
	// maxSectionLen bounds the header and payload lengths a file may
	// announce, so that a corrupt length cannot trigger a huge allocation.
	maxSectionLen = 1 << 40
)

// Errors a checkpoint can fail to load with. The errors returned wrap one
// of them (test with errors.Is) and say what exactly is wrong.
var (
	// ErrNotCheckpoint: the data does not start like a checkpoint.
	ErrNotCheckpoint = errors.New("not a checkpoint")
	// ErrTruncated: the data ends before the length its header announces.
	ErrTruncated = errors.New("checkpoint is truncated")
	// ErrVersion: the format version is not one this package reads.
	ErrVersion = errors.New("unsupported checkpoint format version")
	// ErrCorrupt: the checksum does not match or the content is malformed.
	ErrCorrupt = errors.New("checkpoint is corrupt")
	// ErrShape: an entry does not fit the model or optimiser it is loaded
	// into.
	ErrShape = errors.New("checkpoint does not match the model")
	// ErrMissing: the checkpoint has no entry of the requested name.
	ErrMissing = errors.New("checkpoint entry not found")
)

// Entry kinds.
const (
	kindVector = "vector"
	kindMLP    = "mlp"
	kindAdamM  = "adam.m"
	kindAdamV  = "adam.v"
)

// Checkpoint is the content of a checkpoint file: named float64 vectors
// (network parameters, optimiser moments, anything else) with the metadata
// that says what shape each belongs to, and free-form JSON metadata of the
// caller's (a run's configuration, counters, random state).
//
// # File format (version 1)
//
// All integers are little-endian.
//
//	magic        8 bytes  "GYMNNCKP"
//	version      uint32   CheckpointVersion
//	flags        uint32   0
//	headerLen    uint64   length of the JSON header
//	payloadLen   uint64   length of the payload, 8 × the total entry length
//	header       JSON     {"entries": [{"name", "kind", "len", "spec"}...], "meta": ...}
//	payload      float64  the entries' values, in header order (IEEE 754 bits)
//	checksum     32 bytes SHA-256 of everything before it
//
// The zero Checkpoint is empty and ready to use.
type Checkpoint struct {
	// Meta is the caller's metadata, stored as is; it must be valid JSON
	// or empty.
	Meta json.RawMessage
	// entries are kept in insertion order so that encoding is
	// deterministic.
	entries []ckptEntry
}

// ckptEntry is one named vector of a checkpoint.
type ckptEntry struct {
	Name string          `json:"name"`
	Kind string          `json:"kind"`
	Len  int             `json:"len"`
	Spec json.RawMessage `json:"spec,omitempty"`
	data []float64
}

// ckptHeader is the JSON header of a checkpoint file.
type ckptHeader struct {
	Entries []ckptEntry     `json:"entries"`
	Meta    json.RawMessage `json:"meta,omitempty"`
}

// adamSpec is the spec stored with an Adam entry.
type adamSpec struct {
	Config AdamConfig `json:"config"`
	Steps  int        `json:"steps"`
}

// Names returns the entries' names in the order they were added.
func (c *Checkpoint) Names() []string {
	names := make([]string, len(c.entries))
	for i, e := range c.entries {
		names[i] = e.Name
	}
	return names
}

// put adds or replaces the entry of e's name.
func (c *Checkpoint) put(e ckptEntry) {
	e.Len = len(e.data)
	for i := range c.entries {
		if c.entries[i].Name == e.Name {
			c.entries[i] = e
			return
		}
	}
	c.entries = append(c.entries, e)
}

// entry returns the entry of the given name.
func (c *Checkpoint) entry(name string) (*ckptEntry, error) {
	for i := range c.entries {
		if c.entries[i].Name == name {
			return &c.entries[i], nil
		}
	}
	return nil, fmt.Errorf("nn: %w: no entry %q (entries: %q)", ErrMissing, name, c.Names())
}

// PutVector stores a copy of v under name, replacing any entry of that
// name.
func (c *Checkpoint) PutVector(name string, v []float64) {
	c.put(ckptEntry{Name: name, Kind: kindVector, data: slices.Clone(v)})
}

// Vector returns a copy of the vector stored under name by PutVector.
func (c *Checkpoint) Vector(name string) ([]float64, error) {
	e, err := c.entry(name)
	if err != nil {
		return nil, err
	}
	if e.Kind != kindVector {
		return nil, fmt.Errorf("nn: %w: entry %q is a %s, not a vector", ErrShape, name, e.Kind)
	}
	return slices.Clone(e.data), nil
}

// LoadVector copies the vector stored under name into dst, which must have
// its length.
func (c *Checkpoint) LoadVector(name string, dst []float64) error {
	v, err := c.Vector(name)
	if err != nil {
		return err
	}
	if len(v) != len(dst) {
		return fmt.Errorf("nn: %w: entry %q has %d values, want %d", ErrShape, name, len(v), len(dst))
	}
	copy(dst, v)
	return nil
}

// PutMLP stores a copy of m's parameters and configuration under name.
func (c *Checkpoint) PutMLP(name string, m *MLP) {
	spec, _ := json.Marshal(m.cfg) // a validated config always encodes
	c.put(ckptEntry{Name: name, Kind: kindMLP, Spec: spec, data: slices.Clone(m.params)})
}

// MLPConfig returns the configuration of the network stored under name.
func (c *Checkpoint) MLPConfig(name string) (MLPConfig, error) {
	e, err := c.entry(name)
	if err != nil {
		return MLPConfig{}, err
	}
	if e.Kind != kindMLP {
		return MLPConfig{}, fmt.Errorf("nn: %w: entry %q is a %s, not an MLP", ErrShape, name, e.Kind)
	}
	var cfg MLPConfig
	if err := json.Unmarshal(e.Spec, &cfg); err != nil {
		return MLPConfig{}, fmt.Errorf("nn: %w: entry %q: MLP spec: %v", ErrCorrupt, name, err)
	}
	if err := cfg.Validate(); err != nil {
		return MLPConfig{}, fmt.Errorf("nn: %w: entry %q: %v", ErrCorrupt, name, err)
	}
	// Checked before any network of that shape is allocated.
	if n, _ := cfg.numParams(); n != e.Len {
		return MLPConfig{}, fmt.Errorf("nn: %w: entry %q: layer sizes %v need %d parameters, the entry holds %d", ErrCorrupt, name, cfg.Sizes, n, e.Len)
	}
	return cfg, nil
}

// LoadMLP copies the parameters stored under name into m, which must have
// the stored layer sizes and activation. m's gradient is cleared.
func (c *Checkpoint) LoadMLP(name string, m *MLP) error {
	cfg, err := c.MLPConfig(name)
	if err != nil {
		return err
	}
	if err := m.sameShape(cfg); err != nil {
		return fmt.Errorf("nn: %w: entry %q: %v", ErrShape, name, err)
	}
	e, _ := c.entry(name)
	if len(e.data) != len(m.params) {
		return fmt.Errorf("nn: %w: entry %q has %d parameters, the network %d", ErrShape, name, len(e.data), len(m.params))
	}
	copy(m.params, e.data)
	m.ZeroGrad()
	return nil
}

// NewMLPFrom builds a network from the configuration and parameters stored
// under name.
func (c *Checkpoint) NewMLPFrom(name string) (*MLP, error) {
	cfg, err := c.MLPConfig(name)
	if err != nil {
		return nil, err
	}
	m := newMLP(cfg)
	if err := c.LoadMLP(name, m); err != nil {
		return nil, err
	}
	return m, nil
}

// PutAdam stores a copy of a's hyperparameters and state under name (as
// the entries name+".m" and name+".v").
func (c *Checkpoint) PutAdam(name string, a *Adam) {
	spec, _ := json.Marshal(adamSpec{Config: a.cfg, Steps: a.t}) // plain numbers always encode
	c.put(ckptEntry{Name: name + ".m", Kind: kindAdamM, Spec: spec, data: slices.Clone(a.m)})
	c.put(ckptEntry{Name: name + ".v", Kind: kindAdamV, data: slices.Clone(a.v)})
}

// LoadAdam restores the hyperparameters and state stored under name by
// PutAdam into a, which must update vectors of the stored length.
func (c *Checkpoint) LoadAdam(name string, a *Adam) error {
	em, err := c.entry(name + ".m")
	if err != nil {
		return err
	}
	ev, err := c.entry(name + ".v")
	if err != nil {
		return err
	}
	if em.Kind != kindAdamM || ev.Kind != kindAdamV {
		return fmt.Errorf("nn: %w: entries %q and %q are a %s and a %s, not Adam moments", ErrShape, em.Name, ev.Name, em.Kind, ev.Kind)
	}
	var spec adamSpec
	if err := json.Unmarshal(em.Spec, &spec); err != nil {
		return fmt.Errorf("nn: %w: entry %q: Adam spec: %v", ErrCorrupt, em.Name, err)
	}
	if err := spec.Config.Validate(); err != nil {
		return fmt.Errorf("nn: %w: entry %q: %v", ErrCorrupt, em.Name, err)
	}
	if len(em.data) != a.Len() || len(ev.data) != a.Len() {
		return fmt.Errorf("nn: %w: Adam %q has moments of length %d, the optimiser %d", ErrShape, name, len(em.data), a.Len())
	}
	if err := a.SetState(AdamState{Steps: spec.Steps, M: em.data, V: ev.data}); err != nil {
		return fmt.Errorf("nn: %w: Adam %q: %v", ErrCorrupt, name, err)
	}
	a.cfg = spec.Config
	return nil
}

// MarshalBinary encodes the checkpoint in the file format described on
// [Checkpoint].
func (c *Checkpoint) MarshalBinary() ([]byte, error) {
	meta := c.Meta
	if len(meta) > 0 && !json.Valid(meta) {
		return nil, errors.New("nn: Checkpoint.Meta is not valid JSON")
	}
	hdr := ckptHeader{Entries: c.entries, Meta: meta}
	if hdr.Entries == nil {
		hdr.Entries = []ckptEntry{}
	}
	hjson, err := json.Marshal(hdr)
	if err != nil {
		return nil, fmt.Errorf("nn: encoding checkpoint header: %w", err)
	}
	n := 0
	for _, e := range c.entries {
		n += len(e.data)
	}
	buf := make([]byte, 0, fixedHeaderLen+len(hjson)+8*n+checksumLen)
	buf = append(buf, checkpointMagic...)
	buf = binary.LittleEndian.AppendUint32(buf, CheckpointVersion)
	buf = binary.LittleEndian.AppendUint32(buf, 0)
	buf = binary.LittleEndian.AppendUint64(buf, uint64(len(hjson)))
	buf = binary.LittleEndian.AppendUint64(buf, uint64(8*n))
	buf = append(buf, hjson...)
	for _, e := range c.entries {
		for _, v := range e.data {
			buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v))
		}
	}
	sum := sha256.Sum256(buf)
	return append(buf, sum[:]...), nil
}

// UnmarshalBinary decodes a checkpoint encoded by MarshalBinary, replacing
// c's content. The error wraps ErrNotCheckpoint, ErrTruncated, ErrVersion
// or ErrCorrupt and says what was found.
func (c *Checkpoint) UnmarshalBinary(data []byte) error {
	if err := c.decode(data); err != nil {
		return fmt.Errorf("nn: decoding checkpoint: %w", err)
	}
	return nil
}

// decode is UnmarshalBinary without the package prefix on errors.
func (c *Checkpoint) decode(data []byte) error {
	hjson, payload, err := checkpointSections(data)
	if err != nil {
		return err
	}
	hdr, err := decodeHeader(hjson, uint64(len(payload)))
	if err != nil {
		return err
	}
	if err := readEntries(hdr.Entries, payload); err != nil {
		return err
	}
	c.Meta = hdr.Meta
	c.entries = hdr.Entries
	return nil
}

// checkpointSections checks the fixed header, the announced lengths, the checksum
// and the flags of an encoded checkpoint, and returns its JSON header and
// its payload.
func checkpointSections(data []byte) (hjson, payload []byte, err error) {
	if len(data) < len(checkpointMagic) {
		if bytes.HasPrefix([]byte(checkpointMagic), data) {
			return nil, nil, fmt.Errorf("%w: %d bytes, shorter than the %d-byte fixed header", ErrTruncated, len(data), fixedHeaderLen)
		}
		return nil, nil, fmt.Errorf("%w: %d bytes that do not start with %q", ErrNotCheckpoint, len(data), checkpointMagic)
	}
	if string(data[:len(checkpointMagic)]) != checkpointMagic {
		return nil, nil, fmt.Errorf("%w: starts with %q, want %q", ErrNotCheckpoint, data[:len(checkpointMagic)], checkpointMagic)
	}
	if len(data) < fixedHeaderLen {
		return nil, nil, fmt.Errorf("%w: %d bytes, shorter than the %d-byte fixed header", ErrTruncated, len(data), fixedHeaderLen)
	}
	version := binary.LittleEndian.Uint32(data[8:])
	if version != CheckpointVersion {
		return nil, nil, fmt.Errorf("%w: format version %d, this build reads version %d", ErrVersion, version, CheckpointVersion)
	}
	flags := binary.LittleEndian.Uint32(data[12:])
	hlen := binary.LittleEndian.Uint64(data[16:])
	plen := binary.LittleEndian.Uint64(data[24:])
	if hlen > maxSectionLen || plen > maxSectionLen || plen%8 != 0 {
		return nil, nil, fmt.Errorf("%w: header announces a %d-byte JSON header and a %d-byte payload", ErrCorrupt, hlen, plen)
	}
	want := uint64(fixedHeaderLen) + hlen + plen + checksumLen
	if uint64(len(data)) < want {
		return nil, nil, fmt.Errorf("%w: %d bytes, its header announces %d", ErrTruncated, len(data), want)
	}
	if uint64(len(data)) > want {
		return nil, nil, fmt.Errorf("%w: %d bytes after the checksum at byte %d", ErrCorrupt, uint64(len(data))-want, want-checksumLen)
	}
	body, stored := data[:len(data)-checksumLen], data[len(data)-checksumLen:]
	if sum := sha256.Sum256(body); !bytes.Equal(sum[:], stored) {
		return nil, nil, fmt.Errorf("%w: SHA-256 checksum mismatch (content hashes to %s, the file records %s)",
			ErrCorrupt, hex.EncodeToString(sum[:8]), hex.EncodeToString(stored[:8]))
	}
	if flags != 0 {
		return nil, nil, fmt.Errorf("%w: flags are %#x, version %d defines none", ErrCorrupt, flags, CheckpointVersion)
	}
	return body[fixedHeaderLen : fixedHeaderLen+hlen], body[fixedHeaderLen+hlen:], nil
}

// decodeHeader decodes the JSON header and checks that its entries have
// unique names, known kinds and lengths that fill the plen-byte payload
// exactly.
func decodeHeader(hjson []byte, plen uint64) (ckptHeader, error) {
	var hdr ckptHeader
	dec := json.NewDecoder(bytes.NewReader(hjson))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&hdr); err != nil {
		return ckptHeader{}, fmt.Errorf("%w: JSON header: %v", ErrCorrupt, err)
	}
	total := uint64(0)
	seen := make(map[string]bool, len(hdr.Entries))
	for i, e := range hdr.Entries {
		switch {
		case e.Name == "":
			return ckptHeader{}, fmt.Errorf("%w: entry %d has no name", ErrCorrupt, i)
		case seen[e.Name]:
			return ckptHeader{}, fmt.Errorf("%w: entry name %q appears twice", ErrCorrupt, e.Name)
		case e.Len < 0 || uint64(e.Len) > plen/8-total:
			return ckptHeader{}, fmt.Errorf("%w: entry %q has length %d, more than the payload holds", ErrCorrupt, e.Name, e.Len)
		}
		switch e.Kind {
		case kindVector, kindMLP, kindAdamM, kindAdamV:
		default:
			return ckptHeader{}, fmt.Errorf("%w: entry %q has unknown kind %q", ErrCorrupt, e.Name, e.Kind)
		}
		seen[e.Name] = true
		total += uint64(e.Len)
	}
	if 8*total != plen {
		return ckptHeader{}, fmt.Errorf("%w: entries hold %d values, the payload %d", ErrCorrupt, total, plen/8)
	}
	return hdr, nil
}

// readEntries fills each entry's values from the payload, in order,
// rejecting non-finite weights and moments.
func readEntries(entries []ckptEntry, payload []byte) error {
	for i := range entries {
		e := &entries[i]
		e.data = make([]float64, e.Len)
		finite := e.Kind != kindVector // weights and moments; vectors are the caller's
		for j := range e.data {
			v := math.Float64frombits(binary.LittleEndian.Uint64(payload[8*j:]))
			if finite && (math.IsNaN(v) || math.IsInf(v, 0)) {
				return fmt.Errorf("%w: entry %q (%s) holds the non-finite value %g at index %d", ErrCorrupt, e.Name, e.Kind, v, j)
			}
			e.data[j] = v
		}
		payload = payload[8*e.Len:]
	}
	return nil
}

// WriteTo writes the encoded checkpoint to w.
func (c *Checkpoint) WriteTo(w io.Writer) (int64, error) {
	b, err := c.MarshalBinary()
	if err != nil {
		return 0, err
	}
	n, err := w.Write(b)
	return int64(n), err
}

// ReadCheckpoint reads a checkpoint from r to its end.
func ReadCheckpoint(r io.Reader) (*Checkpoint, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("nn: reading checkpoint: %w", err)
	}
	c := new(Checkpoint)
	if err := c.decode(data); err != nil {
		return nil, fmt.Errorf("nn: reading checkpoint: %w", err)
	}
	return c, nil
}

// WriteFile writes c to path atomically: it writes a temporary file in the
// same directory, syncs it to disk and renames it over path, so that path
// holds either the old checkpoint or the new one, never a partial write.
func WriteFile(path string, c *Checkpoint) error {
	b, err := c.MarshalBinary()
	if err != nil {
		return fmt.Errorf("nn: writing checkpoint %s: %w", path, err)
	}
	if err := atomicfile.WriteFile(path, b); err != nil {
		return fmt.Errorf("nn: writing checkpoint %s: %w", path, err)
	}
	return nil
}

// ReadFile reads the checkpoint at path. Errors name the path and wrap
// ErrNotCheckpoint, ErrTruncated, ErrVersion or ErrCorrupt when the file
// is not a valid checkpoint.
func ReadFile(path string) (*Checkpoint, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("nn: reading checkpoint: %w", err)
	}
	c := new(Checkpoint)
	if err := c.decode(data); err != nil {
		return nil, fmt.Errorf("nn: checkpoint %s: %w", path, err)
	}
	return c, nil
}
