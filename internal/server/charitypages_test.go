package server

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/charity"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

func listCharities(t *testing.T, db *store.DB) []charity.Org {
	t.Helper()
	var orgs []charity.Org
	if err := db.Read(context.Background(), func(tx *store.Tx) (err error) {
		orgs, err = charity.List(context.Background(), tx)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return orgs
}

// TestCharityConsole: admins keep the referral list; a form with bad input
// comes back with a message per field and saves nothing; reviewers see the
// list but cannot change it; every change and every refusal is in the audit
// log with the organisation it concerns (R-REQ-7, R-STAFF-1).
func TestCharityConsole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		admin, reviewer := string(staff.Admin), string(staff.Reviewer)
		before := len(listCharities(t, db))

		// Bad input: every wrong field named, nothing saved.
		bad := url.Values{"name": {""}, "url": {"http://example.org/"}, "order": {"first"}, "summary": {"s"}}
		resp := f.as(admin, "POST", "/staff/charities", bad)
		body := readBody(t, resp)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("bad create: %d", resp.StatusCode)
		}
		for _, want := range []string{
			i18n.T(i18n.ZH, "charity.name_required"), i18n.T(i18n.ZH, "charity.url_invalid"),
			i18n.T(i18n.ZH, "charity.order_invalid", charity.MaxOrder), `value="http://example.org/"`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the refused form lacks %q", want)
			}
		}
		if n := len(listCharities(t, db)); n != before {
			t.Errorf("a refused create saved something: %d organisations, want %d", n, before)
		}
		if e := lastAudit(t, db, "charity.create"); e.Result != audit.ResultFailed || e.Actor != "staff:"+strconv.FormatInt(f.ids[staff.Admin], 10) {
			t.Errorf("refused create audited as %+v", e.Record)
		}

		// A reviewer sees the list and may not add to it.
		good := url.Values{"name": {"测试白血病救助基金"}, "summary": {"资助白血病患儿"}, "categories": {"白血病，淋巴瘤"},
			"regions": {""}, "url": {"https://example.org/leukemia"}, "order": {"5"}}
		if resp := f.as(reviewer, "POST", "/staff/charities", good); resp.StatusCode != http.StatusForbidden {
			t.Errorf("reviewer create: %d, want 403", resp.StatusCode)
		}
		if n := len(listCharities(t, db)); n != before {
			t.Error("a reviewer's create saved something")
		}
		if e := lastAudit(t, db, "charity.create"); e.Result != audit.ResultDenied {
			t.Errorf("reviewer's create audited as %+v", e.Record)
		}

		// The admin adds it.
		resp = f.as(admin, "POST", "/staff/charities", good)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("create: %d %s", resp.StatusCode, readBody(t, resp))
		}
		orgs := listCharities(t, db)
		if len(orgs) != before+1 {
			t.Fatalf("%d organisations after create, want %d", len(orgs), before+1)
		}
		var org charity.Org
		for _, o := range orgs {
			if o.Name == "测试白血病救助基金" {
				org = o
			}
		}
		if org.ID == 0 || !org.Active || strings.Join(org.Categories, "|") != "白血病|淋巴瘤" || org.Order != 5 {
			t.Fatalf("created %+v", org)
		}
		object := "charity:" + strconv.FormatInt(org.ID, 10)
		if e := lastAudit(t, db, "charity.create"); e.Result != audit.ResultOK || e.Object != object {
			t.Errorf("create audited as %+v", e.Record)
		}
		resp = f.as(reviewer, "GET", "/staff/charities", nil)
		body = readBody(t, resp)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "测试白血病救助基金") {
			t.Errorf("reviewer list: %d", resp.StatusCode)
		}
		if strings.Contains(body, `action="/staff/charities/`) {
			t.Error("a reviewer is offered forms to change the list")
		}

		// A bad update is refused with its message and changes nothing.
		target := "/staff/charities/" + strconv.FormatInt(org.ID, 10)
		upd := url.Values{"name": {"测试白血病救助基金"}, "summary": {"新的简介"}, "categories": {"白血病"}, "url": {"javascript:alert(1)"}, "order": {"5"}}
		resp = f.as(admin, "POST", target, upd)
		body = readBody(t, resp)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, i18n.T(i18n.ZH, "charity.url_invalid")) {
			t.Errorf("bad update: %d", resp.StatusCode)
		}
		if e := lastAudit(t, db, "charity.update"); e.Result != audit.ResultFailed || e.Object != object {
			t.Errorf("refused update audited as %+v", e.Record)
		}
		if resp := f.as(reviewer, "POST", target, upd); resp.StatusCode != http.StatusForbidden {
			t.Errorf("reviewer update: %d, want 403", resp.StatusCode)
		}
		upd.Set("url", "https://example.org/new")
		if resp := f.as(admin, "POST", target, upd); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("update: %d", resp.StatusCode)
		}
		if e := lastAudit(t, db, "charity.update"); e.Result != audit.ResultOK || e.Object != object {
			t.Errorf("update audited as %+v", e.Record)
		}

		// Deactivated, never deleted; then active again.
		if resp := f.as(reviewer, "POST", target+"/active", url.Values{"active": {"false"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("reviewer deactivate: %d, want 403", resp.StatusCode)
		}
		if resp := f.as(admin, "POST", target+"/active", url.Values{"active": {"false"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("deactivate: %d", resp.StatusCode)
		}
		if e := lastAudit(t, db, "charity.set_active"); e.Result != audit.ResultOK || e.Object != object || e.Detail != "active=false" {
			t.Errorf("deactivate audited as %+v", e.Record)
		}
		if resp := f.as(admin, "POST", target+"/active", url.Values{"active": {"perhaps"}}); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("active=perhaps: %d, want 422", resp.StatusCode)
		}
		for _, o := range listCharities(t, db) {
			if o.ID == org.ID && (o.Active || o.URL != "https://example.org/new" || o.Summary != "新的简介") {
				t.Errorf("after update and deactivation: %+v", o)
			}
		}
		if resp := f.as(admin, "POST", "/staff/charities/99999/active", url.Values{"active": {"true"}}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("unknown organisation: %d, want 404", resp.StatusCode)
		}
	})
}
