package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/store/storetest"
)

// TestReconcileCommand reconciles a camt.053 against an empty ledger:
// every line is a difference, printed, and the command exits 1 while they
// are open; the same file again is a no-op; a statement whose closing
// balance its lines do not make, or of another account, is refused whole
// with the reason; and verify, which said the bank statement was not yet
// checked, now holds custody against it. R-FUND-4.
func TestReconcileCommand(t *testing.T) {
	camt, err := os.ReadFile(filepath.Join("..", "..", "internal", "bank", "iso20022", "testdata", "camt053.xml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "camt053.xml")
	bad := filepath.Join(dir, "unbalanced.xml")
	if err := os.WriteFile(good, camt, 0o600); err != nil {
		t.Fatal(err)
	}
	unbalanced := bytes.Replace(camt, []byte("<Amt Ccy=\"CNY\">448775.45</Amt>"), []byte("<Amt Ccy=\"CNY\">448775.46</Amt>"), 1)
	if err := os.WriteFile(bad, unbalanced, 0o600); err != nil {
		t.Fatal(err)
	}
	const custody = "0200001234567890123"
	for _, d := range storetest.Databases(t) {
		t.Run(d.Name, func(t *testing.T) {
			keysDir, _, _ := installation(t, d.DSN)
			code, out, stderr := runCmd(t, env(), "verify", "--database", d.DSN)
			if code != 0 || !strings.Contains(out, "bank statement not yet checked") {
				t.Fatalf("verify before any statement: exit %d, %q %q", code, out, stderr)
			}

			code, _, stderr = runCmd(t, env(), "reconcile", "--database", d.DSN, "--keys-dir", keysDir, "--statement", bad, "--custody-account", custody)
			if code != 2 || !strings.Contains(stderr, "closing balance") || !strings.Contains(stderr, "nothing imported") {
				t.Errorf("unbalanced statement: exit %d, %q", code, stderr)
			}
			code, _, stderr = runCmd(t, env(), "reconcile", "--database", d.DSN, "--keys-dir", keysDir, "--statement", good, "--custody-account", "0200001234567890999")
			if code == 0 || !strings.Contains(stderr, "another account") {
				t.Errorf("statement of another account: exit %d, %q", code, stderr)
			}

			code, out, stderr = runCmd(t, env(), "reconcile", "--database", d.DSN, "--keys-dir", keysDir, "--statement", good, "--custody-account", custody)
			if code != 1 || !strings.Contains(out, "3 open differences") || strings.Count(out, " extra (statement) ") != 3 {
				t.Fatalf("reconcile: exit %d\n%s\n%s", code, out, stderr)
			}
			if strings.Contains(out, custody) {
				t.Errorf("the account number is printed unmasked:\n%s", out)
			}
			code, out, _ = runCmd(t, env(), "reconcile", "--database", d.DSN, "--keys-dir", keysDir, "--statement", good, "--custody-account", custody)
			if code != 1 || !strings.Contains(out, "imported before") || !strings.Contains(out, "3 open differences") {
				t.Errorf("second import: exit %d\n%s", code, out)
			}

			code, _, stderr = runCmd(t, env(), "verify", "--database", d.DSN)
			if code != 1 || !strings.Contains(stderr, "does not mirror the custody account") {
				t.Errorf("verify with custody unreconciled: exit %d, %q", code, stderr)
			}
		})
	}
}
