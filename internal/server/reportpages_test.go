package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"html"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/report"
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
