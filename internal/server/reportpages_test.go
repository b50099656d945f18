package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/report"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// TestReportPages: a donation posted in March 2026 shows in the public
// report of 2026-h1, as a page with its charts and as a CSV in the
// reader's language that parses back; the list names the half-year; a
// half-year not ended and a malformed one are refused in the reader's
// language, with no report.
//
// R-DISC-3, R-RPT-1
func TestReportPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		march := time.Date(2026, time.March, 2, 10, 0, 0, 0, report.Shanghai)
		db.SetClock(func() time.Time { return march })
		var id int64
		if err := db.Write(ctx, func(tx *store.Tx) (err error) {
			fl := campaigntest.Filing()
			c, err := idcard.CheckChar("11010519800101007")
			if err != nil {
				return err
			}
			fl.PatientID = "11010519800101007" + string(c)
			id, err = campaigntest.Fundraising(ctx, tx, f.s.campaigns, f.userID, fl, 0)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.ledger.Post(ctx, ledger.Transfer("rp-1", "donation", "psp:sandbox", "request:"+strconv.FormatInt(id, 10), 123_45)); err != nil {
			t.Fatal(err)
		}
		db.SetClock(func() time.Time { return time.Date(2026, time.December, 8, 9, 0, 0, 0, report.Shanghai) })

		if code, body, _ := f.get(t, "/reports"); code != http.StatusOK || !strings.Contains(body, `href="/reports/2026-h1"`) ||
			strings.Contains(body, `href="/reports/2026-h2"`) {
			t.Errorf("GET /reports: %d\n%.2000s", code, body)
		}
		code, body, _ := f.get(t, "/reports/2026-h1")
		body = html.UnescapeString(body)
		for _, want := range []string{`id="rf-money.raised">¥123.45`, `id="rf-requests.published">1`, `<svg class="chart"`,
			`<title id="chart-money-title">` + i18n.T(i18n.ZH, "report.chart.money"), `data-balanced="true"`, `href="/reports/2026-h1.csv"`} {
			if code != http.StatusOK || !strings.Contains(body, want) {
				t.Errorf("GET /reports/2026-h1: %d, lacks %s\n%.3000s", code, want, body)
			}
		}
		if strings.Contains(body, "<script") {
			t.Error("a report page carries a script")
		}

		resp := do(f.s.Handler(), "GET", "/reports/2026-h1.csv", nil, "Accept-Language", "en")
		b := []byte(readBody(t, resp))
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("the CSV: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		rest, ok := bytes.CutPrefix(b, []byte("\ufeff"))
		rows, err := csv.NewReader(bytes.NewReader(rest)).ReadAll()
		if !ok || err != nil || rows[0][0] != i18n.T(i18n.EN, "report.csv.period") {
			t.Fatalf("the CSV does not parse back with English headers (BOM %v): %v\n%s", ok, err, b)
		}
		found := false
		for _, row := range rows {
			found = found || row[4] == "money.raised" && row[3] == "123.45"
		}
		if !found {
			t.Errorf("the CSV lacks money.raised 123.45:\n%s", b)
		}

		for target, want := range map[string]struct {
			code int
			key  string
		}{
			"/reports/2026-h2":     {http.StatusNotFound, "report.not_ended"},
			"/reports/2026-h2.csv": {http.StatusNotFound, "report.not_ended"},
			"/reports/2026-h3":     {http.StatusUnprocessableEntity, "report.bad_half"},
			"/reports/latest":      {http.StatusUnprocessableEntity, "report.bad_half"},
		} {
			resp := do(f.s.Handler(), "GET", target, nil, "Accept-Language", "zh-CN")
			body := html.UnescapeString(readBody(t, resp))
			if resp.StatusCode != want.code || !strings.Contains(body, i18n.T(i18n.ZH, want.key)) || strings.Contains(body, "rf-money") {
				t.Errorf("GET %s: %d, want %d with %q\n%.1500s", target, resp.StatusCode, want.code, i18n.T(i18n.ZH, want.key), body)
			}
		}
	})
}

// TestConsoleReports: in the console an auditor sees the annual report of
// 2025 late after 30 June 2026, downloads it and the half-year's report,
// each download audited as theirs in the audit log; an auditor may not
// mark it submitted, finance may, once, and then it is no longer late.
//
// R-DISC-4, R-RPT-1
func TestConsoleReports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		db.SetClock(func() time.Time { return time.Date(2025, time.August, 2, 10, 0, 0, 0, report.Shanghai) })
		if _, err := f.s.ledger.Post(ctx, ledger.Transfer("cr-1", "donation", "psp:sandbox", "request:1", 88_00)); err != nil {
			t.Fatal(err)
		}
		db.SetClock(func() time.Time { return time.Date(2026, time.July, 2, 9, 0, 0, 0, report.Shanghai) })

		resp := f.as(string(staff.Auditor), "GET", "/staff/reports", nil)
		body := html.UnescapeString(readBody(t, resp))
		for _, want := range []string{`id="annual-2025-due">` + i18n.T(i18n.ZH, "staff.reports.late", "2026-06-30"), `href="/staff/reports/2025.pdf"`,
			`href="/staff/reports/2025-h2.csv"`} {
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, want) {
				t.Errorf("GET /staff/reports: %d, lacks %s\n%.3000s", resp.StatusCode, want, body)
			}
		}
		if strings.Contains(body, `action="/staff/reports/2025/submitted"`) {
			t.Error("an auditor is offered to mark the report submitted")
		}
		for _, file := range []string{"2025-h2.csv", "2025.csv", "total.csv"} {
			resp := f.as(string(staff.Auditor), "GET", "/staff/reports/"+file, nil)
			if b := readBody(t, resp); resp.StatusCode != http.StatusOK || !strings.Contains(b, "88.00") {
				t.Errorf("GET /staff/reports/%s: %d\n%s", file, resp.StatusCode, b)
			}
		}
		if resp := f.as(string(staff.Auditor), "GET", "/staff/reports/2025-h2.pdf", nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("a half-year's PDF: %d, want 404", resp.StatusCode)
		}
		if resp := f.as(string(staff.Auditor), "GET", "/staff/reports/2026-h2.csv", nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("a half-year not ended: %d, want 404", resp.StatusCode)
		}
		if _, err := report.FindFont(""); err == nil {
			resp := f.as(string(staff.Auditor), "GET", "/staff/reports/2025.pdf", nil)
			if b := readBody(t, resp); resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(b, "%PDF-") {
				t.Errorf("GET /staff/reports/2025.pdf: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
		}
		var es []audit.Entry
		if err := db.Read(ctx, func(tx *store.Tx) (err error) {
			es, err = audit.List(ctx, tx, audit.Filter{Actor: "staff:" + strconv.FormatInt(f.ids[staff.Auditor], 10), Action: "report.", Limit: audit.MaxLimit})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, e := range es {
			seen[e.Action+" "+e.Object]++
		}
		for _, want := range []string{"report.list reports", "report.half_year.export report:2025-h2", "report.annual.generate annual:2025", "report.totals.export report:total"} {
			if seen[want] == 0 {
				t.Errorf("no audit record %q: %v", want, seen)
			}
		}

		if resp := f.as(string(staff.Auditor), "POST", "/staff/reports/2025/submitted", url.Values{}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("an auditor marks it submitted: %d, want 403", resp.StatusCode)
		}
		if resp := f.as(string(staff.Finance), "POST", "/staff/reports/2025/submitted", url.Values{}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("finance marks it submitted: %d, want 303", resp.StatusCode)
		}
		if resp := f.as(string(staff.Finance), "POST", "/staff/reports/2025/submitted", url.Values{}); resp.StatusCode != http.StatusConflict {
			t.Errorf("marked twice: %d, want 409", resp.StatusCode)
		}
		resp = f.as(string(staff.Auditor), "GET", "/staff/reports", nil)
		body = html.UnescapeString(readBody(t, resp))
		if !strings.Contains(body, `id="annual-2025-submitted"`) || strings.Contains(body, i18n.T(i18n.ZH, "staff.reports.late", "2026-06-30")) {
			t.Errorf("after submitting: still late or not shown submitted\n%.3000s", body)
		}
	})
}
