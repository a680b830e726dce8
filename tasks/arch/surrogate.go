package arch

import (
	"archive/zip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"strings"
)

// hidden is the width of the surrogate MLP's hidden layers.
const hidden = 128

// surrogateLayers names the surrogate's five linear layers in order.
var surrogateLayers = [5]string{"fc1", "fc2", "fc3", "fc4", "fc5"}

// InputWidth is the length of the surrogate's one-hot input for a scale
// whose deepest architecture has maxLayers blocks: 3 embedding choices, 3
// depth choices, 3 MLP-ratio and 3 head choices per block slot and 2 bias
// choices, 6 + 6·maxLayers + 2.
func InputWidth(maxLayers int) int { return 6 + 6*maxLayers + 2 }

// Surrogate is HW-GPT-Bench's perplexity predictor for one scale: an MLP
// of four ReLU layers of 128 units and a linear output, mapping the one-hot
// encoding of an architecture to its perplexity. It is read-only after
// loading and safe for concurrent use.
type Surrogate struct {
	scale Scale
	in    int
	// w[k] is layer k's weight matrix in PyTorch's (out × in) row-major
	// layout; b[k] its bias.
	w [5][]float64
	b [5][]float64
	// cols is w[0] transposed: input j's weights are cols[j*hidden:][:hidden].
	cols []float64
}

// Scale is the search space the surrogate was trained on.
func (s *Surrogate) Scale() Scale { return s.scale }

// LoadSurrogate reads a perplexity_{s,m,l}.pt checkpoint (a PyTorch zip
// holding a state dict) of size bytes for the given scale. It checks that
// the state dict holds exactly the tensors fc1.weight … fc5.bias as
// little-endian float32 with the shapes the scale requires, and that no
// weight is NaN or infinite; errors name the zip entry or tensor and the
// expected shape.
func LoadSurrogate(r io.ReaderAt, size int64, scale Scale) (*Surrogate, error) {
	if !scale.valid() {
		return nil, fmt.Errorf("arch: load surrogate: unknown scale %v (want s, m or l)", scale)
	}
	return loadSurrogate(r, size, scale)
}

// LoadSurrogateFile reads a surrogate checkpoint from a file. The scale is
// recognised from the width of the first layer's input (80, 152 or 224
// for s, m and l), so renamed files load too.
func LoadSurrogateFile(name string) (*Surrogate, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("arch: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("arch: %w", err)
	}
	s, err := loadSurrogate(f, fi.Size(), 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return s, nil
}

// loadSurrogate loads a checkpoint; scale 0 means recognise it from the
// input width.
func loadSurrogate(r io.ReaderAt, size int64, scale Scale) (*Surrogate, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("arch: surrogate checkpoint is not a readable zip archive: %w", err)
	}
	// Entries live in one top-level folder named after the checkpoint,
	// e.g. perplexity_s/data.pkl and perplexity_s/data/0.
	files := make(map[string]*zip.File, len(zr.File))
	prefix, found := "", false
	for _, f := range zr.File {
		files[f.Name] = f
		if !found && path.Base(f.Name) == "data.pkl" {
			prefix, found = strings.TrimSuffix(f.Name, "data.pkl"), true
		}
	}
	pkl, ok := files[prefix+"data.pkl"]
	if !ok {
		return nil, errors.New("arch: surrogate checkpoint: missing entry <archive>/data.pkl (not a PyTorch zip checkpoint?)")
	}
	if bo, ok := files[prefix+"byteorder"]; ok {
		b, err := readEntry(bo, 16)
		if err != nil {
			return nil, fmt.Errorf("arch: surrogate checkpoint: entry %s: %w", bo.Name, err)
		}
		if string(b) != "little" {
			return nil, fmt.Errorf("arch: surrogate checkpoint: entry %s says %q, only little-endian checkpoints are supported", bo.Name, b)
		}
	}
	pb, err := readEntry(pkl, maxPickleSize)
	if err != nil {
		return nil, fmt.Errorf("arch: surrogate checkpoint: entry %s: %w", pkl.Name, err)
	}
	refs, err := readStateDict(pb)
	if err != nil {
		return nil, fmt.Errorf("arch: surrogate checkpoint: entry %s: %w", pkl.Name, err)
	}
	if len(refs) != 10 {
		return nil, fmt.Errorf("arch: surrogate checkpoint: state dict has %d tensors, want 10 (fc1.weight, fc1.bias, …, fc5.bias)", len(refs))
	}
	byName := make(map[string]tensorRef, len(refs))
	for _, t := range refs {
		byName[t.Name] = t
	}
	if scale == 0 {
		fc1, ok := byName["fc1.weight"]
		if !ok {
			return nil, errors.New("arch: surrogate checkpoint: state dict has no tensor fc1.weight")
		}
		if scale, err = recogniseScale(fc1); err != nil {
			return nil, fmt.Errorf("arch: surrogate checkpoint: %w", err)
		}
	}
	s := &Surrogate{scale: scale, in: InputWidth(scale.MaxLayers())}
	for k, layer := range surrogateLayers {
		in, out := hidden, hidden
		if k == 0 {
			in = s.in
		}
		if k == 4 {
			out = 1
		}
		if s.w[k], err = readTensor(files, prefix, byName, layer+".weight", out, in); err != nil {
			return nil, fmt.Errorf("arch: surrogate checkpoint (scale %v): %w", scale, err)
		}
		if s.b[k], err = readTensor(files, prefix, byName, layer+".bias", out, 0); err != nil {
			return nil, fmt.Errorf("arch: surrogate checkpoint (scale %v): %w", scale, err)
		}
	}
	s.cols = make([]float64, len(s.w[0]))
	for i := range hidden {
		for j := range s.in {
			s.cols[j*hidden+i] = s.w[0][i*s.in+j]
		}
	}
	return s, nil
}

func recogniseScale(t tensorRef) (Scale, error) {
	if len(t.Shape) != 2 {
		return 0, fmt.Errorf("tensor fc1.weight has shape %v, want [128 F] with F = %d, %d or %d for scale s, m or l",
			t.Shape, InputWidth(Small.MaxLayers()), InputWidth(Medium.MaxLayers()), InputWidth(Large.MaxLayers()))
	}
	for _, sc := range Scales() {
		if t.Shape[1] == int64(InputWidth(sc.MaxLayers())) {
			return sc, nil
		}
	}
	return 0, fmt.Errorf("tensor fc1.weight has %d inputs, want %d, %d or %d for scale s, m or l",
		t.Shape[1], InputWidth(Small.MaxLayers()), InputWidth(Medium.MaxLayers()), InputWidth(Large.MaxLayers()))
}

// readTensor loads the named float32 tensor, checking its shape: rows ×
// cols, or a vector of rows when cols is 0.
func readTensor(files map[string]*zip.File, prefix string, refs map[string]tensorRef, name string, rows, cols int) ([]float64, error) {
	want := []int64{int64(rows)}
	numel := int64(rows)
	if cols > 0 {
		want = append(want, int64(cols))
		numel *= int64(cols)
	}
	t, ok := refs[name]
	if !ok {
		return nil, fmt.Errorf("state dict has no tensor %s (want shape %v)", name, want)
	}
	if t.StorageType != "torch.FloatStorage" {
		return nil, fmt.Errorf("tensor %s has storage type %s, want torch.FloatStorage (float32)", name, t.StorageType)
	}
	if !equalShape(t.Shape, want) {
		return nil, fmt.Errorf("tensor %s has shape %v, want %v", name, t.Shape, want)
	}
	contiguous := []int64{1}
	if cols > 0 {
		contiguous = []int64{int64(cols), 1}
	}
	if !equalShape(t.Stride, contiguous) || t.Offset != 0 {
		return nil, fmt.Errorf("tensor %s has strides %v and offset %d, want a contiguous tensor (strides %v, offset 0)", name, t.Stride, t.Offset, contiguous)
	}
	entry := prefix + "data/" + t.Key
	f, ok := files[entry]
	if !ok {
		return nil, fmt.Errorf("tensor %s: missing entry %s", name, entry)
	}
	if t.Numel != numel {
		return nil, fmt.Errorf("tensor %s: storage %s holds %d elements, want %d for shape %v", name, entry, t.Numel, numel, want)
	}
	wantBytes := 4 * numel
	if f.UncompressedSize64 != uint64(wantBytes) {
		return nil, fmt.Errorf("tensor %s: entry %s has %d bytes, want %d (float32 of shape %v)", name, entry, f.UncompressedSize64, wantBytes, want)
	}
	b, err := readEntry(f, wantBytes)
	if err != nil {
		return nil, fmt.Errorf("tensor %s: entry %s: %w", name, entry, err)
	}
	if int64(len(b)) != wantBytes {
		return nil, fmt.Errorf("tensor %s: entry %s has %d bytes, want %d (float32 of shape %v)", name, entry, len(b), wantBytes, want)
	}
	out := make([]float64, numel)
	for i := range out {
		v := math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("tensor %s (entry %s): element %d is %v, want a finite weight", name, entry, i, v)
		}
		out[i] = float64(v)
	}
	return out, nil
}

func equalShape(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// readEntry reads a whole zip entry, refusing more than limit bytes.
func readEntry(f *zip.File, limit int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("%d bytes exceeds the expected %d", f.UncompressedSize64, limit)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("more than the expected %d bytes", limit)
	}
	return b, nil
}

// Perplexity predicts the architecture's perplexity. The architecture
// must belong to the surrogate's scale (see Arch.Validate). It does not
// allocate.
func (s *Surrogate) Perplexity(a Arch) (float64, error) {
	if a.Scale != s.scale {
		return 0, fmt.Errorf("arch: surrogate for scale %v cannot rate an architecture of scale %v", s.scale, a.Scale)
	}
	if err := a.Validate(); err != nil {
		return 0, err
	}
	return s.predict(a), nil
}

// predict runs the MLP on a validated architecture. The first layer sums
// the weight columns of the hot inputs, which equals multiplying by the
// one-hot vector.
func (s *Surrogate) predict(a Arch) float64 {
	c := &choiceTable[s.scale]
	maxL := s.scale.MaxLayers()
	var x, y [hidden]float64
	copy(x[:], s.b[0])
	addColumn := func(j int) {
		col := (*[hidden]float64)(s.cols[j*hidden : (j+1)*hidden])
		for i := range x {
			x[i] += col[i]
		}
	}
	addColumn(index(c.Embed, a.Embed))
	addColumn(3 + index(c.Layers, a.Layers))
	for l := range a.Layers {
		addColumn(6 + 3*l + index(c.MLPRatio, a.MLPRatio[l]))
		addColumn(6 + 3*maxL + 3*l + index(c.Heads, a.Heads[l]))
	}
	if a.Bias {
		addColumn(6 + 6*maxL)
	} else {
		addColumn(6 + 6*maxL + 1)
	}
	relu(x[:])
	for k := 1; k < 4; k++ {
		w := s.w[k]
		for i := range y {
			y[i] = s.b[k][i] + dot((*[hidden]float64)(w[i*hidden:(i+1)*hidden]), &x)
		}
		relu(y[:])
		x = y
	}
	return s.b[4][0] + dot((*[hidden]float64)(s.w[4]), &x)
}

// dot is the inner product of two hidden-layer vectors, with four
// independent partial sums.
func dot(a, b *[hidden]float64) float64 {
	var s0, s1, s2, s3 float64
	for j := 0; j < hidden; j += 4 {
		s0 += a[j] * b[j]
		s1 += a[j+1] * b[j+1]
		s2 += a[j+2] * b[j+2]
		s3 += a[j+3] * b[j+3]
	}
	return (s0 + s1) + (s2 + s3)
}

func relu(v []float64) {
	for i, x := range v {
		if x < 0 {
			v[i] = 0
		}
	}
}

func index(choices []int, v int) int {
	for i, c := range choices {
		if c == v {
			return i
		}
	}
	return -1
}
