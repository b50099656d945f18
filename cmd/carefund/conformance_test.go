package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConformanceCommand: carefund conformance --check passes on this
// source tree (the files are current and the matrix complete); on a tree
// where a rule has no test it still writes both files, names the rule and
// fails, and --check then finds the files current but the matrix
// incomplete; a folder with no go.mod is refused as bad input.
func TestConformanceCommand(t *testing.T) {
	ctx := context.Background()
	var out, errs bytes.Buffer
	if err := run(ctx, []string{"conformance", "--check", "--root", "../.."}, os.Getenv, &out, &errs); err != nil {
		t.Fatalf("--check on this tree: %v\n%s", err, errs.String())
	}
	if !strings.Contains(out.String(), "rules:") {
		t.Errorf("no summary: %q", out.String())
	}

	dir := t.TempDir()
	for _, d := range []string{"docs", "internal/conformance", "internal/x"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{
		"go.mod":               "module example.com/m\n",
		"internal/x/x_test.go": "package x\n\n// TestX proves R-PII-3.\nfunc TestX(t *testing.T) {}\n",
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out.Reset()
	errs.Reset()
	err := run(ctx, []string{"conformance", "--root", dir}, os.Getenv, &out, &errs)
	if err == nil || exitCode(err, &bytes.Buffer{}) != 1 || !strings.Contains(errs.String(), "R-ACC-1: no test names it, and it is not pending") {
		t.Errorf("an incomplete tree: %v\n%s", err, errs.String())
	}
	doc, rerr := os.ReadFile(filepath.Join(dir, "docs", "conformance.md"))
	if rerr != nil || !strings.Contains(string(doc), "`internal/x.TestX`") {
		t.Errorf("the document was not written with the test: %v\n%s", rerr, doc)
	}
	if _, err := os.Stat(filepath.Join(dir, "internal", "conformance", "matrix.json")); err != nil {
		t.Errorf("the matrix was not written: %v", err)
	}
	errs.Reset()
	if err := run(ctx, []string{"conformance", "--check", "--root", dir}, os.Getenv, &out, &errs); err == nil || strings.Contains(err.Error(), "stale") {
		t.Errorf("--check on the incomplete tree: %v, want incomplete, not stale", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "docs", "conformance.md"), []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"conformance", "--check", "--root", dir}, os.Getenv, &out, &errs); err == nil || !strings.Contains(err.Error(), "stale: docs/conformance.md") {
		t.Errorf("--check on a stale document: %v", err)
	}
	if err := run(ctx, []string{"conformance", "--root", t.TempDir()}, os.Getenv, &out, &errs); exitCode(err, &bytes.Buffer{}) != 2 {
		t.Errorf("no go.mod: %v, want bad input", err)
	}
}
