package realtables

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/internal/shareddata"
	"github.com/autollmresearch/gym/tasks"
)

func TestFlagsAndNames(t *testing.T) {
	dir := t.TempDir()
	tb, err := research.DefaultTable("arch")
	require.NoError(t, err)
	a := filepath.Join(dir, "mine.parquet")
	b := filepath.Join(dir, "other", "mine.csv")
	require.NoError(t, tasks.WriteFile(a, tb))
	require.NoError(t, os.MkdirAll(filepath.Dir(b), 0o755))
	require.NoError(t, tasks.WriteFile(b, tb))

	var s Sources
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	s.Register(fs)
	require.True(t, s.Empty())
	require.NoError(t, fs.Parse([]string{"-table", a, "-table", b}))
	assert.False(t, s.Empty())
	got, err := s.Load()
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, "mine", got[0].Name)
	assert.Equal(t, "mine-2", got[1].Name, "a repeated file name gets a suffix")
	for _, n := range got {
		n.Table.Release()
	}

	require.Error(t, fs.Parse([]string{"-table", ""}))
	s = Sources{Tables: []string{a, filepath.Join(dir, "absent.parquet")}}
	_, err = s.Load()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "-table "+filepath.Join(dir, "absent.parquet"))
}

func TestLoadRealFiles(t *testing.T) {
	s := Sources{StepLaw: shareddata.Require(t, shareddata.StepLaw), Admire: shareddata.Require(t, shareddata.Admire)}
	got, err := s.Load()
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, "steplaw", got[0].Name)
	assert.Equal(t, "pretrain", got[0].Table.Meta().Task)
	assert.Equal(t, "admire", got[1].Name)
	for _, n := range got {
		n.Table.Release()
	}
}
