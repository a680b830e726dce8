// Package realtables is the command-line side of evaluating on real
// tables: the -steplaw, -admire, -hwgpt and -table flags that the
// scoreboard and prior commands share, and loading what they name.
package realtables

import (
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/autollmresearch/gym/tasks"
	"github.com/autollmresearch/gym/tasks/arch"
	"github.com/autollmresearch/gym/tasks/mixture"
	"github.com/autollmresearch/gym/tasks/pretrain"
	_ "github.com/autollmresearch/gym/tasks/tablefile" // reads and writes .arrow, .arrows and .parquet tables
)

// Sources names the real tables to load.
type Sources struct {
	// StepLaw is the published Step Law dense_lr_bs_loss.csv, Admire the
	// ADMIRE admire_ift_runs.csv and HWGPT the folder of HW-GPT-Bench
	// perplexity surrogates; empty when not given.
	StepLaw, Admire, HWGPT string
	// Tables are canonical table files (any format tasks.ReadFile reads).
	Tables []string
}

// Register adds the flags -steplaw, -admire, -hwgpt and -table (which may
// be repeated) to fs.
func (s *Sources) Register(fs *flag.FlagSet) {
	fs.StringVar(&s.StepLaw, "steplaw", "", "path of the published Step Law dense_lr_bs_loss.csv (pretrain)")
	fs.StringVar(&s.Admire, "admire", "", "path of the published ADMIRE admire_ift_runs.csv (mixture)")
	fs.StringVar(&s.HWGPT, "hwgpt", "", "folder of the HW-GPT-Bench perplexity surrogates perplexity_{s,m,l}.pt with their statistics (arch)")
	fs.Func("table", "a canonical table file (.parquet, .arrow, .arrows, .csv); repeat for more", func(v string) error {
		if v == "" {
			return errors.New("empty path")
		}
		s.Tables = append(s.Tables, v)
		return nil
	})
}

// Empty reports that no table is named.
func (s *Sources) Empty() bool {
	return s.StepLaw == "" && s.Admire == "" && s.HWGPT == "" && len(s.Tables) == 0
}

// Named is a loaded table with the name it is reported under.
type Named struct {
	Name  string
	Table *tasks.Table
}

// Load reads every table named, in the order steplaw, admire, hwgpt, then
// the -table files; each is named after its source ("steplaw", "admire",
// "hwgpt") or its file name without the extension. On error it releases
// what it loaded. The caller releases the tables.
func (s *Sources) Load() ([]Named, error) {
	var out []Named
	fail := func(err error) ([]Named, error) {
		Release(out)
		return nil, err
	}
	imports := []struct {
		name, path string
		read       func(string) (*tasks.Table, error)
	}{
		{"steplaw", s.StepLaw, pretrain.ImportFile},
		{"admire", s.Admire, mixture.ImportFile},
		{"hwgpt", s.HWGPT, func(dir string) (*tasks.Table, error) { return arch.ImportDir(dir, arch.ImportOptions{}) }},
	}
	used := map[string]bool{}
	for _, im := range imports {
		if im.path == "" {
			continue
		}
		t, err := im.read(im.path)
		if err != nil {
			return fail(fmt.Errorf("-%s %s: %w", im.name, im.path, err))
		}
		out = append(out, Named{Name: im.name, Table: t})
		used[im.name] = true
	}
	for _, path := range s.Tables {
		name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
		for base, i := name, 2; used[name]; i++ {
			name = fmt.Sprintf("%s-%d", base, i)
		}
		t, err := tasks.ReadFile(path)
		if err != nil {
			return fail(fmt.Errorf("-table %s: %w", path, err))
		}
		out = append(out, Named{Name: name, Table: t})
		used[name] = true
	}
	return out, nil
}

// Release releases every table of tables, as a command does when it is
// done with what Load returned.
func Release(tables []Named) {
	for _, n := range tables {
		n.Table.Release()
	}
}
