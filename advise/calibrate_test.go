package advise

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym/internal/shareddata"
	"github.com/autollmresearch/gym/tasks"
	"github.com/autollmresearch/gym/tasks/arch"
	"github.com/autollmresearch/gym/tasks/mixture"
	"github.com/autollmresearch/gym/tasks/pretrain"
)

// TestCalibrateRealTables advises at the held-out targets of the real
// Step Law, ADMIRE and HW-GPT tables and checks the measures are sane and
// the same on a second run.
func TestCalibrateRealTables(t *testing.T) {
	load := []struct {
		name, rel string
		read      func(string) (*tasks.Table, error)
	}{
		{"steplaw", shareddata.StepLaw, pretrain.ImportFile},
		{"admire", shareddata.Admire, mixture.ImportFile},
		{"hwgpt", shareddata.HWGPT, func(dir string) (*tasks.Table, error) { return arch.ImportDir(dir, arch.ImportOptions{}) }},
	}
	var tables []NamedTable
	for _, l := range load {
		path := shareddata.Require(t, l.rel)
		tb, err := l.read(path)
		require.NoError(t, err, l.name)
		defer tb.Release()
		tables = append(tables, NamedTable{Name: l.name, Table: tb})
	}
	rows, err := Calibrate(context.Background(), tables, DefaultK, 1)
	require.NoError(t, err)
	again, err := Calibrate(context.Background(), tables, DefaultK, 1)
	require.NoError(t, err)
	assert.Equal(t, rows, again, "calibration is not deterministic")
	perTable := map[string]int{}
	for _, r := range rows {
		perTable[r.Table]++
		assert.GreaterOrEqual(t, r.Regret1, 0.0, r.Target)
		assert.LessOrEqual(t, r.Regret1, 1.0, r.Target)
		assert.GreaterOrEqual(t, r.RegretBest5, 0.0, r.Target)
		assert.LessOrEqual(t, r.RegretBest5, r.Regret1, r.Target)
		assert.LessOrEqual(t, r.Covered, r.Checked)
		if r.Checked > 0 {
			assert.GreaterOrEqual(t, r.Coverage(), 0.0)
			assert.LessOrEqual(t, r.Coverage(), 1.0)
		}
	}
	assert.Equal(t, map[string]int{"steplaw": 5, "admire": 1, "hwgpt": 1}, perTable)
	var md, csv bytes.Buffer
	require.NoError(t, WriteCalibrationMarkdown(&md, rows))
	require.NoError(t, WriteCalibrationCSV(&csv, rows))
	assert.Contains(t, md.String(), "**steplaw, mean of 5**")
	assert.Equal(t, len(rows)+1, bytes.Count(csv.Bytes(), []byte("\n")))
}

// TestCalibrateSynthetic runs the calibration on a table the project
// generates, so that it is exercised without the real data.
func TestCalibrateSynthetic(t *testing.T) {
	tb := pretrainTable(t)
	rows, err := Calibrate(context.Background(), []NamedTable{{Name: "default", Table: tb}}, 3, 2)
	require.NoError(t, err)
	require.NotEmpty(t, rows)
	for _, r := range rows {
		assert.GreaterOrEqual(t, r.Regret1, 0.0)
		assert.LessOrEqual(t, r.RegretBest5, r.Regret1)
		assert.LessOrEqual(t, r.Checked, 3)
	}
}
