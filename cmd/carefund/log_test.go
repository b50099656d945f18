package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/carefund/carefund/internal/logcheck"
	"github.com/carefund/carefund/internal/logcheck/logchecktest"
	"github.com/carefund/carefund/internal/translog"
)

// TestLogCommand: carefund log verify audits a log served over HTTP and
// remembers it, refuses one whose public figures differ from its ledger
// entries, and log check-receipt checks a donor's bundle offline (R-DISC-1).
func TestLogCommand(t *testing.T) {
	l := logchecktest.New()
	defer l.Close()
	key, salt := "order-1", translog.Salt([]byte("k"), "order-1")
	entry, err := translog.Record{Type: translog.TypeLedger, Source: translog.LedgerSource(1), At: 1_765_000_000,
		Ledger: &translog.Ledger{Entry: 1, Kind: "donation", Postings: []translog.Posting{{Account: "psp:wechat", Amount: 5000}, {Account: "request:3", Amount: -5000}},
			Commitment: translog.Commit(salt, key)}}.Data()
	if err != nil {
		t.Fatal(err)
	}
	l.Append(entry)
	l.SetPage(3, logcheck.Money{Raised: 5000, Held: 5000})
	dir := t.TempDir()
	state := filepath.Join(dir, "state.json")

	code, stdout, stderr := runCmd(t, env(), "log", "verify", l.URL(), "--state", state)
	if code != 0 || !strings.Contains(stderr, "trust on first use") || !strings.Contains(stdout, "log "+l.Origin+" verified: 1 entries (1 ledger)") {
		t.Fatalf("first audit: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	code, stdout, stderr = runCmd(t, env(), "log", "verify", "--key", l.VKey, "--state", state, l.URL())
	if code != 0 || strings.Contains(stderr, "trust on first use") || !strings.Contains(stdout, "extends the checkpoint of 1 entries") {
		t.Fatalf("second audit: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	l.SetPage(3, logcheck.Money{Raised: 6000, Held: 5000})
	code, _, stderr = runCmd(t, env(), "log", "verify", l.URL(), "--state", state)
	if code != 1 || !strings.Contains(stderr, "request 3: raised is ¥50.00 in the log but ¥60.00 on its public page") {
		t.Errorf("a page that lies: exit %d, stderr %s", code, stderr)
	}

	extra, _ := json.Marshal(logcheck.ReceiptExtra{Key: key, Salt: base64.StdEncoding.EncodeToString(salt), Entry: base64.StdEncoding.EncodeToString(entry)})
	bundle := filepath.Join(dir, "order-1.tlog-proof")
	if err := os.WriteFile(bundle, l.Proof(0, extra), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runCmd(t, env(), "log", "check-receipt", bundle, "--key", l.VKey)
	if code != 0 || !strings.Contains(stdout, "receipt verified: ledger entry 1 (donation of ¥50.00 to request 3) is entry 0 of the log "+l.Origin) {
		t.Errorf("check-receipt: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	b, _ := os.ReadFile(bundle)
	os.WriteFile(bundle, []byte(strings.Replace(string(b), "index 0", "index 1", 1)), 0o600)
	if code, _, stderr = runCmd(t, env(), "log", "check-receipt", bundle, "--key", l.VKey); code != 1 || !strings.Contains(stderr, "does not verify") {
		t.Errorf("an edited receipt: exit %d, stderr %s", code, stderr)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"log", "check-receipt", bundle}, 2, "--key is required"},
		{[]string{"log"}, 2, "want 'log verify URL'"},
		{[]string{"log", "verify"}, 2, "want one URL"},
		{[]string{"log", "frob"}, 2, `unknown log command "frob"`},
		{[]string{"help", "log"}, 0, "--witness key"},
	} {
		code, stdout, stderr := runCmd(t, env(), c.args...)
		if code != c.code || !strings.Contains(stdout+stderr, c.want) {
			t.Errorf("%q: exit %d, stdout %s stderr %s; want %d and %q", c.args, code, stdout, stderr, c.code, c.want)
		}
	}
}

// TestLogVerifyLivePlatform: a live platform's page may already show money
// paid after the checkpoint the audit read (R-DISC-1): when only pages
// differ and the log has grown, log verify audits again at the newer
// checkpoint and passes; a page that stays wrong still fails.
func TestLogVerifyLivePlatform(t *testing.T) {
	l := logchecktest.New()
	defer l.Close()
	gift := func(entry, fen int64) []byte {
		t.Helper()
		key := fmt.Sprintf("order-%d", entry)
		b, err := translog.Record{Type: translog.TypeLedger, Source: translog.LedgerSource(entry), At: 1_765_000_000,
			Ledger: &translog.Ledger{Entry: entry, Kind: "donation", Postings: []translog.Posting{{Account: "psp:wechat", Amount: fen}, {Account: "request:3", Amount: -fen}},
				Commitment: translog.Commit(translog.Salt([]byte("k"), key), key)}}.Data()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	l.Append(gift(1, 5000))
	// The page already counts a second gift, logged only once the audit
	// has read the page.
	l.SetPage(3, logcheck.Money{Raised: 8000, Held: 8000})
	var once sync.Once
	l.AfterServe(func(path string) {
		if path == "/api/v1/requests/3" {
			once.Do(func() { l.Append(gift(2, 3000)) })
		}
	})
	state := filepath.Join(t.TempDir(), "state.json")
	code, stdout, stderr := runCmd(t, env(), "log", "verify", l.URL(), "--key", l.VKey, "--state", state)
	if code != 0 || !strings.Contains(stderr, "auditing again") || !strings.Contains(stdout, "verified: 2 entries") {
		t.Fatalf("a page ahead of the checkpoint: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	// A page that stays ahead of the log fails, however the log grows.
	l.SetPage(3, logcheck.Money{Raised: 9000, Held: 9000})
	var grow atomic.Int64
	grow.Store(2)
	l.AfterServe(func(path string) {
		if path == "/api/v1/requests/3" {
			l.Append(gift(grow.Add(1), 1))
		}
	})
	if code, _, stderr = runCmd(t, env(), "log", "verify", l.URL(), "--key", l.VKey, "--state", state); code != 1 || !strings.Contains(stderr, "raised is") {
		t.Errorf("a page that stays wrong: exit %d, stderr %s", code, stderr)
	}
}
