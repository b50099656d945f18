package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payeeid"
	"github.com/carefund/carefund/internal/payout"
	"github.com/carefund/carefund/internal/session"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// payeeAccount is the payee's account number in the tests: a valid card
// number, which no page but the reveal may show (R-PII-1).
const payeeAccount = "6222021234567890128"

// fakeHospitals is a directory of verified hospitals.
type fakeHospitals map[int64]payout.Hospital

func (h fakeHospitals) Hospital(_ context.Context, _ *store.Tx, id int64) (payout.Hospital, error) {
	if x, ok := h[id]; ok {
		return x, nil
	}
	return payout.Hospital{}, apperr.New(apperr.NotFound, "hospital.unknown")
}

func (h fakeHospitals) List(context.Context, *store.Tx) ([]payout.Hospital, error) {
	var out []payout.Hospital
	for _, x := range h {
		out = append(out, x)
	}
	return out, nil
}

// payoutFixture is the server fixture with a directory hospital, a second
// finance officer, and a fundraising request of the fixture's user holding
// money.
type payoutFixture struct {
	*fixture
	req      int64
	finance2 string // the second finance officer's session
	n        int
}

func newPayoutFixture(t *testing.T, db *store.DB) *payoutFixture {
	t.Helper()
	f := &payoutFixture{fixture: newFixture(t, db)}
	f.s.payouts.Hospitals = fakeHospitals{7: {ID: 7, Name: "北京协和医院", CreditCode: "12100000400000624D",
		BankName: "工商银行北京东单支行", Account: "0200000709014412345"}}
	f.finance2 = f.staffSession(t, "u-finance-2", staff.Finance)
	ctx := context.Background()
	if err := db.Write(ctx, func(tx *store.Tx) (err error) {
		f.req, err = campaigntest.Fundraising(ctx, tx, f.s.campaigns, f.userID, campaigntest.Filing(), 0)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	f.fund(t, f.req, 10_000_00)
	return f
}

// staffSession creates a staff member of role and returns a session token.
func (f *fixture) staffSession(t *testing.T, name string, role staff.Role) string {
	t.Helper()
	ctx := context.Background()
	var token string
	if err := f.db.Write(ctx, func(tx *store.Tx) error {
		m, _, err := staff.Create(ctx, tx, f.s.platform.Sealer, name, role, fixturePassword)
		if err != nil {
			return err
		}
		token, _, err = session.Start(ctx, tx, session.Staff, m.ID, "192.0.2.11")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return token
}

// fund gives request id donations of amount: the ledger entry and the
// running total the donation service writes.
func (f *payoutFixture) fund(t *testing.T, id int64, amount money.Fen) {
	t.Helper()
	f.n++
	ctx := context.Background()
	if _, err := f.s.platform.Ledger.Post(ctx, ledger.Transfer(fmt.Sprintf("test:donation:%d:%d", id, f.n), "donation",
		"psp:sandbox", "request:"+strconv.FormatInt(id, 10), amount)); err != nil {
		t.Fatal(err)
	}
	if err := f.db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO request_totals (request_id, raised_fen, donations) VALUES ($1, $2, 1)
			ON CONFLICT (request_id) DO UPDATE SET raised_fen = request_totals.raised_fen + excluded.raised_fen`, id, int64(amount))
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// asStaff sends a request with a staff session token.
func (f *fixture) asStaff(token, method, target string, form url.Values) *http.Response {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, target, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.AddCookie(&http.Cookie{Name: staffCookie, Value: token})
	rec := httptest.NewRecorder()
	f.s.Handler().ServeHTTP(rec, req)
	return rec.Result()
}

// application is a valid application form paying the requester's own
// account.
func (f *payoutFixture) application(amount string) url.Values {
	f.n++
	return url.Values{"key": {"form-" + strconv.Itoa(f.n)}, "amount": {amount}, "purpose": {"第二期化疗费用"},
		"payee": {"requester"}, "bank_name": {"建设银行"}, "account_number": {payeeAccount}}
}

// payoutCount counts the request's applications.
func (f *payoutFixture) payoutCount(t *testing.T) int {
	t.Helper()
	var n int
	if err := f.db.Read(context.Background(), func(tx *store.Tx) error {
		return tx.QueryRowContext(context.Background(), "SELECT count(*) FROM payouts WHERE request_id = $1", f.req).Scan(&n)
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// payoutIDOf reads the application's id from the page it was sent to.
func payoutIDOf(t *testing.T, resp *http.Response) int64 {
	t.Helper()
	loc := resp.Header.Get("Location")
	rest, ok := strings.CutPrefix(loc, "/my/payouts/")
	if resp.StatusCode != http.StatusSeeOther || !ok {
		t.Fatalf("applying: %d to %q", resp.StatusCode, loc)
	}
	id, err := strconv.ParseInt(strings.TrimSuffix(rest, "?done=applied"), 10, 64)
	if err != nil {
		t.Fatalf("applying: sent to %q", loc)
	}
	return id
}

func msg(key string, args ...any) string { return i18n.T(i18n.ZH, key, args...) }

// TestPayoutFlow takes an application through the pages: the publisher
// sees the mode and why before applying (R-DISB-3), bad input comes back
// with the messages next to the fields and nothing saved, the officer asks
// for more and the publisher answers (R-DISB-1), the officer who took it
// gives the first approval and cannot give the second, another officer
// gives it (R-STAFF-1), and the public page shows the payout without the
// account (R-DISB-2, R-PII-1).
func TestPayoutFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newPayoutFixture(t, db)
		reqPath := "/my/requests/" + itoa(f.req)

		// The request's page offers a payout.
		body := readBody(t, f.as("user", "GET", reqPath, nil))
		if !strings.Contains(body, `id="new-payout"`) || !strings.Contains(body, msg("payoutpages.none")) {
			t.Fatalf("the request's page offers no payout:\n%.2000s", body)
		}

		// R-DISB-3: the mode and why, before applying.
		resp := f.as("user", "GET", reqPath+"/payouts/new", nil)
		body = readBody(t, resp)
		for _, want := range []string{msg("payout.mode.direct"), msg("payout.mode.small", "10000.00"), "¥10,000.00", "北京协和医院", payeeid.MaskAccount("0200000709014412345")} {
			if resp.StatusCode != 200 || !strings.Contains(body, want) {
				t.Errorf("the form (%d) lacks %q", resp.StatusCode, want)
			}
		}
		if strings.Contains(body, "0200000709014412345") {
			t.Error("the form shows the hospital's full account (R-PII-1)")
		}

		// Bad input: each message next to its field, what was typed kept,
		// nothing saved.
		bad := []struct {
			name  string
			edit  func(url.Values)
			field string
			key   string
		}{
			{"amount does not parse", func(v url.Values) { v.Set("amount", "12.345") }, "amount", "money.decimals"},
			{"above the balance", func(v url.Values) { v.Set("amount", "20000") }, "amount", payout.KeyAmountBalance},
			// R-DISB-2, R-REF-3: nobody outside the list is paid.
			{"unlisted payee kind", func(v url.Values) { v.Set("payee", "friend") }, "payee", payout.KeyPayeeKind},
			{"hospital outside the directory", func(v url.Values) { v.Set("payee", "hospital"); v.Set("hospital", "8") }, "hospital", payout.KeyPayeeHospital},
			{"no purpose", func(v url.Values) { v.Set("purpose", " ") }, "purpose", payout.KeyPurpose},
		}
		for _, tt := range bad {
			form := f.application("1000")
			tt.edit(form)
			resp := f.as("user", "POST", reqPath+"/payouts/new", form)
			body := readBody(t, resp)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("%s: status %d, want 422", tt.name, resp.StatusCode)
			}
			e := apperr.FieldError{Key: tt.key}
			if tt.key == payout.KeyPurpose {
				e.Args = []any{payout.MaxPurpose}
			}
			if tt.key == payout.KeyAmountBalance {
				e.Args = []any{"10000.00"}
			}
			if want := msg(e.Key, e.Args...); !strings.Contains(body, `<p class="field-error" role="alert">`+want) {
				t.Errorf("%s: no message %q next to %s", tt.name, want, tt.field)
			}
			if !strings.Contains(body, form.Get("key")) || (form.Get("purpose") != " " && !strings.Contains(body, "第二期化疗费用")) {
				t.Errorf("%s: what was typed is lost", tt.name)
			}
		}
		if n := f.payoutCount(t); n != 0 {
			t.Fatalf("refused applications saved %d payouts", n)
		}

		// Applied; the same form sent twice files one application.
		form := f.application("1000.50")
		pid := payoutIDOf(t, f.as("user", "POST", reqPath+"/payouts/new", form))
		if again := payoutIDOf(t, f.as("user", "POST", reqPath+"/payouts/new", form)); again != pid {
			t.Errorf("the form sent twice filed %d and %d", pid, again)
		}
		if n := f.payoutCount(t); n != 1 {
			t.Errorf("%d payouts after applying once", n)
		}
		page := "/my/payouts/" + itoa(pid)
		if body := readBody(t, f.as("user", "GET", reqPath, nil)); !strings.Contains(body, `href="`+page+`"`) {
			t.Errorf("the request's page does not list the application")
		}
		body = readBody(t, f.as("user", "GET", page+"?done=applied", nil))
		if !strings.Contains(body, payeeid.MaskAccount(payeeAccount)) || strings.Contains(body, payeeAccount) {
			t.Errorf("the publisher's page does not show the account masked (R-PII-1)")
		}
		if !strings.Contains(body, msg("payoutpages.done.applied")) || !strings.Contains(body, msg("payout.state.requested")) {
			t.Errorf("the publisher's page:\n%.3000s", body)
		}

		// R-STAFF-1: least privilege; a reviewer cannot touch payouts.
		for _, target := range []string{"/staff/payouts", "/staff/payouts/" + itoa(pid)} {
			if resp := f.as(string(staff.Reviewer), "GET", target, nil); resp.StatusCode != http.StatusForbidden {
				t.Errorf("a reviewer GET %s: %d, want 403", target, resp.StatusCode)
			}
		}
		if resp := f.as(string(staff.Reviewer), "POST", "/staff/payouts/"+itoa(pid)+"/approve", url.Values{}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a reviewer approving a payout: %d, want 403", resp.StatusCode)
		}

		// The queue: masked, with its clock.
		fin := string(staff.Finance)
		resp = f.as(fin, "GET", "/staff/payouts", nil)
		body = readBody(t, resp)
		if resp.StatusCode != 200 || !strings.Contains(body, `href="/staff/payouts/`+itoa(pid)+`"`) ||
			!strings.Contains(body, payeeid.MaskAccount(payeeAccount)) || strings.Contains(body, payeeAccount) {
			t.Errorf("the queue (%d):\n%.3000s", resp.StatusCode, body)
		}
		// An auditor reads the queue and opens nothing.
		body = readBody(t, f.as(string(staff.Auditor), "GET", "/staff/payouts", nil))
		if strings.Contains(body, `href="/staff/payouts/`+itoa(pid)+`"`) || !strings.Contains(body, "#"+itoa(pid)) {
			t.Errorf("the auditor's queue links the application, or misses it")
		}

		staffPage := "/staff/payouts/" + itoa(pid)
		step := func(token, action string, form url.Values, done string) {
			t.Helper()
			resp := f.asStaff(token, "POST", staffPage+"/"+action, form)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != staffPage+"?done="+done {
				t.Fatalf("%s: %d to %q\n%.2000s", action, resp.StatusCode, resp.Header.Get("Location"), readBody(t, resp))
			}
		}
		finance1 := f.staff[staff.Finance]
		step(finance1, "claim", url.Values{}, "claimed")
		if e := lastAudit(t, db, "payout.claim"); e.Object != "payout:"+itoa(pid) || e.Result != "ok" {
			t.Errorf("the claim's audit entry: %+v", e)
		}
		step(finance1, "ask", url.Values{"question": {"请上传住院押金收据"}}, "asked")

		// R-DISB-1: the publisher reads the question and answers it.
		body = readBody(t, f.as("user", "GET", page, nil))
		if !strings.Contains(body, "请上传住院押金收据") || !strings.Contains(body, `action="/my/payouts/`+itoa(pid)+`/answer"`) {
			t.Errorf("the publisher's page does not ask the question:\n%.3000s", body)
		}
		resp = f.as("user", "POST", page+"/answer", url.Values{"text": {""}})
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("an empty answer: %d, want 422", resp.StatusCode)
		}
		resp = f.as("user", "POST", page+"/answer", url.Values{"text": {"押金收据已在材料中"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("answering: %d\n%s", resp.StatusCode, readBody(t, resp))
		}

		// R-STAFF-1: the first approval by the officer who took it; the
		// same officer cannot give the second, and is told so.
		step(finance1, "approve", url.Values{"note": {""}}, "first")
		resp = f.asStaff(finance1, "POST", staffPage+"/approve", url.Values{"note": {""}})
		body = readBody(t, resp)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, msg(payout.KeySameApprover)) {
			t.Errorf("the same officer's second approval: %d\n%.3000s", resp.StatusCode, body)
		}
		if e := lastAudit(t, db, "payout.approve"); e.Result != "denied" {
			t.Errorf("the refused approval's audit entry: %+v", e)
		}
		step(f.finance2, "approve", url.Values{"note": {"核对无误"}}, "approved")

		// The money moved with the state: request → payable.
		payable, err := f.s.platform.Ledger.Balance(context.Background(), "payable:payout:"+itoa(pid))
		if err != nil || payable != 1000_50 {
			t.Errorf("payable:payout:%d holds %d (%v), want 100050", pid, payable, err)
		}

		// R-PII-1: the full number only on an audited reveal.
		resp = f.asStaff(f.finance2, "POST", staffPage+"/reveal", url.Values{})
		body = readBody(t, resp)
		if resp.StatusCode != 200 || !strings.Contains(body, payeeAccount) {
			t.Errorf("the reveal (%d) does not show the number", resp.StatusCode)
		}
		if e := lastAudit(t, db, "pii.view.payout_account"); e.Object != "payout:"+itoa(pid) || e.Result != "ok" {
			t.Errorf("the reveal's audit entry: %+v", e)
		}
		body = readBody(t, f.asStaff(f.finance2, "GET", staffPage, nil))
		if strings.Contains(body, payeeAccount) {
			t.Error("the officer's page shows the full number without a reveal")
		}

		// R-DISB-2, R-PII-1: the public page shows the payout, to the
		// patient's own account, and no account at all.
		code, body, _ := f.get(t, requestURL(f.req))
		if code != 200 || !strings.Contains(body, `id="payouts"`) || !strings.Contains(body, msg("payout.public.to.requester")) ||
			!strings.Contains(body, "¥1,000.50") {
			t.Errorf("the public page (%d) does not show the payout:\n%.4000s", code, body)
		}
		for _, secret := range []string{payeeAccount, payeeid.MaskAccount(payeeAccount), "****", "建设银行"} {
			if strings.Contains(body, secret) {
				t.Errorf("the public page shows %q (R-DISB-2, R-PII-1)", secret)
			}
		}
	})
}

// TestPayoutPagesChangeThePublicPage: the publisher's payout actions (a
// usage update is public, R-DISB-4) empty the public page cache, as staff
// actions do.
func TestPayoutPagesChangeThePublicPage(t *testing.T) {
	for _, pattern := range []string{"POST /my/payouts/{id}/usage", "POST /my/payouts/{id}/answer", "POST /api/v1/my/payouts/{id}/usage",
		"POST /my/requests/{id}/payouts/new", "POST /api/v1/my/requests/{id}/payouts", "POST /staff/payouts/{id}/approve"} {
		if !changesPublicPage(pattern) {
			t.Errorf("%s does not empty the public page cache", pattern)
		}
	}
	if changesPublicPage("GET /my/payouts/{id}") {
		t.Error("a GET empties the cache")
	}
}

// TestPayoutAPI applies through the JSON API, every exchange held to
// openapi.json by checkAPI: bad input is 422 with the fields at fault, a
// replay returns the first application, other content under the same token
// is 409, another user is refused (R-DISB-2, R-DISB-3, R-PII-1).
func TestPayoutAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newPayoutFixture(t, db)
		base := "/api/v1/my/requests/" + itoa(f.req) + "/payouts"
		resp, out := f.api("GET", base, "", "", f.user)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %v", base, resp.StatusCode, out)
		}
		opts, _ := out["options"].(map[string]any)
		mode, _ := opts["mode"].(map[string]any)
		if mode["mode"] != "direct" || mode["reason"] != msg("payout.mode.small", "10000.00") {
			t.Errorf("R-DISB-3: the options' mode: %v", mode)
		}
		bad := []struct {
			body  string
			field string
		}{
			{`{"client_token":"t1","amount":"abc","purpose":"化疗","payee":"requester","bank_name":"建设银行","account_number":"` + payeeAccount + `"}`, "amount"},
			{`{"client_token":"t1","amount":"100","purpose":"化疗","payee":"friend"}`, "payee"},
			{`{"client_token":"t1","amount":"100","purpose":"化疗","payee":"requester","bank_name":"建设银行","account_number":"123"}`, "account_number"},
			{`{"client_token":"t1","amount":"99999","purpose":"化疗","payee":"requester","bank_name":"建设银行","account_number":"` + payeeAccount + `"}`, "amount"},
		}
		for _, tt := range bad {
			resp, out := f.api("POST", base, tt.body, "application/json", f.user)
			if resp.StatusCode != http.StatusUnprocessableEntity || !hasFieldError(out, tt.field) {
				t.Errorf("%s: %d %v, want 422 on %s", tt.body, resp.StatusCode, out, tt.field)
			}
		}
		good := `{"client_token":"t2","amount":"500","purpose":"化疗","payee":"requester","bank_name":"建设银行","account_number":"` + payeeAccount + `"}`
		resp, first := f.api("POST", base, good, "application/json", f.user)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("applying: %d %v", resp.StatusCode, first)
		}
		resp, again := f.api("POST", base, good, "application/json", f.user)
		if resp.StatusCode != http.StatusCreated || again["id"] != first["id"] {
			t.Errorf("a replay: %d %v, want the first %v", resp.StatusCode, again["id"], first["id"])
		}
		other := strings.Replace(good, `"500"`, `"600"`, 1)
		if resp, out := f.api("POST", base, other, "application/json", f.user); resp.StatusCode != http.StatusConflict {
			t.Errorf("other content under the same token: %d %v, want 409", resp.StatusCode, out)
		}
		raw, _ := json.Marshal(first)
		if strings.Contains(string(raw), payeeAccount) || first["account_masked"] != payeeid.MaskAccount(payeeAccount) {
			t.Errorf("R-PII-1: the application shows %s", raw)
		}
		pid := int64(first["id"].(float64))
		one := "/api/v1/my/payouts/" + itoa(pid)
		if resp, out := f.api("GET", one, "", "", f.user); resp.StatusCode != 200 || out["state"] != "requested" {
			t.Errorf("GET %s: %d %v", one, resp.StatusCode, out)
		}
		// Not in needs_info: an answer is a conflict; a usage update
		// before payment too; an empty text is refused on its field.
		if resp, _ := f.api("POST", one+"/answer", `{"text":"x"}`, "application/json", f.user); resp.StatusCode != http.StatusConflict {
			t.Errorf("answering unasked: %d, want 409", resp.StatusCode)
		}
		if resp, out := f.api("POST", one+"/usage", `{"text":""}`, "application/json", f.user); resp.StatusCode != http.StatusUnprocessableEntity || !hasFieldError(out, "text") {
			t.Errorf("an empty usage update: %d %v", resp.StatusCode, out)
		}
		if resp, _ := f.api("POST", one+"/usage", `{"text":"用于化疗","materials":[]}`, "application/json", f.user); resp.StatusCode != http.StatusConflict {
			t.Errorf("a usage update before payment: %d, want 409", resp.StatusCode)
		}
		// Another user is refused the application and the request's list.
		otherUser, _ := f.signInUser(t, "13900139077")
		if resp, _ := f.api("GET", one, "", "", otherUser); resp.StatusCode != http.StatusForbidden {
			t.Errorf("another user's GET: %d, want 403", resp.StatusCode)
		}
		if resp, _ := f.api("GET", base, "", "", otherUser); resp.StatusCode != http.StatusForbidden {
			t.Errorf("another user's list: %d", resp.StatusCode)
		}
	})
}

// TestPayoutDocumentsAndUsage: a document uploaded on the application form
// keeps what was typed and is ticked; the officer opens it, audited
// (R-PII-1); once paid, the publisher posts a usage update with a receipt,
// which the public page shows (R-DISB-4), the account still nowhere.
func TestPayoutDocumentsAndUsage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newPayoutFixture(t, db)
		ctx := context.Background()
		target := "/my/requests/" + itoa(f.req) + "/payouts/new"
		form := f.application("300")
		form.Set("upload", "1")
		form.Set("kind", "other")
		resp := f.postMultipart(t, target, form, testPNG(t))
		body := readBody(t, resp)
		if resp.StatusCode != 200 || !strings.Contains(body, msg("payoutpages.done.uploaded")) || !strings.Contains(body, "第二期化疗费用") ||
			!strings.Contains(body, `value="`+payeeAccount+`"`) {
			t.Fatalf("uploading on the form (%d) lost what was typed:\n%.3000s", resp.StatusCode, body)
		}
		docs, err := f.s.payouts.Documents(ctx, f.userID, f.req)
		if err != nil || len(docs) == 0 {
			t.Fatalf("documents after the upload: %v, %v", docs, err)
		}
		mid := docs[len(docs)-1].ID
		if !strings.Contains(body, `name="material" value="`+itoa(mid)+`" checked`) {
			t.Errorf("the uploaded document is not ticked")
		}
		// An upload without a file is refused on its field, nothing lost.
		resp = f.postMultipart(t, target, form, nil)
		body = readBody(t, resp)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "第二期化疗费用") {
			t.Errorf("an upload without a file: %d", resp.StatusCode)
		}

		form.Del("upload")
		form.Set("material", itoa(mid))
		pid := payoutIDOf(t, f.postMultipart(t, target, form, nil))
		staffPage := "/staff/payouts/" + itoa(pid)
		for _, s := range []struct{ token, action string }{{f.staff[staff.Finance], "claim"}, {f.staff[staff.Finance], "approve"}, {f.finance2, "approve"}} {
			if resp := f.asStaff(s.token, "POST", staffPage+"/"+s.action, url.Values{}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("%s: %d", s.action, resp.StatusCode)
			}
		}

		// The officer opens the attached document; the view is audited.
		body = readBody(t, f.asStaff(f.finance2, "GET", staffPage, nil))
		if !strings.Contains(body, staffPage+"/materials/"+itoa(mid)) {
			t.Errorf("the officer's page does not link the document")
		}
		resp = f.asStaff(f.finance2, "GET", staffPage+"/materials/"+itoa(mid), nil)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
			t.Errorf("opening the document: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		wantSandboxedDocument(t, resp.Header, "image/png")
		if e := lastAudit(t, db, "pii.view.material"); e.Object != "material:"+itoa(mid) || e.Result != "ok" {
			t.Errorf("the document view's audit entry: %+v", e)
		}
		// A document not attached to the payout is not opened.
		if resp := f.asStaff(f.finance2, "GET", staffPage+"/materials/999999", nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("a document not attached: %d, want 404", resp.StatusCode)
		}

		// The bank pays it.
		tid := payout.TransferID(pid, 1)
		if err := f.s.payouts.Sending(ctx, pid, tid); err != nil {
			t.Fatal(err)
		}
		if err := f.s.payouts.Settle(ctx, tid, payout.Outcome{Status: payout.StatusPaid, At: f.s.now()}); err != nil {
			t.Fatal(err)
		}

		// R-DISB-4: the usage update, with a receipt, is public.
		page := "/my/payouts/" + itoa(pid)
		body = readBody(t, f.as("user", "GET", page, nil))
		if !strings.Contains(body, `action="`+page+`/usage"`) || !strings.Contains(body, msg("payoutpages.usage_due")) {
			t.Fatalf("the paid application offers no usage update:\n%.3000s", body)
		}
		resp = f.postMultipart(t, page+"/usage", url.Values{"text": {"已用于第二期化疗，附发票"}, "material": {itoa(mid)}}, nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != page+"?done=usage" {
			t.Fatalf("posting the usage update: %d %s\n%.2000s", resp.StatusCode, resp.Header.Get("Location"), readBody(t, resp))
		}
		code, body, _ := f.get(t, requestURL(f.req))
		if code != 200 || !strings.Contains(body, "已用于第二期化疗，附发票") || !strings.Contains(body, msg("payoutpages.receipts", 1)) ||
			!strings.Contains(body, msg("payout.state.paid")) {
			t.Errorf("the public page (%d) does not show the usage update:\n%.4000s", code, body)
		}
		if strings.Contains(body, payeeAccount) || strings.Contains(body, payeeid.MaskAccount(payeeAccount)) {
			t.Error("the public page shows the account (R-DISB-2, R-PII-1)")
		}
	})
}

// TestPayoutModeRestricted: a request that raised ¥300,000 is told before
// applying that it is paid only to a hospital or in batches, and why; a
// payout to a person that is not a batch is refused on the payee field,
// and a batch without its published expense list is refused as a whole,
// nothing saved (R-DISB-3).
func TestPayoutModeRestricted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newPayoutFixture(t, db)
		f.fund(t, f.req, 290_000_00)
		target := "/my/requests/" + itoa(f.req) + "/payouts/new"
		body := readBody(t, f.as("user", "GET", target, nil))
		for _, want := range []string{msg("payout.mode.hospital_or_batches"), msg("payout.mode.large", "300000.00"), `id="p-batch"`} {
			if !strings.Contains(body, want) {
				t.Errorf("the form lacks %q", want)
			}
		}
		resp := f.as("user", "POST", target, f.application("1000"))
		body = readBody(t, resp)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `<p class="field-error" role="alert">`+msg(payout.KeyPayeeHospitalOnly)) {
			t.Errorf("a payout to a person, not a batch: %d", resp.StatusCode)
		}
		form := f.application("1000")
		form.Set("batch", "1")
		resp = f.as("user", "POST", target, form)
		body = readBody(t, resp)
		if resp.StatusCode != http.StatusConflict || !strings.Contains(body, msg(payout.KeyBatchUnpublished)) || !strings.Contains(body, `id="p-batch" name="batch" value="1" checked`) {
			t.Errorf("a batch without its expense list: %d", resp.StatusCode)
		}
		if n := f.payoutCount(t); n != 0 {
			t.Errorf("refused applications saved %d payouts", n)
		}
	})
}

// TestPayoutRelatedAndSharedAccount: a finance officer related to the
// request's publisher neither opens nor takes its application, and is told
// why (R-STAFF-1); the same payee account applied for by an unrelated
// request is flagged in the queue (R-REF-3).
func TestPayoutRelatedAndSharedAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newPayoutFixture(t, db)
		ctx := context.Background()
		pid := payoutIDOf(t, f.as("user", "POST", "/my/requests/"+itoa(f.req)+"/payouts/new", f.application("100")))

		// Another publisher, another patient, the same account.
		other, otherID := f.signInUser(t, "13900139088")
		fl := campaigntest.Filing()
		first17 := "11010519800101123"
		c, err := idcard.CheckChar(first17)
		if err != nil {
			t.Fatal(err)
		}
		fl.PatientID, fl.PatientName = first17+string(c), "王小红"
		var req2 int64
		if err := db.Write(ctx, func(tx *store.Tx) (err error) {
			req2, err = campaigntest.Fundraising(ctx, tx, f.s.campaigns, otherID, fl, 0)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		f.fund(t, req2, 5_000_00)
		f.user = other
		f.n++
		pid2 := payoutIDOf(t, f.as("user", "POST", "/my/requests/"+itoa(req2)+"/payouts/new", f.application("100")))

		body := readBody(t, f.as(string(staff.Finance), "GET", "/staff/payouts", nil))
		if !strings.Contains(body, msg("payoutpages.flag.shared", "#"+itoa(f.req))) || !strings.Contains(body, msg("payoutpages.flag.shared", "#"+itoa(req2))) {
			t.Errorf("R-REF-3: the queue does not flag the shared account of payouts %d and %d:\n%.4000s", pid, pid2, body)
		}

		// R-STAFF-1: the finance officer related to the second publisher.
		if err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO review_conflicts (staff_id, user_id, note, added_by, added_at)
				VALUES ($1, $2, 'test', 'staff:1', $3)`, f.ids[staff.Finance], otherID, tx.Now.UnixMicro())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		page := "/staff/payouts/" + itoa(pid2)
		resp := f.as(string(staff.Finance), "GET", page, nil)
		body = readBody(t, resp)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, msg(payout.KeyRelated)) {
			t.Errorf("a related officer opening the application: %d", resp.StatusCode)
		}
		resp = f.as(string(staff.Finance), "POST", page+"/claim", url.Values{})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("a related officer taking the application: %d, want 403", resp.StatusCode)
		}
		if e := lastAudit(t, db, "payout.claim"); e.Result != "denied" || e.Object != "payout:"+itoa(pid2) {
			t.Errorf("the refused claim's audit entry: %+v", e)
		}
		// The other officer takes it.
		if resp := f.asStaff(f.finance2, "POST", page+"/claim", url.Values{}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("an unrelated officer taking it: %d", resp.StatusCode)
		}
	})
}
