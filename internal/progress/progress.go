package progress

import (
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Defaults of Options.
const (
	// DefaultEvery is how often a line is printed when the output is not a
	// terminal.
	DefaultEvery = 10 * time.Second
	// DefaultRedraw is how often the line is redrawn on a terminal.
	DefaultRedraw = time.Second
	// DefaultWidth is the width a terminal line is cut to when the COLUMNS
	// environment variable does not say.
	DefaultWidth = 100
)

// Options tune a Line. The zero value detects a terminal and uses the
// defaults.
type Options struct {
	// Terminal forces the terminal mode on (1) or off (-1); 0 detects it:
	// the writer is an *os.File that is a character device.
	Terminal int
	// Every is the least time between two lines when not on a terminal;
	// 0 means DefaultEvery.
	Every time.Duration
	// Redraw is how often a terminal line is redrawn to update its times
	// when nothing happens; 0 means DefaultRedraw, negative never (the line
	// is then drawn on changes only).
	Redraw time.Duration
	// Width cuts a terminal line to this many characters, so that it never
	// wraps (a wrapped line cannot be redrawn); 0 means the COLUMNS
	// environment variable less one, or DefaultWidth.
	Width int
	// Now is the clock; nil means time.Now. Tests set it.
	Now func() time.Time
}

// Line is the live progress line of one stage of a long command. On a
// terminal it is one line rewritten in place (a carriage return, the
// line, and spaces over what is left of the previous one), redrawn when
// the count changes and every Options.Redraw; otherwise it prints the
// label when the stage starts, a line at most every Options.Every while
// it runs, and a last line when it is done, so that a log gets a few
// lines per stage. Each line shows the count done and the total, the
// percentage, the time elapsed and, once something is done, an estimate
// of the time left (ETA: the rest at the pace up to the last unit done,
// counting down until the next one).
//
// A Line is safe for concurrent use. Done must be called to print the last
// line and stop the redraws.
type Line struct {
	mu       sync.Mutex
	w        io.Writer
	label    string
	unit     string
	terminal bool
	every    time.Duration
	width    int
	now      func() time.Time
	start    time.Time
	last     time.Time // when a line was last printed (not on a terminal)
	done     int
	total    int
	doneAt   time.Time // when done last changed
	detail   string
	drawn    int // runes of the terminal line on screen, 0 when none
	finished bool
	partial  []byte // an unfinished line written to Writer
	quit     chan struct{}
	exited   chan struct{}
}

// New starts the progress line of a stage labelled label, with total
// units to do (0 when unknown; Set and the lines of Writer may give it
// later) counted in unit (such as "updates"; "" for none).
func New(w io.Writer, label string, total int, unit string, opts Options) *Line {
	l := &Line{w: w, label: label, total: max(total, 0), unit: unit, every: opts.Every, width: opts.Width, now: opts.Now}
	switch {
	case opts.Terminal > 0:
		l.terminal = true
	case opts.Terminal == 0:
		l.terminal = IsTerminal(w)
	}
	if l.every <= 0 {
		l.every = DefaultEvery
	}
	if l.width <= 0 {
		l.width = DefaultWidth
		if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 1 {
			l.width = n - 1
		}
	}
	if l.now == nil {
		l.now = time.Now
	}
	l.start = l.now()
	l.last, l.doneAt = l.start, l.start
	if l.terminal {
		l.draw()
		redraw := opts.Redraw
		if redraw == 0 {
			redraw = DefaultRedraw
		}
		if redraw > 0 {
			l.quit, l.exited = make(chan struct{}), make(chan struct{})
			go l.tick(redraw)
		}
	} else {
		fmt.Fprintln(w, label)
	}
	return l
}

// IsTerminal reports whether w is an *os.File open on a character device
// (a terminal), where a line can be rewritten in place.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || f == nil {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// tick redraws the terminal line every d until Done.
func (l *Line) tick(d time.Duration) {
	defer close(l.exited)
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-l.quit:
			return
		case <-t.C:
			l.mu.Lock()
			if !l.finished {
				l.draw()
			}
			l.mu.Unlock()
		}
	}
}

// Add counts n more units done.
func (l *Line) Add(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.setDone(l.done + n)
	l.update()
}

// Set sets the count done and, when total > 0, the total.
func (l *Line) Set(done, total int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.setDone(done)
	if total > 0 {
		l.total = total
	}
	l.update()
}

// Detail sets the text shown after the counts (such as the last update's
// statistics); "" shows none.
func (l *Line) Detail(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.detail = s
	l.update()
}

// Println prints s as a line of its own, above the progress line on a
// terminal.
func (l *Line) Println(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.terminal && l.drawn > 0 {
		fmt.Fprintf(l.w, "\r%s\r", strings.Repeat(" ", l.drawn))
		l.drawn = 0
	}
	fmt.Fprintln(l.w, s)
	if l.terminal && !l.finished {
		l.draw()
	}
}

// Done prints the stage's last line, the label and the time it took, and
// stops the redraws. Later calls do nothing.
func (l *Line) Done() {
	l.mu.Lock()
	if l.finished {
		l.mu.Unlock()
		return
	}
	l.finished = true
	l.flushPartial()
	quit := l.quit
	l.mu.Unlock()
	if quit != nil {
		close(quit)
		<-l.exited
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	status := fmt.Sprintf("done in %s", round(l.now().Sub(l.start)))
	if l.terminal {
		l.put(l.label, status, "")
		fmt.Fprintln(l.w)
		l.drawn = 0
		return
	}
	fmt.Fprintln(l.w, join(l.label, status, ""))
}

// update shows a change: on a terminal at once, otherwise when Every has
// passed since the last line. The caller holds l.mu.
func (l *Line) update() {
	if l.finished {
		return
	}
	if l.terminal {
		l.draw()
		return
	}
	if now := l.now(); now.Sub(l.last) >= l.every {
		fmt.Fprintln(l.w, join(l.label, l.status(now), l.detail))
		l.last = now
	}
}

// draw rewrites the terminal line. The caller holds l.mu.
func (l *Line) draw() { l.put(l.label, l.status(l.now()), l.detail) }

// join renders a line: "label: status | detail".
func join(label, status, detail string) string {
	s := label + ": " + status
	if detail != "" {
		s += " | " + detail
	}
	return s
}

// fit renders a line in at most width characters, keeping the status
// whole: the detail is cut first, then the label.
func fit(label, status, detail string, width int) string {
	s := join(label, status, detail)
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	s = join(label, status, "")
	if room := width - utf8.RuneCountInString(s) - len(" | ") - 1; detail != "" && room >= 10 {
		return s + " | " + string([]rune(detail)[:room]) + "…"
	}
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	keep := width - utf8.RuneCountInString(status) - len(": ") - 1
	if keep < 1 {
		return string([]rune(s)[:max(width-1, 0)]) + "…"
	}
	return string([]rune(label)[:min(keep, utf8.RuneCountInString(label))]) + "…: " + status
}

// put writes a line over the terminal line, fitted to the width. The
// caller holds l.mu.
func (l *Line) put(label, status, detail string) {
	s := fit(label, status, detail, l.width)
	n := utf8.RuneCountInString(s)
	pad := ""
	if l.drawn > n {
		pad = strings.Repeat(" ", l.drawn-n)
	}
	fmt.Fprintf(l.w, "\r%s%s", s, pad)
	l.drawn = n
}

// setDone sets the count done, noting when it changed. The caller holds
// l.mu.
func (l *Line) setDone(done int) {
	if done != l.done {
		l.done, l.doneAt = done, l.now()
	}
}

// status renders the counts and times at time now. The caller holds l.mu.
func (l *Line) status(now time.Time) string {
	var b strings.Builder
	elapsed := now.Sub(l.start)
	switch {
	case l.total > 0:
		fmt.Fprintf(&b, "%d/%d", l.done, l.total)
		if l.unit != "" {
			b.WriteString(" " + l.unit)
		}
		fmt.Fprintf(&b, " (%.0f%%), elapsed %s", 100*float64(l.done)/float64(l.total), round(elapsed))
		// The pace is that up to the last unit done; the estimate counts
		// down from then on.
		if eta, ok := ETA(l.done, l.total, l.doneAt.Sub(l.start)); ok {
			fmt.Fprintf(&b, ", ETA %s", round(max(eta-now.Sub(l.doneAt), 0)))
		}
	case l.done > 0:
		fmt.Fprintf(&b, "%d", l.done)
		if l.unit != "" {
			b.WriteString(" " + l.unit)
		}
		fmt.Fprintf(&b, ", elapsed %s", round(elapsed))
	default:
		fmt.Fprintf(&b, "elapsed %s", round(elapsed))
	}
	return b.String()
}

// ETA estimates the time left when done of total units took elapsed,
// assuming the rest goes at the same pace; ok is false before anything is
// done or after everything is.
func ETA(done, total int, elapsed time.Duration) (time.Duration, bool) {
	if done <= 0 || total <= 0 || done >= total {
		return 0, false
	}
	return time.Duration(float64(elapsed) * float64(total-done) / float64(done)), true
}

// round rounds a duration for display: to 0.1 s under a minute, to the
// second above.
func round(d time.Duration) time.Duration {
	if d < time.Minute {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}

// fraction finds the first "done/total" in a line.
var fraction = regexp.MustCompile(`\b(\d+)/(\d+)\b`)

// Writer returns a writer for a stage's own progress output, one report
// per line, such as the update lines of a trainer: each complete line
// becomes the line's detail, and its first "done/total" (as in "update
// 3/100" or "40/100 worlds") sets the count; a line without one counts one
// unit done. It never fails, so a trainer that stops on a failed progress
// write never stops because of it.
func (l *Line) Writer() io.Writer { return lineWriter{l} }

type lineWriter struct{ l *Line }

func (w lineWriter) Write(p []byte) (int, error) {
	l := w.l
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, p...)
	for {
		i := strings.IndexByte(string(l.partial), '\n')
		if i < 0 {
			break
		}
		line := strings.TrimSpace(string(l.partial[:i]))
		l.partial = l.partial[i+1:]
		l.report(line)
	}
	return len(p), nil
}

// flushPartial reports an unfinished last line. The caller holds l.mu.
func (l *Line) flushPartial() {
	if len(l.partial) > 0 {
		line := strings.TrimSpace(string(l.partial))
		l.partial = nil
		l.report(line)
	}
}

// report takes one line of a stage's output. The caller holds l.mu.
func (l *Line) report(line string) {
	if line == "" {
		return
	}
	if m := fraction.FindStringSubmatch(line); m != nil {
		done, err1 := strconv.Atoi(m[1])
		total, err2 := strconv.Atoi(m[2])
		if err1 == nil && err2 == nil && total > 0 && done <= total {
			l.setDone(done)
			l.total = total
			l.detail = line
			l.update()
			return
		}
	}
	l.setDone(l.done + 1)
	l.detail = line
	l.update()
}
