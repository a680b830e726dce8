package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/autollmresearch/gym/env"
	"github.com/autollmresearch/gym/spaces"
)

// maxResponseBytes bounds the size of a response body the Client reads.
const maxResponseBytes = 64 << 20

// Client calls a [Server] over HTTP. Its methods are safe for concurrent
// use as long as the http.Client is.
type Client struct {
	base string
	http *http.Client
}

// NewClient returns a client of the server at baseURL (e.g.
// "http://127.0.0.1:8080") that sends its requests with hc, or with
// http.DefaultClient when hc is nil.
func NewClient(baseURL string, hc *http.Client) *Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{base: strings.TrimRight(baseURL, "/"), http: hc}
}

// Error is a response with a status other than 200 OK.
type Error struct {
	// StatusCode is the HTTP status, e.g. 404.
	StatusCode int
	// Message is the server's error message.
	Message string
}

// Error gives the status and the message.
func (e *Error) Error() string {
	return fmt.Sprintf("server: %d %s: %s", e.StatusCode, http.StatusText(e.StatusCode), e.Message)
}

// StepResult is the reply to a step.
type StepResult struct {
	// Observation is the observation after the step, as JSON.
	Observation json.RawMessage
	// Reward is the step's reward.
	Reward float64
	// Terminated and Truncated say how the episode ended, if it did.
	Terminated, Truncated bool
	// Info is the env's info object, as JSON.
	Info json.RawMessage
}

// Done reports whether the episode ended with the step.
func (r StepResult) Done() bool { return r.Terminated || r.Truncated }

// State describes an open session.
type State struct {
	// Session is the session's id and Env the id of its env.
	Session, Env string
	// Episodes counts the resets so far, Steps the steps of the current
	// episode and EpisodeReturn the sum of their rewards.
	Episodes, Steps int
	EpisodeReturn   float64
	// Done reports that the current episode has ended (or its reset
	// failed).
	Done bool
	// Observation is the last observation, as JSON.
	Observation json.RawMessage
	// Created and LastUsed are the times the session was opened and last
	// used, by the server's clock.
	Created, LastUsed time.Time
}

// Health is the reply to a health check.
type Health struct {
	// Status is "ok".
	Status string `json:"status"`
	// Sessions is the number of open sessions, MaxSessions the limit.
	Sessions    int `json:"sessions"`
	MaxSessions int `json:"max_sessions"`
}

// Reset opens a session of the env registered under id, built with
// options, and starts its first episode, re-seeded with seed when it is
// set. It returns the session's id, the first observation and the info.
func (c *Client) Reset(ctx context.Context, id string, seed env.Seed, options env.Options) (session string, obs, info json.RawMessage, err error) {
	var res resetResponse
	req := resetRequest{Env: id, Options: options, Seed: seedPtr(seed)}
	if err := c.call(ctx, http.MethodPost, "/reset", req, &res); err != nil {
		return "", nil, nil, err
	}
	return res.Session, res.Observation, res.Info, nil
}

// ResetSession starts a new episode in an open session, passing options
// to the env's Reset.
func (c *Client) ResetSession(ctx context.Context, session string, seed env.Seed, options env.Options) (obs, info json.RawMessage, err error) {
	var res resetResponse
	req := resetRequest{Session: session, ResetOptions: options, Seed: seedPtr(seed)}
	if err := c.call(ctx, http.MethodPost, "/reset", req, &res); err != nil {
		return nil, nil, err
	}
	return res.Observation, res.Info, nil
}

// Step sends one action to a session. The action is rendered with
// encoding/json, unless it is a json.RawMessage, which is sent as it is.
func (c *Client) Step(ctx context.Context, session string, action any) (StepResult, error) {
	raw, ok := action.(json.RawMessage)
	if !ok {
		var err error
		if raw, err = json.Marshal(action); err != nil {
			return StepResult{}, fmt.Errorf("server: rendering the action as JSON: %w", err)
		}
	}
	var res struct {
		Observation json.RawMessage `json:"observation"`
		Reward      spaces.Float    `json:"reward"`
		Terminated  bool            `json:"terminated"`
		Truncated   bool            `json:"truncated"`
		Info        json.RawMessage `json:"info"`
	}
	if err := c.call(ctx, http.MethodPost, "/step", stepRequest{Session: session, Action: raw}, &res); err != nil {
		return StepResult{}, err
	}
	return StepResult{
		Observation: res.Observation, Reward: float64(res.Reward),
		Terminated: res.Terminated, Truncated: res.Truncated, Info: res.Info,
	}, nil
}

// State describes an open session.
func (c *Client) State(ctx context.Context, session string) (State, error) {
	var st stateJSON
	if err := c.call(ctx, http.MethodGet, "/state?session="+url.QueryEscape(session), nil, &st); err != nil {
		return State{}, err
	}
	return State{
		Session: st.Session, Env: st.Env, Episodes: st.Episodes, Steps: st.Steps,
		EpisodeReturn: float64(st.EpisodeReturn), Done: st.Done, Observation: st.Observation,
		Created: st.Created, LastUsed: st.LastUsed,
	}, nil
}

// Close closes a session and its env.
func (c *Client) Close(ctx context.Context, session string) error {
	return c.call(ctx, http.MethodPost, "/close", sessionRequest{Session: session}, nil)
}

// Health checks that the server is up.
func (c *Client) Health(ctx context.Context) (Health, error) {
	var h Health
	err := c.call(ctx, http.MethodGet, "/health", nil, &h)
	return h, err
}

func seedPtr(s env.Seed) *uint64 {
	if !s.Set {
		return nil
	}
	return &s.Value
}

// call sends a request with body in (nil for none) and decodes a 200
// response into out (nil to discard it), or returns an *Error.
func (c *Client) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("server: rendering the %s request: %w", path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return fmt.Errorf("server: reading the %s response: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e errorJSON
		if json.Unmarshal(data, &e) != nil || e.Error == "" {
			e.Error = strings.TrimSpace(string(data))
		}
		return &Error{StatusCode: resp.StatusCode, Message: e.Error}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("server: decoding the %s response: %w", path, err)
	}
	return nil
}
