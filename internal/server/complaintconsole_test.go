package server

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/complaint"
	"github.com/carefund/carefund/internal/content"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// TestComplaintConsole: a handler finds a complaint in the queue with its
// clocks, opens it with the contact masked, reveals it (recorded), is
// refused a response the screen stops, and resolves it; the complainant's
// status page shows the outcome (R-COMP-1, R-COMP-2).
func TestComplaintConsole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		cs := f.s.platform.Complaints
		rc, err := cs.Submit(ctx, complaint.Input{Category: complaint.CategoryOther, Text: "<script>alert(1)</script> 页面打不开",
			ContactName: "李四", ContactPhone: "13812345678"}, complaint.SubmitMeta{ClientKey: "k"})
		if err != nil {
			t.Fatal(err)
		}
		body := func(resp *http.Response) string {
			t.Helper()
			b, _ := io.ReadAll(resp.Body)
			return string(b)
		}
		resp := f.as("complaints", "GET", "/staff/complaints", nil)
		queue := body(resp)
		if resp.StatusCode != http.StatusOK || !strings.Contains(queue, rc.Number) {
			t.Fatalf("queue %d lacks %s", resp.StatusCode, rc.Number)
		}
		var id int64
		db.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRowContext(ctx, "SELECT id FROM complaints WHERE number = $1", rc.Number).Scan(&id)
		})
		path := "/staff/complaints/" + strconv.FormatInt(id, 10)
		page := body(f.as("complaints", "GET", path, nil))
		if !strings.Contains(page, "138****5678") || strings.Contains(page, "13812345678") || strings.Contains(page, "<script>alert(1)") {
			t.Errorf("complaint page: contact not masked or text not escaped")
		}
		if page := body(f.as("auditor", "GET", path, nil)); !strings.Contains(page, rc.Number) || strings.Contains(page, path+"/resolve") {
			t.Errorf("auditor: want the complaint, read-only")
		}
		if revealed := body(f.as("complaints", "POST", path+"/reveal", url.Values{})); !strings.Contains(revealed, "13812345678") {
			t.Errorf("reveal does not show the phone")
		}
		entries, err := (&audit.Log{DB: db}).Browse(ctx, audit.Filter{Action: "pii.view.complaint_contact"})
		if err != nil || len(entries) != 1 || entries[0].Object != "complaint:"+strconv.FormatInt(id, 10) {
			t.Errorf("reveal recorded %d times: %v", len(entries), err)
		}
		resp = f.as("complaints", "POST", path+"/resolve", url.Values{"outcome": {"upheld"}, "response": {"可以出售毒品筹钱"}})
		if refused := body(resp); resp.StatusCode != http.StatusUnprocessableEntity && resp.StatusCode != http.StatusBadRequest ||
			!strings.Contains(refused, i18n.T(i18n.ZH, content.KeyRefused)) {
			t.Errorf("screened response: status %d", resp.StatusCode)
		}
		resp = f.as("complaints", "POST", path+"/resolve", url.Values{"outcome": {"upheld"}, "response": {"已修复页面问题，谢谢反馈。"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("resolve: %d %s", resp.StatusCode, body(resp))
		}
		p, err := cs.Track(ctx, rc.Number, rc.Secret, 0)
		if err != nil || p.Status != complaint.StatusResolved || p.Response != "已修复页面问题，谢谢反馈。" {
			t.Errorf("Track after resolve = %+v, %v", p, err)
		}
		// The calendar: the admin adds a day, a handler may only read.
		resp = f.as("admin", "POST", "/staff/complaint-calendar", url.Values{"day": {"2027-02-09"}, "working": {"0"}, "name": {"春节"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("calendar: %d %s", resp.StatusCode, body(resp))
		}
		if cal := body(f.as("complaints", "GET", "/staff/complaint-calendar?year=2027", nil)); !strings.Contains(cal, "2027-02-09") || strings.Contains(cal, "/staff/complaint-calendar/remove") {
			t.Errorf("calendar for a handler: want the day, read-only")
		}
		resp = f.as("admin", "POST", "/staff/complaint-calendar", url.Values{"day": {"2027-13-01"}})
		if cal := body(resp); resp.StatusCode < 400 || !strings.Contains(cal, i18n.T(i18n.ZH, complaint.KeyDay)) {
			t.Errorf("a wrong day: %d", resp.StatusCode)
		}
	})
}
