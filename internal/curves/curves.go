// Package curves draws learning curves: Plot draws any metrics CSV that
// an rl.Logger wrote, and WriteGRPO writes the curves of an agent's GRPO
// fine-tuning (policy/agent.FineTune) as a CSV file and its plots, for
// the commands and examples that train agents.
package curves

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"

	"github.com/autollmresearch/gym/internal/atomicfile"
	"github.com/autollmresearch/gym/policy/agent"
)

// WriteGRPO writes updates to csvPath (columns update, episodes, return,
// regret_1, regret_k, grad_norm; episodes cumulative) and plots return and
// regrets against the episodes played as plotPrefix.png and .svg, titled
// title. It creates csvPath's directory and returns the paths written;
// nothing is written when there are no updates.
func WriteGRPO(csvPath, plotPrefix, title string, updates []agent.GRPOReport) ([]string, error) {
	if len(updates) == 0 {
		return nil, nil
	}
	if err := os.MkdirAll(filepath.Dir(csvPath), 0o755); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"update", "episodes", "return", "regret_1", "regret_k", "grad_norm"}) // errors surface in w.Error
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	episodes := 0
	for _, u := range updates {
		episodes += u.Episodes
		_ = w.Write([]string{strconv.Itoa(u.Update + 1), strconv.Itoa(episodes), f(u.Return), f(u.Regret1), f(u.RegretK), f(u.GradNorm)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, err
	}
	if err := atomicfile.WriteFile(csvPath, buf.Bytes()); err != nil {
		return nil, err
	}
	plots, err := Plot(csvPath, plotPrefix, Options{
		Title: title,
		X:     "episodes",
		Y:     []string{"return", "regret_1", "regret_k"},
		Labels: map[string]string{"episodes": "episodes played", "return": "mean return (1 − mean regret over K)",
			"regret_1": "regret after 1 trial", "regret_k": "regret after K trials"},
	})
	return append([]string{csvPath}, plots...), err
}
