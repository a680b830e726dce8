package spaces

import (
	"math"
	"math/rand/v2"
)

// Sample draws a configuration from r: log-uniform for Log dimensions,
// uniform for Linear and Int, a uniformly chosen choice for Categorical and a
// flat Dirichlet(1) draw for Simplex. The result is canonical, and the same
// state of r always gives the same configuration.
func (s *ConfigSpace) Sample(r *rand.Rand) Config {
	out := make(Config, len(s.dims))
	for i := range s.dims {
		d, a := &s.dims[i], &s.aux[i]
		switch d.Kind {
		case Log:
			out[d.Name] = clampRange(math.Exp(a.lo+r.Float64()*a.span), d.Low, d.High)
		case Linear:
			out[d.Name] = clampRange(a.lo+r.Float64()*a.span, d.Low, d.High)
		case Int:
			out[d.Name] = int(int64(d.Low) + r.Int64N(int64(a.span)+1))
		case Categorical:
			out[d.Name] = d.Choices[r.IntN(len(d.Choices))]
		case Simplex:
			parts := make([]float64, len(d.Parts))
			sum := 0.0
			for j := range parts {
				parts[j] = r.ExpFloat64()
				sum += parts[j]
			}
			for j := range parts {
				parts[j] /= sum
			}
			out[d.Name] = parts
		}
	}
	return out
}

// Clone returns a copy of c that shares no slices or maps with it, so that
// either may be changed without affecting the other. It copies any Config,
// valid or not.
func (s *ConfigSpace) Clone(c Config) Config {
	if c == nil {
		return nil
	}
	out := make(Config, len(c))
	for k, v := range c {
		switch v := v.(type) {
		case []float64:
			out[k] = append([]float64(nil), v...)
		case []any:
			out[k] = append([]any(nil), v...)
		case map[string]any:
			m := make(map[string]any, len(v))
			for pk, pv := range v {
				m[pk] = pv
			}
			out[k] = m
		case map[string]float64:
			m := make(map[string]float64, len(v))
			for pk, pv := range v {
				m[pk] = pv
			}
			out[k] = m
		default:
			out[k] = v
		}
	}
	return out
}

// Equal reports whether a and b are valid configurations of the space with
// the same canonical values, compared exactly.
func (s *ConfigSpace) Equal(a, b Config) bool {
	na, err := s.Normalize(a)
	if err != nil {
		return false
	}
	nb, err := s.Normalize(b)
	if err != nil {
		return false
	}
	for _, d := range s.dims {
		switch d.Kind {
		case Simplex:
			pa, pb := na[d.Name].([]float64), nb[d.Name].([]float64)
			for j := range pa {
				if pa[j] != pb[j] {
					return false
				}
			}
		default:
			if na[d.Name] != nb[d.Name] {
				return false
			}
		}
	}
	return true
}

func clampRange(x, lo, hi float64) float64 {
	return math.Min(math.Max(x, lo), hi)
}
