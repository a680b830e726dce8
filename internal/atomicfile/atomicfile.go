package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Perm is the permission of a new file; a file that replaces another keeps
// the other's permission.
const Perm = 0o644

// File is a temporary file that replaces its target path when committed.
// Write to it, then call Commit to put it in place or Abort to drop it.
// Calling Abort after Commit does nothing, so
//
//	f, err := atomicfile.Create(path)
//	...
//	defer f.Abort()
//	... write ...
//	return f.Commit()
//
// never leaves a temporary file behind.
type File struct {
	f    *os.File
	path string
	done bool
}

// Create starts the replacement of path: it creates a temporary file in
// path's directory (which must exist), named after path so that a leftover
// from a crash is recognisable.
func Create(path string) (*File, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if base == "" {
		return nil, fmt.Errorf("atomicfile: %q names a directory, not a file", path)
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, err
	}
	perm := os.FileMode(Perm)
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
		perm = fi.Mode().Perm()
	}
	if err := f.Chmod(perm); err != nil {
		_ = f.Close()
		_ = os.Remove(f.Name())
		return nil, err
	}
	return &File{f: f, path: path}, nil
}

// Write writes to the temporary file.
func (f *File) Write(p []byte) (int, error) { return f.f.Write(p) }

// Path returns the target path.
func (f *File) Path() string { return f.path }

// Commit syncs the temporary file to disk, closes it and renames it over
// the target path, then syncs the directory (where the platform can). On
// an error the temporary file is removed and the target left as it was.
func (f *File) Commit() error {
	if f.done {
		return fmt.Errorf("atomicfile: %s was already committed or aborted", f.path)
	}
	f.done = true
	tmp := f.f.Name()
	err := f.f.Sync()
	if cerr := f.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, f.path)
	}
	if err != nil {
		_ = os.Remove(tmp) // the error is the one to report
		return err
	}
	// Make the rename durable. Not every platform can sync a directory;
	// the file itself is complete either way.
	if d, derr := os.Open(filepath.Dir(f.path)); derr == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

// Abort drops the temporary file, leaving the target as it was. It does
// nothing after Commit or a first Abort.
func (f *File) Abort() error {
	if f.done {
		return nil
	}
	f.done = true
	return errors.Join(f.f.Close(), os.Remove(f.f.Name()))
}

// Write replaces path with what write writes: it calls write with the
// temporary file and commits it if write returns nil, or drops it and
// returns write's error.
func Write(path string, write func(io.Writer) error) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		_ = f.Abort() // write's error is the one to report
		return err
	}
	return f.Commit()
}

// WriteFile replaces path with data.
func WriteFile(path string, data []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
