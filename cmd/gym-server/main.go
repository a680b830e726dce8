package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	_ "github.com/autollmresearch/gym" // registers the built-in envs
	"github.com/autollmresearch/gym/server"
	_ "github.com/autollmresearch/gym/tasks/tablefile" // reads and writes .arrow, .arrows and .parquet tables
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr, nil); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0) // -h printed the usage, as asked
		}
		fmt.Fprintln(os.Stderr, "gym-server:", err)
		os.Exit(1)
	}
}

// run parses args, serves until ctx is done and then shuts down. It logs to
// logw and, once listening, calls ready (when not nil) with the address.
func run(ctx context.Context, args []string, logw io.Writer, ready func(addr string)) error {
	s, err := parseFlags(args, logw)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(logw, nil))
	s.config.Logger = log
	srv := server.New(s.config)
	l, err := net.Listen("tcp", s.addr)
	if err != nil {
		_ = srv.Shutdown(ctx) // stops the janitor; there is nothing else to close
		return err
	}
	log.Info("listening", slog.String("addr", l.Addr().String()))
	if ready != nil {
		ready(l.Addr().String())
	}
	return serve(ctx, srv, l, s.grace, log)
}

// settings are the command-line settings of the server.
type settings struct {
	addr  string
	grace time.Duration
	// config is the server's configuration, without its Logger.
	config server.Config
}

// parseFlags parses and checks the command-line flags, writing usage and
// flag errors to logw.
func parseFlags(args []string, logw io.Writer) (settings, error) {
	fs := flag.NewFlagSet("gym-server", flag.ContinueOnError)
	fs.SetOutput(logw)
	addr := fs.String("addr", "127.0.0.1:8080", "TCP address to listen on")
	idle := fs.Duration("idle", server.DefaultIdleTimeout, "close sessions idle for longer than this (negative: never)")
	maxSessions := fs.Int("max-sessions", server.DefaultMaxSessions, "maximum number of open sessions")
	maxBody := fs.Int64("max-body", server.DefaultMaxBodyBytes, "maximum request body size in bytes")
	grace := fs.Duration("grace", 30*time.Second, "how long shutdown waits for requests in progress")
	tableDir := fs.String("table-dir", "", "the one directory clients may name table files in (option \"table\"); empty: no table files")
	maxTable := fs.Int64("max-table-bytes", server.DefaultMaxTableBytes, "maximum size of a table file in bytes")
	hosts := fs.String("allow-host", strings.Join(server.DefaultAllowedHosts, ","), "comma-separated host names accepted in the Host header (\"*\": any)")
	readHeader := fs.Duration("read-header-timeout", server.DefaultReadHeaderTimeout, "time to read a request's headers (negative: none)")
	read := fs.Duration("read-timeout", server.DefaultReadTimeout, "time to read a whole request, body included (negative: none)")
	write := fs.Duration("write-timeout", server.DefaultWriteTimeout, "time from the end of a request's headers to the end of its response (negative: none)")
	connIdle := fs.Duration("conn-idle", server.DefaultConnIdleTimeout, "how long a keep-alive connection may wait for its next request (negative: none)")
	if err := fs.Parse(args); err != nil {
		return settings{}, err
	}
	if fs.NArg() > 0 {
		return settings{}, fmt.Errorf("unexpected arguments %q (all settings are flags)", fs.Args())
	}
	switch {
	case *maxSessions < 1:
		return settings{}, fmt.Errorf("-max-sessions is %d, want at least 1", *maxSessions)
	case *maxBody < 1:
		return settings{}, fmt.Errorf("-max-body is %d, want at least 1", *maxBody)
	case *idle == 0:
		return settings{}, errors.New("-idle is 0, want a positive duration (or a negative one to keep idle sessions)")
	case *grace < 0:
		return settings{}, fmt.Errorf("-grace is %v, want 0 or more", *grace)
	case *maxTable < 1:
		return settings{}, fmt.Errorf("-max-table-bytes is %d, want at least 1", *maxTable)
	case *readHeader == 0 || *read == 0 || *write == 0 || *connIdle == 0:
		return settings{}, errors.New("a timeout is 0, want a positive duration (or a negative one for none)")
	}
	var allowed []string
	for _, h := range strings.Split(*hosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			allowed = append(allowed, h)
		}
	}
	if len(allowed) == 0 {
		return settings{}, errors.New("-allow-host names no host")
	}
	if *tableDir != "" {
		if fi, err := os.Stat(*tableDir); err != nil || !fi.IsDir() {
			return settings{}, fmt.Errorf("-table-dir %s is not a directory", *tableDir)
		}
	}
	return settings{addr: *addr, grace: *grace, config: server.Config{
		MaxBodyBytes: *maxBody, IdleTimeout: *idle, MaxSessions: *maxSessions,
		TableDir: *tableDir, MaxTableBytes: *maxTable, AllowedHosts: allowed,
		ReadHeaderTimeout: *readHeader, ReadTimeout: *read, WriteTimeout: *write, ConnIdleTimeout: *connIdle,
	}}, nil
}

// serve serves on l until ctx is done or the listener fails, then shuts
// srv down, waiting up to grace for requests in progress.
func serve(ctx context.Context, srv *server.Server, l net.Listener, grace time.Duration, log *slog.Logger) error {
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()

	select {
	case err := <-served: // the listener failed
		_ = srv.Shutdown(context.Background()) // the serve error is the one to report
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	log.Info("stopped")
	return nil
}
