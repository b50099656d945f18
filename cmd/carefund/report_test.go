package main

import (
	"context"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/report"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/vault"
)

// R-RPT-1, R-DISC-3, R-DISC-4: carefund report writes a past half-year's
// report as text or CSV, the annual report as PDF (whose text holds the
// figures in Chinese) and CSV, and every export into a folder — the
// totals, each report and each public request's ledger — each audited as
// made by the command line; a half-year not ended, a malformed one and a
// font that is not there are refused with exit status 2 and a message
// saying why. On both databases.
func TestReportCommand(t *testing.T) {
	for _, d := range storetest.Databases(t) {
		t.Run(d.Name, func(t *testing.T) { reportCommand(t, d.DSN) })
	}
}

func reportCommand(t *testing.T, dsn string) {
	ctx := context.Background()
	db := storetest.Open(t, dsn)
	at := time.Date(2025, time.August, 1, 10, 0, 0, 0, report.Shanghai)
	db.SetClock(func() time.Time { return at })
	keys := &keyring.Keys{}
	rand.Read(keys.Master[:])
	rand.Read(keys.Index[:])
	v := vault.New(keys)
	cs := campaign.Store{Vault: v}
	var id int64
	if err := db.Write(ctx, func(tx *store.Tx) error {
		publisher, err := campaigntest.User(ctx, tx, v, "13800138000")
		if err != nil {
			return err
		}
		id, err = campaigntest.Fundraising(ctx, tx, cs, publisher, campaigntest.Filing(), 0)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	l := ledger.New(db, ledger.Options{CommitKey: []byte("test commit key")})
	t.Cleanup(func() { l.Close() })
	acct := "request:" + strconv.FormatInt(id, 10)
	if _, err := l.Post(ctx, ledger.Transfer("test:d1", "donation", "psp:sandbox", acct, 500_00)); err != nil {
		t.Fatal(err)
	}
	at = time.Date(2025, time.September, 3, 10, 0, 0, 0, report.Shanghai)
	if _, err := l.Post(ctx, ledger.Transfer("test:p1", "payout", acct, "payable:payout:1", 200_00)); err != nil {
		t.Fatal(err)
	}

	code, out, stderr := runCmd(t, env(), "report", "half-year", "2025-h2", "--database", dsn, "--csv")
	if code != 0 || !strings.HasPrefix(out, "\ufeff") || !strings.Contains(out, ",300.00,money.held") || !strings.Contains(out, ",500.00,money.raised") {
		t.Errorf("report half-year --csv: exit %d\n%s\n%s", code, out, stderr)
	}
	code, out, stderr = runCmd(t, env(), "report", "half-year", "2025-h2", "--database", dsn, "--lang", "en")
	if code != 0 || !strings.Contains(out, i18n.T(i18n.EN, "report.row.paid_out")) || !strings.Contains(out, "200.00") {
		t.Errorf("report half-year: exit %d\n%s\n%s", code, out, stderr)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"half-year", "2999-h1"}, i18n.T(i18n.ZH, "report.not_ended")},
		{[]string{"half-year", "2025-h3"}, i18n.T(i18n.EN, "report.bad_half")},
		{[]string{"annual", "2999", "--pdf", filepath.Join(t.TempDir(), "x.pdf")}, i18n.T(i18n.EN, "report.not_ended")},
		{[]string{"annual", "2025", "--pdf", filepath.Join(t.TempDir(), "x.pdf"), "--report-font", filepath.Join(t.TempDir(), "none.ttf")}, "none.ttf"},
		{[]string{"annual", "2025"}, "--pdf FILE"},
		{[]string{"export"}, "--out FOLDER"},
	} {
		code, out, stderr := runCmd(t, env(), append(append([]string{"report"}, c.args...), "--database", dsn)...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("report %q: exit %d, %q %q; want 2 and %q", c.args, code, out, stderr, c.want)
		}
	}

	dir := t.TempDir()
	args := []string{"report", "annual", "2025", "--database", dsn, "--csv", filepath.Join(dir, "a.csv")}
	font, fontErr := report.FindFont("")
	pdftotext, lookErr := exec.LookPath("pdftotext")
	withPDF := fontErr == nil && lookErr == nil
	if !withPDF && os.Getenv("CI") == "true" {
		t.Fatalf("CI needs a CJK font (%v) and pdftotext (%v)", fontErr, lookErr)
	}
	if withPDF {
		args = append(args, "--pdf", filepath.Join(dir, "a.pdf"), "--report-font", font.Path)
	}
	if code, out, stderr := runCmd(t, env(), args...); code != 0 {
		t.Fatalf("report annual: exit %d %q %q", code, out, stderr)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "a.csv")); err != nil || !strings.Contains(string(b), "500.00,total.raised") {
		t.Errorf("the annual CSV: %v\n%s", err, b)
	}
	if withPDF {
		text, err := exec.Command(pdftotext, "-layout", filepath.Join(dir, "a.pdf"), "-").CombinedOutput()
		if err != nil || !strings.Contains(string(text), "¥500.00") || !strings.Contains(string(text), "年度工作报告和财务报告") {
			t.Errorf("the annual PDF's text: %v\n%s", err, text)
		}
	}

	exp := t.TempDir()
	if code, out, stderr := runCmd(t, env(), "report", "export", "--database", dsn, "--out", exp); code != 0 {
		t.Fatalf("report export: exit %d %q %q", code, out, stderr)
	}
	for _, name := range []string{"totals.csv", "half-year-2025-h2.csv", "annual-2025.csv", "requests/request-" + strconv.FormatInt(id, 10) + "-ledger.csv"} {
		if b, err := os.ReadFile(filepath.Join(exp, name)); err != nil || !strings.Contains(string(b), "500.00") {
			t.Errorf("the export's %s: %v\n%s", name, err, b)
		}
	}
	var es []audit.Entry
	if err := db.Read(ctx, func(tx *store.Tx) (err error) {
		es, err = audit.List(ctx, tx, audit.Filter{Actor: "cli", Action: "report.", Limit: audit.MaxLimit})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range es {
		seen[e.Action+" "+e.Object] = true
	}
	for _, want := range []string{"report.half_year.export report:2025-h2", "report.annual.generate annual:2025", "report.totals.export report:total"} {
		if !seen[want] {
			t.Errorf("no audit record %q among %v", want, seen)
		}
	}
}
