package conformance

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/conformance.md and matrix.json")

// root is the module's root, from this package's folder.
const root = "../.."

func TestParseRules(t *testing.T) {
	rules, err := ParseRules(Requirements)
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != strings.Count(Requirements, "\n- R-") {
		t.Errorf("%d rules parsed, the requirements start %d", len(rules), strings.Count(Requirements, "\n- R-"))
	}
	byID := map[string]Rule{}
	for _, r := range rules {
		byID[r.ID] = r
	}
	for _, tt := range []struct{ id, source, starts, ends string }{
		{"R-ACC-1", "M9", "User registration and account management;", "format check alone is not verification) (C)."},
		{"R-REV-1", "M11, C", "Double audit:", "both verdicts and reasons are stored."},
		{"R-STAFF-1", "M20", "Staff cannot deceive,", "every view of personal data."},    // the section's source
		{"R-PII-1", "M9, PIPL", "ID numbers, phone numbers,", "every access is logged."}, // the section's source
		{"R-PII-3", "M9", "A leak, tampering or loss", "to each person affected."},
		{"R-WIND-1", "M29, M30", "If the designation is withdrawn:", "personal data is then handled lawfully."},
	} {
		r, ok := byID[tt.id]
		if !ok {
			t.Errorf("%s not found", tt.id)
			continue
		}
		if r.Source != tt.source || !strings.HasPrefix(r.Text, tt.starts) || !strings.HasSuffix(r.Text, tt.ends) || strings.Contains(r.Text, "  ") {
			t.Errorf("%s = %+v, want source %q, text %q … %q on one line", tt.id, r, tt.source, tt.starts, tt.ends)
		}
	}
	t.Run("bad", func(t *testing.T) {
		for _, text := range []string{"", "## A\n- R-A-1 (M1) x\n- R-A-1 (M2) y\n", "no rules here\n"} {
			if _, err := ParseRules(text); err == nil {
				t.Errorf("ParseRules(%q) succeeded", text)
			}
		}
	})
}

func TestScanFile(t *testing.T) {
	src := `package x

// TestDoc proves R-A-1 and R-A-2.
func TestDoc(t *testing.T) {}

func TestInside(t *testing.T) {
	// R-B-1: inside.
	x := 1 /* R-B-2 */
	t.Error("R-B-3 is only in a string")
}

// R-C-1: this comment is not directly above the function.

func TestDetached(t *testing.T) {}

// helper names R-D-1 but is not a test.
func helper() {}

// Testing names R-D-2 but go test does not run it.
func Testing() {}

// FuzzParse proves R-E-1, twice: R-E-1.
func FuzzParse(f *testing.F) {}

// BenchmarkX names R-E-2.
func BenchmarkX(b *testing.B) {}

// Test names R-E-3.
func Test(t *testing.T) {}

type s struct{}

// TestMethod names R-D-3 but is a method.
func (s) TestMethod(t *testing.T) {}
`
	got, err := ScanFile("internal/x", "x_test.go", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"R-A-1": {"TestDoc"}, "R-A-2": {"TestDoc"}, "R-B-1": {"TestInside"}, "R-B-2": {"TestInside"},
		"R-E-1": {"FuzzParse"}, "R-E-2": {"BenchmarkX"}, "R-E-3": {"Test"},
	}
	if len(got) != len(want) {
		t.Errorf("found %v, want %v", got, want)
	}
	for id, names := range want {
		var have []string
		for _, tt := range got[id] {
			if tt.Package != "internal/x" {
				t.Errorf("%s: package %q", id, tt.Package)
			}
			have = append(have, tt.Name)
		}
		if !slices.Equal(have, names) {
			t.Errorf("%s: %v, want %v", id, have, names)
		}
	}
	if _, err := ScanFile("x", "x_test.go", []byte("package x\nfunc {")); err == nil {
		t.Error("a file that does not parse was read")
	}
}

// TestProblems: the matrix fails for a rule with no line of what carefund
// does, for a rule with no test that is not pending, for a pending rule
// that now has a test (the list only shrinks), for lines about rules the
// requirements lack, and for a test naming an unknown rule.
func TestProblems(t *testing.T) {
	rules := []Rule{{ID: "R-A-1"}, {ID: "R-A-2"}, {ID: "R-A-3"}}
	proof := map[string][]Test{"R-A-1": {{"p", "TestA"}}}
	does := map[string]string{"R-A-1": "a", "R-A-2": "b", "R-A-3": "c"}
	pending := map[string]string{"R-A-2": "issue 9", "R-A-3": "issue 9"}
	if p := Problems(Build(rules, proof, does, pending), does, pending); p != nil {
		t.Fatalf("a complete matrix: %v", p)
	}
	tests := []struct {
		name    string
		edit    func(proof map[string][]Test, does, pending map[string]string)
		problem string
	}{
		{"no line", func(_ map[string][]Test, does, _ map[string]string) { delete(does, "R-A-1") }, "R-A-1: no line of what carefund does"},
		{"a blank line", func(_ map[string][]Test, does, _ map[string]string) { does["R-A-1"] = " " }, "R-A-1: no line of what carefund does"},
		{"no test, not pending", func(_ map[string][]Test, _, pending map[string]string) { delete(pending, "R-A-2") }, "R-A-2: no test names it, and it is not pending"},
		{"pending with a test", func(proof map[string][]Test, _, _ map[string]string) { proof["R-A-3"] = []Test{{"p", "TestC"}} }, "R-A-3: pending (issue 9) but proven by p.TestC; take it off the pending list"},
		{"a line for no rule", func(_ map[string][]Test, does, _ map[string]string) { does["R-Z-1"] = "z" }, "R-Z-1: in the does list, not in the requirements"},
		{"pending, no rule", func(_ map[string][]Test, _, pending map[string]string) { pending["R-Z-2"] = "issue 9" }, "R-Z-2: in the pending list, not in the requirements"},
		{"an unknown rule in a test", func(proof map[string][]Test, _, _ map[string]string) { proof["R-Z-3"] = []Test{{"p", "TestZ"}} }, "a test names a rule the requirements do not have: R-Z-3 p.TestZ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p2, d2, pe2 := map[string][]Test{}, map[string]string{}, map[string]string{}
			for k, v := range proof {
				p2[k] = v
			}
			for k, v := range does {
				d2[k] = v
			}
			for k, v := range pending {
				pe2[k] = v
			}
			tt.edit(p2, d2, pe2)
			if got := Problems(Build(rules, p2, d2, pe2), d2, pe2); !slices.Equal(got, []string{tt.problem}) {
				t.Errorf("Problems = %q, want %q", got, tt.problem)
			}
		})
	}
}

// TestMatrixIsComplete: every rule of the requirements has a line of what
// carefund does and a test that names it, or is pending with the issue
// that delivers it; no pending rule has a test; no test names a rule the
// requirements lack.
func TestMatrixIsComplete(t *testing.T) {
	m, err := Generate(os.DirFS(root))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range Problems(m, Does, Pending) {
		t.Error(p)
	}
	if rules, proven, _ := m.Counts(); rules < 50 || proven < rules-len(Pending) {
		t.Errorf("%d rules, %d proven: the scan found too little", rules, proven)
	}
}

// TestConformanceDocIsCurrent: docs/conformance.md and the matrix the
// auditor console shows are what `carefund conformance` writes now
// (go test -run TestConformanceDocIsCurrent ./internal/conformance/ -update
// rewrites them, as the command does).
func TestConformanceDocIsCurrent(t *testing.T) {
	m, err := Generate(os.DirFS(root))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		path string
		data []byte
	}{{"docs/conformance.md", Markdown(m)}, {"internal/conformance/matrix.json", JSON(m)}} {
		path := filepath.Join(root, filepath.FromSlash(f.path))
		if *update {
			if err := os.WriteFile(path, f.data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		old, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(old, f.data) {
			t.Errorf("%s is stale: run carefund conformance (or this test with -update)", f.path)
		}
	}
	got, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	if !*update && !bytes.Equal(JSON(got), JSON(m)) {
		t.Error("the embedded matrix is not the one generated now")
	}
}

// TestRequirementsCopyIsCurrent: the copy of the requirements kept in the
// repository is the project's REQUIREMENTS.md, when that is reachable: at
// $CAREFUND_REQUIREMENTS or in the shared folder beside the source tree. A
// clean clone has neither, and then there is nothing to compare.
func TestRequirementsCopyIsCurrent(t *testing.T) {
	path := os.Getenv("CAREFUND_REQUIREMENTS")
	if path == "" {
		path = filepath.Join(root, "..", "shared", "REQUIREMENTS.md")
	}
	outside, err := os.ReadFile(path)
	if os.IsNotExist(err) && os.Getenv("CAREFUND_REQUIREMENTS") == "" {
		t.Logf("no requirements outside the repository at %s; nothing to compare", path)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if string(outside) != Requirements {
		t.Errorf("internal/conformance/requirements.md is stale: copy %s over it and run carefund conformance", path)
	}
}
