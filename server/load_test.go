package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym"
	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/server"
)

// TestThousandConcurrentSessions opens 1,000 sessions (200 under the race
// detector) of the programmatic
// pretrain env on a loopback server, all open at once, plays a full
// episode in each concurrently and checks that no request failed and no
// step was lost. It logs the request latencies (p50, p99) and the peak
// heap and resident memory.
func TestThousandConcurrentSessions(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 sessions: skipped in -short mode")
	}
	const sessions = loadSessions
	srv := server.New(server.Config{})
	addr := serve(t, srv)
	tr := &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64} // bounded
	defer tr.CloseIdleConnections()
	c := server.NewClient("http://"+addr, &http.Client{Transport: tr, Timeout: time.Minute})
	ctx := context.Background()

	var peakHeap atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peakHeap.Load() {
				peakHeap.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()

	var mu sync.Mutex
	var lat []time.Duration
	timed := func(f func() error) error {
		start := time.Now()
		err := f()
		d := time.Since(start)
		mu.Lock()
		lat = append(lat, d)
		mu.Unlock()
		return err
	}
	ids := make([]string, sessions)
	actions := make([][]json.RawMessage, sessions)
	var sent atomic.Int64
	play := func(i int) error {
		var obs json.RawMessage
		if err := timed(func() (err error) {
			ids[i], obs, _, err = c.Reset(ctx, gym.Pretrain, env.SeedOf(uint64(i)), nil)
			return err
		}); err != nil {
			return fmt.Errorf("session %d: reset: %w", i, err)
		}
		var o struct {
			TargetConfigs []json.RawMessage `json:"target_configs"`
		}
		if err := json.Unmarshal(obs, &o); err != nil || len(o.TargetConfigs) == 0 {
			return fmt.Errorf("session %d: observation: %v", i, err)
		}
		for k := range o.TargetConfigs {
			actions[i] = append(actions[i], json.RawMessage(`{"config": `+string(o.TargetConfigs[(k*7+i)%len(o.TargetConfigs)])+`}`))
		}
		return nil
	}
	step := func(i int) error {
		for k, a := range actions[i] {
			var r server.StepResult
			if err := timed(func() (err error) { r, err = c.Step(ctx, ids[i], a); return err }); err != nil {
				return fmt.Errorf("session %d step %d: %w", i, k+1, err)
			}
			sent.Add(1)
			if r.Done() {
				return nil
			}
		}
		return fmt.Errorf("session %d: the episode did not end", i)
	}
	run := func(f func(int) error) []error {
		var wg sync.WaitGroup
		errs := make([]error, sessions)
		for i := range sessions {
			wg.Go(func() { errs[i] = f(i) })
		}
		wg.Wait()
		return slices.DeleteFunc(errs, func(e error) bool { return e == nil })
	}

	start := time.Now()
	require.Empty(t, run(play), "every reset succeeds")
	require.Equal(t, sessions, srv.Sessions(), "all sessions are open at once")
	require.Empty(t, run(step), "every step succeeds")
	// No step was lost: every session counted every step it was sent.
	var counted atomic.Int64
	require.Empty(t, run(func(i int) error {
		st, err := c.State(ctx, ids[i])
		if err != nil {
			return err
		}
		if !st.Done {
			return fmt.Errorf("session %d: not done after %d steps", i, st.Steps)
		}
		counted.Add(int64(st.Steps))
		return c.Close(ctx, ids[i])
	}))
	elapsed := time.Since(start)
	close(stop)
	<-sampled
	assert.Equal(t, sent.Load(), counted.Load(), "lost steps")
	assert.Equal(t, 0, srv.Sessions())

	slices.Sort(lat)
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	t.Logf("%d sessions, %d steps, %d requests in %v: p50 %v, p99 %v, max %v; peak heap in use %.1f MiB, max RSS %.1f MiB",
		sessions, sent.Load(), len(lat), elapsed.Round(time.Millisecond),
		lat[len(lat)/2], lat[len(lat)*99/100], lat[len(lat)-1],
		float64(peakHeap.Load())/(1<<20), float64(ru.Maxrss)/1024)
}
