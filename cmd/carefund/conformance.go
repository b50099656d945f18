package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/carefund/carefund/internal/conformance"
)

// The files `carefund conformance` writes, from the module's root.
var conformanceFiles = struct{ doc, matrix string }{"docs/conformance.md", "internal/conformance/matrix.json"}

func conformanceFlags(root *string, check *bool) *flag.FlagSet {
	fs := flag.NewFlagSet("conformance", flag.ContinueOnError)
	fs.StringVar(root, "root", "", "the source tree's root (the folder with go.mod); by default the nearest one above the current folder")
	fs.BoolVar(check, "check", false, "write nothing; fail if the files differ from what would be written")
	return fs
}

// runConformance regenerates the conformance matrix (decision 0035) from
// the source tree: docs/conformance.md and the matrix the auditor console
// shows. It fails, after writing, when a rule has no test and is not
// pending, or a pending rule has one.
func runConformance(_ context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) error {
	var root string
	var check bool
	fs := conformanceFlags(&root, &check)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return badInput(err)
	}
	if fs.NArg() > 0 {
		return badInput(fmt.Errorf("conformance takes no arguments, got %q", fs.Args()))
	}
	if root == "" {
		var err error
		if root, err = moduleRoot(); err != nil {
			return badInput(err)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return badInput(fmt.Errorf("%s is not a source tree's root (no go.mod)", root))
	}
	m, err := conformance.Generate(os.DirFS(root))
	if err != nil {
		return err
	}
	files := []struct {
		path string
		data []byte
	}{{conformanceFiles.doc, conformance.Markdown(m)}, {conformanceFiles.matrix, conformance.JSON(m)}}
	var stale []string
	for _, f := range files {
		path := filepath.Join(root, filepath.FromSlash(f.path))
		if check {
			if old, err := os.ReadFile(path); err != nil || !bytes.Equal(old, f.data) {
				stale = append(stale, f.path)
			}
			continue
		}
		if err := os.WriteFile(path, f.data, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", f.path)
	}
	rules, proven, pending := m.Counts()
	fmt.Fprintf(stdout, "%d rules: %d proven by tests, %d pending\n", rules, proven, pending)
	problems := conformance.Problems(m, conformance.Does, conformance.Pending)
	for _, p := range problems {
		fmt.Fprintln(stderr, p)
	}
	switch {
	case len(stale) > 0:
		return fmt.Errorf("stale: %s; run carefund conformance", strings.Join(stale, ", "))
	case len(problems) > 0:
		return fmt.Errorf("the conformance matrix is incomplete: %d problems", len(problems))
	}
	return nil
}

// moduleRoot returns the nearest folder above the current one with a
// go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the current folder; give --root")
		}
		dir = parent
	}
}
