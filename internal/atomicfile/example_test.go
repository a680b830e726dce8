package atomicfile_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/autollmresearch/gym/internal/atomicfile"
)

// A write that fails halfway leaves the previous file as it was.
func ExampleWrite() {
	dir, _ := os.MkdirTemp("", "atomicfile")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "results.csv")
	_ = atomicfile.WriteFile(path, []byte("regret\n0.02\n"))

	err := atomicfile.Write(path, func(w io.Writer) error {
		_, _ = io.WriteString(w, "regret\n")
		return errors.New("the encoder failed")
	})
	fmt.Println(err)
	b, _ := os.ReadFile(path)
	fmt.Printf("%q\n", b)
	// Output:
	// the encoder failed
	// "regret\n0.02\n"
}
