package archtest

import (
	"bufio"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// layer is one step of the package order of decision 0016. A package may
// import packages of its own layer and of the layers below it, never of a
// layer above; Go itself forbids cycles within a layer.
type layer struct {
	name string
	// domain says the layer holds domain packages, whose rule files must
	// import no storage.
	domain bool
	// pkgs are import paths relative to the module.
	pkgs []string
}

// layers is the documented order, from the ground up. Test-only helpers sit
// with the package they serve. A new package must be added here, in the
// lowest layer its imports allow, and to the decision record.
var layers = []layer{
	{name: "leaf helpers", pkgs: []string{
		"internal/apperr", "internal/i18n", "internal/metrics", "internal/keyring",
		"internal/money", "internal/idcard", "internal/payeeid", "internal/upload", "internal/screen",
		"internal/payment", "internal/payment/wechatpay", "internal/bank/iso20022",
		"internal/archtest", "internal/browsertest", "internal/testprog",
		"internal/upload/uploadtest", "internal/payment/wechatpay/wechatpaytest",
		"internal/staff/stafftest", "internal/wechat/wechattest",
		"internal/tencentcloud", "internal/tencentcloud/tencentcloudtest", "internal/aliyun", "internal/aliyun/aliyuntest",
		"internal/sms", "internal/identity", "internal/witness", "internal/cloudfake",
		"internal/conformance",
	}},
	{name: "store", pkgs: []string{"internal/store", "internal/store/storetest"}},
	// config is a helper, but it parses and redacts database addresses
	// with store's functions, so it stands above store (see the decision).
	{name: "configuration", pkgs: []string{"internal/config"}},
	{name: "records", domain: true, pkgs: []string{
		"internal/vault", "internal/audit", "internal/session", "internal/staff",
		"internal/rules", "internal/charity", "internal/ledger", "internal/throttle",
		"internal/wechat", "internal/translog", "internal/content",
	}},
	// The log's auditor reads only translog's record format; it stands
	// just above it so that the server can use its pure parsers too.
	{name: "log auditing", pkgs: []string{"internal/logcheck", "internal/logcheck/logchecktest"}},
	{name: "domain", domain: true, pkgs: []string{
		"internal/incident", "internal/account", "internal/campaign", "internal/blacklist",
		"internal/hospital",
		"internal/charitypay",
		"internal/bank",
		"internal/refundfund",
		"internal/backup",
	}},
	// A test helper of a domain package builds rows for tests; it has no
	// rules of its own.
	{name: "domain test helpers", pkgs: []string{"internal/campaign/campaigntest"}},
	// payout's rules import only campaign and money, but it builds on
	// material (a payout's documents) and the ledger, so it stands here.
	{name: "domain over domain", domain: true, pkgs: []string{
		"internal/material", "internal/review", "internal/donation", "internal/payout", "internal/refund",
		"internal/reconcile", "internal/termination", "internal/complaint",
	}},
	{name: "use cases across domains", domain: true, pkgs: []string{"internal/filing", "internal/disclosure", "internal/winddown", "internal/retention", "internal/report"}},
	{name: "assembly", pkgs: []string{"internal/demo", "internal/platform", "internal/jobs"}},
	{name: "http", pkgs: []string{
		"internal/web", "internal/server", "internal/server/site", "internal/server/console",
	}},
	{name: "tools", pkgs: []string{"internal/bench"}},
	{name: "commands", pkgs: []string{"cmd/carefund"}},
}

// storeFiles reports whether a file of a domain package may hold SQL or open
// transactions: store.go and store_*.go hold the package's SQL on
// *store.Tx, service.go and service_*.go its use cases, one transaction
// each. Every other non-test file is a rule file: it imports neither store
// nor database/sql, so its rules are pure and tested by tables.
func storeFiles(name string) bool {
	base := strings.TrimSuffix(name, ".go")
	for _, p := range []string{"store", "service"} {
		if base == p || strings.HasPrefix(base, p+"_") {
			return true
		}
	}
	return false
}

func TestArchitecture(t *testing.T) {
	root, module := moduleRoot(t)
	problems, err := check(os.DirFS(root), module, layers)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

// TestCheckFails proves that check reports each kind of break, on a small
// module built for it: store importing the module, a package importing one
// above it, a rule file importing store or database/sql, and a package in
// no layer.
func TestCheckFails(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":                          "module example.com/m\n",
		"internal/apperr/apperr.go":       "package apperr\n",
		"internal/store/store.go":         "package store\nimport _ \"example.com/m/internal/apperr\"\n",
		"internal/campaign/rules.go":      "package campaign\nimport _ \"example.com/m/internal/store\"\n",
		"internal/campaign/lifecycle.go":  "package campaign\nimport _ \"database/sql\"\n",
		"internal/campaign/store.go":      "package campaign\nimport (\n\t_ \"database/sql\"\n\t_ \"example.com/m/internal/store\"\n)\n",
		"internal/campaign/service_x.go":  "package campaign\nimport _ \"example.com/m/internal/store\"\n",
		"internal/campaign/rules_test.go": "package campaign\nimport _ \"example.com/m/internal/store\"\n",
		"internal/money/money.go":         "package money\nimport _ \"example.com/m/internal/campaign\"\n",
		"internal/stray/stray.go":         "package stray\n",
		"internal/campaign/testdata/x.go": "package x\nimport _ \"example.com/m/internal/store\"\n",
	}
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	order := []layer{
		{name: "leaf", pkgs: []string{"internal/apperr", "internal/money"}},
		{name: "store", pkgs: []string{"internal/store"}},
		{name: "domain", domain: true, pkgs: []string{"internal/campaign"}},
	}
	got, err := check(os.DirFS(dir), "example.com/m", order)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`internal/campaign/lifecycle.go is a rule file of a domain package but imports database/sql`,
		`internal/campaign/rules.go is a rule file of a domain package but imports example.com/m/internal/store`,
		`internal/money (layer "leaf") imports example.com/m/internal/campaign (layer "domain"), a layer above it`,
		`internal/store imports example.com/m/internal/apperr: store imports nothing of this module`,
		`internal/stray is in no layer: add it to the order of decision 0016 and to layers in this test`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("check found\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

// check reads every non-test Go file of the module in fsys and returns what
// breaks the order, sorted.
func check(fsys fs.FS, module string, order []layer) ([]string, error) {
	rank := map[string]int{}
	domain := map[string]bool{}
	for i, l := range order {
		for _, p := range l.pkgs {
			rank[p] = i
			domain[p] = l.domain
		}
	}
	var problems []string
	seen := map[string]bool{}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if base := d.Name(); name != "." && (base == "testdata" || base == "vendor" || strings.HasPrefix(base, ".") || strings.HasPrefix(base, "_")) {
				return fs.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.ImportsOnly)
		if err != nil {
			return err
		}
		pkg := path.Dir(name)
		r, known := rank[pkg]
		if !known {
			if !seen[pkg] {
				problems = append(problems, fmt.Sprintf("%s is in no layer: add it to the order of decision 0016 and to layers in this test", pkg))
			}
			seen[pkg] = true
			return nil
		}
		for _, spec := range f.Imports {
			imp := strings.Trim(spec.Path.Value, `"`)
			own, mine := strings.CutPrefix(imp, module+"/")
			if mine && pkg == "internal/store" {
				problems = append(problems, fmt.Sprintf("%s imports %s: store imports nothing of this module", pkg, imp))
				continue
			}
			if mine {
				if ir, ok := rank[own]; ok && ir > r {
					problems = append(problems, fmt.Sprintf("%s (layer %q) imports %s (layer %q), a layer above it",
						pkg, order[r].name, imp, order[ir].name))
				}
			}
			storage := imp == "database/sql" || imp == module+"/internal/store"
			if storage && domain[pkg] && !storeFiles(path.Base(name)) {
				problems = append(problems, fmt.Sprintf("%s is a rule file of a domain package but imports %s", name, imp))
			}
		}
		return nil
	})
	slices.Sort(problems)
	return slices.Compact(problems), err
}

// moduleRoot returns the directory holding go.mod and the module's path.
func moduleRoot(t *testing.T) (string, string) {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		f, err := os.Open(filepath.Join(dir, "go.mod"))
		if err == nil {
			defer f.Close()
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				if m, ok := strings.CutPrefix(sc.Text(), "module "); ok {
					return dir, strings.TrimSpace(m)
				}
			}
			t.Fatalf("%s/go.mod names no module", dir)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}
