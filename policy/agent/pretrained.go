package agent

import (
	"bytes"
	"embed"
	"fmt"
	"slices"
	"sync"
)

// The agents embedded in the module, one per task, rebuilt bit for bit by
//
//	go run ./cmd/agent -pretrained
//
// from PretrainedRecipe.
//
//go:embed pretrained/*.gymagent
var pretrainedFS embed.FS

// pretrainedWorlds is how many prior draws each embedded agent learned
// from, by task: enough for the agent's real-table figures to settle
// (mixture worlds have one held-out target each, so they need more).
var pretrainedWorlds = map[string]int{"pretrain": 200, "mixture": 400, "arch": 150, "grpo": 150}

// PretrainedTasks lists the tasks with an embedded agent, sorted.
func PretrainedTasks() []string {
	var out []string
	for t := range pretrainedWorlds {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// PretrainedRecipe is how task's embedded agent was trained: distillation
// by DefaultTrainConfig on the task's number of worlds, then GRPO by
// DefaultGRPOConfig.
func PretrainedRecipe(task string) (Recipe, error) {
	n, ok := pretrainedWorlds[task]
	if !ok {
		return Recipe{}, fmt.Errorf("agent: no embedded agent for task %q (have %v)", task, PretrainedTasks())
	}
	r := Recipe{Distil: DefaultTrainConfig(), GRPO: DefaultGRPOConfig()}
	r.Distil.Worlds = n
	return r, nil
}

var pretrainedAgents sync.Map // task → func() (*Agent, error)

// Pretrained returns the embedded agent of task, trained on the task's
// prior alone (PretrainedRecipe), ready to play any table of the task:
//
//	a, err := agent.Pretrained("pretrain")
//	if err != nil {
//		log.Fatal(err)
//	}
//	pol := a.NewPolicy() // a policy.Policy
//
// The agent is read once and shared; it is read-only.
func Pretrained(task string) (*Agent, error) {
	if _, ok := pretrainedWorlds[task]; !ok {
		return nil, fmt.Errorf("agent: no embedded agent for task %q (have %v)", task, PretrainedTasks())
	}
	load, _ := pretrainedAgents.LoadOrStore(task, sync.OnceValues(func() (*Agent, error) {
		data, err := pretrainedFS.ReadFile("pretrained/" + task + ".gymagent")
		if err != nil {
			return nil, fmt.Errorf("agent: embedded agent of %q: %w", task, err)
		}
		return Read(bytes.NewReader(data))
	}))
	return load.(func() (*Agent, error))()
}

// PretrainedSet returns the embedded agents of every task as one Set.
func PretrainedSet() (*Set, error) {
	var agents []*Agent
	for _, t := range PretrainedTasks() {
		a, err := Pretrained(t)
		if err != nil {
			return nil, err
		}
		agents = append(agents, a)
	}
	return NewSet(agents...)
}
