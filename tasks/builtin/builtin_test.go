package builtin

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTasks checks that every built-in task has a distinct name and env
// id, a description, and a default table of its own task.
func TestTasks(t *testing.T) {
	names, ids := map[string]bool{}, map[string]bool{}
	for _, task := range Tasks() {
		assert.False(t, names[task.Name], "task %s listed twice", task.Name)
		assert.False(t, ids[task.ID], "id %s listed twice", task.ID)
		names[task.Name], ids[task.ID] = true, true
		assert.NotEmpty(t, task.Description, task.Name)
		tbl, err := task.Default()
		require.NoError(t, err, task.Name)
		assert.Equal(t, task.Name, tbl.Meta().Task)
		assert.Positive(t, tbl.NumExperiments(), task.Name)
	}
	assert.Equal(t, []string{"pretrain/steplaw-v0", "arch/hwgpt-v0", "mixture/admire-v0", "grpo/synthetic-v0"},
		[]string{Tasks()[0].ID, Tasks()[1].ID, Tasks()[2].ID, Tasks()[3].ID}, "the registration order")
}
