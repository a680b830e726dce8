package advise

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/autollmresearch/gym/spaces"
	"github.com/autollmresearch/gym/tasks"
)

// ReadObserved reads target runs from CSV: a header naming every knob of
// meta's space (as "lr" or "cfg_lr"; a simplex part as "ratio.part" or
// "cfg_ratio.part"), the objective (as its metric name, "metric_<name>"
// or "objective") and optionally "diverged" (true/false or 1/0), then one
// run per row. Errors name the source, the row and the column.
func ReadObserved(r io.Reader, source string, meta tasks.Meta) ([]Observation, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 0
	header, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("advise: %s: empty file, want a header row", source)
	}
	if err != nil {
		return nil, fmt.Errorf("advise: %s: %w", source, err)
	}
	cols, err := observedColumns(header, source, meta)
	if err != nil {
		return nil, err
	}
	var out []Observation
	for row := 2; ; row++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("advise: %s: %w", source, err)
		}
		o, err := cols.parse(rec, meta.Space)
		if err != nil {
			return nil, fmt.Errorf("advise: %s: row %d: %w", source, row, err)
		}
		out = append(out, o)
	}
	return out, nil
}

// observedCols maps header columns to knobs.
type observedCols struct {
	header    []string
	knob      []string // per column: the dimension, or ""
	part      []int    // per column: simplex part index, or -1
	objective int
	diverged  int
}

func observedColumns(header []string, source string, meta tasks.Meta) (*observedCols, error) {
	c := &observedCols{header: header, knob: make([]string, len(header)), part: make([]int, len(header)), objective: -1, diverged: -1}
	seen := map[string]int{}
	var errs []error
	for i, h := range header {
		h = strings.TrimSpace(h)
		c.part[i] = -1
		if j, dup := seen[h]; dup {
			errs = append(errs, fmt.Errorf("column %d %q repeats column %d", i+1, h, j+1))
			continue
		}
		seen[h] = i
		switch h {
		case meta.Objective, "metric_" + meta.Objective, "objective":
			c.objective = i
			continue
		case "diverged":
			c.diverged = i
			continue
		}
		name := strings.TrimPrefix(h, "cfg_")
		if d, ok := meta.Space.Dim(name); ok && d.Kind != spaces.Simplex {
			c.knob[i] = name
			continue
		}
		if dim, part, ok := strings.Cut(name, "."); ok {
			if d, ok := meta.Space.Dim(dim); ok && d.Kind == spaces.Simplex {
				if k := indexOf(d.Parts, part); k >= 0 {
					c.knob[i], c.part[i] = dim, k
					continue
				}
			}
		}
		errs = append(errs, fmt.Errorf("unknown column %q (want the knobs %s, the objective %q and optionally \"diverged\")", h, strings.Join(meta.Space.Names(), ", "), meta.Objective))
	}
	if c.objective < 0 {
		errs = append(errs, fmt.Errorf("no objective column (want %q, %q or \"objective\")", meta.Objective, "metric_"+meta.Objective))
	}
	for _, d := range meta.Space.Dims() {
		for k := range max(1, len(d.Parts)) {
			found := false
			for i := range header {
				found = found || (c.knob[i] == d.Name && (d.Kind != spaces.Simplex || c.part[i] == k))
			}
			if !found {
				name := d.Name
				if d.Kind == spaces.Simplex {
					name += "." + d.Parts[k]
				}
				errs = append(errs, fmt.Errorf("no column for knob %q", name))
			}
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("advise: %s: header: %w", source, errors.Join(errs...))
	}
	return c, nil
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// parse reads one row.
func (c *observedCols) parse(rec []string, space *spaces.ConfigSpace) (Observation, error) {
	o := Observation{Config: spaces.Config{}}
	for i, v := range rec {
		v = strings.TrimSpace(v)
		col := strings.TrimSpace(c.header[i])
		switch {
		case i == c.objective:
			f, err := strconv.ParseFloat(v, 64)
			if err != nil && v != "" {
				return o, fmt.Errorf("column %q: %q is not a number", col, v)
			}
			if v == "" {
				f = math.NaN()
			}
			o.Objective = f
		case i == c.diverged:
			b, err := strconv.ParseBool(v)
			if err != nil {
				return o, fmt.Errorf("column %q: %q is not true or false", col, v)
			}
			o.Diverged = b
		case c.knob[i] != "":
			d, _ := space.Dim(c.knob[i])
			if err := setKnob(o.Config, d, c.part[i], v); err != nil {
				return o, fmt.Errorf("column %q: %w", col, err)
			}
		}
	}
	if !o.Diverged && (math.IsNaN(o.Objective) || math.IsInf(o.Objective, 0)) {
		return o, fmt.Errorf("column %q: objective is %g, want a finite number (or diverged=true)", strings.TrimSpace(c.header[c.objective]), o.Objective)
	}
	return o, nil
}

func setKnob(c spaces.Config, d spaces.Dim, part int, v string) error {
	switch d.Kind {
	case spaces.Categorical:
		c[d.Name] = v
		return nil
	case spaces.Int:
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("%q is not an integer", v)
		}
		c[d.Name] = n
		return nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return fmt.Errorf("%q is not a number", v)
	}
	if d.Kind == spaces.Simplex {
		w, _ := c[d.Name].([]float64)
		if w == nil {
			w = make([]float64, len(d.Parts))
			c[d.Name] = w
		}
		w[part] = f
		return nil
	}
	c[d.Name] = f
	return nil
}
