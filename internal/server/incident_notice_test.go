package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// TestIncidentNotices: a security admin records the notice of an incident
// to the authority and to each person affected, with the channel and the
// time it was sent; the console shows per person whether and when they were
// told, and refuses to mark the incident notified while anyone is untold
// (R-PII-3). Wrong input is answered next to its field, nothing recorded.
func TestIncidentNotices(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		user := "user:" + strconv.FormatInt(f.userID, 10)
		if resp := f.as(string(staff.Reviewer), "GET", "/staff/users/"+strconv.FormatInt(f.userID, 10), nil); resp.StatusCode != 200 {
			t.Fatalf("reviewer viewing a user: %d", resp.StatusCode)
		}
		reviewer := "staff:" + strconv.FormatInt(f.ids[staff.Reviewer], 10)
		now := f.s.now().In(chinaTime)
		today := now.Format("2006-01-02")
		resp := f.as(string(staff.SecurityAdmin), "POST", "/staff/incidents", url.Values{"type": {"tampering"}, "title": {"records altered"},
			"description": {"x"}, "suspect_actor": {reviewer}, "from": {today}, "to": {today}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("opening an incident: %d\n%s", resp.StatusCode, body(t, resp))
		}
		page := resp.Header.Get("Location")
		admin := string(staff.SecurityAdmin)
		post := func(path string, form url.Values) *http.Response { return f.as(admin, "POST", page+path, form) }
		if resp := post("/steps", url.Values{"kind": {"remediation"}, "text": {"revoked the reviewer's access"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("remediation: %d", resp.StatusCode)
		}
		got := body(t, f.as(admin, "GET", page, nil))
		if !strings.Contains(got, `<span class="affected">`+user+`</span> · <span class="untold">`) || !strings.Contains(got, "篡改") {
			t.Errorf("the page does not show %s untold in a tampering:\n%s", user, got)
		}
		sent := now.Add(-30 * 60e9).Format("2006-01-02T15:04")
		for _, tt := range []struct {
			name  string
			form  url.Values
			field string
		}{
			{"a time in the future", url.Values{"recipient": {user}, "channel": {"sms"}, "outcome": {"sent"}, "sent_at": {now.Add(48 * 3600e9).Format("2006-01-02T15:04")}}, "sent_at"},
			{"no time", url.Values{"recipient": {user}, "channel": {"sms"}, "outcome": {"sent"}}, "sent_at"},
			{"a garbled time", url.Values{"recipient": {user}, "channel": {"sms"}, "outcome": {"sent"}, "sent_at": {"yesterday"}}, "sent_at"},
			{"someone not affected", url.Values{"recipient": {"user:999999"}, "channel": {"sms"}, "outcome": {"sent"}, "sent_at": {sent}}, "recipient"},
			{"no authority named", url.Values{"recipient": {"authority"}, "channel": {"email"}, "outcome": {"sent"}, "sent_at": {sent}}, "authority"},
			{"an unknown channel", url.Values{"recipient": {user}, "channel": {"fax"}, "outcome": {"sent"}, "sent_at": {sent}}, "channel"},
		} {
			resp := post("/notices", tt.form)
			if got := body(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(got, `id="`+tt.field+`-err"`) {
				t.Errorf("%s: %d, want 422 with a message at %s:\n%s", tt.name, resp.StatusCode, tt.field, got)
			}
		}
		// Nothing of the refused notices was kept.
		if got := body(t, f.as(admin, "GET", page, nil)); !strings.Contains(got, "尚未报告监管部门。") || strings.Contains(got, `class="told"`) ||
			strings.Contains(got, "通知个人") {
			t.Errorf("a refused notice left a trace:\n%s", got)
		}
		if resp := post("/status", url.Values{"status": {"notified"}}); resp.StatusCode != http.StatusConflict {
			t.Errorf("notified before anyone was told: %d, want 409", resp.StatusCode)
		}
		if resp := post("/notices", url.Values{"recipient": {"authority"}, "authority": {"省网信办"}, "reference": {"网信〔2026〕7号"},
			"channel": {"email"}, "outcome": {"sent"}, "sent_at": {sent}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("the authority's notice: %d\n%s", resp.StatusCode, body(t, resp))
		}
		if e := lastAudit(t, db, "incident.notice"); !strings.HasPrefix(e.Object, "incident:") || e.Actor != "staff:"+strconv.FormatInt(f.ids[staff.SecurityAdmin], 10) {
			t.Errorf("the notice's audit record: %+v", e.Record)
		}
		if resp := post("/status", url.Values{"status": {"notified"}}); resp.StatusCode != http.StatusConflict {
			t.Errorf("notified with %s untold: %d, want 409", user, resp.StatusCode)
		}
		if resp := post("/notices", url.Values{"recipient": {user}, "channel": {"letter"}, "outcome": {"sent"}, "sent_at": {sent}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("the person's notice: %d\n%s", resp.StatusCode, body(t, resp))
		}
		got = body(t, f.as(admin, "GET", page, nil))
		if want := `<span class="affected">` + user + `</span> · <span class="told">已于 ` + strings.Replace(sent, "T", " ", 1) + ` 通过信函通知`; !strings.Contains(got, want) {
			t.Errorf("the page does not show when %s was told (%s):\n%s", user, want, got)
		}
		if !strings.Contains(got, "省网信办 · 网信〔2026〕7号 · 电子邮件 · 已发送") {
			t.Errorf("the page does not show the authority's notice:\n%s", got)
		}
		if resp := post("/status", url.Values{"status": {"notified"}}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("notified with everyone told: %d\n%s", resp.StatusCode, body(t, resp))
		}
		if resp := f.as(string(staff.Auditor), "POST", page+"/notices", url.Values{"recipient": {user}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("an auditor recording a notice: %d, want 403", resp.StatusCode)
		}
	})
}
