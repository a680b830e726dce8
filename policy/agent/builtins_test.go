package agent

// The tests play the built-in tasks, which the root package registers.
import _ "github.com/autollmresearch/gym"
