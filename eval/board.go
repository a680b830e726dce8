package eval

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"
)

// BoardRow is one policy's regret after K target trials averaged over the
// envs of a result: the row of a scoreboard.
type BoardRow struct {
	// Policy names the policy and K the number of target trials.
	Policy string
	K      int
	// MeanRegret is the mean over envs of the env's mean regret (every env
	// weighs the same, whatever its number of targets or episodes).
	// SERegret is its standard error over the episodes' seeds,
	// √(Σ SE_env²)/envs, for a fixed set of envs (NaN when an env's
	// standard error is undefined); SEEnvs its standard error over envs,
	// the standard deviation of the env means over √envs, for envs drawn
	// at random such as the worlds of a prior (NaN for one env).
	MeanRegret, SERegret, SEEnvs float64
	// Envs is the number of envs averaged.
	Envs int
	// Wins is the number of envs on which the policy has the lowest mean
	// regret after K trials; a tie of n policies gives each 1/n.
	Wins float64
}

// Board aggregates the result over its envs: one row per policy and K = 1
// to the largest K common to every env the policy was evaluated on,
// ordered by policy (as Result.Policies lists them) and K.
func (r *Result) Board() []BoardRow {
	rows := r.Summary()
	type pk struct {
		policy string
		k      int
	}
	type envK struct {
		env string
		k   int
	}
	best := map[envK]float64{}
	for _, row := range rows {
		key := envK{row.Env, row.K}
		if b, ok := best[key]; !ok || row.MeanRegret < b {
			best[key] = row.MeanRegret
		}
	}
	tied := map[envK]int{}
	for _, row := range rows {
		if row.MeanRegret == best[envK{row.Env, row.K}] {
			tied[envK{row.Env, row.K}]++
		}
	}
	agg := map[pk]*BoardRow{}
	ss := map[pk]float64{}
	means := map[pk][]float64{}
	var order []pk
	for _, row := range rows {
		key := pk{row.Policy, row.K}
		b := agg[key]
		if b == nil {
			b = &BoardRow{Policy: row.Policy, K: row.K}
			agg[key] = b
			order = append(order, key)
		}
		b.MeanRegret += row.MeanRegret
		ss[key] += row.SERegret * row.SERegret
		means[key] = append(means[key], row.MeanRegret)
		b.Envs++
		if e := (envK{row.Env, row.K}); row.MeanRegret == best[e] {
			b.Wins += 1 / float64(tied[e])
		}
	}
	envsOf := map[string]int{}
	for _, key := range order {
		if key.k == 1 {
			envsOf[key.policy] = agg[key].Envs
		}
	}
	polRank := map[string]int{}
	for i, p := range r.Policies {
		polRank[p] = i
	}
	var out []BoardRow
	for _, key := range order {
		b := agg[key]
		if b.Envs != envsOf[key.policy] {
			continue // not every env reaches this K
		}
		b.MeanRegret /= float64(b.Envs)
		b.SERegret = math.Sqrt(ss[key]) / float64(b.Envs)
		b.SEEnvs = math.NaN()
		if b.Envs > 1 {
			b.SEEnvs = stat.StdDev(means[key], nil) / math.Sqrt(float64(b.Envs))
		}
		out = append(out, *b)
	}
	sortBoard(out, polRank)
	return out
}

// sortBoard orders rows by the policy's rank (unknown names last, by
// first appearance) and then K.
func sortBoard(rows []BoardRow, polRank map[string]int) {
	for _, row := range rows {
		if _, ok := polRank[row.Policy]; !ok {
			polRank[row.Policy] = len(polRank)
		}
	}
	slices.SortStableFunc(rows, func(a, b BoardRow) int {
		return cmp.Or(cmp.Compare(polRank[a.Policy], polRank[b.Policy]), cmp.Compare(a.K, b.K))
	})
}

// ErrorOver says which standard error a board reports.
type ErrorOver uint8

const (
	// OverSeeds is BoardRow.SERegret, for a fixed set of envs such as a
	// scoreboard's real tables.
	OverSeeds ErrorOver = iota + 1
	// OverEnvs is BoardRow.SEEnvs, for envs drawn at random such as a
	// prior's worlds.
	OverEnvs
)

// WriteBoard writes the scoreboard as a Markdown table: one row per policy,
// a column per k with the mean over envs of the mean regret ± the standard
// error over (the lowest mean in bold), and the number of envs won at k = 1
// and at the largest k.
func (r *Result) WriteBoard(w io.Writer, over ErrorOver) error {
	rows := r.Board()
	maxK := 0
	best := map[int]float64{}
	envs := 0
	for _, row := range rows {
		maxK = max(maxK, row.K)
		if b, ok := best[row.K]; !ok || row.MeanRegret < b {
			best[row.K] = row.MeanRegret
		}
		envs = max(envs, row.Envs)
	}
	bw := bufio.NewWriter(w)
	errText := "± its standard error over the episodes' seeds"
	if over == OverEnvs {
		errText = "± its standard error over envs"
	}
	fmt.Fprintf(bw, "Mean over %d env(s) of the normalised regret after k target trials (each env's mean over its targets and seeds %s). Wins: envs on which the policy has the lowest mean regret (ties shared).\n\n", envs, errText)
	bw.WriteString("| policy |")
	for k := 1; k <= maxK; k++ {
		fmt.Fprintf(bw, " k=%d |", k)
	}
	fmt.Fprintf(bw, " wins k=1 | wins k=%d |\n|---|", maxK)
	for range maxK + 2 {
		bw.WriteString("---:|")
	}
	bw.WriteString("\n")
	for i := 0; i < len(rows); {
		j := i
		for j < len(rows) && rows[j].Policy == rows[i].Policy {
			j++
		}
		group := rows[i:j]
		fmt.Fprintf(bw, "| %s |", escapeCell(group[0].Policy))
		for k := 1; k <= maxK; k++ {
			if k > len(group) {
				bw.WriteString(" |")
				continue
			}
			se := group[k-1].SERegret
			if over == OverEnvs {
				se = group[k-1].SEEnvs
			}
			s := meanPM(group[k-1].MeanRegret, se, 3)
			if group[k-1].MeanRegret == best[k] {
				s = "**" + s + "**"
			}
			fmt.Fprintf(bw, " %s |", s)
		}
		last, lastWins := group[len(group)-1], ""
		if last.K == maxK {
			lastWins = winsCell(last.Wins)
		}
		fmt.Fprintf(bw, " %s | %s |\n", winsCell(group[0].Wins), lastWins)
		i = j
	}
	return bw.Flush()
}

// winsCell formats a win count, with one decimal when ties split it.
func winsCell(w float64) string {
	if w == math.Trunc(w) {
		return fmt.Sprintf("%.0f", w)
	}
	return fmt.Sprintf("%.1f", w)
}

// Merge appends other's envs and episodes to r, for evaluations run in
// batches. Env names must not repeat; policies are the union in order of
// first appearance.
func (r *Result) Merge(other *Result) error {
	names := map[string]bool{}
	for _, e := range r.Envs {
		names[e.Name] = true
	}
	for _, e := range other.Envs {
		if names[e.Name] {
			return fmt.Errorf("eval: Merge: env %q is in both results", e.Name)
		}
	}
	r.Envs = append(r.Envs, other.Envs...)
	r.Episodes = append(r.Episodes, other.Episodes...)
	have := map[string]bool{}
	for _, p := range r.Policies {
		have[p] = true
	}
	for _, p := range other.Policies {
		if !have[p] {
			r.Policies = append(r.Policies, p)
			have[p] = true
		}
	}
	return nil
}
