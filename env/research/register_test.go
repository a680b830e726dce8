package research

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRegisterTask(t *testing.T) {
	tasks := Tasks()
	require.NotEmpty(t, tasks)
	all := builtins()
	require.NoError(t, RegisterTask(all[0]), "registering a task again is harmless")
	assert.Equal(t, tasks, Tasks())
	other := all[0]
	other.ID = "pretrain/other-v0"
	assert.ErrorContains(t, RegisterTask(other), `task "pretrain" is already registered with env id "pretrain/steplaw-v0", not "pretrain/other-v0"`)
	assert.ErrorContains(t, RegisterTask(Task{Name: "x"}), "a task needs a name, an env id and a default table")
	_, err := NewFromOptions("nope", nil)
	assert.ErrorContains(t, err, `unknown task "nope" (want one of pretrain, arch, mixture, grpo)`)
}
