package arch

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"

	"github.com/autollmresearch/gym/tasks"
)

// ImportOptions are the knobs of Import. The zero value is usable.
type ImportOptions struct {
	// MixedPerScale is the number of distinct mixed architectures per
	// scale sampled besides the uniform ones; 0 selects
	// DefaultMixedPerScale, a negative value none.
	MixedPerScale int
	// Seed drives the sampling of mixed architectures; the same seed gives
	// the same candidates as Generate.
	Seed uint64
	// Cost is the cost model of cost_gpu_hours.
	Cost CostModel
}

// Import materialises the surrogates' predictions as a table with one
// experiment per surrogate's scale: every uniform architecture of the scale
// and MixedPerScale seeded mixed ones (see Candidates), each rated by the
// surrogate. Surrogates must be of distinct scales.
func Import(surrogates []*Surrogate, opts ImportOptions) (*tasks.Table, error) {
	if len(surrogates) == 0 {
		return nil, errors.New("arch: import: no surrogates given")
	}
	var have [Large + 1]bool
	for i, s := range surrogates {
		if s == nil {
			return nil, fmt.Errorf("arch: import: surrogate %d is nil", i)
		}
		if have[s.scale] {
			return nil, fmt.Errorf("arch: import: two surrogates for scale %v", s.scale)
		}
		have[s.scale] = true
	}
	cost, err := opts.Cost.resolve()
	if err != nil {
		return nil, err
	}
	meta := baseMeta()
	meta.Provenance = tasks.Surrogate
	meta.CostSource = cost.Source()
	meta.Source = "HW-GPT-Bench perplexity surrogates perplexity_{s,m,l}.pt (github.com/automl/HW-GPT-Bench, data_collection/gpt_datasets/predictor_ckpts/metric), evaluated on uniform and seeded mixed architectures"
	meta.Citation = "Sukthanker et al., HW-GPT-Bench: Hardware-Aware Architecture Benchmark for Language Models, NeurIPS 2024 Datasets and Benchmarks, arXiv:2405.10299"
	meta.Licence = "Apache-2.0 (HW-GPT-Bench)"
	b, err := tasks.NewBuilder(meta)
	if err != nil {
		return nil, fmt.Errorf("arch: import: %w", err)
	}
	for _, s := range surrogates {
		archs, err := Candidates(s.scale, mixedCount(opts.MixedPerScale), newRand(opts.Seed, candidateStream, s.scale))
		if err != nil {
			return nil, err
		}
		for _, a := range archs {
			ppl := s.predict(a)
			if !(ppl > 0) || math.IsInf(ppl, 0) {
				return nil, fmt.Errorf("arch: import: surrogate for scale %v predicts perplexity %g for %v, want a positive finite value", s.scale, ppl, a)
			}
			b.Add(rowOf(a, ppl, cost))
		}
	}
	t, err := b.Build()
	if err != nil {
		return nil, fmt.Errorf("arch: import: %w", err)
	}
	return t, nil
}

// SurrogateFileName is the upstream file name of a scale's surrogate,
// e.g. "perplexity_s.pt".
func SurrogateFileName(s Scale) string { return "perplexity_" + s.String() + ".pt" }

// LoadSurrogateDir loads the surrogates found in dir under their upstream
// names (SurrogateFileName), in scale order. Missing files are skipped; it
// is an error if none is present.
func LoadSurrogateDir(dir string) ([]*Surrogate, error) {
	var out []*Surrogate
	for _, s := range Scales() {
		name := filepath.Join(dir, SurrogateFileName(s))
		if _, err := os.Stat(name); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		sur, err := LoadSurrogateFile(name)
		if err != nil {
			return nil, err
		}
		if sur.scale != s {
			return nil, fmt.Errorf("arch: %s holds a surrogate for scale %v, want %v", name, sur.scale, s)
		}
		out = append(out, sur)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("arch: %s holds none of %s, %s, %s", dir,
			SurrogateFileName(Small), SurrogateFileName(Medium), SurrogateFileName(Large))
	}
	return out, nil
}

// ImportDir loads the surrogates in dir (see LoadSurrogateDir) and imports
// them.
func ImportDir(dir string, opts ImportOptions) (*tasks.Table, error) {
	surs, err := LoadSurrogateDir(dir)
	if err != nil {
		return nil, err
	}
	return Import(surs, opts)
}

// ImportFile loads one surrogate checkpoint (see LoadSurrogateFile) and
// imports it as a table with that scale's experiment only.
func ImportFile(name string, opts ImportOptions) (*tasks.Table, error) {
	s, err := LoadSurrogateFile(name)
	if err != nil {
		return nil, err
	}
	return Import([]*Surrogate{s}, opts)
}
