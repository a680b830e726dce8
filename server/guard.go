package server

import (
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/autollmresearch/gym/env"
)

// TableOption is the env option that names a table file (see
// research.OptionTable). The server refuses it unless Config.TableDir is
// set, and then resolves it inside that directory.
const TableOption = "table"

// DefaultMaxTableBytes is the default Config.MaxTableBytes: 256 MiB.
const DefaultMaxTableBytes = 256 << 20

// maxErrorBytes bounds the message of an error response; a longer one is
// cut and says how much was left out.
const maxErrorBytes = 8 << 10

// DefaultAllowedHosts are the host names a server accepts in the Host
// header by default: the loopback names. A page in a browser that makes a
// request to the server (across sites, or through DNS rebinding) sends
// its own site's name and is refused.
var DefaultAllowedHosts = []string{"localhost", "127.0.0.1", "::1"}

// tableDir is the directory table files are confined to.
type tableDir struct {
	root *os.Root
	path string // absolute, symlinks resolved
}

// openTableDir opens dir as the confinement of table files.
func openTableDir(dir string) (*tableDir, error) {
	abs, err := filepath.Abs(dir)
	if err == nil {
		abs, err = filepath.EvalSymlinks(abs)
	}
	if err != nil {
		return nil, fmt.Errorf("server: Config.TableDir: %w", err)
	}
	root, err := os.OpenRoot(abs)
	if err != nil {
		return nil, fmt.Errorf("server: Config.TableDir: %w", err)
	}
	return &tableDir{root: root, path: abs}, nil
}

// errTable is the error of a table option the server refuses. Its message
// says nothing about files outside the table directory.
var errTable = errors.New("option \"table\"")

// resolveTable checks the table option of opts, if any, and returns opts
// with it replaced by the path of the file inside the table directory:
// a regular file of at most MaxTableBytes, reached without leaving the
// directory (through "..", an absolute name or a symbolic link).
func (s *Server) resolveTable(opts env.Options) (env.Options, error) {
	v, ok := opts[TableOption]
	if !ok {
		return opts, nil
	}
	if s.tables == nil {
		return nil, fmt.Errorf("%w: this server reads no table files (start it with a table directory, gym-server -table-dir)", errTable)
	}
	name, ok := v.(string)
	if !ok || name == "" {
		return nil, fmt.Errorf("%w: want the name of a file in the server's table directory", errTable)
	}
	// O_NONBLOCK: opening a FIFO must not wait for a writer.
	f, err := s.tables.root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: no readable file %q in the server's table directory", errTable, name)
	}
	fi, err := f.Stat()
	_ = f.Close() // only its kind and size were needed
	switch {
	case err != nil || !fi.Mode().IsRegular():
		return nil, fmt.Errorf("%w: %q in the server's table directory is not a regular file", errTable, name)
	case fi.Size() > s.cfg.MaxTableBytes:
		return nil, fmt.Errorf("%w: %q is %d bytes, over the server's limit of %d", errTable, name, fi.Size(), s.cfg.MaxTableBytes)
	}
	out := make(env.Options, len(opts))
	for k, v := range opts {
		out[k] = v
	}
	out[TableOption] = filepath.Join(s.tables.path, filepath.Clean(name))
	return out, nil
}

// scrub removes the table directory's own path from an error message, so
// that clients see table names as they gave them.
func (s *Server) scrub(msg string) string {
	if s.tables == nil {
		return msg
	}
	return strings.ReplaceAll(msg, s.tables.path+string(filepath.Separator), "")
}

// checkRequest refuses a request whose Host header is not allowed (403)
// or, for a POST, whose body is not declared as JSON (415). It writes the
// error and returns false.
func (s *Server) checkRequest(w http.ResponseWriter, r *http.Request) bool {
	if !s.hostAllowed(r.Host) {
		writeError(w, http.StatusForbidden, "host %q is not one this server answers to; allowed: %s (gym-server -allow-host)",
			r.Host, strings.Join(s.cfg.AllowedHosts, ", "))
		return false
	}
	if r.Method == http.MethodPost {
		mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mt != "application/json" {
			writeError(w, http.StatusUnsupportedMediaType, "the request body must be JSON sent with Content-Type: application/json, not %q", r.Header.Get("Content-Type"))
			return false
		}
	}
	return true
}

// hostAllowed reports whether the Host header names an allowed host (any
// port).
func (s *Server) hostAllowed(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	for _, a := range s.cfg.AllowedHosts {
		if a == "*" || strings.EqualFold(a, host) {
			return true
		}
	}
	return false
}

// capMessage cuts msg to maxErrorBytes.
func capMessage(msg string) string {
	if len(msg) <= maxErrorBytes {
		return msg
	}
	cut := maxErrorBytes
	for cut > 0 && !isRuneStart(msg[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d more bytes)", msg[:cut], len(msg)-cut)
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
