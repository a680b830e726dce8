package eval

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Columns returns the names of the columns of the per-episode rows that
// WriteCSV and WriteParquet write, in order. There is one row per episode
// and k:
//
//   - env, policy, target: the env's and policy's names and the target
//     experiment's id;
//   - episode: the episode number for the target; seed and policy_seed:
//     the env's and the policy's seeds;
//   - k: the number of target-fidelity trials, 1 to the env's K;
//   - regret, gpu_hours: best-so-far normalised regret and GPU hours spent
//     after k target trials;
//   - final_regret, total_gpu_hours, return, steps, target_trials,
//     invalid_steps, truncated, error: the episode's totals, repeated on
//     each of its rows.
func Columns() []string {
	names := make([]string, rowSchema.NumFields())
	for i, f := range rowSchema.Fields() {
		names[i] = f.Name
	}
	return names
}

// envK keys a cell of the regret table.
type envK struct {
	env string
	k   int
}

// WriteMarkdown writes the regret-versus-K table: one row per env and
// policy, a column per k = 1 to K with the mean best-so-far normalised
// regret after k target trials ± its standard error, the mean GPU hours
// spent by the end, the number of episodes and the number of failed ones.
// The lowest mean regret of each env and k is in bold. Failed episodes are
// listed below the table (the first few of them).
func (r *Result) WriteMarkdown(w io.Writer) error {
	rows := r.Summary()
	maxK := 0
	for _, row := range rows {
		maxK = max(maxK, row.K)
	}
	best := map[envK]float64{}
	for _, row := range rows {
		key := envK{row.Env, row.K}
		if b, ok := best[key]; !ok || row.MeanRegret < b {
			best[key] = row.MeanRegret
		}
	}

	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "Normalised regret at the target fidelity after k target-fidelity trials (mean ± standard error over episodes; 0 is the best config, lower is better). GPU hours: mean spent per episode.")
	fmt.Fprintln(bw)
	bw.WriteString("| env | policy |")
	for k := 1; k <= maxK; k++ {
		fmt.Fprintf(bw, " k=%d |", k)
	}
	bw.WriteString(" GPU hours | episodes | failed |\n|---|---|")
	for range maxK {
		bw.WriteString("---:|")
	}
	bw.WriteString("---:|---:|---:|\n")

	for i := 0; i < len(rows); {
		j := i
		for j < len(rows) && rows[j].Env == rows[i].Env && rows[j].Policy == rows[i].Policy {
			j++
		}
		group := rows[i:j]
		fmt.Fprintf(bw, "| %s | %s |", escapeCell(group[0].Env), escapeCell(group[0].Policy))
		for k := 1; k <= maxK; k++ {
			if k > len(group) {
				bw.WriteString(" |")
				continue
			}
			row := group[k-1]
			s := meanPM(row.MeanRegret, row.SERegret, 3)
			if row.MeanRegret == best[envK{row.Env, row.K}] {
				s = "**" + s + "**"
			}
			fmt.Fprintf(bw, " %s |", s)
		}
		last := group[len(group)-1]
		fmt.Fprintf(bw, " %s | %d | %d |\n", hoursPM(last.MeanGPUHours, last.SEGPUHours), last.N, last.Errors)
		i = j
	}

	if fails := r.Failures(); len(fails) > 0 {
		const shown = 5
		fmt.Fprintf(bw, "\n%d episode(s) failed", len(fails))
		if len(fails) > shown {
			fmt.Fprintf(bw, "; the first %d", shown)
		}
		bw.WriteString(":\n\n")
		for _, e := range fails[:min(shown, len(fails))] {
			fmt.Fprintf(bw, "- %s / %s / %s / episode %d: %s\n", e.Env, e.Policy, e.Target, e.Episode, oneLine(e.Error))
		}
	}
	return bw.Flush()
}

// meanPM formats "mean ± se" with prec decimals, or the mean alone when
// the standard error is undefined.
func meanPM(mean, se float64, prec int) string {
	if math.IsNaN(se) {
		return strconv.FormatFloat(mean, 'f', prec, 64)
	}
	return strconv.FormatFloat(mean, 'f', prec, 64) + " ± " + strconv.FormatFloat(se, 'f', prec, 64)
}

// hoursPM formats GPU hours "mean ± se", both with the decimals the
// mean's magnitude calls for: none from 100 up, one from 10, two below.
func hoursPM(mean, se float64) string {
	prec := 2
	switch a := math.Abs(mean); {
	case a >= 100:
		prec = 0
	case a >= 10:
		prec = 1
	}
	return meanPM(mean, se, prec)
}

// escapeCell makes s safe inside a Markdown table cell.
func escapeCell(s string) string { return strings.ReplaceAll(oneLine(s), "|", `\|`) }

// oneLine replaces line breaks with spaces.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}

// WriteCSV writes the per-episode rows in long format: a header naming
// Columns, then one row per episode and k. Numbers are written in full
// precision; truncated is "true" or "false".
func (r *Result) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cols := Columns()
	if err := cw.Write(cols); err != nil {
		return fmt.Errorf("eval: writing CSV: %w", err)
	}
	rec := make([]string, len(cols))
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for i := range r.Episodes {
		e := &r.Episodes[i]
		for k := 1; k <= len(e.Regret); k++ {
			rec = append(rec[:0],
				e.Env, e.Policy, e.Target,
				strconv.Itoa(e.Episode),
				strconv.FormatUint(e.Seed, 10), strconv.FormatUint(e.PolicySeed, 10),
				strconv.Itoa(k), f(e.regretAt(k)), f(e.gpuHoursAt(k)),
				f(e.FinalRegret), f(e.TotalGPUHours), f(e.Return),
				strconv.Itoa(e.Steps), strconv.Itoa(e.TargetTrials), strconv.Itoa(e.InvalidSteps),
				strconv.FormatBool(e.Truncated), e.Error,
			)
			if err := cw.Write(rec); err != nil {
				return fmt.Errorf("eval: writing CSV: %w", err)
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("eval: writing CSV: %w", err)
	}
	return nil
}

// rowSchema is the Arrow schema of the per-episode rows.
var rowSchema = arrow.NewSchema([]arrow.Field{
	{Name: "env", Type: arrow.BinaryTypes.String},
	{Name: "policy", Type: arrow.BinaryTypes.String},
	{Name: "target", Type: arrow.BinaryTypes.String},
	{Name: "episode", Type: arrow.PrimitiveTypes.Int64},
	{Name: "seed", Type: arrow.PrimitiveTypes.Uint64},
	{Name: "policy_seed", Type: arrow.PrimitiveTypes.Uint64},
	{Name: "k", Type: arrow.PrimitiveTypes.Int64},
	{Name: "regret", Type: arrow.PrimitiveTypes.Float64},
	{Name: "gpu_hours", Type: arrow.PrimitiveTypes.Float64},
	{Name: "final_regret", Type: arrow.PrimitiveTypes.Float64},
	{Name: "total_gpu_hours", Type: arrow.PrimitiveTypes.Float64},
	{Name: "return", Type: arrow.PrimitiveTypes.Float64},
	{Name: "steps", Type: arrow.PrimitiveTypes.Int64},
	{Name: "target_trials", Type: arrow.PrimitiveTypes.Int64},
	{Name: "invalid_steps", Type: arrow.PrimitiveTypes.Int64},
	{Name: "truncated", Type: arrow.FixedWidthTypes.Boolean},
	{Name: "error", Type: arrow.BinaryTypes.String},
}, nil)

// Record returns the per-episode rows (see Columns) as one Arrow record
// batch. The caller must Release it.
func (r *Result) Record(mem memory.Allocator) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, rowSchema)
	defer b.Release()
	str := func(i int) *array.StringBuilder { return b.Field(i).(*array.StringBuilder) }
	i64 := func(i int) *array.Int64Builder { return b.Field(i).(*array.Int64Builder) }
	u64 := func(i int) *array.Uint64Builder { return b.Field(i).(*array.Uint64Builder) }
	f64 := func(i int) *array.Float64Builder { return b.Field(i).(*array.Float64Builder) }
	for i := range r.Episodes {
		e := &r.Episodes[i]
		for k := 1; k <= len(e.Regret); k++ {
			str(0).Append(e.Env)
			str(1).Append(e.Policy)
			str(2).Append(e.Target)
			i64(3).Append(int64(e.Episode))
			u64(4).Append(e.Seed)
			u64(5).Append(e.PolicySeed)
			i64(6).Append(int64(k))
			f64(7).Append(e.regretAt(k))
			f64(8).Append(e.gpuHoursAt(k))
			f64(9).Append(e.FinalRegret)
			f64(10).Append(e.TotalGPUHours)
			f64(11).Append(e.Return)
			i64(12).Append(int64(e.Steps))
			i64(13).Append(int64(e.TargetTrials))
			i64(14).Append(int64(e.InvalidSteps))
			b.Field(15).(*array.BooleanBuilder).Append(e.Truncated)
			str(16).Append(e.Error)
		}
	}
	return b.NewRecordBatch()
}
