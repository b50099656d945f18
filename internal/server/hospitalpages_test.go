package server

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/hospital"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/payeeid"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

func listHospitals(t *testing.T, db *store.DB) []hospital.Hospital {
	t.Helper()
	var all []hospital.Hospital
	if err := db.Read(context.Background(), func(tx *store.Tx) (err error) {
		all, err = hospital.List(context.Background(), tx, false)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return all
}

func pendingProposals(t *testing.T, db *store.DB) []staff.Proposal {
	t.Helper()
	var ps []staff.Proposal
	if err := db.Read(context.Background(), func(tx *store.Tx) (err error) {
		ps, err = staff.ListProposals(context.Background(), tx, staff.Pending)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return ps
}

// TestHospitalConsole: finance proposes directory entries, a bad form
// comes back with a message per field and what was typed, and nothing
// changes until an admin approves on the approvals page (R-STAFF-1); the
// account number is masked on every page, the approvals page included, and
// shown in full only on request, recorded in the audit log, to finance and
// admins (R-PII-1); auditors read the directory only; a deactivation goes
// through four eyes too.
func TestHospitalConsole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		finance, admin, auditor := string(staff.Finance), string(staff.Admin), string(staff.Auditor)
		const plain = "0200001009014499999"
		masked := payeeid.MaskAccount(plain)

		// Bad input: every wrong field named, what was typed kept, nothing
		// proposed.
		bad := url.Values{"name": {"测试医院"}, "credit_code": {"12110000400001012"}, "bank_name": {""}, "city": {"北京"},
			"account": {"02000010X"}, "reason": {""}}
		resp := f.as(finance, "POST", "/staff/hospitals", bad)
		body := readBody(t, resp)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("bad proposal: %d", resp.StatusCode)
		}
		for _, want := range []string{
			i18n.T(i18n.ZH, payeeid.ErrCreditLength, 17), i18n.T(i18n.ZH, "hospital.bank_name_required"),
			i18n.T(i18n.ZH, payeeid.ErrAccountChars), i18n.T(i18n.ZH, "staff.reason_required"),
			`value="测试医院"`, `value="12110000400001012"`, `value="02000010X"`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the refused form lacks %q", want)
			}
		}
		if n := len(pendingProposals(t, db)); n != 0 {
			t.Errorf("a refused form proposed something: %d", n)
		}
		if e := lastAudit(t, db, "hospital.propose"); e.Result != audit.ResultFailed || e.Actor != "staff:"+strconv.FormatInt(f.ids[staff.Finance], 10) {
			t.Errorf("refused proposal audited as %+v", e.Record)
		}

		// An auditor reads the page and may not propose.
		good := url.Values{"name": {"测试人民医院"}, "credit_code": {hospital.DemoCode("12", "110000", "40000999")},
			"bank_name": {"中国工商银行北京分行"}, "city": {"北京"}, "account": {plain}, "reason": {"医院来函，已电话核实"}}
		if resp := f.as(auditor, "POST", "/staff/hospitals", good); resp.StatusCode != http.StatusForbidden {
			t.Errorf("auditor proposal: %d, want 403", resp.StatusCode)
		}
		if resp := f.as(admin, "POST", "/staff/hospitals", good); resp.StatusCode != http.StatusForbidden {
			t.Errorf("admin proposal: %d, want 403 (admins approve)", resp.StatusCode)
		}

		// Finance proposes; nothing changes yet.
		if resp := f.as(finance, "POST", "/staff/hospitals", good); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("proposal: %d %s", resp.StatusCode, readBody(t, resp))
		}
		if n := len(listHospitals(t, db)); n != 0 {
			t.Fatalf("the directory changed before approval: %d", n)
		}
		ps := pendingProposals(t, db)
		if len(ps) != 1 || ps[0].Kind != staff.KindHospital {
			t.Fatalf("pending: %+v", ps)
		}
		pid := strconv.FormatInt(ps[0].ID, 10)
		// The approver reads what is proposed, the number masked.
		body = readBody(t, f.as(admin, "GET", "/staff/approvals", nil))
		if !strings.Contains(body, "测试人民医院") || !strings.Contains(body, masked) || strings.Contains(body, plain) {
			t.Errorf("the approvals page does not show the proposal masked")
		}
		if resp := f.as(finance, "POST", "/staff/approvals/"+pid, url.Values{"decision": {"approve"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("the proposer approved: %d", resp.StatusCode)
		}
		if resp := f.as(admin, "POST", "/staff/approvals/"+pid, url.Values{"decision": {"approve"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("approval: %d %s", resp.StatusCode, readBody(t, resp))
		}
		all := listHospitals(t, db)
		if len(all) != 1 || !all[0].Active {
			t.Fatalf("after approval: %+v", all)
		}
		h := all[0]
		object := "hospital:" + strconv.FormatInt(h.ID, 10)
		if e := lastAudit(t, db, "hospital.add"); e.Object != object || e.Actor != "staff:"+strconv.FormatInt(f.ids[staff.Admin], 10) {
			t.Errorf("the addition audited as %+v", e.Record)
		}

		// Every list is masked.
		for _, who := range []string{finance, admin, auditor} {
			resp := f.as(who, "GET", "/staff/hospitals", nil)
			body := readBody(t, resp)
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, masked) || strings.Contains(body, plain) {
				t.Errorf("%s's page: %d, masked %v, plain %v", who, resp.StatusCode, strings.Contains(body, masked), strings.Contains(body, plain))
			}
			if who == auditor && (strings.Contains(body, `action="/staff/hospitals`)) {
				t.Errorf("the auditor is offered forms")
			}
		}

		// Seeing the number in full: auditors may not; finance may, on the
		// record.
		if resp := f.as(auditor, "POST", "/staff/hospitals/"+strconv.FormatInt(h.ID, 10)+"/reveal", url.Values{}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("auditor reveal: %d", resp.StatusCode)
		}
		resp = f.as(finance, "POST", "/staff/hospitals/"+strconv.FormatInt(h.ID, 10)+"/reveal", url.Values{})
		body = readBody(t, resp)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, plain) || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("reveal: %d, shown %v, Cache-Control %q", resp.StatusCode, strings.Contains(body, plain), resp.Header.Get("Cache-Control"))
		}
		if e := lastAudit(t, db, "pii.view.hospital_account"); e.Result != audit.ResultOK || e.Object != object ||
			e.Actor != "staff:"+strconv.FormatInt(f.ids[staff.Finance], 10) {
			t.Errorf("the view audited as %+v", e.Record)
		}

		// A change form keeps what was typed, but the number is never put
		// back in a form from the store.
		change := url.Values{"name": {"测试人民医院"}, "credit_code": {good.Get("credit_code")}, "bank_name": {"x"}, "city": {"北京"},
			"account": {"1"}, "reason": {"换户"}}
		resp = f.as(finance, "POST", "/staff/hospitals/"+strconv.FormatInt(h.ID, 10), change)
		if body := readBody(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, i18n.T(i18n.ZH, payeeid.ErrAccountLength, 1)) {
			t.Errorf("a bad change: %d", resp.StatusCode)
		}

		// Deactivation: a reason, then four eyes.
		target := "/staff/hospitals/" + strconv.FormatInt(h.ID, 10) + "/deactivate"
		if resp := f.as(finance, "POST", target, url.Values{"reason": {""}}); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("deactivation without a reason: %d", resp.StatusCode)
		}
		if resp := f.as(finance, "POST", target, url.Values{"reason": {"医院已注销该账户"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("deactivation: %d", resp.StatusCode)
		}
		if !listHospitals(t, db)[0].Active {
			t.Fatal("deactivated before approval")
		}
		ps = pendingProposals(t, db)
		if len(ps) != 1 {
			t.Fatalf("pending: %+v", ps)
		}
		if resp := f.as(admin, "POST", "/staff/approvals/"+strconv.FormatInt(ps[0].ID, 10), url.Values{"decision": {"approve"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("approval: %d", resp.StatusCode)
		}
		if listHospitals(t, db)[0].Active {
			t.Error("not deactivated after approval")
		}
		if resp := f.as(finance, "POST", "/staff/hospitals/99999/reveal", url.Values{}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("an unknown entry: %d", resp.StatusCode)
		}
	})
}
