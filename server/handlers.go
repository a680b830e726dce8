package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/spaces"
)

// resetRequest is the body of POST /reset.
type resetRequest struct {
	// Env names the env of a new session; Session names an existing one.
	// Exactly one is set.
	Env     string `json:"env,omitempty"`
	Session string `json:"session,omitempty"`
	// Options are the env's options (new sessions only).
	Options map[string]any `json:"options,omitempty"`
	// ResetOptions are passed to the env's Reset.
	ResetOptions map[string]any `json:"reset_options,omitempty"`
	// Seed re-seeds the env when set.
	Seed *uint64 `json:"seed,omitempty"`
}

// resetResponse is the reply to POST /reset.
type resetResponse struct {
	Session     string          `json:"session"`
	Observation json.RawMessage `json:"observation"`
	Info        json.RawMessage `json:"info"`
}

// stepRequest is the body of POST /step.
type stepRequest struct {
	Session string          `json:"session"`
	Action  json.RawMessage `json:"action"`
}

// sessionRequest is the body of POST /close.
type sessionRequest struct {
	Session string `json:"session"`
}

// stateJSON is the reply to GET /state.
type stateJSON struct {
	Session       string          `json:"session"`
	Env           string          `json:"env"`
	Episodes      int             `json:"episodes"`
	Steps         int             `json:"steps"`
	EpisodeReturn spaces.Float    `json:"episode_return"`
	Done          bool            `json:"done"`
	Observation   json.RawMessage `json:"observation"`
	Created       time.Time       `json:"created"`
	LastUsed      time.Time       `json:"last_used"`
}

// healthJSON is the reply to GET /health.
type healthJSON struct {
	Status      string `json:"status"`
	Sessions    int    `json:"sessions"`
	MaxSessions int    `json:"max_sessions"`
}

// envJSON describes a registered env in GET /envs and GET /spec.
type envJSON struct {
	ID              string          `json:"id"`
	Description     string          `json:"description"`
	MaxEpisodeSteps int             `json:"max_episode_steps"`
	ObservationType string          `json:"observation_type"`
	ActionType      string          `json:"action_type"`
	DefaultOptions  json.RawMessage `json:"default_options"`
}

// specJSON is the reply to GET /spec.
type specJSON struct {
	envJSON
	ObservationSpace spaces.Description `json:"observation_space"`
	ActionSpace      spaces.Description `json:"action_space"`
}

func (s *Server) handleReset(w http.ResponseWriter, r *http.Request) {
	var req resetRequest
	if !s.decode(w, r, &req) {
		return
	}
	seed := env.NoSeed
	if req.Seed != nil {
		seed = env.SeedOf(*req.Seed)
	}
	resetOpts := env.Options(jsonOptions(req.ResetOptions))
	switch {
	case req.Env != "" && req.Session != "":
		writeError(w, http.StatusBadRequest, `give "env" to open a new session or "session" to reset an open one, not both`)
	case req.Session != "":
		if req.Options != nil {
			writeError(w, http.StatusBadRequest, `"options" are the env's construction options and apply only to a new session; use "reset_options" to pass options to Reset`)
			return
		}
		s.resetSession(w, req.Session, seed, resetOpts)
	case req.Env != "":
		s.openSession(w, req.Env, env.Options(jsonOptions(req.Options)), seed, resetOpts)
	default:
		writeError(w, http.StatusBadRequest, `the request names neither "env" (to open a new session) nor "session" (to reset an open one)`)
	}
}

// openSession makes a new session with the env id and resets it. The slot
// it reserves against MaxSessions is given back on every path that does not
// end in an open session, a panicking env constructor or Reset included.
func (s *Server) openSession(w http.ResponseWriter, id string, opts env.Options, seed env.Seed, resetOpts env.Options) {
	if _, ok := env.Lookup(id); !ok {
		writeError(w, http.StatusNotFound, "%s", unknownEnv(id))
		return
	}
	s.mu.Lock()
	if n := len(s.sessions) + s.pending; n >= s.cfg.MaxSessions {
		s.mu.Unlock()
		writeError(w, http.StatusServiceUnavailable, "the server is at its limit of %d sessions; close a session (POST /close) or retry later", s.cfg.MaxSessions)
		return
	}
	s.pending++
	s.mu.Unlock()
	reserved := true
	defer func() {
		if reserved {
			s.mu.Lock()
			s.pending--
			s.mu.Unlock()
		}
	}()

	opts, err := s.resolveTable(opts)
	if err != nil {
		writeError(w, http.StatusBadRequest, "making env %q: %v", id, err)
		return
	}
	e, obs, info, err := s.makeAndReset(id, opts, seed, resetOpts)
	if err != nil {
		var pe *panicError
		if errors.As(err, &pe) {
			s.cfg.Logger.Error("env panicked", slog.String("env", id), slog.Any("panic", pe.value))
			writeError(w, http.StatusInternalServerError, "%v", err)
			return
		}
		writeError(w, http.StatusBadRequest, "%s", s.scrub(err.Error()))
		return
	}
	now := s.cfg.Now()
	ss := &session{id: newSessionID(), envID: id, created: now, env: e, episodes: 1, obs: obs}
	ss.touch(now)
	infoJSON := env.InfoJSON(info)

	s.mu.Lock()
	s.pending--
	reserved = false
	if s.closing {
		s.mu.Unlock()
		_ = e.Close() // the server is going away; nothing to report to
		writeError(w, http.StatusServiceUnavailable, "the server is shutting down")
		return
	}
	s.sessions[ss.id] = ss
	s.mu.Unlock()
	s.cfg.Logger.Info("session opened", slog.String("session", ss.id), slog.String("env", id))
	writeJSON(w, http.StatusOK, resetResponse{Session: ss.id, Observation: obs, Info: infoJSON})
}

// panicError is a panic of an env's constructor or Reset, turned into an
// error.
type panicError struct {
	what  string
	value any
}

func (e *panicError) Error() string { return fmt.Sprintf("%s panicked: %v", e.what, e.value) }

// makeAndReset makes the env id and resets it. It closes the env when the
// reset fails, and turns a panic of either into a *panicError.
func (s *Server) makeAndReset(id string, opts env.Options, seed env.Seed, resetOpts env.Options) (e env.JSONEnv, obs json.RawMessage, info env.Info, err error) {
	what := fmt.Sprintf("making env %q", id)
	defer func() {
		if v := recover(); v != nil {
			if e != nil {
				func() {
					defer func() { _ = recover() }() // a second panic adds nothing
					_ = e.Close()
				}()
			}
			e, obs, info, err = nil, nil, env.Info{}, &panicError{what: what, value: v}
		}
	}()
	if e, err = env.MakeJSON(id, opts); err != nil {
		return nil, nil, env.Info{}, fmt.Errorf("%s: %w", what, err)
	}
	what = fmt.Sprintf("resetting env %q", id)
	if obs, info, err = e.Reset(seed, resetOpts); err != nil {
		_ = e.Close() // the reset error is the one to report
		return nil, nil, env.Info{}, fmt.Errorf("%s: %w", what, err)
	}
	return e, obs, info, nil
}

// resetSession starts a new episode in an open session.
func (s *Server) resetSession(w http.ResponseWriter, id string, seed env.Seed, resetOpts env.Options) {
	ss, ok := s.lock(w, id)
	if !ok {
		return
	}
	defer ss.unlock(s.cfg.Logger)
	obs, info, err := ss.env.Reset(seed, resetOpts)
	ss.episodes++
	ss.steps, ss.ret = 0, 0
	if err != nil {
		ss.done, ss.obs = true, nil
		writeError(w, http.StatusBadRequest, "resetting env %q: %v", ss.envID, err)
		return
	}
	ss.done, ss.obs = false, obs
	writeJSON(w, http.StatusOK, resetResponse{Session: ss.id, Observation: obs, Info: env.InfoJSON(info)})
}

func (s *Server) handleStep(w http.ResponseWriter, r *http.Request) {
	var req stepRequest
	if !s.decode(w, r, &req) {
		return
	}
	ss, ok := s.lock(w, req.Session)
	if !ok {
		return
	}
	defer ss.unlock(s.cfg.Logger)
	res, err := ss.env.Step(req.Action)
	switch {
	case errors.Is(err, env.ErrEpisodeEnded):
		writeError(w, http.StatusConflict, "the episode of session %q has ended; POST /reset with the session to start another", ss.id)
		return
	case errors.Is(err, env.ErrResetNeeded):
		writeError(w, http.StatusConflict, "session %q has no episode in progress (its last reset failed); POST /reset with the session to start one", ss.id)
		return
	case err != nil:
		writeError(w, http.StatusUnprocessableEntity, "%v", err)
		return
	}
	ss.steps++
	ss.ret += res.Reward
	ss.done = res.Done()
	ss.obs = res.Obs
	// JSONStep.MarshalJSON does not fail, and writes the observation the
	// env has rendered (and encoding/json checked) as it is.
	body, _ := res.MarshalJSON()
	writeRaw(w, http.StatusOK, body)
}

func (s *Server) handleClose(w http.ResponseWriter, r *http.Request) {
	var req sessionRequest
	if !s.decode(w, r, &req) {
		return
	}
	if req.Session == "" {
		writeError(w, http.StatusBadRequest, `the request has no "session"`)
		return
	}
	s.mu.Lock()
	ss, ok := s.sessions[req.Session]
	delete(s.sessions, req.Session)
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "no session %q (it was closed, expired or never opened)", req.Session)
		return
	}
	ss.mu.Lock()
	err := ss.close()
	ss.mu.Unlock()
	s.cfg.Logger.Info("session closed", slog.String("session", ss.id), slog.String("env", ss.envID))
	if err != nil {
		writeError(w, http.StatusInternalServerError, "closing env %q of session %q: %v", ss.envID, ss.id, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"session": ss.id, "closed": true})
}

func (s *Server) handleState(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("session")
	ss, ok := s.lock(w, id)
	if !ok {
		return
	}
	st := stateJSON{
		Session: ss.id, Env: ss.envID, Episodes: ss.episodes, Steps: ss.steps,
		EpisodeReturn: spaces.Float(ss.ret), Done: ss.done, Observation: ss.obs,
		Created: ss.created, LastUsed: time.Unix(0, ss.lastUsed.Load()),
	}
	ss.unlock(s.cfg.Logger)
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) handleHealth(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, healthJSON{Status: "ok", Sessions: s.Sessions(), MaxSessions: s.cfg.MaxSessions})
}

func (s *Server) handleEnvs(w http.ResponseWriter, _ *http.Request) {
	list := env.List()
	out := make([]envJSON, len(list))
	for i, info := range list {
		out[i] = describeEnv(info)
	}
	writeJSON(w, http.StatusOK, map[string]any{"envs": out})
}

func (s *Server) handleSpec(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("env")
	if id == "" {
		writeError(w, http.StatusBadRequest, `the query has no "env" parameter (e.g. /spec?env=toy/grid-search-v0)`)
		return
	}
	info, ok := env.Lookup(id)
	if !ok {
		writeError(w, http.StatusNotFound, "%s", unknownEnv(id))
		return
	}
	s.specMu.Lock()
	body, ok := s.specs[id]
	s.specMu.Unlock()
	if !ok {
		e, err := env.MakeJSON(id, nil)
		if err != nil {
			writeError(w, http.StatusInternalServerError, "making env %q with its default options: %v", id, err)
			return
		}
		spec := specJSON{envJSON: describeEnv(info), ObservationSpace: e.ObservationSpace(), ActionSpace: e.ActionSpace()}
		_ = e.Close() // only its spaces were needed
		if body, err = json.Marshal(spec); err != nil {
			writeError(w, http.StatusInternalServerError, "rendering the spec of %q: %v", id, err)
			return
		}
		s.specMu.Lock()
		s.specs[id] = body
		s.specMu.Unlock()
	}
	writeRaw(w, http.StatusOK, body)
}

// lock finds the open session id and locks it, or writes the error and
// returns false. The caller unlocks ss.mu.
func (s *Server) lock(w http.ResponseWriter, id string) (*session, bool) {
	if id == "" {
		writeError(w, http.StatusBadRequest, `the request has no "session"`)
		return nil, false
	}
	s.mu.RLock()
	ss, ok := s.sessions[id]
	s.mu.RUnlock()
	if !ok {
		writeError(w, http.StatusNotFound, "no session %q (it was closed, expired or never opened)", id)
		return nil, false
	}
	ss.mu.Lock()
	if ss.closed || ss.evicted.Load() {
		ss.unlock(s.cfg.Logger)
		writeError(w, http.StatusNotFound, "no session %q (it was closed or expired)", id)
		return nil, false
	}
	ss.touch(s.cfg.Now())
	return ss, true
}

// decode reads the JSON body of r into dst, or writes the error and returns
// false: 413 when the body is larger than MaxBodyBytes, 400 when it is
// empty, malformed, has unknown fields or trailing data.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, dst any) bool {
	body := http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(dst)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = terr
			if err == nil {
				err = fmt.Errorf("unexpected data after the JSON object, which ends at byte %d", dec.InputOffset())
			}
		}
	}
	var tooLarge *http.MaxBytesError
	switch {
	case err == nil:
		return true
	case errors.As(err, &tooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, "the request body is larger than the limit of %d bytes", tooLarge.Limit)
	case errors.Is(err, io.EOF):
		writeError(w, http.StatusBadRequest, "the request body is empty; want a JSON object")
	default:
		writeError(w, http.StatusBadRequest, "malformed request body: %v", err)
	}
	return false
}

// jsonOptions converts options decoded from JSON into the form envs read:
// an array whose elements are all numbers becomes a []float64; everything
// else is kept (numbers are float64, objects map[string]any).
func jsonOptions(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		if arr, ok := v.([]any); ok {
			if fs, ok := numbers(arr); ok {
				out[k] = fs
				continue
			}
		}
		out[k] = v
	}
	return out
}

// numbers returns arr as a []float64 if every element is a float64.
func numbers(arr []any) ([]float64, bool) {
	fs := make([]float64, len(arr))
	for i, x := range arr {
		f, ok := x.(float64)
		if !ok {
			return nil, false
		}
		fs[i] = f
	}
	return fs, true
}

// unknownEnv says that no env is registered under id and what is.
func unknownEnv(id string) string {
	list := env.List()
	ids := make([]string, len(list))
	for i, info := range list {
		ids[i] = info.ID
	}
	if len(ids) == 0 {
		return fmt.Sprintf("no env %q: no envs are registered", id)
	}
	return fmt.Sprintf("no env %q; registered: %s", id, strings.Join(ids, ", "))
}

// describeEnv renders a registry entry.
func describeEnv(info env.SpecInfo) envJSON {
	var opts env.Info // InfoJSON renders any value without failing
	for k, v := range info.DefaultOptions {
		opts.Set(k, v)
	}
	return envJSON{
		ID: info.ID, Description: info.Description, MaxEpisodeSteps: info.MaxEpisodeSteps,
		ObservationType: info.ObservationType, ActionType: info.ActionType,
		DefaultOptions: env.InfoJSON(opts),
	}
}

// writeJSON writes v as the JSON body of a response with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body, _ = json.Marshal(errorJSON{Error: "rendering the response: " + err.Error()})
	}
	writeRaw(w, status, body)
}

// writeRaw writes a JSON body.
func writeRaw(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	// Write errors mean the client has gone; there is no one to tell.
	_, _ = w.Write(body)
	_, _ = io.WriteString(w, "\n") // ends the body as json.Encoder does
}

// errorJSON is the body of every error response.
type errorJSON struct {
	Error string `json:"error"`
}

// writeError writes {"error": message} with the given status.
// The message is cut to maxErrorBytes.
func writeError(w http.ResponseWriter, status int, format string, args ...any) {
	writeJSON(w, status, errorJSON{Error: capMessage(fmt.Sprintf(format, args...))})
}
