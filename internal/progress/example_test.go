package progress_test

import (
	"fmt"
	"os"
	"time"

	"github.com/autollmresearch/gym/internal/progress"
)

func Example() {
	// A stage of 4 updates whose trainer prints one line per update. Not
	// on a terminal (as here), the progress line prints the label, a line
	// every Every at most, and the time the stage took.
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := start
	l := progress.New(os.Stdout, "[toy] 4/5 GRPO", 4, "updates", progress.Options{
		Terminal: -1, Every: 2 * time.Second, Now: func() time.Time { return now },
	})
	w := l.Writer() // the trainer's progress output
	for u := 1; u <= 4; u++ {
		now = now.Add(time.Second)
		fmt.Fprintf(w, "%d/4 update %d return 0.9%d\n", u, u, u)
	}
	l.Done()
	// Output:
	// [toy] 4/5 GRPO
	// [toy] 4/5 GRPO: 2/4 updates (50%), elapsed 2s, ETA 2s | 2/4 update 2 return 0.92
	// [toy] 4/5 GRPO: 4/4 updates (100%), elapsed 4s | 4/4 update 4 return 0.94
	// [toy] 4/5 GRPO: done in 4s
}
