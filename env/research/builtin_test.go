package research

import "github.com/autollmresearch/gym/tasks/builtin"

// The tests play the built-in tasks, which the root package gym registers
// in a program; here the tests register them.
func init() {
	for _, t := range builtin.Tasks() {
		if err := RegisterTask(Task(t)); err != nil {
			panic(err)
		}
	}
}

// The built-in env ids the tests use.
const (
	PretrainID = builtin.PretrainID
	ArchID     = builtin.ArchID
)
