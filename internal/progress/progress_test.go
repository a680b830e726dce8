package progress

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clock is a fake clock that tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestETA(t *testing.T) {
	cases := []struct {
		done, total int
		elapsed     time.Duration
		want        time.Duration
		ok          bool
	}{
		{0, 10, time.Second, 0, false},
		{1, 4, 3 * time.Second, 9 * time.Second, true},
		{5, 10, time.Minute, time.Minute, true},
		{10, 10, time.Minute, 0, false},
		{3, 0, time.Second, 0, false},
		{-1, 10, time.Second, 0, false},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%d of %d", c.done, c.total), func(t *testing.T) {
			got, ok := ETA(c.done, c.total, c.elapsed)
			assert.Equal(t, c.ok, ok)
			assert.Equal(t, c.want, got)
		})
	}
}

func TestLogLines(t *testing.T) {
	var buf bytes.Buffer
	c := newClock()
	l := New(&buf, "[toy] 4/5 GRPO", 10, "updates", Options{Terminal: -1, Now: c.now})
	steps := []struct {
		after time.Duration
		add   int
		want  string // the new output, "" for none
	}{
		{time.Second, 1, ""},
		{4 * time.Second, 2, ""},
		{5 * time.Second, 0, "[toy] 4/5 GRPO: 3/10 updates (30%), elapsed 10s, ETA 6.7s\n"},
		{9 * time.Second, 2, ""},
		{time.Second, 1, "[toy] 4/5 GRPO: 6/10 updates (60%), elapsed 20s, ETA 13.3s\n"},
	}
	require.Equal(t, "[toy] 4/5 GRPO\n", buf.String(), "the label when the stage starts")
	for i, s := range steps {
		buf.Reset()
		c.advance(s.after)
		l.Add(s.add)
		assert.Equal(t, s.want, buf.String(), "step %d", i)
	}
	buf.Reset()
	c.advance(2500 * time.Millisecond)
	l.Done()
	l.Done()
	assert.Equal(t, "[toy] 4/5 GRPO: done in 22.5s\n", buf.String())
	l.Add(1)
	assert.Equal(t, "[toy] 4/5 GRPO: done in 22.5s\n", buf.String(), "nothing after Done")
}

func TestTerminalLine(t *testing.T) {
	var buf bytes.Buffer
	c := newClock()
	l := New(&buf, "[toy] 2/5 distil", 0, "rounds", Options{Terminal: 1, Redraw: -1, Width: 60, Now: c.now})
	assert.Equal(t, "\r[toy] 2/5 distil: elapsed 0s", buf.String())

	buf.Reset()
	c.advance(3 * time.Second)
	l.Set(1, 3)
	assert.Equal(t, "\r[toy] 2/5 distil: 1/3 rounds (33%), elapsed 3s, ETA 6s", buf.String())

	buf.Reset()
	l.Detail(strings.Repeat("x", 40))
	assert.Equal(t, "\r[toy] 2/5 distil: 1/3 rounds (33%), elapsed 3s, ETA 6s", buf.String(), "no room for the detail in 60 characters")

	buf.Reset()
	l.Detail("")
	l.Println("    3345 states")
	assert.Equal(t, "\r[toy] 2/5 distil: 1/3 rounds (33%), elapsed 3s, ETA 6s"+
		"\r"+strings.Repeat(" ", 54)+"\r    3345 states\n"+
		"\r[toy] 2/5 distil: 1/3 rounds (33%), elapsed 3s, ETA 6s", buf.String(),
		"a printed line clears the progress line first")

	buf.Reset()
	l.Detail("ok")
	l.Detail("")
	assert.Equal(t, "\r[toy] 2/5 distil: 1/3 rounds (33%), elapsed 3s, ETA 6s | ok"+
		"\r[toy] 2/5 distil: 1/3 rounds (33%), elapsed 3s, ETA 6s     ", buf.String(), "a shorter line is padded over the longer one")

	buf.Reset()
	c.advance(2 * time.Second)
	l.Detail("")
	assert.Equal(t, "\r[toy] 2/5 distil: 1/3 rounds (33%), elapsed 5s, ETA 4s", buf.String(), "the estimate counts down between units")
	buf.Reset()
	c.advance(7 * time.Second)
	l.Detail("")
	assert.Equal(t, "\r[toy] 2/5 distil: 1/3 rounds (33%), elapsed 12s, ETA 0s", buf.String(), "late: no negative estimate")

	buf.Reset()
	l.Done()
	assert.Equal(t, "\r[toy] 2/5 distil: done in 12s"+strings.Repeat(" ", 55-29)+"\n", buf.String())
}

func TestFit(t *testing.T) {
	cases := []struct {
		name                  string
		label, status, detail string
		width                 int
		want                  string
	}{
		{"fits", "[a] 2/5 distil", "1/3 rounds", "loss 0.1", 80, "[a] 2/5 distil: 1/3 rounds | loss 0.1"},
		{"detail cut", "[a] 2/5 distil", "1/3 rounds", "agent pretrain round 1/3: 3345 states", 50, "[a] 2/5 distil: 1/3 rounds | agent pretrain round…"},
		{"detail dropped", "[a] 2/5 distil", "1/3 rounds", "agent pretrain round 1/3: 3345 states", 35, "[a] 2/5 distil: 1/3 rounds"},
		{"label cut, status whole", "[pretrain] 2/5 simulate and distil on 200 generated worlds", "0/3 rounds (0%), elapsed 2s", "", 50, "[pretrain] 2/5 simul…: 0/3 rounds (0%), elapsed 2s"},
		{"no room at all", "label", "a long status text", "", 10, "label: a …"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := fit(c.label, c.status, c.detail, c.width)
			assert.Equal(t, c.want, got)
			assert.LessOrEqual(t, len([]rune(got)), c.width)
			if c.name != "fits" && c.name != "detail dropped" {
				assert.Len(t, []rune(got), c.width, "the width is used to the end")
			}
		})
	}
}

func TestWriterReadsTheLines(t *testing.T) {
	var buf bytes.Buffer
	c := newClock()
	l := New(&buf, "s", 0, "", Options{Terminal: -1, Every: time.Nanosecond, Now: c.now})
	w := l.Writer()
	cases := []struct {
		write string
		want  string
	}{
		{"agent pretrain round 1/3: 3345 states\n", "s: 1/3 (33%), elapsed 1s, ETA 2s | agent pretrain round 1/3: 3345 states\n"},
		{"agent pretrain grpo update 2 (16/", ""}, // an unfinished line waits
		{"100 worlds): return 0.971\n", "s: 16/100 (16%), elapsed 3s, ETA 15.8s | agent pretrain grpo update 2 (16/100 worlds): return 0.971\n"},
		{"loss 0.25, no count here\n\n", "s: 17/100 (17%), elapsed 4s, ETA 19.5s | loss 0.25, no count here\n"},
		{"a 5/0 and 9/3 are no counts\n", "s: 18/100 (18%), elapsed 5s, ETA 22.8s | a 5/0 and 9/3 are no counts\n"},
	}
	for i, cs := range cases {
		buf.Reset()
		c.advance(time.Second)
		n, err := w.Write([]byte(cs.write))
		require.NoError(t, err)
		assert.Equal(t, len(cs.write), n)
		assert.Equal(t, cs.want, buf.String(), "write %d", i)
	}
}

func TestConcurrentUse(t *testing.T) {
	var buf bytes.Buffer
	l := New(&syncWriter{w: &buf}, "s", 800, "", Options{Terminal: 1, Redraw: time.Millisecond})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				if i%10 == 0 {
					fmt.Fprintf(l.Writer(), "worker %d at %d\n", g, i)
					continue
				}
				l.Add(1)
			}
		}()
	}
	wg.Wait()
	l.Done()
	assert.True(t, strings.HasSuffix(buf.String(), "\n"))
	assert.Contains(t, buf.String(), "s: done in ")
}

// syncWriter serialises writes, as an *os.File does.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func TestIsTerminal(t *testing.T) {
	assert.False(t, IsTerminal(&bytes.Buffer{}))
	assert.False(t, IsTerminal(nil))
	f, err := os.CreateTemp(t.TempDir(), "log")
	require.NoError(t, err)
	defer f.Close()
	assert.False(t, IsTerminal(f), "a regular file")
}
