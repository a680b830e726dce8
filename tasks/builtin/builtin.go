// Package builtin lists the tasks the module ships: for each, the name of
// its task package, the id of its programmatic research env, what the env
// is for and the task's embedded default table. The root package gym
// registers them with package research, so that package research itself
// depends on no task package. A fifth task is added to this list (and
// nowhere else).
package builtin

import (
	"github.com/autollmresearch/gym/tasks"
	"github.com/autollmresearch/gym/tasks/arch"
	"github.com/autollmresearch/gym/tasks/grpo"
	"github.com/autollmresearch/gym/tasks/mixture"
	"github.com/autollmresearch/gym/tasks/pretrain"
)

// Ids of the built-in programmatic envs, one per task over its embedded
// default table (or over the table file given as option "table").
const (
	PretrainID = "pretrain/steplaw-v0"
	ArchID     = "arch/hwgpt-v0"
	MixtureID  = "mixture/admire-v0"
	GRPOID     = "grpo/synthetic-v0"
)

// A Task is one built-in task.
type Task struct {
	// Name is the task's name, as in its tables' metadata ("pretrain").
	Name string
	// ID is the id of its programmatic env ("pretrain/steplaw-v0").
	ID string
	// Description says what the env asks of an agent.
	Description string
	// Default returns the task's embedded default table, generated on
	// first use and shared afterwards; callers must not release it.
	Default func() (*tasks.Table, error)
}

// Tasks lists the built-in tasks, in the order their envs are registered.
func Tasks() []Task {
	return []Task{
		{pretrain.Task, PretrainID, "tune learning rate and batch size of a pretraining run at a large (N, D) from smaller Step-Law-calibrated grids", pretrain.Default},
		{arch.Task, ArchID, "choose a GPT-2 architecture (embedding, layers, heads, MLP ratio, bias) at a large scale from smaller HW-GPT-Bench-style spaces", arch.Default},
		{mixture.Task, MixtureID, "choose a 19-source instruction-tuning data mixture for a large model from smaller models' ADMIRE-style results", mixture.Default},
		{grpo.Task, GRPOID, "tune GRPO hyperparameters for a large model from smaller models' synthetic RL-scaling results, per dataset", grpo.Default},
	}
}
