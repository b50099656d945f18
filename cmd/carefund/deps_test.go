package main

import (
	"os/exec"
	"path"
	"strings"
	"testing"
)

// TestNoTestHelperInTheBinary: no package of this module made for tests
// (campaigntest, storetest, wechatpaytest, browsertest, testprog, …: their
// names end in "test" or are testprog) is compiled into carefund. A test
// helper in the binary is code nobody reviewed as production code: it may
// write rows past the rules, as campaigntest does.
func TestNoTestHelperInTheBinary(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	const module = "github.com/carefund/carefund/"
	var ours int
	for pkg := range strings.FieldsSeq(string(out)) {
		if !strings.HasPrefix(pkg, module) {
			continue
		}
		ours++
		if name := path.Base(pkg); strings.HasSuffix(name, "test") || name == "testprog" {
			t.Errorf("carefund is built with the test helper %s", pkg)
		}
	}
	// The list must be the binary's: a change in go list's output must not
	// make this test pass by listing nothing.
	if ours < 10 {
		t.Errorf("go list -deps named only %d packages of this module:\n%s", ours, out)
	}
}
