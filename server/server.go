package server

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/autollmresearch/gym/env"
)

// Defaults of the Config fields.
const (
	// DefaultMaxBodyBytes is the default Config.MaxBodyBytes: 1 MiB.
	DefaultMaxBodyBytes = 1 << 20
	// DefaultIdleTimeout is the default Config.IdleTimeout.
	DefaultIdleTimeout = 10 * time.Minute
	// DefaultMaxSessions is the default Config.MaxSessions.
	DefaultMaxSessions = 1024
	// DefaultReadHeaderTimeout is the default Config.ReadHeaderTimeout.
	DefaultReadHeaderTimeout = 10 * time.Second
	// DefaultReadTimeout is the default Config.ReadTimeout.
	DefaultReadTimeout = 30 * time.Second
	// DefaultWriteTimeout is the default Config.WriteTimeout.
	DefaultWriteTimeout = 60 * time.Second
	// DefaultConnIdleTimeout is the default Config.ConnIdleTimeout.
	DefaultConnIdleTimeout = 2 * time.Minute
)

// Config configures a [Server]. The zero value of every field means its
// documented default.
type Config struct {
	// MaxBodyBytes bounds the size of a request body; a larger one is
	// refused with 413. Default DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// IdleTimeout is how long a session may go without a request before it
	// is closed. Default DefaultIdleTimeout; negative means never.
	IdleTimeout time.Duration
	// MaxSessions bounds the number of open sessions; a reset that would
	// open one more is refused with 503. Default DefaultMaxSessions.
	MaxSessions int
	// Logger receives one record per request (method, path, status,
	// duration) and one per session opened, expired or closed. Default: no
	// logging.
	Logger *slog.Logger
	// Now is the clock idle times are measured with. Default time.Now.
	Now func() time.Time
	// SweepInterval is how often the janitor looks for idle sessions.
	// Default: a quarter of IdleTimeout, at least one second and at most a
	// minute.
	SweepInterval time.Duration
	// ReadHeaderTimeout bounds the time to read a request's headers,
	// ReadTimeout the time to read a whole request, body included (a
	// client sending its body slower is cut off), and WriteTimeout the
	// time from the end of the request's headers to the end of the
	// response. ConnIdleTimeout is how long a keep-alive connection may
	// wait for its next request. They apply to connections served by
	// [Server.Serve] and [Server.ListenAndServe]. Defaults
	// DefaultReadHeaderTimeout, DefaultReadTimeout, DefaultWriteTimeout and
	// DefaultConnIdleTimeout; negative means none.
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, ConnIdleTimeout time.Duration
	// TableDir is the one directory the env option "table" (TableOption)
	// may name files in. Default "": the option is refused, and clients
	// cannot make the server open any file. When set, a table is a
	// regular file of at most MaxTableBytes reached from the directory
	// without leaving it (no "..", absolute names or symbolic links out),
	// and errors name it as the client did.
	TableDir string
	// MaxTableBytes bounds the size of a table file. Default
	// DefaultMaxTableBytes.
	MaxTableBytes int64
	// AllowedHosts lists the host names (without port) the server accepts
	// in a request's Host header; others get 403, so that a web page cannot
	// drive a local server through DNS rebinding. "*" allows any. Default
	// DefaultAllowedHosts, the loopback names.
	AllowedHosts []string
}

// withDefaults fills in the defaults of c.
func (c Config) withDefaults() Config {
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.MaxSessions <= 0 {
		c.MaxSessions = DefaultMaxSessions
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	for _, d := range []struct {
		v   *time.Duration
		def time.Duration
	}{
		{&c.ReadHeaderTimeout, DefaultReadHeaderTimeout}, {&c.ReadTimeout, DefaultReadTimeout},
		{&c.WriteTimeout, DefaultWriteTimeout}, {&c.ConnIdleTimeout, DefaultConnIdleTimeout},
	} {
		switch {
		case *d.v == 0:
			*d.v = d.def
		case *d.v < 0:
			*d.v = 0 // none, to net/http
		}
	}
	if c.MaxTableBytes <= 0 {
		c.MaxTableBytes = DefaultMaxTableBytes
	}
	if len(c.AllowedHosts) == 0 {
		c.AllowedHosts = DefaultAllowedHosts
	}
	if c.SweepInterval <= 0 {
		c.SweepInterval = min(max(c.IdleTimeout/4, time.Second), time.Minute)
	}
	return c
}

// Server serves registered envs over HTTP with JSON bodies; see the
// package documentation for the API. It is an [http.Handler]; [Server.Serve]
// and [Server.ListenAndServe] run it on a listener of its own. Create one
// with [New] and stop it with [Server.Shutdown].
type Server struct {
	cfg Config
	mux *http.ServeMux

	mu       sync.RWMutex // guards the fields below
	sessions map[string]*session
	pending  int // sessions being created, counted against MaxSessions
	closing  bool
	httpSrv  *http.Server

	inflight sync.WaitGroup // requests being handled
	stop     chan struct{}  // closed by Shutdown to stop the janitor
	janitor  chan struct{}  // closed when the janitor has stopped

	specMu sync.Mutex
	specs  map[string]json.RawMessage // GET /spec responses by env id

	tables    *tableDir // nil without Config.TableDir
	tablesErr error     // why Config.TableDir could not be opened
}

// session is one client's env. Its mutex serialises the requests that
// use the env, which is not safe for concurrent use.
type session struct {
	id      string
	envID   string
	created time.Time
	// lastUsed is the time of the last request, in Unix nanoseconds; it
	// is read by the janitor without the mutex.
	lastUsed atomic.Int64

	// evicted is set when the session is removed from the server while
	// a request may hold mu; whoever holds mu next closes the env.
	evicted atomic.Bool

	mu       sync.Mutex
	env      env.JSONEnv
	closed   bool
	episodes int
	steps    int
	ret      float64
	done     bool
	obs      json.RawMessage
}

// touch records a request at t.
func (s *session) touch(t time.Time) { s.lastUsed.Store(t.UnixNano()) }

// unlock releases s.mu, first closing the env if the session was evicted
// meanwhile.
func (s *session) unlock(log *slog.Logger) {
	if s.evicted.Load() {
		if err := s.close(); err != nil {
			log.Warn("closing an evicted session", slog.String("session", s.id), slog.Any("error", err))
		}
	}
	s.mu.Unlock()
}

// close closes the env; the caller holds s.mu.
func (s *session) close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	return s.env.Close()
}

// New returns a server with the given configuration and starts its janitor,
// which closes idle sessions until [Server.Shutdown].
func New(cfg Config) *Server {
	s := &Server{
		cfg:      cfg.withDefaults(),
		sessions: make(map[string]*session),
		stop:     make(chan struct{}),
		janitor:  make(chan struct{}),
		specs:    make(map[string]json.RawMessage),
	}
	if s.cfg.TableDir != "" {
		if s.tables, s.tablesErr = openTableDir(s.cfg.TableDir); s.tablesErr != nil {
			s.cfg.Logger.Error("table directory unavailable; the table option is refused", slog.Any("error", s.tablesErr))
		}
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("/reset", s.only(http.MethodPost, s.handleReset))
	s.mux.HandleFunc("/step", s.only(http.MethodPost, s.handleStep))
	s.mux.HandleFunc("/close", s.only(http.MethodPost, s.handleClose))
	s.mux.HandleFunc("/state", s.only(http.MethodGet, s.handleState))
	s.mux.HandleFunc("/health", s.only(http.MethodGet, s.handleHealth))
	s.mux.HandleFunc("/envs", s.only(http.MethodGet, s.handleEnvs))
	s.mux.HandleFunc("/spec", s.only(http.MethodGet, s.handleSpec))
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no endpoint %s; the endpoints are POST /reset, POST /step, POST /close, GET /state, GET /health, GET /envs and GET /spec", r.URL.Path)
	})
	go s.runJanitor()
	return s
}

// ServeHTTP handles one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	s.mu.RLock()
	if s.closing {
		s.mu.RUnlock()
		writeError(sw, http.StatusServiceUnavailable, "the server is shutting down")
	} else {
		s.inflight.Add(1)
		s.mu.RUnlock()
		func() {
			defer s.inflight.Done()
			if s.checkRequest(sw, r) {
				s.serve(sw, r)
			}
		}()
	}
	s.cfg.Logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
		slog.String("method", r.Method), slog.String("path", r.URL.Path),
		slog.Int("status", sw.status), slog.Duration("duration", time.Since(start)))
}

// serve runs the handler of r. A panic in it (an
// env's Step, say) is answered with 500 when nothing has been written yet,
// logged, and does not reach net/http; the session it happened in stays
// usable, since every handler unlocks its session in a defer.
func (s *Server) serve(sw *statusWriter, r *http.Request) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if v == http.ErrAbortHandler {
			panic(v)
		}
		s.cfg.Logger.Error("handler panicked", slog.String("path", r.URL.Path), slog.Any("panic", v))
		if !sw.wrote {
			writeError(sw, http.StatusInternalServerError, "internal error serving %s: %v", r.URL.Path, v)
		}
	}()
	s.mux.ServeHTTP(sw, r)
}

// statusWriter remembers the status code written, for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	w.status, w.wrote = code, true
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// only restricts a handler to one method; others get 405.
func (s *Server) only(method string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != method {
			w.Header().Set("Allow", method)
			writeError(w, http.StatusMethodNotAllowed, "method %s is not allowed on %s; use %s", r.Method, r.URL.Path, method)
			return
		}
		h(w, r)
	}
}

// Serve accepts connections on l and serves them until [Server.Shutdown],
// after which it returns [http.ErrServerClosed]. Call it at most once.
func (s *Server) Serve(l net.Listener) error {
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.ConnIdleTimeout,
		ErrorLog:          slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelWarn),
	}
	s.mu.Lock()
	switch {
	case s.closing:
		s.mu.Unlock()
		return http.ErrServerClosed
	case s.httpSrv != nil:
		s.mu.Unlock()
		return errors.New("server: Serve called twice")
	}
	s.httpSrv = hs
	s.mu.Unlock()
	return hs.Serve(l)
}

// ListenAndServe listens on the TCP address addr and calls
// [Server.Serve].
func (s *Server) ListenAndServe(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(l)
}

// Shutdown stops the server gracefully: it stops accepting connections
// (when it runs through [Server.Serve]) and refuses new requests with 503,
// waits for the requests in progress to finish or ctx to be done, then
// closes the env of every session and stops the janitor. It returns ctx's
// error if the wait was cut short, joined with any error from closing the
// envs. Calling it again waits again and returns nil or ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	first := !s.closing
	s.closing = true
	hs := s.httpSrv
	s.mu.Unlock()
	if first {
		close(s.stop)
	}

	var errs []error
	if hs != nil {
		if err := hs.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	drained := make(chan struct{})
	go func() {
		s.inflight.Wait()
		close(drained)
	}()
	select {
	case <-drained:
	case <-ctx.Done():
		if hs == nil { // hs.Shutdown reported it already
			errs = append(errs, ctx.Err())
		}
	}

	s.mu.Lock()
	open := s.sessions
	s.sessions = make(map[string]*session)
	s.mu.Unlock()
	for _, ss := range open {
		// A session still serving a request (when ctx cut the wait short)
		// is closed by that request as it finishes.
		ss.evicted.Store(true)
		if !ss.mu.TryLock() {
			continue
		}
		if err := ss.close(); err != nil {
			errs = append(errs, err)
		}
		ss.mu.Unlock()
	}
	if len(open) > 0 {
		s.cfg.Logger.Info("closed sessions at shutdown", slog.Int("sessions", len(open)))
	}
	select {
	case <-s.janitor:
	case <-ctx.Done():
	}
	if first && s.tables != nil {
		_ = s.tables.root.Close() // nothing to report: it was only read
	}
	return errors.Join(errs...)
}

// runJanitor expires idle sessions every SweepInterval until Shutdown.
func (s *Server) runJanitor() {
	defer close(s.janitor)
	if s.cfg.IdleTimeout < 0 {
		<-s.stop
		return
	}
	tick := time.NewTicker(s.cfg.SweepInterval)
	defer tick.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-tick.C:
			s.ExpireIdle()
		}
	}
}

// ExpireIdle closes every session that has had no request for longer than
// Config.IdleTimeout by Config.Now, except those serving a request right
// now, and returns how many it closed. The janitor calls it periodically;
// it is exported so that it can be driven by hand.
func (s *Server) ExpireIdle() int {
	if s.cfg.IdleTimeout < 0 {
		return 0
	}
	cutoff := s.cfg.Now().Add(-s.cfg.IdleTimeout).UnixNano()
	var expired []*session
	s.mu.Lock()
	for id, ss := range s.sessions {
		if ss.lastUsed.Load() >= cutoff || !ss.mu.TryLock() {
			continue
		}
		delete(s.sessions, id)
		expired = append(expired, ss)
	}
	s.mu.Unlock()
	for _, ss := range expired {
		if err := ss.close(); err != nil {
			s.cfg.Logger.Warn("closing an expired session", slog.String("session", ss.id), slog.Any("error", err))
		}
		ss.mu.Unlock()
		s.cfg.Logger.Info("session expired", slog.String("session", ss.id), slog.String("env", ss.envID))
	}
	return len(expired)
}

// Sessions returns the number of open sessions.
func (s *Server) Sessions() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.sessions)
}

// newSessionID returns a random session id of 26 base-32 characters (130
// random bits).
func newSessionID() string { return rand.Text() }
