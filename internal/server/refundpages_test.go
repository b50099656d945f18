package server

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/donation"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/refund"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// rfGive places an order of amount (yuan) by donor for request id, pays it
// at the platform's sandbox and confirms it as the sandbox's notification
// would, and returns the order number and the donation.
func (f *fixture) rfGive(t *testing.T, id, donor int64, amount string) (string, int64) {
	t.Helper()
	ctx := context.Background()
	placed, err := f.s.donations.Place(ctx, f.s.providers, donation.PlaceInput{
		OrderInput: donation.OrderInput{RequestID: id, Amount: amount, DonorUserID: donor,
			Provider: "sandbox", ClientToken: "rf-" + rand.Text()},
		// Nobody listens there: the test confirms the payment itself.
		NotifyURL: func(string) string { return "http://127.0.0.1:9/pay/notify/sandbox" },
		ReturnURL: func(no string) string { return "http://127.0.0.1:9" + receiptPath(no) },
		ClientIP:  "192.0.2.1",
		Agreement: donation.Agreement{Rules: donorRules(t, f.s), Source: "test"},
	})
	if err != nil {
		t.Fatalf("order of %s: %v", amount, err)
	}
	o := placed.Order
	pay, err := f.s.platform.Sandbox.Pay(ctx, o.OrderNo)
	if err != nil {
		t.Fatal(err)
	}
	out, err := f.s.donations.Confirm(ctx, pay)
	if err != nil || out.DonationID == 0 || out.Quarantined {
		t.Fatalf("confirming %s: %+v, %v", o.OrderNo, out, err)
	}
	return o.OrderNo, out.DonationID
}

// rfRequest opens a request of publisher for donations.
func (f *fixture) rfRequest(t *testing.T, publisher int64) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	if err := f.db.Write(ctx, func(tx *store.Tx) (err error) {
		id, err = campaigntest.Fundraising(ctx, tx, f.s.campaigns, publisher, campaigntest.Filing(), 0)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

// asToken sends a request with a user's session token.
func (f *fixture) asToken(token, method, target string, form url.Values) (int, string, http.Header) {
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req := httptest.NewRequest(method, target, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if token != "" {
		req.AddCookie(&http.Cookie{Name: userCookie, Value: token})
	}
	rec := httptest.NewRecorder()
	f.s.Handler().ServeHTTP(rec, req)
	return rec.Code, rec.Body.String(), rec.Result().Header
}

// apiKey sends an API request with an Idempotency-Key.
func (f *fixture) apiKey(method, target, body, key, token string) (*http.Response, map[string]any) {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	if token != "" {
		req.AddCookie(&http.Cookie{Name: userCookie, Value: token})
	}
	rec := httptest.NewRecorder()
	f.s.Handler().ServeHTTP(rec, req)
	var out map[string]any
	json.Unmarshal(rec.Body.Bytes(), &out)
	return rec.Result(), out
}

var refundKeyRE = regexp.MustCompile(`name="key" value="([^"]+)"`)

// stepKey opens a confirmation step and returns its key.
func stepKey(t *testing.T, status int, body string) string {
	t.Helper()
	m := refundKeyRE.FindStringSubmatch(body)
	if status != http.StatusOK || m == nil {
		t.Fatalf("the step: %d, no key\n%.800s", status, body)
	}
	return m[1]
}

func (f *fixture) runs(t *testing.T, cause refund.Cause) int64 {
	t.Helper()
	var n int64
	if err := f.db.Read(context.Background(), func(tx *store.Tx) error {
		return tx.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM refund_runs WHERE cause = $1", string(cause)).Scan(&n)
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// Before each round the sandbox is topped up with what the refunds due
// need, as the fund-refunds job does through the custody bank.
func (f *fixture) dispatchRefunds(t *testing.T) {
	t.Helper()
	for i := range 5 {
		topUp(t, f.s.platform.Sandbox, f.s.refunds, "CFRTP"+itoa(int64(i+1)))
		res, err := f.s.refunds.Dispatch(context.Background(), 1000)
		if err != nil {
			t.Fatal(err)
		}
		if res.Sent == 0 {
			return
		}
	}
}

// TestDonorRefundPages: a donor sees each donation's refunds and, while
// none of the request's money was paid out, asks for one through a
// confirmation step that names the policy; a double tap starts one
// refund, asking twice is refused with why, someone else's donation does
// not exist, and once paid back the list and the receipt say when and
// where the money went (R-DON-2, policy P of R-REF-1).
//
// R-DON-2
func TestDonorRefundPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		donor, donorID := f.signInUser(t, "13900139101")
		_, otherID := f.signInUser(t, "13900139102")
		req := f.rfRequest(t, f.userID)
		order1, d1 := f.rfGive(t, req, donorID, "100")
		_, d2 := f.rfGive(t, req, donorID, "50")
		_, d3 := f.rfGive(t, req, otherID, "30")

		st, body, _ := f.asToken(donor, "GET", "/my/donations", nil)
		for _, want := range []string{donorRefundPath(d1), donorRefundPath(d2), msg("refundui.policy")} {
			if st != http.StatusOK || !strings.Contains(body, want) {
				t.Errorf("my donations: %d, no %q", st, want)
			}
		}
		if strings.Contains(body, donorRefundPath(d3)) {
			t.Errorf("my donations offers someone else's donation")
		}
		// The receipt: the donor may ask; whoever else holds the number
		// sees the state only.
		if _, body, _ := f.asToken(donor, "GET", receiptPath(order1), nil); !strings.Contains(body, `id="refund-ask"`) {
			t.Errorf("the donor's receipt offers no refund")
		}
		if _, body, _ := f.asToken("", "GET", receiptPath(order1), nil); strings.Contains(body, `id="refund-ask"`) ||
			!strings.Contains(body, msg("refundui.state.none")) {
			t.Errorf("the receipt without a session offers a refund or hides the state")
		}

		// Someone else's donation is as good as none: 404 both ways.
		if st, _, _ := f.asToken(donor, "GET", donorRefundPath(d3), nil); st != http.StatusNotFound {
			t.Errorf("the step for someone else's donation: %d, want 404", st)
		}
		if st, _, _ := f.asToken(donor, "POST", donorRefundPath(d3), url.Values{"key": {"x"}}); st != http.StatusNotFound {
			t.Errorf("someone else's donation: %d, want 404", st)
		}
		if st, _, _ := f.asToken("", "GET", donorRefundPath(d1), nil); st != http.StatusSeeOther && st != http.StatusUnauthorized {
			t.Errorf("the step without a session: %d", st)
		}

		// The step shows the amount; a double tap makes one refund.
		st, body, _ = f.asToken(donor, "GET", donorRefundPath(d1), nil)
		key := stepKey(t, st, body)
		if !strings.Contains(body, money.Fen(10000).Format(i18n.ZH)) || !strings.Contains(body, msg("refundui.policy")) {
			t.Errorf("the step does not show the amount and the policy:\n%.600s", body)
		}
		for range 2 {
			st, _, h := f.asToken(donor, "POST", donorRefundPath(d1), url.Values{"key": {key}})
			if st != http.StatusSeeOther || h.Get("Location") != "/my/donations?done=refund" {
				t.Fatalf("asking: %d to %q", st, h.Get("Location"))
			}
		}
		if n := f.runs(t, refund.CauseDonor); n != 1 {
			t.Errorf("a double tap made %d refunds, want 1", n)
		}
		// Asking again, with a fresh step, is refused with why.
		st, body, _ = f.asToken(donor, "POST", donorRefundPath(d1), url.Values{"key": {"another"}})
		if st != http.StatusConflict || !strings.Contains(body, msg("refund.already")) || strings.Contains(body, `id="refund-confirm-button"`) {
			t.Errorf("asking twice: %d\n%.600s", st, body)
		}
		if f.runs(t, refund.CauseDonor) != 1 {
			t.Errorf("asking twice made a second refund")
		}
		_, body, _ = f.asToken(donor, "GET", "/my/donations?done=refund", nil)
		if !strings.Contains(body, msg("refundui.done.asked")) || !strings.Contains(body, `data-refund="asked"`) {
			t.Errorf("my donations after asking:\n%.1500s", body)
		}

		// Paid back by the sandbox: when, and where it went.
		f.dispatchRefunds(t)
		_, body, _ = f.asToken(donor, "GET", receiptPath(order1), nil)
		if !strings.Contains(body, `data-refund="refunded"`) || !strings.Contains(body, "sandbox balance") || !strings.Contains(body, `id="refund-where"`) {
			t.Errorf("the receipt once refunded:\n%.2000s", body)
		}
		if _, body, _ := f.asToken(donor, "GET", "/my/donations", nil); !strings.Contains(body, `data-refund="refunded"`) {
			t.Errorf("my donations once refunded")
		}
	})
}

// approvePayout applies for a payout of amount on request req of the
// fixture's user and has two finance officers approve it (R-STAFF-1).
func (f *fixture) approvePayout(t *testing.T, req int64, amount string) {
	t.Helper()
	body := `{"client_token":"rf-` + rand.Text() + `","amount":"` + amount + `","purpose":"化疗","payee":"requester","bank_name":"建设银行","account_number":"` + payeeAccount + `"}`
	resp, out := f.api("POST", "/api/v1/my/requests/"+itoa(req)+"/payouts", body, "application/json", f.user)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("applying: %d %v", resp.StatusCode, out)
	}
	pid := int64(out["id"].(float64))
	finance2 := f.staffSession(t, "u-finance-rf", staff.Finance)
	page := "/staff/payouts/" + itoa(pid)
	for _, s := range []struct{ token, action string }{{f.staff[staff.Finance], "claim"}, {f.staff[staff.Finance], "approve"}, {finance2, "approve"}} {
		if resp := f.asStaff(s.token, "POST", page+"/"+s.action, url.Values{}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d", s.action, resp.StatusCode)
		}
	}
}

// TestDonorRefundAPIBadInput: the donor's refunds in the API and the bad inputs of
// a refund request, each with its code and field: no Idempotency-Key,
// someone else's donation (404), more than the donation or less than the
// whole (422 on amount_fen), the same key again (the first refund), a
// second refund of the donation (409), and after a payout (409) (R-DON-2,
// policy P).
//
// R-DON-2
func TestDonorRefundAPIBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.verify(t, f.userID, "张小明", "11010519491231002X")
		donor, donorID := f.signInUser(t, "13900139111")
		_, otherID := f.signInUser(t, "13900139112")
		req := f.rfRequest(t, f.userID)
		_, d1 := f.rfGive(t, req, donorID, "100")
		_, d2 := f.rfGive(t, req, donorID, "20")
		_, d3 := f.rfGive(t, req, otherID, "30")
		path := func(d int64) string { return "/api/v1/my/donations/" + itoa(d) + "/refund" }

		resp, out := f.api("GET", "/api/v1/my/donations", "", "", donor)
		list, _ := out["donations"].([]any)
		if resp.StatusCode != 200 || len(list) != 2 {
			t.Fatalf("GET /api/v1/my/donations: %d %v", resp.StatusCode, out)
		}
		first, _ := list[0].(map[string]any)
		if r, _ := first["refund"].(map[string]any); r["state"] != "none" || r["may_ask"] != true {
			t.Errorf("a fresh donation's refund: %v", first["refund"])
		}

		for _, tc := range []struct {
			name, path, body, key string
			status                int
			field                 string
		}{
			{"no key", path(d1), "", "", http.StatusUnprocessableEntity, "Idempotency-Key"},
			{"someone else's donation", path(d3), "", "k-other", http.StatusNotFound, ""},
			{"no such donation", path(d3 + 1000), "", "k-none", http.StatusNotFound, ""},
			{"more than the donation", path(d1), `{"amount_fen":10001}`, "k-more", http.StatusUnprocessableEntity, "amount_fen"},
			{"less than the whole", path(d1), `{"amount_fen":5000}`, "k-less", http.StatusUnprocessableEntity, "amount_fen"},
			{"a negative amount", path(d1), `{"amount_fen":-1}`, "k-neg", http.StatusUnprocessableEntity, "amount_fen"},
		} {
			resp, out := f.apiKey("POST", tc.path, tc.body, tc.key, donor)
			if resp.StatusCode != tc.status || (tc.field != "" && !hasFieldError(out, tc.field)) {
				t.Errorf("%s: %d %v, want %d on %q", tc.name, resp.StatusCode, out, tc.status, tc.field)
			}
		}
		if n := f.runs(t, refund.CauseDonor); n != 0 {
			t.Fatalf("bad inputs started %d refunds", n)
		}

		resp, out = f.apiKey("POST", path(d1), `{"amount_fen":10000}`, "k-1", donor)
		if amount, _ := out["amount"].(map[string]any); resp.StatusCode != http.StatusCreated || amount["fen"] != float64(10000) {
			t.Fatalf("asking: %d %v", resp.StatusCode, out)
		}
		runID := out["id"]
		resp, out = f.apiKey("POST", path(d1), "", "k-1", donor)
		if resp.StatusCode != http.StatusOK || out["id"] != runID {
			t.Errorf("the same key again: %d %v, want the first refund", resp.StatusCode, out)
		}
		resp, out = f.apiKey("POST", path(d1), "", "k-2", donor)
		if resp.StatusCode != http.StatusConflict || out["code"] != "conflict" || out["detail"] != msg("refund.already") {
			t.Errorf("twice for the same donation: %d %v", resp.StatusCode, out)
		}
		if n := f.runs(t, refund.CauseDonor); n != 1 {
			t.Errorf("%d refunds, want 1", n)
		}

		// After a payout, policy P refuses (the request is not terminated).
		f.approvePayout(t, req, "10")
		resp, out = f.apiKey("POST", path(d2), "", "k-3", donor)
		if resp.StatusCode != http.StatusConflict || out["detail"] != msg("refund.paid_out") {
			t.Errorf("after a payout: %d %v", resp.StatusCode, out)
		}
		if resp, out = f.api("GET", "/api/v1/my/donations", "", "", donor); resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /api/v1/my/donations: %d", resp.StatusCode)
		}
		list, _ = out["donations"].([]any)
		states := map[float64]map[string]any{}
		for _, x := range list {
			m := x.(map[string]any)
			r, _ := m["refund"].(map[string]any)
			states[m["donation_id"].(float64)] = r
		}
		if r := states[float64(d1)]; r["state"] != "asked" || r["amount_fen"] != float64(10000) || r["may_ask"] != false {
			t.Errorf("the refunded donation in the list: %v", r)
		}
		if r := states[float64(d2)]; r["state"] != "none" || r["may_ask"] != false || r["refusal"] != refund.KeyPaidOut {
			t.Errorf("the donation after the payout: %v", r)
		}
	})
}

// TestPublisherRefundsTheRest: the publisher's page offers "no more
// payouts: refund the rest" only once the request closed as purpose
// achieved and no payout is pending, with a confirmation naming the amount
// and the donations; confirmed (twice, by a double tap), one pro-rata run
// starts and its progress shows on the page (R-REF-1).
//
// R-REF-1
func TestPublisherRefundsTheRest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		_, donorID := f.signInUser(t, "13900139121")
		stranger, _ := f.signInUser(t, "13900139122")
		req := f.rfRequest(t, f.userID)
		f.rfGive(t, req, donorID, "100")
		f.rfGive(t, req, donorID, "33.33")
		f.rfGive(t, req, 0, "66.67")
		step := "/my/requests/" + itoa(req) + "/refund-rest"

		// Still open: the step says why, and there is no button.
		st, body, _ := f.asToken(f.user, "GET", step, nil)
		if st != http.StatusConflict || !strings.Contains(body, msg(refund.KeyNotEnded)) || strings.Contains(body, `id="refund-confirm-button"`) {
			t.Errorf("the step while open: %d\n%.600s", st, body)
		}
		if st, _, _ := f.asToken(f.user, "POST", step, url.Values{"key": {"early"}}); st != http.StatusConflict {
			t.Errorf("refunding the rest while open: %d, want 409", st)
		}
		if _, body, _ := f.asToken(f.user, "GET", "/my/requests/"+itoa(req), nil); strings.Contains(body, `id="refund-rest"`) {
			t.Errorf("the page offers the step while open")
		}
		f.ppClose(t, req)
		// Not the publisher's: no such request.
		if st, _, _ := f.asToken(stranger, "GET", step, nil); st != http.StatusNotFound {
			t.Errorf("another user's step: %d, want 404", st)
		}
		if st, _, _ := f.asToken(stranger, "POST", step, url.Values{"key": {"s"}}); st != http.StatusNotFound {
			t.Errorf("another user refunding the rest: %d, want 404", st)
		}

		_, body, _ = f.asToken(f.user, "GET", "/my/requests/"+itoa(req), nil)
		rest := money.Fen(200_00).Format(i18n.ZH)
		if !strings.Contains(body, `id="refund-rest"`) || !strings.Contains(body, msg("refundui.rest.summary", rest, 3)) {
			t.Errorf("the closed request's page does not offer the rest:\n%.3000s", body)
		}
		st, body, _ = f.asToken(f.user, "GET", step, nil)
		key := stepKey(t, st, body)
		if !strings.Contains(body, msg("refundui.rest.summary", rest, 3)) {
			t.Errorf("the step does not name the amount and the donations")
		}
		for range 2 {
			st, _, h := f.asToken(f.user, "POST", step, url.Values{"key": {key}})
			if st != http.StatusSeeOther || !strings.HasSuffix(h.Get("Location"), "?done=refunding") {
				t.Fatalf("refunding the rest: %d to %q", st, h.Get("Location"))
			}
		}
		if n := f.runs(t, refund.CausePurposeEnded); n != 1 {
			t.Errorf("a double tap started %d runs, want 1", n)
		}
		// Nothing is left: a second step is refused.
		if st, body, _ := f.asToken(f.user, "POST", step, url.Values{"key": {"again"}}); st != http.StatusConflict || !strings.Contains(body, msg(refund.KeyNothing)) {
			t.Errorf("refunding the rest again: %d", st)
		}
		_, body, _ = f.asToken(f.user, "GET", "/my/requests/"+itoa(req)+"?done=refunding", nil)
		if !strings.Contains(body, msg("refundui.done.rest")) || !strings.Contains(body, `id="refund-runs"`) ||
			!strings.Contains(body, msg("refundui.run.progress", 3, 0, 3, 0)) {
			t.Errorf("the page after the step:\n%.3000s", body)
		}
		f.dispatchRefunds(t)
		_, body, _ = f.asToken(f.user, "GET", "/my/requests/"+itoa(req), nil)
		if !strings.Contains(body, msg("refundui.run.progress", 3, 3, 0, 0)) || !strings.Contains(body, `data-run="refundui.run.finished"`) {
			t.Errorf("the page once paid back:\n%.3000s", body)
		}
	})
}

// TestPublisherRefundWaitsForPayouts: with a payout still in review, the
// rest is not refunded: the money would be counted twice (R-REF-1).
//
// R-REF-1
func TestPublisherRefundWaitsForPayouts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.verify(t, f.userID, "张小明", "11010519491231002X")
		_, donorID := f.signInUser(t, "13900139131")
		req := f.rfRequest(t, f.userID)
		f.rfGive(t, req, donorID, "100")
		body := `{"client_token":"rf-open","amount":"10","purpose":"化疗","payee":"requester","bank_name":"建设银行","account_number":"` + payeeAccount + `"}`
		if resp, out := f.api("POST", "/api/v1/my/requests/"+itoa(req)+"/payouts", body, "application/json", f.user); resp.StatusCode != http.StatusCreated {
			t.Fatalf("applying: %d %v", resp.StatusCode, out)
		}
		f.ppClose(t, req)
		step := "/my/requests/" + itoa(req) + "/refund-rest"
		if st, body, _ := f.asToken(f.user, "GET", step, nil); st != http.StatusConflict || !strings.Contains(body, msg(refund.KeyPayoutOpen)) {
			t.Errorf("the step with a payout in review: %d", st)
		}
		if st, _, _ := f.asToken(f.user, "POST", step, url.Values{"key": {"k"}}); st != http.StatusConflict {
			t.Errorf("refunding with a payout in review: %d, want 409", st)
		}
		if n := f.runs(t, refund.CausePurposeEnded); n != 0 {
			t.Errorf("%d runs started", n)
		}
	})
}

// TestPublicFiguresFromTheLedger: after a donor's refund paid back (a
// partial refund of the request) and a payout approved, the public page's
// figures (raised, paid out, refunded, being refunded, to charity, held)
// are the ledger's: its donation and payout entries on request:R, its
// refund_paid and refund_to_charity entries, and the balances (R-DISC-1).
//
// R-DISC-1
func TestPublicFiguresFromTheLedger(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.verify(t, f.userID, "张小明", "11010519491231002X")
		donor, donorID := f.signInUser(t, "13900139141")
		req := f.rfRequest(t, f.userID)
		_, d1 := f.rfGive(t, req, donorID, "100")
		f.rfGive(t, req, donorID, "250")
		f.rfGive(t, req, 0, "50.5")
		if resp, out := f.apiKey("POST", "/api/v1/my/donations/"+itoa(d1)+"/refund", "", "fig-1", donor); resp.StatusCode != http.StatusCreated {
			t.Fatalf("asking: %d %v", resp.StatusCode, out)
		}
		f.dispatchRefunds(t)
		f.approvePayout(t, req, "80")

		ctx := context.Background()
		fig, err := f.s.disclosure.Figures(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		held, err := f.s.platform.Ledger.Balance(ctx, "request:"+itoa(req))
		if err != nil {
			t.Fatal(err)
		}
		// What the ledger's own entries say, summed here by key.
		var paid, charity, refundDecided, raised, approved int64
		if err := db.Read(ctx, func(tx *store.Tx) error {
			q := func(dst *int64, query string, args ...any) error {
				return tx.QueryRowContext(ctx, query, args...).Scan(dst)
			}
			if err := q(&paid, `SELECT COALESCE(SUM(p.amount), 0) FROM ledger_entries e JOIN ledger_postings p ON p.entry_id = e.id
				WHERE e.kind = 'refund_paid' AND p.amount > 0`); err != nil {
				return err
			}
			if err := q(&charity, `SELECT COALESCE(SUM(p.amount), 0) FROM ledger_entries e JOIN ledger_postings p ON p.entry_id = e.id
				WHERE e.kind = 'refund_to_charity' AND p.amount > 0`); err != nil {
				return err
			}
			if err := q(&refundDecided, `SELECT COALESCE(SUM(p.amount), 0) FROM ledger_entries e JOIN ledger_postings p ON p.entry_id = e.id
				WHERE e.kind = 'refund' AND p.amount > 0`); err != nil {
				return err
			}
			if err := q(&raised, `SELECT COALESCE(SUM(amount_fen), 0) FROM donations WHERE request_id = $1`, req); err != nil {
				return err
			}
			return q(&approved, `SELECT COALESCE(SUM(amount_fen), 0) FROM payouts WHERE request_id = $1 AND approve_entry_id IS NOT NULL`, req)
		}); err != nil {
			t.Fatal(err)
		}
		want := []struct {
			name      string
			got, want money.Fen
		}{
			{"raised", fig.Raised, money.Fen(raised)},
			{"raised (by hand)", fig.Raised, 400_50},
			{"paid out", fig.PaidOut, money.Fen(approved)},
			{"paid out (by hand)", fig.PaidOut, 80_00},
			{"refunded", fig.Refunded, money.Fen(paid)},
			{"refunded (by hand)", fig.Refunded, 100_00},
			{"to charity", fig.ToCharity, money.Fen(charity)},
			{"being refunded", fig.Refunding, money.Fen(refundDecided - paid - charity)},
			{"held", fig.Held, held},
			{"held (by hand)", fig.Held, 400_50 - 100_00 - 80_00},
		}
		for _, w := range want {
			if w.got != w.want {
				t.Errorf("R-DISC-1: %s is %d, the ledger says %d", w.name, w.got, w.want)
			}
		}
		if !fig.Balanced() {
			t.Errorf("R-DISC-1: the figures do not add up: %+v", fig)
		}
		if _, err := ledger.Verify(ctx, db); err != nil {
			t.Errorf("ledger.Verify: %v", err)
		}
		_, body, _ := f.get(t, requestURL(req))
		for id, v := range map[string]money.Fen{"fig-raised": fig.Raised, "fig-paid-out": fig.PaidOut, "fig-refunded": fig.Refunded,
			"fig-to-charity": fig.ToCharity, "fig-held": fig.Held} {
			if !strings.Contains(body, `id="`+id+`">`+v.Format(i18n.ZH)+`<`) {
				t.Errorf("R-DISC-1: the page's %s is not %s", id, v.Format(i18n.ZH))
			}
		}
	})
}
