package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autollmresearch/gym"
	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/env/research"
	"github.com/autollmresearch/gym/server"
	"github.com/autollmresearch/gym/spaces"
)

// closerID is a test env that counts its closes in closes and, when
// gate is set, blocks in Step until gate is closed.
const closerID = "servertest/closer-v0"

var (
	closes  atomic.Int64
	gateMu  sync.Mutex
	gate    chan struct{} // Step waits on it when not nil
	entered = make(chan struct{}, 1)
)

func init() {
	env.MustRegister(env.Spec[int, int]{
		ID:          closerID,
		Description: "counts its closes",
		New:         func(env.Options) (env.Env[int, int], error) { return &closerEnv{}, nil },
	})
}

type closerEnv struct{ n int }

func (e *closerEnv) Reset(env.Seed, env.Options) (int, env.Info, error) {
	e.n = 0
	return 0, env.Info{}, nil
}

func (e *closerEnv) Step(a int) (env.StepResult[int], error) {
	gateMu.Lock()
	g := gate
	gateMu.Unlock()
	if g != nil {
		entered <- struct{}{}
		<-g
	}
	e.n++
	return env.StepResult[int]{Obs: e.n, Reward: float64(a), Terminated: e.n >= 3}, nil
}

func (e *closerEnv) ObservationSpace() spaces.Space[int] { return spaces.NewDiscrete(4) }
func (e *closerEnv) ActionSpace() spaces.Space[int]      { return spaces.NewDiscrete(2) }
func (e *closerEnv) Close() error                        { closes.Add(1); return nil }

// start serves a new server on loopback and shuts it down at the end of
// the test.
func start(t testing.TB, cfg server.Config) (*server.Server, *server.Client, string) {
	t.Helper()
	srv := server.New(cfg)
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ts.Close()
		_ = srv.Shutdown(context.Background()) // a second Shutdown is harmless
	})
	tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, MaxConnsPerHost: 64}
	t.Cleanup(tr.CloseIdleConnections)
	return srv, server.NewClient(ts.URL, &http.Client{Transport: tr}), ts.URL
}

// episode is what a run of an env shows: observations (JSON) and rewards.
type episode struct {
	obs     []string
	rewards []float64
	ends    []bool
}

// runTyped runs an episode of id in process, with the env's own types,
// decoding each action from its JSON form.
func runTyped[O, A any](t *testing.T, id string, seed uint64, actions []json.RawMessage) episode {
	t.Helper()
	e, err := env.Make[O, A](id, nil)
	require.NoError(t, err)
	defer e.Close()
	obs, _, err := e.Reset(env.SeedOf(seed), nil)
	require.NoError(t, err)
	var ep episode
	add := func(o O) {
		b, err := json.Marshal(o)
		require.NoError(t, err)
		ep.obs = append(ep.obs, string(b))
	}
	add(obs)
	for _, raw := range actions {
		var a A
		require.NoError(t, json.Unmarshal(raw, &a))
		r, err := e.Step(a)
		require.NoError(t, err)
		add(r.Obs)
		ep.rewards = append(ep.rewards, r.Reward)
		ep.ends = append(ep.ends, r.Done())
		if r.Done() {
			break
		}
	}
	return ep
}

// runHTTP runs the same episode through the server.
func runHTTP(t *testing.T, c *server.Client, id string, seed uint64, actions []json.RawMessage) episode {
	t.Helper()
	ctx := context.Background()
	session, obs, _, err := c.Reset(ctx, id, env.SeedOf(seed), nil)
	require.NoError(t, err)
	defer func() { require.NoError(t, c.Close(ctx, session)) }()
	ep := episode{obs: []string{string(obs)}}
	for _, a := range actions {
		r, err := c.Step(ctx, session, a)
		require.NoError(t, err)
		ep.obs = append(ep.obs, string(r.Observation))
		ep.rewards = append(ep.rewards, r.Reward)
		ep.ends = append(ep.ends, r.Done())
		if r.Done() {
			break
		}
	}
	st, err := c.State(ctx, session)
	require.NoError(t, err)
	assert.Equal(t, len(ep.rewards), st.Steps)
	assert.Equal(t, id, st.Env)
	assert.InDelta(t, sum(ep.rewards), st.EpisodeReturn, 1e-12)
	assert.Equal(t, ep.ends[len(ep.ends)-1], st.Done)
	assert.JSONEq(t, ep.obs[len(ep.obs)-1], string(st.Observation))
	return ep
}

func sum(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s
}

func assertSameEpisode(t *testing.T, want, got episode) {
	t.Helper()
	require.Len(t, got.obs, len(want.obs))
	for i := range want.obs {
		assert.JSONEq(t, want.obs[i], got.obs[i], "observation %d", i)
	}
	assert.Equal(t, want.rewards, got.rewards)
	assert.Equal(t, want.ends, got.ends)
	assert.True(t, want.ends[len(want.ends)-1], "the episode ran to its end")
}

// toyActions is a deterministic sequence of grid indices for a seed.
func toyActions(seed uint64) []json.RawMessage {
	r := rand.New(rand.NewPCG(seed, 99))
	out := make([]json.RawMessage, 12)
	for i := range out {
		out[i] = json.RawMessage(fmt.Sprint(r.IntN(64)))
	}
	return out
}

// pretrainConfigs returns canonical configs of the target of the
// pretrain env's episode with the given seed.
func pretrainConfigs(t *testing.T, seed uint64) []json.RawMessage {
	t.Helper()
	e, err := env.MakeJSON(gym.Pretrain, nil)
	require.NoError(t, err)
	defer e.Close()
	obs, _, err := e.Reset(env.SeedOf(seed), nil)
	require.NoError(t, err)
	var o struct {
		TargetConfigs []json.RawMessage `json:"target_configs"`
	}
	require.NoError(t, json.Unmarshal(obs, &o))
	require.NotEmpty(t, o.TargetConfigs)
	var out []json.RawMessage
	for k := range 6 {
		out = append(out, o.TargetConfigs[(k*37+3)%len(o.TargetConfigs)])
	}
	return out
}

func TestEpisodeOverHTTPMatchesInProcess(t *testing.T) {
	_, c, _ := start(t, server.Config{})
	textID, err := research.ViewID(gym.Pretrain, "text")
	require.NoError(t, err)
	require.Equal(t, "pretrain/steplaw-text-v0", textID)

	t.Run("toy", func(t *testing.T) {
		for _, seed := range []uint64{1, 2, 3} {
			actions := toyActions(seed)
			want := runTyped[[]float64, int](t, gym.ToyGridSearch, seed, actions)
			got := runHTTP(t, c, gym.ToyGridSearch, seed, actions)
			assertSameEpisode(t, want, got)
		}
	})
	t.Run("pretrain programmatic", func(t *testing.T) {
		for _, seed := range []uint64{1, 5} {
			var actions []json.RawMessage
			for _, cfg := range pretrainConfigs(t, seed) {
				actions = append(actions, json.RawMessage(`{"config": `+string(cfg)+`}`))
			}
			want := runTyped[*research.Observation, research.Action](t, gym.Pretrain, seed, actions)
			got := runHTTP(t, c, gym.Pretrain, seed, actions)
			assertSameEpisode(t, want, got)
			assert.Len(t, got.rewards, 5, "the default 5 target trials")
		}
	})
	t.Run("pretrain text", func(t *testing.T) {
		seed := uint64(4)
		var actions []json.RawMessage
		for i, cfg := range pretrainConfigs(t, seed) {
			reply := "My answer:\n```json\n" + string(cfg) + "\n```"
			if i == 1 {
				reply = "no JSON here" // an invalid reply is a step too
			}
			b, err := json.Marshal(reply)
			require.NoError(t, err)
			actions = append(actions, b)
		}
		want := runTyped[string, string](t, textID, seed, actions)
		got := runHTTP(t, c, textID, seed, actions)
		assertSameEpisode(t, want, got)
	})
}

func TestConcurrentSessions(t *testing.T) {
	const sessions = 500
	srv, c, _ := start(t, server.Config{})
	// The in-process returns, one per seed.
	want := make([]episode, sessions)
	for i := range want {
		want[i] = runTyped[[]float64, int](t, gym.ToyGridSearch, uint64(i), toyActions(uint64(i)))
	}
	ctx := context.Background()
	errs := make(chan error, sessions)
	var wg sync.WaitGroup
	for i := range sessions {
		wg.Go(func() {
			errs <- func() error {
				seed := uint64(i)
				id, _, _, err := c.Reset(ctx, gym.ToyGridSearch, env.SeedOf(seed), nil)
				if err != nil {
					return err
				}
				var rewards []float64
				for _, a := range toyActions(seed) {
					r, err := c.Step(ctx, id, a)
					if err != nil {
						return fmt.Errorf("session %d: %w", i, err)
					}
					rewards = append(rewards, r.Reward)
					if r.Done() {
						break
					}
				}
				if !assert.Equal(t, want[i].rewards, rewards, "session %d", i) {
					return fmt.Errorf("session %d: cross-talk", i)
				}
				return c.Close(ctx, id)
			}()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.Equal(t, 0, srv.Sessions())
}

// do sends a raw request and returns the status and the error message.
func do(t *testing.T, method, url, body string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var e struct {
		Error string `json:"error"`
	}
	if resp.StatusCode != http.StatusOK {
		assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&e), "error bodies are JSON")
		assert.NotEmpty(t, e.Error)
	}
	return resp.StatusCode, e.Error, resp.Header
}

func TestBadRequests(t *testing.T) {
	_, c, url := start(t, server.Config{MaxBodyBytes: 512})
	ctx := context.Background()
	live, _, _, err := c.Reset(ctx, gym.ToyGridSearch, env.SeedOf(1), nil)
	require.NoError(t, err)
	ended, _, _, err := c.Reset(ctx, closerID, env.NoSeed, nil)
	require.NoError(t, err)
	for range 3 {
		_, err := c.Step(ctx, ended, 1)
		require.NoError(t, err)
	}
	step := func(action string) string {
		return fmt.Sprintf(`{"session": %q, "action": %s}`, live, action)
	}

	tests := []struct {
		name, method, path, body string
		status                   int
		want                     []string
	}{
		{"malformed JSON", "POST", "/reset", `{"env": `, 400, []string{"malformed request body", "unexpected EOF"}},
		{"not an object", "POST", "/reset", `[1]`, 400, []string{"malformed request body", "cannot unmarshal array"}},
		{"unknown field", "POST", "/reset", `{"env": "toy/grid-search-v0", "speed": 1}`, 400, []string{`unknown field "speed"`}},
		{"trailing data", "POST", "/reset", `{"env": "toy/grid-search-v0"} {}`, 400, []string{"unexpected data after the JSON object"}},
		{"empty body", "POST", "/reset", ``, 400, []string{"the request body is empty"}},
		{"negative seed", "POST", "/reset", `{"env": "toy/grid-search-v0", "seed": -1}`, 400, []string{"seed", "uint64"}},
		{"env and session", "POST", "/reset", `{"env": "toy/grid-search-v0", "session": "x"}`, 400, []string{"not both"}},
		{"neither env nor session", "POST", "/reset", `{}`, 400, []string{`neither "env"`}},
		{"options on reset of a session", "POST", "/reset", `{"session": "x", "options": {}}`, 400, []string{`use "reset_options"`}},
		{"unknown env", "POST", "/reset", `{"env": "toy/grid-search-v9"}`, 404,
			[]string{`no env "toy/grid-search-v9"`, "registered: ", "toy/grid-search-v0", "pretrain/steplaw-v0"}},
		{"bad env options", "POST", "/reset", `{"env": "toy/grid-search-v0", "options": {"dims": "two"}}`, 400,
			[]string{`making env "toy/grid-search-v0"`, "dims"}},
		{"bad reset options", "POST", "/reset", `{"env": "pretrain/steplaw-v0", "reset_options": {"target": "nowhere"}}`, 400,
			[]string{`resetting env "pretrain/steplaw-v0"`, "nowhere"}},
		{"unknown session reset", "POST", "/reset", `{"session": "nope"}`, 404, []string{`no session "nope"`}},
		{"too large", "POST", "/step", `{"session": "x", "action": "` + strings.Repeat("a", 600) + `"}`, 413,
			[]string{"larger than the limit of 512 bytes"}},
		{"step without session", "POST", "/step", `{"action": 1}`, 400, []string{`no "session"`}},
		{"step unknown session", "POST", "/step", `{"session": "nope", "action": 1}`, 404, []string{`no session "nope"`}},
		{"action outside space", "POST", "/step", step(`64`), 422, []string{"action 64 is not in the action space Discrete(64)"}},
		{"action of wrong type", "POST", "/step", step(`"left"`), 422, []string{`action "left" cannot be decoded as int`}},
		{"missing action", "POST", "/step", fmt.Sprintf(`{"session": %q}`, live), 422, []string{"the action is missing"}},
		{"step after the end", "POST", "/step", fmt.Sprintf(`{"session": %q, "action": 1}`, ended), 409,
			[]string{"has ended", "POST /reset"}},
		{"close without session", "POST", "/close", `{}`, 400, []string{`no "session"`}},
		{"close unknown session", "POST", "/close", `{"session": "nope"}`, 404, []string{`no session "nope"`}},
		{"state without session", "GET", "/state", ``, 400, []string{`no "session"`}},
		{"state unknown session", "GET", "/state?session=nope", ``, 404, []string{`no session "nope"`}},
		{"spec without env", "GET", "/spec", ``, 400, []string{`no "env" parameter`}},
		{"spec unknown env", "GET", "/spec?env=x/y-v0", ``, 404, []string{`no env "x/y-v0"`, "toy/grid-search-v0"}},
		{"GET step", "GET", "/step", ``, 405, []string{"method GET is not allowed on /step; use POST"}},
		{"POST health", "POST", "/health", `{}`, 405, []string{"use GET"}},
		{"DELETE envs", "DELETE", "/envs", ``, 405, []string{"use GET"}},
		{"unknown path", "GET", "/sessions", ``, 404, []string{"no endpoint /sessions", "POST /reset"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, msg, h := do(t, tc.method, url+tc.path, tc.body)
			assert.Equal(t, tc.status, status, msg)
			for _, w := range tc.want {
				assert.Contains(t, msg, w)
			}
			if status == http.StatusMethodNotAllowed {
				assert.NotEmpty(t, h.Get("Allow"))
			}
		})
	}

	// The live session is unharmed by the bad requests.
	r, err := c.Step(ctx, live, 3)
	require.NoError(t, err)
	assert.False(t, r.Done())
	st, err := c.State(ctx, live)
	require.NoError(t, err)
	assert.Equal(t, 1, st.Steps)

	// The client reports errors with their status.
	_, err = c.Step(ctx, ended, 0)
	var se *server.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, http.StatusConflict, se.StatusCode)
	assert.Contains(t, se.Error(), "409 Conflict")
}

func TestResetSession(t *testing.T) {
	_, c, _ := start(t, server.Config{})
	ctx := context.Background()
	id, first, _, err := c.Reset(ctx, gym.ToyGridSearch, env.SeedOf(7), nil)
	require.NoError(t, err)
	for _, a := range toyActions(7)[:10] {
		_, err := c.Step(ctx, id, a)
		require.NoError(t, err)
	}
	again, _, err := c.ResetSession(ctx, id, env.SeedOf(7), nil)
	require.NoError(t, err)
	assert.JSONEq(t, string(first), string(again), "the same seed gives the same episode")
	st, err := c.State(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, 2, st.Episodes)
	assert.Equal(t, 0, st.Steps)
	assert.False(t, st.Done)

	// Reset options reach the env's Reset: the toy accepts a centre.
	obs, _, err := c.ResetSession(ctx, id, env.NoSeed, env.Options{"centre": []float64{0.5, 0.5}})
	require.NoError(t, err)
	assert.NotEmpty(t, obs)
	// A failed reset leaves no episode to step.
	_, _, err = c.ResetSession(ctx, id, env.NoSeed, env.Options{"centre": "middle"})
	var se *server.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, http.StatusBadRequest, se.StatusCode)
	_, err = c.Step(ctx, id, 0)
	require.ErrorAs(t, err, &se)
	assert.Equal(t, http.StatusConflict, se.StatusCode)
	assert.Contains(t, se.Message, "no episode in progress")
}

func TestSessionLimit(t *testing.T) {
	srv, c, _ := start(t, server.Config{MaxSessions: 2})
	ctx := context.Background()
	a, _, _, err := c.Reset(ctx, closerID, env.NoSeed, nil)
	require.NoError(t, err)
	_, _, _, err = c.Reset(ctx, closerID, env.NoSeed, nil)
	require.NoError(t, err)
	_, _, _, err = c.Reset(ctx, closerID, env.NoSeed, nil)
	var se *server.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, http.StatusServiceUnavailable, se.StatusCode)
	assert.Contains(t, se.Message, "limit of 2 sessions")
	require.NoError(t, c.Close(ctx, a))
	_, _, _, err = c.Reset(ctx, closerID, env.NoSeed, nil)
	require.NoError(t, err, "closing a session frees its slot")
	assert.Equal(t, 2, srv.Sessions())
}

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestIdleSessionsExpire(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	srv, c, _ := start(t, server.Config{IdleTimeout: time.Minute, Now: clock.Now, SweepInterval: time.Hour})
	ctx := context.Background()
	before := closes.Load()
	busy, _, _, err := c.Reset(ctx, closerID, env.NoSeed, nil)
	require.NoError(t, err)
	idle, _, _, err := c.Reset(ctx, closerID, env.NoSeed, nil)
	require.NoError(t, err)

	clock.Advance(40 * time.Second)
	assert.Equal(t, 0, srv.ExpireIdle(), "no session is idle for a minute yet")
	_, err = c.Step(ctx, busy, 1)
	require.NoError(t, err)
	clock.Advance(40 * time.Second)
	assert.Equal(t, 1, srv.ExpireIdle())
	assert.Equal(t, before+1, closes.Load(), "the expired session's env is closed")
	assert.Equal(t, 1, srv.Sessions())

	_, err = c.Step(ctx, idle, 1)
	var se *server.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, http.StatusNotFound, se.StatusCode)
	st, err := c.State(ctx, busy)
	require.NoError(t, err)
	assert.Equal(t, clock.Now(), st.LastUsed.UTC())
}

func TestJanitorExpiresSessions(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	srv, c, _ := start(t, server.Config{IdleTimeout: time.Minute, Now: clock.Now, SweepInterval: time.Millisecond})
	_, _, _, err := c.Reset(context.Background(), closerID, env.NoSeed, nil)
	require.NoError(t, err)
	assert.Equal(t, 1, srv.Sessions())
	clock.Advance(2 * time.Minute)
	require.Eventually(t, func() bool { return srv.Sessions() == 0 }, 10*time.Second, time.Millisecond)
}

func TestShutdownDrainsAndClosesEnvs(t *testing.T) {
	srv, c, url := start(t, server.Config{})
	ctx := context.Background()
	before := closes.Load()
	var ids []string
	for range 3 {
		id, _, _, err := c.Reset(ctx, closerID, env.NoSeed, nil)
		require.NoError(t, err)
		ids = append(ids, id)
	}

	// A step in progress when Shutdown starts is finished before its env
	// is closed.
	g := make(chan struct{})
	gateMu.Lock()
	gate = g
	gateMu.Unlock()
	defer func() {
		gateMu.Lock()
		gate = nil
		gateMu.Unlock()
	}()
	stepped := make(chan error, 1)
	go func() {
		_, err := c.Step(ctx, ids[0], 1)
		stepped <- err
	}()
	<-entered
	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(ctx) }()
	require.Eventually(t, func() bool {
		status, _, _ := do(t, "GET", url+"/health", "")
		return status == http.StatusServiceUnavailable
	}, 10*time.Second, time.Millisecond, "new requests are refused during shutdown")
	assert.Equal(t, before, closes.Load(), "no env is closed while a step runs")
	close(g)
	require.NoError(t, <-stepped)
	require.NoError(t, <-shut)
	assert.Equal(t, before+3, closes.Load())
	assert.Equal(t, 0, srv.Sessions())
	_, err := c.Health(ctx)
	var se *server.Error
	require.ErrorAs(t, err, &se)
	assert.Equal(t, http.StatusServiceUnavailable, se.StatusCode)
	assert.Contains(t, se.Message, "shutting down")
}

func TestServeAndShutdown(t *testing.T) {
	srv := server.New(server.Config{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	c := server.NewClient("http://"+l.Addr().String(), nil)
	ctx := context.Background()
	var h server.Health
	require.Eventually(t, func() bool {
		h, err = c.Health(ctx)
		return err == nil
	}, 10*time.Second, time.Millisecond)
	assert.Equal(t, server.Health{Status: "ok", Sessions: 0, MaxSessions: server.DefaultMaxSessions}, h)
	before := closes.Load()
	_, _, _, err = c.Reset(ctx, closerID, env.NoSeed, nil)
	require.NoError(t, err)
	require.NoError(t, srv.Shutdown(ctx))
	assert.ErrorIs(t, <-served, http.ErrServerClosed)
	assert.Equal(t, before+1, closes.Load())
	assert.ErrorIs(t, srv.Serve(l), http.ErrServerClosed, "Serve after Shutdown")
}

func TestShutdownHonoursContext(t *testing.T) {
	srv, c, _ := start(t, server.Config{})
	ctx := context.Background()
	id, _, _, err := c.Reset(ctx, closerID, env.NoSeed, nil)
	require.NoError(t, err)
	g := make(chan struct{})
	gateMu.Lock()
	gate = g
	gateMu.Unlock()
	defer func() {
		gateMu.Lock()
		gate = nil
		gateMu.Unlock()
	}()
	stepped := make(chan error, 1)
	go func() {
		_, err := c.Step(ctx, id, 1)
		stepped <- err
	}()
	<-entered
	before := closes.Load()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	// The step cannot finish before the gate opens, so the wait for it is
	// cut short and Shutdown returns without closing its env.
	err = srv.Shutdown(cancelled)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, before, closes.Load(), "the busy env is left to its request")
	close(g)
	require.NoError(t, <-stepped, "the step in progress completes")
	require.Eventually(t, func() bool { return closes.Load() == before+1 }, 10*time.Second, time.Millisecond,
		"the request closes its env as it finishes")
	assert.Equal(t, 0, srv.Sessions())
}

func TestEnvsAndSpec(t *testing.T) {
	_, _, url := start(t, server.Config{})
	resp, err := http.Get(url + "/envs")
	require.NoError(t, err)
	defer resp.Body.Close()
	var envs struct {
		Envs []struct {
			ID          string `json:"id"`
			Description string `json:"description"`
			ActionType  string `json:"action_type"`
		} `json:"envs"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&envs))
	byID := map[string]string{}
	for _, e := range envs.Envs {
		byID[e.ID] = e.ActionType
	}
	for _, id := range gym.BuiltinIDs() {
		assert.Contains(t, byID, id)
	}
	assert.Equal(t, "int", byID[gym.ToyGridSearch])
	assert.Equal(t, "research.Action", byID[gym.Pretrain])

	for range 2 { // the second answer comes from the cache
		resp, err := http.Get(url + "/spec?env=" + gym.ToyGridSearch)
		require.NoError(t, err)
		var spec struct {
			ID              string             `json:"id"`
			MaxEpisodeSteps int                `json:"max_episode_steps"`
			Observation     spaces.Description `json:"observation_space"`
			Action          spaces.Description `json:"action_space"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&spec))
		resp.Body.Close()
		assert.Equal(t, gym.ToyGridSearch, spec.ID)
		assert.Equal(t, 50, spec.MaxEpisodeSteps)
		assert.Equal(t, spaces.Description{Type: spaces.TypeDiscrete, N: 64}, spec.Action)
		assert.Equal(t, spaces.TypeBox, spec.Observation.Type)
	}
}

func TestClientTransportError(t *testing.T) {
	c := server.NewClient("http://127.0.0.1:1", nil) // nothing listens on port 1
	_, err := c.Health(context.Background())
	require.Error(t, err)
	var se *server.Error
	assert.False(t, errors.As(err, &se), "a transport failure is not a server error")
}
