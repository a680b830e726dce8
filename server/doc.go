// Package server serves the registered envs over HTTP with JSON bodies, so
// that trainers written in other languages (Python, typically) can drive
// them, and provides a Go [Client] for it.
//
// Each client works in a session: an env of its own, opened by a reset and
// kept until it is closed, the server shuts down or it has been idle for
// Config.IdleTimeout. Sessions are isolated from each other; requests to
// one session are served one at a time. Observations and actions are the
// JSON views of the env's own types (see env.MakeJSON): for example a
// []float64 and an int for toy/grid-search-v0, a prompt and a reply string
// for the text views, and research.Observation and research.Action for the
// programmatic research envs.
//
// The endpoints:
//
//	POST /reset  {"env": id, "options": {...}, "seed": n}
//	             opens a session of env id built with options (optional) and
//	             starts an episode, re-seeded with seed when given;
//	             {"session": s, "seed": n, "reset_options": {...}} starts a
//	             new episode of open session s instead. reset_options are
//	             passed to the env's Reset.
//	             -> {"session": s, "observation": ..., "info": {...}}
//	POST /step   {"session": s, "action": ...}
//	             -> {"observation": ..., "reward": r, "terminated": b,
//	                 "truncated": b, "info": {...}}
//	POST /close  {"session": s} -> {"session": s, "closed": true}
//	GET  /state?session=s
//	             -> {"session", "env", "episodes", "steps",
//	                 "episode_return", "done", "observation", "created",
//	                 "last_used"}
//	GET  /health -> {"status": "ok", "sessions": n, "max_sessions": m}
//	GET  /envs   -> {"envs": [{"id", "description", "max_episode_steps",
//	                 "observation_type", "action_type", "default_options"}]}
//	GET  /spec?env=id
//	             -> the env's /envs entry with "observation_space" and
//	                "action_space", spaces.Description objects
//
// Options are read from JSON as usual (numbers are float64, which the
// built-in envs accept for integer options), except that an array of
// numbers is passed as a []float64. Numbers JSON cannot hold (a reward or
// an info value that is infinite or NaN) are written as the strings "inf",
// "-inf" and "nan"; see env.InfoJSON.
//
// Every error is a JSON object {"error": message} with a status that says
// what kind of error it is:
//
//	400  malformed JSON, unknown fields, trailing data, an empty body, a
//	     missing session, bad env options or a failed reset
//	404  an unknown session (closed, expired, never opened), env id (the
//	     message lists the registered ids) or path
//	403  a Host header outside Config.AllowedHosts
//	405  a method the endpoint does not take
//	409  a step after the episode ended, or before any episode started
//	413  a body larger than Config.MaxBodyBytes
//	415  a POST whose Content-Type is not application/json
//	422  an action the env refuses: not decodable into its action type,
//	     outside its action space, or refused by the env's Step
//	500  an env that panicked (the session slot it took is given back)
//	503  the session limit is reached, or the server is shutting down
//
// Messages are cut to 8 KiB.
//
// # Safety
//
// The server is meant for loopback use. It opens no file a client names
// unless Config.TableDir is set, and then only regular files inside that
// directory (the env option "table", see TableOption; a program that
// serves Arrow or Parquet table files imports package tasks/tablefile, as
// cmd/gym-server does, else only CSV tables load). It answers only
// requests whose Host header is one of Config.AllowedHosts (the loopback
// names by default) and POSTs declared as JSON, so that a web page cannot
// drive it across sites or through DNS rebinding. Connections served by
// Serve have read, write and idle timeouts (Config.ReadTimeout and the
// others), so that a slow or idle client cannot hold a connection or delay
// Shutdown. Env options that size memory have maxima (see
// research.MaxTrials and the others).
package server
