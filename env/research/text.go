package research

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/spaces"
	"github.com/autollmresearch/gym/tasks"
)

// Defaults of the TextOptions fields.
const (
	// DefaultMaxInvalid is the default TextOptions.MaxInvalid.
	DefaultMaxInvalid = 3
	// DefaultMaxPromptLength is the default TextOptions.MaxPromptLength, in
	// runes.
	DefaultMaxPromptLength = 24000
	// DefaultMaxReplyLength is the default TextOptions.MaxReplyLength, in
	// runes.
	DefaultMaxReplyLength = 32768
	// DefaultHistoryLines is the default TextOptions.HistoryLines.
	DefaultHistoryLines = 20
	// DefaultContextFidelities is the default TextOptions.ContextFidelities.
	DefaultContextFidelities = 8
)

// maxListedValues is how many distinct values of a knob at the target the
// prompt lists before summarising them as a range.
const maxListedValues = 16

// maxErrorRunes bounds the error message of an invalid reply shown in the
// prompt and the info.
const maxErrorRunes = 600

// simplexSlack is how far from 1 the parts of a mixture in a reply may sum
// and still be rescaled to sum to 1 (see ParseAnswer).
const simplexSlack = 0.01

// TextOptions configure a [Text] view. The zero value of every field means
// its documented default.
type TextOptions struct {
	// MaxInvalid is the number of consecutive invalid replies that ends the
	// episode; default DefaultMaxInvalid.
	MaxInvalid int
	// MaxPromptLength bounds the length of a prompt in runes; it is the
	// MaxLength of the observation space. Default DefaultMaxPromptLength.
	MaxPromptLength int
	// MaxReplyLength bounds the length of a reply in runes; it is the
	// MaxLength of the action space. Default DefaultMaxReplyLength.
	MaxReplyLength int
	// HistoryLines is the number of most recent runs the prompt lists; the
	// older ones are counted. Default DefaultHistoryLines.
	HistoryLines int
	// ContextFidelities is the number of nearest lower fidelities whose
	// results the prompt shows (each with Options.ContextTop best configs);
	// default DefaultContextFidelities.
	ContextFidelities int
}

// withDefaults validates o and fills in its defaults.
func (o TextOptions) withDefaults() (TextOptions, error) {
	fields := []struct {
		name string
		v    *int
		def  int
		min  int
	}{
		{"MaxInvalid", &o.MaxInvalid, DefaultMaxInvalid, 1},
		{"MaxPromptLength", &o.MaxPromptLength, DefaultMaxPromptLength, 1024},
		{"MaxReplyLength", &o.MaxReplyLength, DefaultMaxReplyLength, 1},
		{"HistoryLines", &o.HistoryLines, DefaultHistoryLines, 1},
		{"ContextFidelities", &o.ContextFidelities, DefaultContextFidelities, 1},
	}
	var errs []error
	for _, f := range fields {
		switch {
		case *f.v == 0:
			*f.v = f.def
		case *f.v < f.min:
			errs = append(errs, fmt.Errorf("%s is %d, want at least %d (or 0 for the default %d)", f.name, *f.v, f.min, f.def))
		}
	}
	for _, f := range fields[1:3] {
		if *f.v > spaces.MaxTextLength {
			errs = append(errs, fmt.Errorf("%s is %d, want at most %d", f.name, *f.v, spaces.MaxTextLength))
		}
	}
	if len(errs) > 0 {
		return TextOptions{}, fmt.Errorf("research: invalid text options: %w", errors.Join(errs...))
	}
	return o, nil
}

// Text is the view of a research env for language models: an observation
// is a prompt (Markdown) and an action is the model's reply, from which one
// JSON answer is read (see [ParseAnswer]). It implements
// env.Env[string, string] over any env.Env[*Observation, Action] that has
// an [*Env] inside.
//
// The prompt states the task and its objective; the knobs with their kinds,
// bounds, choices or parts and the values run at the target (listed when
// there are at most 16 per knob); the target fidelity; in the
// MultiFidelity setting the fidelities that may be run with their cost per
// run; the free lower-fidelity results (the TextOptions.ContextFidelities
// nearest fidelities, each with its number of configs, divergence rate and
// Options.ContextTop best configs); the budget; the episode's runs (the
// TextOptions.HistoryLines most recent); the error of the last reply if it
// was invalid; and the answer format. It never shows outcomes of the
// target other than those of the agent's own runs. Its length is at most
// TextOptions.MaxPromptLength runes; were the sections longer, the oldest
// runs and then the lower-fidelity results would be cut.
//
// A reply from which no valid answer can be read (no JSON object, bad
// JSON, an unknown knob or fidelity, a value out of range or of the wrong
// type, and in the MultiFidelity setting a run dearer than the budget left)
// is not an error: it is an invalid step, with reward 0, the info number
// "invalid" 1 and the value "error" holding the reason, which the next
// prompt repeats so that the model can correct itself. In the Extrapolate
// setting an invalid reply uses up one target trial; in the MultiFidelity
// setting it spends no budget. In both settings TextOptions.MaxInvalid
// invalid replies in a row end the episode. Every step's info carries the
// number "invalid" (0 or 1) and "invalid_replies", the episode's count so
// far; "trials_left" counts the trials used up by invalid replies.
//
// Only a reply outside the action space (not valid UTF-8, or longer than
// TextOptions.MaxReplyLength runes) and a Step out of order are errors.
type Text struct {
	inner env.Env[*Observation, Action]
	core  *Env
	opts  TextOptions
	top   int // best configs per context fidelity
	obsSp *spaces.Text
	actSp *spaces.Text

	space     *spaces.ConfigSpace
	task      string
	objective string
	direction tasks.Direction
	fidCols   []tasks.FidelityColumn
	setting   Setting
	trials    int

	targets map[string]*targetText // rendered per target, cached

	// Per episode.
	obs         *Observation
	cur         *targetText
	fidIDs      []string
	invalid     int
	consecutive int
	lastErr     string
	regret      float64
	prompt      string
	live, ended bool
	info        env.Info
	buf         strings.Builder
}

// targetText holds the parts of a prompt that depend only on the target.
type targetText struct {
	head   string // task, knobs, target, fidelities, context
	answer string // the answer format
}

// NewText returns the text view of e. It fails if e has no [*Env] inside
// or opts are invalid.
func NewText(e env.Env[*Observation, Action], opts TextOptions) (*Text, error) {
	core, err := coreOf("NewText", e)
	if err != nil {
		return nil, err
	}
	opts, err = opts.withDefaults()
	if err != nil {
		return nil, err
	}
	meta := core.Table().Meta()
	co := core.Options()
	top := co.ContextTop
	if top < 1 {
		top = DefaultContextTop
	}
	return &Text{
		inner:     e,
		core:      core,
		opts:      opts,
		top:       top,
		obsSp:     spaces.NewText(0, opts.MaxPromptLength),
		actSp:     spaces.NewText(0, opts.MaxReplyLength),
		space:     meta.Space,
		task:      meta.Task,
		objective: meta.Objective,
		direction: meta.Direction,
		fidCols:   meta.Fidelity,
		setting:   co.Setting,
		trials:    co.Trials,
		targets:   make(map[string]*targetText),
		regret:    1,
	}, nil
}

// Options returns the view's options with defaults filled in.
func (t *Text) Options() TextOptions { return t.opts }

// ObservationSpace is Text(0, MaxPromptLength).
func (t *Text) ObservationSpace() spaces.Space[string] { return t.obsSp }

// ActionSpace is Text(0, MaxReplyLength).
func (t *Text) ActionSpace() spaces.Space[string] { return t.actSp }

// UnwrapEnv returns the wrapped env.
func (t *Text) UnwrapEnv() any { return t.inner }

// Close closes the wrapped env.
func (t *Text) Close() error { return t.inner.Close() }

// Prompt returns the current prompt: the last observation returned.
func (t *Text) Prompt() string { return t.prompt }

// Reset starts an episode of the wrapped env and returns its prompt.
func (t *Text) Reset(seed env.Seed, options env.Options) (string, env.Info, error) {
	t.live = false
	obs, info, err := t.inner.Reset(seed, options)
	if err != nil {
		return "", info, err
	}
	if obs == nil || len(obs.Fidelities) == 0 {
		return "", info, errors.New("research: the wrapped env returned an observation without runnable experiments")
	}
	t.obs = obs
	t.cur = t.targets[obs.Target.Experiment]
	if t.cur == nil {
		t.cur = t.renderTarget(obs)
		t.targets[obs.Target.Experiment] = t.cur
	}
	t.fidIDs = t.fidIDs[:0]
	for _, f := range obs.Fidelities {
		t.fidIDs = append(t.fidIDs, f.Experiment)
	}
	t.invalid, t.consecutive, t.lastErr = 0, 0, ""
	t.regret = 1
	if r, ok := info.Num("regret"); ok {
		t.regret = r
	}
	t.live, t.ended = true, false
	t.render()
	return t.prompt, info, nil
}

// Step reads an answer from the reply and runs it, or counts an invalid
// reply; see [Text].
func (t *Text) Step(reply string) (env.StepResult[string], error) {
	if !t.actSp.Contains(reply) {
		return env.StepResult[string]{}, fmt.Errorf("research: the reply (%d bytes) is outside the action space %v: it must be valid UTF-8 of at most %d runes",
			len(reply), t.actSp, t.opts.MaxReplyLength)
	}
	switch {
	case !t.live:
		return env.StepResult[string]{}, env.ErrResetNeeded
	case t.ended:
		return env.StepResult[string]{}, env.ErrEpisodeEnded
	}
	a, err := ParseAnswer(t.space, t.fidIDs, reply)
	if err == nil {
		res, stepErr := t.inner.Step(a)
		switch {
		case stepErr == nil:
			return t.valid(res), nil
		case errors.Is(stepErr, ErrOverBudget):
			err = stepErr
		default:
			return env.StepResult[string]{}, stepErr
		}
	}
	return t.invalidStep(err), nil
}

// ParseReply reads the action in a reply as Step would, without running
// it: the action, or the error that Step would count as an invalid reply.
// A run the budget cannot pay for is the one invalid reply it cannot tell;
// Step reports that one. Language-model agents use it to ask for a
// correction before spending a step.
func (t *Text) ParseReply(reply string) (Action, error) {
	return ParseAnswer(t.space, t.fidIDs, reply)
}

// trialsLeft is the number of target trials left, net of those used up by
// invalid replies.
func (t *Text) trialsLeft() int {
	n := t.obs.TrialsLeft
	if t.setting == Extrapolate {
		n -= t.invalid
	}
	return max(n, 0)
}

// valid records a step the wrapped env ran.
func (t *Text) valid(res env.StepResult[*Observation]) env.StepResult[string] {
	t.obs = res.Obs
	t.consecutive, t.lastErr = 0, ""
	if r, ok := res.Info.Num("regret"); ok {
		t.regret = r
	}
	terminated := res.Terminated || t.trialsLeft() == 0
	t.ended = terminated || res.Truncated
	t.info.Clear()
	t.info.Merge(res.Info)
	t.info.SetNum("invalid", 0)
	t.info.SetNum("invalid_replies", float64(t.invalid))
	t.info.SetNum("trials_left", float64(t.trialsLeft()))
	t.render()
	return env.StepResult[string]{
		Obs: t.prompt, Reward: res.Reward, Terminated: terminated, Truncated: res.Truncated, Info: t.info,
	}
}

// invalidStep records an invalid reply.
func (t *Text) invalidStep(err error) env.StepResult[string] {
	t.invalid++
	t.consecutive++
	t.lastErr = errorText(err)
	terminated := t.consecutive >= t.opts.MaxInvalid || t.trialsLeft() == 0
	t.ended = terminated
	t.info.Clear()
	t.info.SetNum("invalid", 1)
	t.info.Set("error", t.lastErr)
	t.info.SetNum("invalid_replies", float64(t.invalid))
	t.info.SetNum("regret", t.regret)
	t.info.SetNum("cost", 0)
	t.info.SetNum("spent", t.obs.Spent)
	if t.setting == MultiFidelity {
		t.info.SetNum("budget_left", t.obs.BudgetLeft)
	}
	t.info.SetNum("trials_left", float64(t.trialsLeft()))
	t.render()
	return env.StepResult[string]{Obs: t.prompt, Terminated: terminated, Info: t.info}
}

// errorText renders an error for the model: without package prefixes and
// at most maxErrorRunes runes long.
func errorText(err error) string {
	s := err.Error()
	s = strings.ReplaceAll(s, "research: ", "")
	s = strings.ReplaceAll(s, "spaces: ", "")
	if utf8.RuneCountInString(s) > maxErrorRunes {
		s = truncateRunes(s, maxErrorRunes-3) + "..."
	}
	return s
}

// truncateRunes returns the first n runes of s.
func truncateRunes(s string, n int) string {
	i := 0
	for k := range s {
		if i == n {
			return s[:k]
		}
		i++
	}
	return s
}

// render builds the current prompt into t.prompt, within MaxPromptLength.
func (t *Text) render() {
	lines := t.opts.HistoryLines
	for {
		t.buf.Reset()
		t.buf.WriteString(t.cur.head)
		t.writeEpisode(&t.buf, lines)
		t.buf.WriteString(t.cur.answer)
		if utf8.RuneCountInString(t.buf.String()) <= t.opts.MaxPromptLength || lines == 0 {
			break
		}
		lines /= 2
	}
	p := t.buf.String()
	if utf8.RuneCountInString(p) > t.opts.MaxPromptLength {
		// Cut the fixed head (lower-fidelity results last) to fit.
		var b strings.Builder
		b.WriteString(t.cur.head)
		t.writeEpisode(&b, 0)
		middle := b.String()[len(t.cur.head):]
		const cut = "\n[... lower-fidelity results cut to fit the prompt ...]\n\n"
		room := t.opts.MaxPromptLength - utf8.RuneCountInString(middle) - utf8.RuneCountInString(t.cur.answer) - utf8.RuneCountInString(cut)
		if room > 0 {
			p = truncateRunes(t.cur.head, room) + cut + middle + t.cur.answer
		} else {
			p = truncateRunes(p, t.opts.MaxPromptLength)
		}
	}
	t.prompt = p
}

// writeEpisode writes the budget, the runs so far (at most lines of them)
// and the last reply's error.
func (t *Text) writeEpisode(b *strings.Builder, lines int) {
	o := t.obs
	b.WriteString("## Budget\n\n")
	if t.ended {
		b.WriteString("The episode has ended.\n")
	}
	fmt.Fprintf(b, "Trials left at the target: %d of %d.\n", t.trialsLeft(), t.trials)
	if t.setting == MultiFidelity {
		fmt.Fprintf(b, "GPU hours left: %s of %s (spent %s).\n",
			fmtNum(o.BudgetLeft, 4), fmtNum(o.BudgetLeft+o.Spent, 4), fmtNum(o.Spent, 4))
	}
	if t.invalid > 0 {
		fmt.Fprintf(b, "Invalid replies so far: %d", t.invalid)
		if t.setting == Extrapolate {
			b.WriteString(" (each used up a target trial)")
		}
		fmt.Fprintf(b, "; %d invalid replies in a row end the episode.\n", t.opts.MaxInvalid)
	}
	b.WriteString("\n## Your runs so far\n\n")
	h := o.History
	if len(h) == 0 {
		b.WriteString("None yet.\n")
	}
	from := max(0, len(h)-lines)
	if from > 0 {
		fmt.Fprintf(b, "(%d earlier runs not listed.)\n", from)
	}
	for i := from; i < len(h); i++ {
		tr := &h[i]
		fmt.Fprintf(b, "%d. ", i+1)
		if tr.Target {
			b.WriteString("[target] ")
		} else {
			b.WriteString("[" + tr.Experiment + "] ")
		}
		b.WriteString(compactJSON(t.space, tr.Run))
		b.WriteString(" -> ")
		t.writeOutcome(b, tr.Objective, tr.Diverged)
		if t.setting == MultiFidelity {
			b.WriteString("; " + fmtNum(tr.Cost, 3) + " GPU h")
		}
		if tr.Distance > 0 {
			b.WriteString(" (the run config nearest to your proposal, distance " + fmtNum(tr.Distance, 2) + ")")
		}
		b.WriteByte('\n')
	}
	best := -1
	for i := range h {
		if h[i].Target && !h[i].Diverged && !math.IsNaN(h[i].Objective) &&
			(best < 0 || t.direction.Better(h[i].Objective, h[best].Objective)) {
			best = i
		}
	}
	if best >= 0 {
		fmt.Fprintf(b, "Best at the target so far: %s %s (run %d).\n", t.objective, fmtNum(h[best].Objective, 5), best+1)
	}
	if t.lastErr != "" {
		b.WriteString("\nYour last reply was invalid: " + t.lastErr + "\n")
	}
	b.WriteByte('\n')
}

// writeOutcome writes "loss 2.61" or "diverged".
func (t *Text) writeOutcome(b *strings.Builder, y float64, diverged bool) {
	if diverged || math.IsNaN(y) {
		b.WriteString("diverged")
		return
	}
	b.WriteString(t.objective + " " + fmtNum(y, 5))
}

// renderTarget renders the target-dependent parts of the prompt.
func (t *Text) renderTarget(o *Observation) *targetText {
	var b strings.Builder
	fmt.Fprintf(&b, "# Configuration research: %s\n\n", t.task)
	fmt.Fprintf(&b, "You are choosing the configuration of an expensive %s experiment. Every run you ask for is looked up in a table of recorded outcomes: your proposal is matched to the nearest configuration that was actually run at the chosen fidelity, and that run's outcome is reported.\n\n", t.task)
	if t.direction == tasks.Maximize {
		fmt.Fprintf(&b, "Objective: maximise %s (higher is better).\n", t.objective)
	} else {
		fmt.Fprintf(&b, "Objective: minimise %s (lower is better).\n", t.objective)
	}
	if t.setting == MultiFidelity {
		fmt.Fprintf(&b, "Setting: multi-fidelity. Each run is made at a fidelity you choose and paid in GPU hours from a budget; cheap low-fidelity runs tell you about the landscape. At most %d runs may be made at the target. You are scored by the best %s you find at the target fidelity.\n\n", t.trials, t.objective)
	} else {
		fmt.Fprintf(&b, "Setting: extrapolate. The results at lower fidelities below are free; you have %d runs at the target fidelity and are scored by the best %s among them.\n\n", t.trials, t.objective)
	}

	b.WriteString("## Knobs\n\n")
	t.writeKnobs(&b, o.TargetConfigs)

	b.WriteString("\n## Target\n\n")
	fmt.Fprintf(&b, "`%s` (%s): %d configurations were run there.\n", o.Target.Experiment, t.coords(o.Target), len(o.TargetConfigs))

	if t.setting == MultiFidelity {
		b.WriteString("\n## Fidelities you may run\n\n")
		b.WriteString("Cheap to expensive, with the GPU hours of one run (the median, and the range over configurations when they differ):\n\n")
		for _, f := range o.Fidelities {
			fmt.Fprintf(&b, "- `%s` (%s): %s", f.Experiment, t.coords(f), fmtNum(f.CostPerRun, 3))
			if lo, hi := fmtNum(f.MinCost, 3), fmtNum(f.MaxCost, 3); lo != hi {
				fmt.Fprintf(&b, " [%s to %s]", lo, hi)
			}
			if f.Experiment == o.Target.Experiment {
				b.WriteString(" (the target)")
			}
			b.WriteByte('\n')
		}
	}

	if ctx := o.Context; ctx.Len() > 0 {
		b.WriteString("\n## Results at lower fidelities (free)\n\n")
		shown := min(ctx.Len(), t.opts.ContextFidelities)
		fmt.Fprintf(&b, "Nearest first (%d of %d), each with its %d best configurations:\n", shown, ctx.Len(), t.top)
		for k := range shown {
			t.writeContext(&b, ctx, ctx.Len()-1-k)
		}
		if ctx.Len() > shown {
			fmt.Fprintf(&b, "\n(%d lower fidelities not shown.)\n", ctx.Len()-shown)
		}
	}
	b.WriteByte('\n')
	return &targetText{head: b.String(), answer: t.renderAnswer(o)}
}

// writeKnobs describes every dimension of the space.
func (t *Text) writeKnobs(b *strings.Builder, cfgs []spaces.Config) {
	grid := len(cfgs) > 0
	product := 1
	for _, d := range t.space.Dims() {
		fmt.Fprintf(b, "- `%s`: ", d.Name)
		switch d.Kind {
		case spaces.Log:
			fmt.Fprintf(b, "a number in [%s, %s], log scale", fmtNum(d.Low, 6), fmtNum(d.High, 6))
		case spaces.Linear:
			fmt.Fprintf(b, "a number in [%s, %s]", fmtNum(d.Low, 6), fmtNum(d.High, 6))
		case spaces.Int:
			fmt.Fprintf(b, "an integer in [%s, %s]", fmtNum(d.Low, 15), fmtNum(d.High, 15))
		case spaces.Categorical:
			b.WriteString("one of ")
			for i, c := range d.Choices {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(strconv.Quote(c))
			}
		case spaces.Simplex:
			fmt.Fprintf(b, "a mixture of %d parts: non-negative shares summing to 1, as an object {\"part\": share, ...} (parts left out are 0) or as a list of %d shares in this order: %s",
				len(d.Parts), len(d.Parts), strings.Join(d.Parts, ", "))
			grid = false
		}
		if d.Kind != spaces.Simplex && len(cfgs) > 0 {
			vals := distinctValues(d, cfgs)
			product = min(product*len(vals), len(cfgs)+1)
			if len(vals) <= maxListedValues {
				fmt.Fprintf(b, "; run at the target: %s", strings.Join(vals, ", "))
			} else {
				fmt.Fprintf(b, "; %d distinct values run at the target, from %s to %s", len(vals), vals[0], vals[len(vals)-1])
			}
		}
		b.WriteString(".\n")
	}
	if grid && product == len(cfgs) {
		fmt.Fprintf(b, "\nThe %d configurations run at the target form the full grid of these values.\n", len(cfgs))
	}
}

// distinctValues lists the distinct values of dimension d among cfgs,
// sorted, as they are shown in the prompt.
func distinctValues(d spaces.Dim, cfgs []spaces.Config) []string {
	switch d.Kind {
	case spaces.Categorical:
		seen := make(map[string]bool)
		var out []string
		for _, c := range d.Choices {
			for _, cfg := range cfgs {
				if s, _ := cfg[d.Name].(string); s == c && !seen[c] {
					seen[c] = true
					out = append(out, strconv.Quote(c))
				}
			}
		}
		return out
	default:
		nums := make([]float64, 0, len(cfgs))
		for _, cfg := range cfgs {
			switch v := cfg[d.Name].(type) {
			case float64:
				nums = append(nums, v)
			case int:
				nums = append(nums, float64(v))
			}
		}
		slices.Sort(nums)
		nums = slices.Compact(nums)
		out := make([]string, len(nums))
		for i, x := range nums {
			out[i] = fmtNum(x, 6)
		}
		return out
	}
}

// writeContext writes the summary of context experiment i.
func (t *Text) writeContext(b *strings.Builder, ctx *Context, i int) {
	f := ctx.Fidelity(i)
	st := ctx.Stats(i)
	n := st.Count + st.Diverged
	fmt.Fprintf(b, "\n### `%s` (%s)\n\n", f.Experiment, t.coords(f))
	fmt.Fprintf(b, "%d configurations, %d diverged (%s%%)", n, st.Diverged, fmtNum(100*float64(st.Diverged)/float64(max(n, 1)), 3))
	if st.Count > 0 {
		fmt.Fprintf(b, "; %s best %s, median %s, worst %s", t.objective, fmtNum(st.Best, 5), fmtNum(st.Median, 5), fmtNum(st.Worst, 5))
	}
	b.WriteString(".\n")
	for _, j := range t.topConfigs(ctx, i) {
		o := ctx.Outcome(i, j)
		b.WriteString("- ")
		b.WriteString(compactJSON(t.space, ctx.Configs(i)[j]))
		b.WriteString(" -> ")
		t.writeOutcome(b, o.Objective, o.Diverged)
		b.WriteByte('\n')
	}
}

// topConfigs returns the indices of the t.top best non-diverged configs of
// context experiment i, best first.
func (t *Text) topConfigs(ctx *Context, i int) []int {
	n := len(ctx.Configs(i))
	idx := make([]int, 0, n)
	for j := range n {
		if o := ctx.Outcome(i, j); !o.Diverged && !math.IsNaN(o.Objective) {
			idx = append(idx, j)
		}
	}
	slices.SortStableFunc(idx, func(a, c int) int {
		ya, yc := ctx.Outcome(i, a).Objective, ctx.Outcome(i, c).Objective
		switch {
		case t.direction.Better(ya, yc):
			return -1
		case t.direction.Better(yc, ya):
			return 1
		}
		return 0
	})
	return idx[:min(len(idx), t.top)]
}

// coords renders a fidelity's coordinates in table order.
func (t *Text) coords(f Fidelity) string {
	parts := make([]string, 0, len(t.fidCols))
	for _, c := range t.fidCols {
		switch v := f.Coords[c.Name].(type) {
		case float64:
			parts = append(parts, c.Name+"="+fmtNum(v, 4))
		case string:
			parts = append(parts, c.Name+"="+v)
		}
	}
	return strings.Join(parts, ", ")
}

// renderAnswer renders the answer format.
func (t *Text) renderAnswer(o *Observation) string {
	var b strings.Builder
	b.WriteString("## Your answer\n\n")
	b.WriteString("Reply with one JSON object (the last JSON object in your reply is read), for example:\n\n")
	example := "{}"
	if len(o.TargetConfigs) > 0 {
		example = compactJSON(t.space, o.TargetConfigs[0])
	}
	if t.setting == MultiFidelity {
		fmt.Fprintf(&b, "{\"config\": %s, \"fidelity\": %q, \"stop\": false}\n\n", example, o.Fidelities[0].Experiment)
		b.WriteString("\"config\" gives a value for every knob; \"fidelity\" is the id of the fidelity to run it at (one of those listed; leave it out for the target); \"stop\": true ends the episode.\n")
	} else {
		fmt.Fprintf(&b, "{\"config\": %s, \"stop\": false}\n\n", example)
		b.WriteString("\"config\" gives a value for every knob; it is run at the target. \"stop\": true ends the episode.\n")
	}
	return b.String()
}

// fmtNum formats x with at most digits significant digits.
func fmtNum(x float64, digits int) string {
	if math.IsInf(x, 1) {
		return "inf"
	}
	return strconv.FormatFloat(x, 'g', digits, 64)
}

// compactJSON renders a config as a JSON object for the prompt: knobs in
// space order, numbers to 6 significant digits, a mixture as the list of
// its shares (3 significant digits) in parts order.
func compactJSON(s *spaces.ConfigSpace, c spaces.Config) string {
	var b []byte
	b = append(b, '{')
	for i, name := range s.Names() {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = strconv.AppendQuote(b, name)
		b = append(b, ": "...)
		switch v := c[name].(type) {
		case float64:
			b = strconv.AppendFloat(b, v, 'g', 6, 64)
		case int:
			b = strconv.AppendInt(b, int64(v), 10)
		case string:
			b = strconv.AppendQuote(b, v)
		case []float64:
			b = append(b, '[')
			for j, x := range v {
				if j > 0 {
					b = append(b, ',')
				}
				b = strconv.AppendFloat(b, x, 'g', 3, 64)
			}
			b = append(b, ']')
		default:
			b = append(b, "null"...)
		}
	}
	b = append(b, '}')
	return string(b)
}

// Errors of ParseAnswer, matched with errors.Is. Problems with the config
// itself wrap the spaces package's errors instead (spaces.ErrUnknownDim,
// spaces.ErrOutOfRange, spaces.ErrWrongType, ...).
var (
	// ErrNoAnswer: the reply holds no balanced JSON object.
	ErrNoAnswer = errors.New("research: no JSON object found in the reply")
	// ErrMalformedAnswer: the reply's JSON object is not well-formed JSON,
	// or its "config", "fidelity" or "stop" has the wrong type, or it has
	// a key that is neither a knob nor one of those.
	ErrMalformedAnswer = errors.New("research: malformed answer")
	// ErrUnknownFidelity: the answer names a fidelity the episode cannot
	// run.
	ErrUnknownFidelity = errors.New("research: unknown fidelity")
)

// Keys of an answer object besides the knobs.
const (
	answerConfig   = "config"
	answerFidelity = "fidelity"
	answerStop     = "stop"
)

// ParseAnswer reads an action from a language model's reply. It is a pure
// function of its arguments.
//
// The answer is the last balanced {...} in the reply that is well-formed
// JSON; braces inside JSON strings do not count, and prose, Markdown code
// fences and any text before or after the object are ignored. If no
// balanced object is well-formed, the error describes the last one. The
// object is either
//
//	{"config": {<knob>: <value>, ...}, "fidelity": "<experiment id>", "stop": false}
//
// where "fidelity" and "stop" may be left out, or a bare config
// {<knob>: <value>, ...}, which may also hold "fidelity" and "stop" beside
// the knobs (when the space has no knob of that name). The config is read
// with spaces.ConfigSpace.ParseJSON; the parts of a mixture (simplex) that
// sum to within 1% of 1 are rescaled to sum to 1. "stop": true gives a
// stop action, whatever else the answer holds.
//
// fidelities lists the experiment ids the answer may name; "" or a missing
// or null "fidelity" means the target (Action.Experiment ""). With no
// fidelities, naming one is an error.
//
// The error says what is wrong, for the model to read: it wraps
// ErrNoAnswer, ErrMalformedAnswer, ErrUnknownFidelity, or the config's
// *spaces.ConfigError (or spaces.ErrMalformedJSON).
func ParseAnswer(space *spaces.ConfigSpace, fidelities []string, reply string) (Action, error) {
	if space == nil {
		return Action{}, errors.New("research: ParseAnswer: nil configuration space")
	}
	obj, err := extractObject(reply)
	if err != nil {
		return Action{}, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(obj, &fields); err != nil { // cannot fail: obj is a valid object
		return Action{}, fmt.Errorf("%w: %v", ErrMalformedAnswer, err)
	}
	special := func(key string) bool {
		_, isKnob := space.Dim(key)
		_, present := fields[key]
		return present && !isKnob
	}
	var a Action
	removed := false
	if special(answerStop) {
		raw := fields[answerStop]
		var stop *bool
		if err := json.Unmarshal(raw, &stop); err != nil {
			return Action{}, fmt.Errorf("%w: \"stop\" is %s, want true or false", ErrMalformedAnswer, snippet(raw))
		}
		if stop != nil && *stop {
			return Action{Stop: true}, nil
		}
		delete(fields, answerStop)
		removed = true
	}
	if special(answerFidelity) {
		raw := fields[answerFidelity]
		var id *string
		if err := json.Unmarshal(raw, &id); err != nil {
			return Action{}, fmt.Errorf("%w: \"fidelity\" is %s, want a string naming an experiment", ErrMalformedAnswer, snippet(raw))
		}
		if id != nil && *id != "" {
			switch {
			case slices.Contains(fidelities, *id):
				a.Experiment = *id
			case len(fidelities) == 0:
				return Action{}, fmt.Errorf("%w %q: this setting runs only the target; leave \"fidelity\" out", ErrUnknownFidelity, *id)
			default:
				return Action{}, fmt.Errorf("%w %q: want one of %s", ErrUnknownFidelity, *id, strings.Join(fidelities, ", "))
			}
		}
		delete(fields, answerFidelity)
		removed = true
	}
	cfgJSON := obj
	switch {
	case special(answerConfig):
		for k := range fields {
			if k != answerConfig {
				return Action{}, fmt.Errorf("%w: unknown key %q beside \"config\" (want only \"config\", \"fidelity\" and \"stop\")", ErrMalformedAnswer, k)
			}
		}
		cfgJSON = bytes.TrimSpace(fields[answerConfig])
		if len(cfgJSON) == 0 || cfgJSON[0] != '{' {
			return Action{}, fmt.Errorf("%w: \"config\" is %s, want an object with a value for every knob", ErrMalformedAnswer, snippet(cfgJSON))
		}
	case len(fields) == 0:
		return Action{}, fmt.Errorf("%w: the answer has no \"config\" (want {\"config\": {...}})", ErrMalformedAnswer)
	case removed:
		// A bare config with "fidelity" or "stop" beside the knobs.
		b, err := json.Marshal(fields)
		if err != nil {
			return Action{}, fmt.Errorf("%w: %v", ErrMalformedAnswer, err)
		}
		cfgJSON = b
	}
	cfg, err := parseConfig(space, cfgJSON)
	if err != nil {
		return Action{}, fmt.Errorf("research: %w", err)
	}
	a.Config = cfg
	return a, nil
}

// parseConfig reads a config object, rescaling mixtures that sum to nearly
// 1 when they are all that is wrong.
func parseConfig(space *spaces.ConfigSpace, data []byte) (spaces.Config, error) {
	cfg, err := space.ParseJSON(data)
	if err == nil || !errors.Is(err, spaces.ErrSimplex) {
		return cfg, err
	}
	var raw map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if dec.Decode(&raw) != nil {
		return nil, err
	}
	changed := false
	for _, d := range space.Dims() {
		if d.Kind != spaces.Simplex {
			continue
		}
		if v, ok := rescaleSimplex(raw[d.Name]); ok {
			raw[d.Name] = v
			changed = true
		}
	}
	if !changed {
		return nil, err
	}
	fixed, mErr := json.Marshal(raw)
	if mErr != nil {
		return nil, err
	}
	cfg, err2 := space.ParseJSON(fixed)
	if err2 != nil {
		return nil, err
	}
	return cfg, nil
}

// rescaleSimplex rescales a mixture given as a list or object of
// non-negative numbers whose sum is within simplexSlack of 1 but not
// exactly 1.
func rescaleSimplex(v any) (any, bool) {
	num := func(x any) (float64, bool) {
		n, ok := x.(json.Number)
		if !ok {
			return 0, false
		}
		f, err := n.Float64()
		return f, err == nil && f >= 0 && !math.IsInf(f, 0)
	}
	sum := 0.0
	switch p := v.(type) {
	case []any:
		for _, x := range p {
			f, ok := num(x)
			if !ok {
				return nil, false
			}
			sum += f
		}
		if math.Abs(sum-1) > simplexSlack || sum == 1 {
			return nil, false
		}
		out := make([]float64, len(p))
		for i, x := range p {
			f, _ := num(x)
			out[i] = f / sum
		}
		return out, true
	case map[string]any:
		for _, x := range p {
			f, ok := num(x)
			if !ok {
				return nil, false
			}
			sum += f
		}
		if math.Abs(sum-1) > simplexSlack || sum == 1 {
			return nil, false
		}
		out := make(map[string]float64, len(p))
		for k, x := range p {
			f, _ := num(x)
			out[k] = f / sum
		}
		return out, true
	}
	return nil, false
}

// snippet renders a raw JSON value for an error message.
func snippet(raw []byte) string {
	s := string(bytes.TrimSpace(raw))
	if s == "" {
		return "empty"
	}
	if utf8.RuneCountInString(s) > 40 {
		s = truncateRunes(s, 40) + "..."
	}
	return s
}

// extractObject finds the answer object in a reply; see ParseAnswer.
func extractObject(reply string) ([]byte, error) {
	spans, unclosed := objectSpans(reply)
	for k := len(spans) - 1; k >= 0; k-- {
		if s := reply[spans[k][0]:spans[k][1]]; json.Valid([]byte(s)) {
			return []byte(s), nil
		}
	}
	if len(spans) > 0 {
		last := reply[spans[len(spans)-1][0]:spans[len(spans)-1][1]]
		var v any
		err := json.Unmarshal([]byte(last), &v)
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, fmt.Errorf("%w: the JSON object %s is not valid JSON: %v (at byte %d of the object)",
				ErrMalformedAnswer, snippet([]byte(last)), err, syn.Offset)
		}
		return nil, fmt.Errorf("%w: the JSON object %s is not valid JSON: %v", ErrMalformedAnswer, snippet([]byte(last)), err)
	}
	if unclosed >= 0 {
		return nil, fmt.Errorf("%w: the object opened at byte %d is never closed", ErrNoAnswer, unclosed)
	}
	return nil, fmt.Errorf("%w (want one object such as {\"config\": {...}})", ErrNoAnswer)
}

// objectSpans returns the outermost balanced {...} spans of s, in order,
// as [start, end) byte offsets, and the offset of the first '{' that is
// never closed (-1 if none). Inside braces, double-quoted strings (with
// backslash escapes) are skipped. It runs in linear time.
func objectSpans(s string) (spans [][2]int, unclosed int) {
	var open []int // offsets of the '{' not yet closed
	var all [][2]int
	inString, escaped := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			case c == '\n':
				inString = false // a string does not span lines in an answer
			}
			continue
		}
		switch c {
		case '"':
			if len(open) > 0 {
				inString = true
			}
		case '{':
			open = append(open, i)
		case '}':
			if len(open) > 0 {
				start := open[len(open)-1]
				open = open[:len(open)-1]
				// Drop the spans this one encloses.
				for len(all) > 0 && all[len(all)-1][0] > start {
					all = all[:len(all)-1]
				}
				all = append(all, [2]int{start, i + 1})
			}
		}
	}
	unclosed = -1
	if len(open) > 0 {
		unclosed = open[0]
	}
	return all, unclosed
}
