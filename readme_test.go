package gym_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// readmeImports maps the package names README snippets use to their
// import paths.
var readmeImports = map[string]string{
	"fmt":      "fmt",
	"log":      "log",
	"rand":     "math/rand/v2",
	"gym":      "github.com/autollmresearch/gym",
	"env":      "github.com/autollmresearch/gym/env",
	"research": "github.com/autollmresearch/gym/env/research",
	"prior":    "github.com/autollmresearch/gym/prior",
	"agent":    "github.com/autollmresearch/gym/policy/agent",
	"eval":     "github.com/autollmresearch/gym/eval",
	"tasks":    "github.com/autollmresearch/gym/tasks",
	"policy":   "github.com/autollmresearch/gym/policy",
	"advise":   "github.com/autollmresearch/gym/advise",
	"context":  "context",
}

// TestReadmeGoBlocksCompile compiles every ```go block of README.md as the
// body of a main function (importing the packages it names), so that
// what a reader pastes builds.
func TestReadmeGoBlocksCompile(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH to compile the README's blocks with")
	}
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	blocks := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	require.NotEmpty(t, blocks, "README.md has no go blocks")

	root, err := os.Getwd()
	require.NoError(t, err)
	dir := t.TempDir()
	overlay := map[string]string{}
	var pkgs []string
	for i, b := range blocks {
		src := readmeProgram(b[1])
		file := filepath.Join(dir, fmt.Sprintf("block%d.go", i+1))
		require.NoError(t, os.WriteFile(file, []byte(src), 0o644))
		pkg := fmt.Sprintf("./internal/readmeblocks/block%d", i+1)
		overlay[filepath.Join(root, pkg, "main.go")] = file
		pkgs = append(pkgs, pkg)
	}
	js, err := json.Marshal(map[string]any{"Replace": overlay})
	require.NoError(t, err)
	ovPath := filepath.Join(dir, "overlay.json")
	require.NoError(t, os.WriteFile(ovPath, js, 0o644))
	cmd := exec.Command(goBin, append([]string{"build", "-overlay", ovPath}, pkgs...)...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "a README go block does not compile (blocks are numbered from 1 in README order):\n%s", out)
}

// readmeProgram wraps a README snippet in a main function with the imports
// it uses.
func readmeProgram(block string) string {
	code := regexp.MustCompile(`//[^\n]*`).ReplaceAllString(block, "")
	var imports []string
	for name, path := range readmeImports {
		if regexp.MustCompile(`\b` + name + `\.`).MatchString(code) {
			imports = append(imports, fmt.Sprintf("\t%q", path))
		}
	}
	return "package main\n\nimport (\n" + strings.Join(imports, "\n") + "\n)\n\nfunc main() {\n" + block + "}\n"
}
