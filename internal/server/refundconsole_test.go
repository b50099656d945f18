package server

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/refund"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// TestRefundConsole: finance records a closed request's purpose as
// achieved, which refunds its whole balance to its donors by the original
// route (R-REF-1, R-DON-2); the run's page shows its progress at every
// step; a refund the provider could not pay back is listed with its error,
// and finance gives it to charity with a reason (R-CHAR-1), posted once,
// audited (R-STAFF-1). A bad form is answered next to its field with
// nothing started; admins and auditors read and may not act; reviewers
// may not even read.
func TestRefundConsole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		p := f.s.platform
		finance, admin, auditor, reviewer := string(staff.Finance), string(staff.Admin), string(staff.Auditor), string(staff.Reviewer)
		id := f.publish(t, testFiling(), 0)
		f.ppGive(t, id, ppDonation{amount: "100"})
		f.ppGive(t, id, ppDonation{amount: "50.5"})
		// The sandbox cannot pay back an amount ending in 07 fen.
		abnormal := f.ppGive(t, id, ppDonation{amount: "10.07"})
		f.ppClose(t, id)

		if resp := f.as(reviewer, "GET", "/staff/refunds", nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a reviewer opens the refunds: %d", resp.StatusCode)
		}
		for _, who := range []string{admin, auditor, reviewer} {
			resp := f.as(who, "POST", "/staff/refunds", url.Values{"request": {strconv.FormatInt(id, 10)}, "reason": {"x"}, "key": {"k0"}})
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s starts a run: %d", who, resp.StatusCode)
			}
		}

		// Bad forms: answered next to the field, nothing started.
		for _, c := range []struct {
			form  url.Values
			field string
			key   string
		}{
			{url.Values{"request": {"abc"}, "reason": {"康复"}, "key": {"k1"}}, "request", "refund.console.request_invalid"},
			{url.Values{"request": {strconv.FormatInt(id, 10)}, "reason": {"  "}, "key": {"k1"}}, "reason", "refund.console.reason_required"},
			{url.Values{"request": {"999999"}, "reason": {"康复"}, "key": {"k1"}}, "request", "refund.console.request_unknown"},
		} {
			resp := f.as(finance, "POST", "/staff/refunds", c.form)
			body := readBody(t, resp)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `aria-describedby="`+c.field+`-err"`) ||
				!strings.Contains(body, html.EscapeString(i18n.T(i18n.ZH, c.key))) {
				t.Errorf("%v: %d, want 422 with %q next to %s", c.form, resp.StatusCode, c.key, c.field)
			}
		}
		if runs, err := p.Refunds.Runs(ctx, refund.RunFilter{}); err != nil || len(runs) != 0 {
			t.Fatalf("a refused form started %d runs (%v)", len(runs), err)
		}

		// R-REF-1: the whole balance goes back, each donor their share.
		form := url.Values{"request": {strconv.FormatInt(id, 10)}, "reason": {"患者已康复出院"}, "key": {"k2"}}
		resp := f.as(finance, "POST", "/staff/refunds", form)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("starting a run: %d %s", resp.StatusCode, readBody(t, resp))
		}
		loc := resp.Header.Get("Location")
		runID, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(loc, "/staff/refunds/"), "?done=started"), 10, 64)
		if err != nil {
			t.Fatalf("redirected to %q", loc)
		}
		// The same form again is the same run, not a second one.
		if again := f.as(finance, "POST", "/staff/refunds", form); again.Header.Get("Location") != loc {
			t.Errorf("the form sent twice: %d to %q, want %q", again.StatusCode, again.Header.Get("Location"), loc)
		}
		run, err := p.Refunds.Run(ctx, runID)
		if err != nil || run.Amount != 160_57 || run.Refunds != 3 || run.Cause != refund.CausePurposeEnded {
			t.Fatalf("run %d: %+v, %v; want 160.57 to 3 donors", runID, run, err)
		}
		topUp(t, p.Sandbox, p.Refunds, "CFRT1")
		if _, err := p.Refunds.Dispatch(ctx, 100); err != nil {
			t.Fatal(err)
		}
		for _, who := range []string{finance, admin, auditor} {
			resp := f.as(who, "GET", loc, nil)
			body := readBody(t, resp)
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="steps"`) ||
				!strings.Contains(body, money.Fen(160_57).Format(i18n.ZH)) || !strings.Contains(body, "患者已康复出院") {
				t.Errorf("%s: the run's page: %d", who, resp.StatusCode)
			}
			if canGive := strings.Contains(body, `action="/staff/refunds/`+strconv.FormatInt(runID, 10)+`/charity"`); canGive != (who == finance) {
				t.Errorf("%s sees the charity form: %v", who, canGive)
			}
		}
		list := readBody(t, f.as(auditor, "GET", "/staff/refunds", nil))
		if !strings.Contains(list, `href="/staff/refunds/`+strconv.FormatInt(runID, 10)+`"`) || strings.Contains(list, `id="start-run"`) {
			t.Errorf("the auditor's list: no run %d, or a form to start one", runID)
		}

		att, err := p.Refunds.Attention(ctx, runID, 10)
		if err != nil || len(att) != 1 || att[0].State != refund.Abnormal || att[0].Amount != abnormal.Amount {
			t.Fatalf("attention: %+v, %v; want the one abnormal refund of %v", att, err, abnormal.Amount)
		}
		give := "/staff/refunds/" + strconv.FormatInt(runID, 10) + "/charity"
		rid := strconv.FormatInt(att[0].ID, 10)
		if resp := f.as(auditor, "POST", give, url.Values{"refund": {rid}, "reason": {"x"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("an auditor gives to charity: %d", resp.StatusCode)
		}
		resp = f.as(finance, "POST", give, url.Values{"refund": {rid}, "reason": {""}})
		if body := readBody(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `aria-describedby="reason-`+rid+`-err"`) {
			t.Errorf("no reason: %d", resp.StatusCode)
		}
		if _, err := p.Ledger.EntryByKey(ctx, "refund:"+rid+":charity"); err == nil {
			t.Fatal("a refused form gave the refund to charity")
		}
		resp = f.as(finance, "POST", give, url.Values{"refund": {rid}, "reason": {"收款账户已注销，原路无法退回"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("giving to charity: %d %s", resp.StatusCode, readBody(t, resp))
		}
		e, err := p.Ledger.EntryByKey(ctx, "refund:"+rid+":charity")
		if err != nil || e.Kind != "refund_to_charity" {
			t.Fatalf("the charity entry: %+v, %v", e, err)
		}
		if bal, err := p.Ledger.Balance(ctx, "charity:payable"); err != nil || bal != abnormal.Amount {
			t.Errorf("charity:payable %v, %v; want %v", bal, err, abnormal.Amount)
		}
		// Once: the form sent again is refused, and nothing moves twice.
		if resp := f.as(finance, "POST", give, url.Values{"refund": {rid}, "reason": {"再次"}}); resp.StatusCode == http.StatusSeeOther {
			t.Error("a refund given to charity twice")
		}
		if bal, _ := p.Ledger.Balance(ctx, "charity:payable"); bal != abnormal.Amount {
			t.Errorf("charity:payable %v after a second try", bal)
		}
		var recorded bool
		if err := db.Read(ctx, func(tx *store.Tx) error {
			es, err := audit.List(ctx, tx, audit.Filter{Object: "refund:" + rid})
			for _, en := range es {
				recorded = recorded || en.Result == audit.ResultOK && strings.Contains(en.Detail, "原路无法退回")
			}
			return err
		}); err != nil || !recorded {
			t.Errorf("the audit log has no record of the refund given to charity (%v)", err)
		}
		run, _ = p.Refunds.Run(ctx, runID)
		if run.Progress.ToCharity.N != 1 || run.Progress.Succeeded.N != 2 {
			t.Errorf("progress after: %+v", run.Progress)
		}
		if s, err := ledger.Verify(ctx, db); err != nil {
			t.Errorf("ledger: %+v, %v", s, err)
		}
	})
}
