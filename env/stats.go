package env

import (
	"fmt"
	"time"

	"github.com/autollmresearch/gym/spaces"
)

// Info keys set by [RecordEpisodeStatistics] on the last step of an episode.
const (
	// InfoEpisodeReturn is the sum of the episode's rewards.
	InfoEpisodeReturn = "episode.return"
	// InfoEpisodeLength is the number of steps in the episode.
	InfoEpisodeLength = "episode.length"
	// InfoEpisodeSeconds is the wall-clock time from Reset to the last step.
	InfoEpisodeSeconds = "episode.seconds"
)

// DefaultStatsWindow is the number of recent episodes a new
// [RecordEpisodeStatistics] keeps.
const DefaultStatsWindow = 100

// EpisodeStats summarises one finished episode.
type EpisodeStats struct {
	// Return is the sum of the episode's rewards.
	Return float64
	// Length is the number of steps.
	Length int
	// Seconds is the wall-clock time from Reset to the last step.
	Seconds float64
}

// RecordEpisodeStatistics tracks the return, length and wall-clock time of
// each episode. On the step that ends an episode (Terminated or Truncated)
// it adds the numbers [InfoEpisodeReturn], [InfoEpisodeLength] and
// [InfoEpisodeSeconds] to the step's Info, and it keeps the statistics of
// the most recent episodes (a window of [DefaultStatsWindow] unless changed
// with SetWindow) for logging. Recording allocates nothing.
type RecordEpisodeStatistics[O, A any] struct {
	env Env[O, A]

	ret    float64
	length int
	start  time.Time

	recent   []EpisodeStats // ring buffer of len window
	next     int            // slot for the next episode
	filled   int            // slots holding an episode
	episodes int            // episodes finished in total

	own Info // used when the wrapped env's Info has no maps to write into
}

// NewRecordEpisodeStatistics wraps e to record episode statistics.
func NewRecordEpisodeStatistics[O, A any](e Env[O, A]) *RecordEpisodeStatistics[O, A] {
	return &RecordEpisodeStatistics[O, A]{env: e, recent: make([]EpisodeStats, DefaultStatsWindow)}
}

// SetWindow changes the number of recent episodes kept, keeping the most
// recent ones. n must be at least 1.
func (w *RecordEpisodeStatistics[O, A]) SetWindow(n int) error {
	if n < 1 {
		return fmt.Errorf("env: RecordEpisodeStatistics: window is %d, want at least 1", n)
	}
	kept := w.Recent()
	if len(kept) > n {
		kept = kept[len(kept)-n:]
	}
	w.recent = make([]EpisodeStats, n)
	copy(w.recent, kept)
	w.next = len(kept) % n
	w.filled = len(kept)
	return nil
}

// Window returns the number of recent episodes kept.
func (w *RecordEpisodeStatistics[O, A]) Window() int { return len(w.recent) }

// Episodes returns the number of episodes finished since the wrapper was
// made.
func (w *RecordEpisodeStatistics[O, A]) Episodes() int { return w.episodes }

// Recent returns the statistics of the most recent finished episodes, at
// most Window of them, oldest first. The slice is a copy.
func (w *RecordEpisodeStatistics[O, A]) Recent() []EpisodeStats {
	out := make([]EpisodeStats, 0, w.filled)
	if w.filled < len(w.recent) {
		return append(out, w.recent[:w.filled]...)
	}
	out = append(out, w.recent[w.next:]...)
	return append(out, w.recent[:w.next]...)
}

// MeanReturn returns the mean return of the recent episodes kept, or 0
// before any episode has finished.
func (w *RecordEpisodeStatistics[O, A]) MeanReturn() float64 {
	if w.filled == 0 {
		return 0
	}
	sum := 0.0
	for _, s := range w.recent[:w.filled] {
		sum += s.Return
	}
	return sum / float64(w.filled)
}

// Reset resets the wrapped env and starts a new episode's tally.
func (w *RecordEpisodeStatistics[O, A]) Reset(seed Seed, options Options) (O, Info, error) {
	w.ret, w.length = 0, 0
	w.start = time.Now()
	return w.env.Reset(seed, options)
}

// Step steps the wrapped env and records the episode when it ends.
func (w *RecordEpisodeStatistics[O, A]) Step(action A) (StepResult[O], error) {
	r, err := w.env.Step(action)
	if err != nil {
		return r, err
	}
	w.ret += r.Reward
	w.length++
	if !r.Done() {
		return r, nil
	}
	s := EpisodeStats{Return: w.ret, Length: w.length, Seconds: time.Since(w.start).Seconds()}
	w.recent[w.next] = s
	w.next = (w.next + 1) % len(w.recent)
	w.filled = min(w.filled+1, len(w.recent))
	w.episodes++
	// Write into an Info of our own, whose storage is kept and reused,
	// rather than into the wrapped env's.
	w.own.Clear()
	w.own.Merge(r.Info)
	info := &w.own
	info.SetNum(InfoEpisodeReturn, s.Return)
	info.SetNum(InfoEpisodeLength, float64(s.Length))
	info.SetNum(InfoEpisodeSeconds, s.Seconds)
	r.Info = *info
	return r, nil
}

// ObservationSpace returns the wrapped env's observation space.
func (w *RecordEpisodeStatistics[O, A]) ObservationSpace() spaces.Space[O] {
	return w.env.ObservationSpace()
}

// ActionSpace returns the wrapped env's action space.
func (w *RecordEpisodeStatistics[O, A]) ActionSpace() spaces.Space[A] { return w.env.ActionSpace() }

// Close closes the wrapped env.
func (w *RecordEpisodeStatistics[O, A]) Close() error { return w.env.Close() }

// UnwrapEnv returns the wrapped env.
func (w *RecordEpisodeStatistics[O, A]) UnwrapEnv() any { return w.env }
