package conformance

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
)

// ScanFile returns, for each rule ID named in a comment of a Test, Fuzz or
// Benchmark function of one test file (its doc comment, directly above it,
// or a comment inside it), the names of those functions. pkg is the file's
// directory from the module's root.
func ScanFile(pkg, filename string, src []byte) (map[string][]Test, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filename, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	out := map[string][]Test{}
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Recv != nil || !isTestName(fn.Name.Name) {
			continue
		}
		var text strings.Builder
		if fn.Doc != nil {
			text.WriteString(fn.Doc.Text())
		}
		for _, cg := range f.Comments {
			if cg.Pos() > fn.Pos() && cg.End() <= fn.End() {
				for _, c := range cg.List {
					text.WriteString(c.Text)
					text.WriteByte('\n')
				}
			}
		}
		seen := map[string]bool{}
		for _, id := range RuleID.FindAllString(text.String(), -1) {
			if !seen[id] {
				seen[id] = true
				out[id] = append(out[id], Test{Package: pkg, Name: fn.Name.Name})
			}
		}
	}
	return out, nil
}

// isTestName reports whether name is a function go test runs: Test, Fuzz
// or Benchmark followed by nothing or by a character that is not a
// lower-case letter.
func isTestName(name string) bool {
	for _, prefix := range []string{"Test", "Fuzz", "Benchmark"} {
		if rest, ok := strings.CutPrefix(name, prefix); ok {
			return rest == "" || !(rest[0] >= 'a' && rest[0] <= 'z')
		}
	}
	return false
}

// Scan reads every _test.go file under root (the module's root), but in
// testdata, vendor and hidden directories, and returns the tests that name
// each rule ID.
func Scan(fsys fs.FS) (map[string][]Test, error) {
	out := map[string][]Test{}
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != "." && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return fs.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, "_test.go") {
			return nil
		}
		src, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		found, err := ScanFile(filepath.ToSlash(filepath.Dir(path)), path, src)
		if err != nil {
			return fmt.Errorf("conformance: %w", err)
		}
		for id, ts := range found {
			for _, t := range ts {
				if !slices.Contains(out[id], t) {
					out[id] = append(out[id], t)
				}
			}
		}
		return nil
	})
	return out, err
}
