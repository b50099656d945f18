package main

import (
	"context"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/store/storetest"
)

// R-DISC-1: `carefund verify` holds every request's money trail to its
// identity, raised + recovered = fees + paid out + refunded + being
// refunded + to charity + held, and names each request whose figures do
// not add up: here one whose money an entry of an unknown kind moved to
// charity:payable, which the ledger's own checks let through. On both
// databases.
func TestVerifyMoneyIdentity(t *testing.T) {
	for _, d := range storetest.Databases(t) {
		t.Run(d.Name, func(t *testing.T) { verifyMoneyIdentity(t, d.DSN) })
	}
}

func verifyMoneyIdentity(t *testing.T, dsn string) {
	ctx := context.Background()
	db := storetest.Open(t, dsn)
	l := ledger.New(db, ledger.Options{CommitKey: []byte("test commit key")})
	t.Cleanup(func() { l.Close() })
	post := func(e ledger.Entry) {
		t.Helper()
		if _, err := l.Post(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	post(ledger.Transfer("test:donation:7", "donation", "psp:sandbox", "request:7", 500_00))
	post(ledger.Transfer("test:donation:8", "donation", "psp:sandbox", "request:8", 300_00))
	post(ledger.Transfer("test:donation:9", "donation", "psp:sandbox", "request:9", 100_00))
	post(ledger.Transfer("test:bench", "donation", "psp:sandbox", "request:bench", 1_00))
	code, out, stderr := runCmd(t, env(), "verify", "--database", dsn)
	if want := "money trails verified: 3 requests"; code != 0 || !strings.Contains(out, want) {
		t.Fatalf("sound trails: exit %d, %q %q; want %q", code, out, stderr, want)
	}

	post(ledger.Transfer("test:planted:7", "adjustment", "request:7", "charity:payable", 20_00))
	post(ledger.Transfer("test:planted:9", "adjustment", "request:9", "charity:payable", 1))
	code, out, stderr = runCmd(t, env(), "verify", "--database", dsn)
	if code != 1 {
		t.Fatalf("planted imbalance: exit %d, %q %q; want 1", code, out, stderr)
	}
	for _, want := range []string{"money trail does not add up for 2 of 3 requests", "request 7: raised 500.00", "(20.00 apart)",
		"request 9:", "(0.01 apart)"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("planted imbalance: stderr %q lacks %q", stderr, want)
		}
	}
	if strings.Contains(stderr, "request 8") || strings.Contains(out, "money trails verified") {
		t.Errorf("planted imbalance: the sound request named, or the trails said verified: %q %q", out, stderr)
	}
	// The ledger's own checks pass: only the money trail sees it.
	if !strings.Contains(out, "ledger verified") {
		t.Errorf("planted imbalance: the ledger is not verified: %q", out)
	}
}
