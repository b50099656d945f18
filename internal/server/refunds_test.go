package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/refund"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// A donor asks for the refund of their own donation through the API
// (policy P): someone else cannot, the same Idempotency-Key returns the
// first run, a second refund is refused; the refund goes back through the
// sandbox by the donation's own order (R-DON-2); the refund notification
// is settled once, an unknown one quarantined and acknowledged, a forged
// one refused; "my refunds" shows it arrived.
func TestDonorRefundAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newPayEnv(t, db, payOptions{manual: true})
		ctx := context.Background()
		req := e.fundraising(t, 0)
		token, _ := e.signIn(t, "13800138011")
		other, _ := e.signIn(t, "13800138012")
		st, out := e.apiCall(t, "POST", "/api/v1/requests/"+itoa(req)+"/donations",
			map[string]any{"amount": "88.00", "client_token": newClientToken(), "agree_rules": donorRules(t, e.s)}, token)
		no, _ := out["order_no"].(string)
		if st != http.StatusCreated {
			t.Fatalf("order: %d %v", st, out)
		}
		e.pay(t, no)
		if err := e.sb.Deliver(ctx, no); err != nil {
			t.Fatal(err)
		}
		donationID := int64(e.count(t, "SELECT d.id FROM donations d JOIN donation_orders o ON o.id = d.order_id WHERE o.order_no = $1", no))
		refundCall := func(tok, key string) (int, map[string]any) {
			r, _ := http.NewRequest("POST", e.url+"/api/v1/my/donations/"+itoa(donationID)+"/refund", nil)
			r.Header.Set("Idempotency-Key", key)
			r.AddCookie(&http.Cookie{Name: userCookie, Value: tok})
			resp, err := e.ts.Client().Do(r)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var m map[string]any
			json.NewDecoder(resp.Body).Decode(&m)
			return resp.StatusCode, m
		}
		if st, _ := refundCall(other, "k1"); st != http.StatusNotFound {
			t.Fatalf("someone else's donation: %d, want 404", st)
		}
		st, first := refundCall(token, "k1")
		if st != http.StatusCreated || first["state"] != "ledgered" {
			t.Fatalf("own donation: %d %v", st, first)
		}
		if st, again := refundCall(token, "k1"); st != http.StatusOK || again["id"] != first["id"] {
			t.Fatalf("same key: %d %v", st, again)
		}
		if st, _ := refundCall(token, "k2"); st != http.StatusConflict {
			t.Fatalf("twice: %d, want 409", st)
		}
		topUp(t, e.sb, e.s.refunds, "CFRT1")
		res, err := e.s.refunds.Dispatch(ctx, 10)
		if err != nil || res.Succeeded != 1 {
			t.Fatalf("Dispatch = %+v, %v", res, err)
		}
		run := int64(first["id"].(float64))
		refundNo := refund.RefundNo(run, donationID, 1)
		notify := e.url + "/notify/sandbox/refund"
		// The provider's notification of the same refund: acknowledged, counted once.
		for range 2 {
			if err := e.sb.DeliverRefund(ctx, notify, refundNo); err != nil {
				t.Fatalf("the refund notification: %v", err)
			}
		}
		if n := e.count(t, "SELECT COUNT(*) FROM ledger_entries WHERE kind = 'refund_paid'"); n != 1 {
			t.Fatalf("%d refund_paid entries", n)
		}
		// A forged one is refused; an unknown refund is quarantined and acknowledged.
		body, _ := json.Marshal(map[string]any{"id": "n-x", "create_time": e.now().Format(time.RFC3339), "event_type": "REFUND.SUCCESS",
			"resource": map[string]any{"out_refund_no": "CF999D999A1", "refund_id": "sbr-x", "out_trade_no": no,
				"transaction_id": "sbx-x", "mchid": "sandbox", "amount_fen": 8800, "total_fen": 8800, "refund_status": "success",
				"success_time": e.now().Format(time.RFC3339)}})
		post := func(h http.Header) int {
			r, _ := http.NewRequest("POST", notify, bytes.NewReader(body))
			r.Header = h
			resp, err := e.ts.Client().Do(r)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return resp.StatusCode
		}
		forged := e.signedHeader(body, e.now())
		forged.Set(payment.SandboxSignatureHeader, "AAAA")
		if st := post(forged); st != http.StatusUnauthorized {
			t.Fatalf("bad signature: %d, want 401", st)
		}
		if st := post(e.signedHeader(body, e.now())); st/100 != 2 {
			t.Fatalf("unknown refund: %d, want 2xx", st)
		}
		if n := e.count(t, "SELECT COUNT(*) FROM refund_quarantine WHERE reason = 'unknown_refund'"); n != 1 {
			t.Fatalf("%d quarantined", n)
		}
		st, mine := e.apiCall(t, "GET", "/api/v1/my/refunds", nil, token)
		list, _ := mine["refunds"].([]any)
		if st != http.StatusOK || len(list) != 1 || list[0].(map[string]any)["state"] != "succeeded" {
			t.Fatalf("my refunds: %d %v", st, mine)
		}
	})
}

// topUp tops the sandbox's balance up to the refunds due through it, as
// the funding job does from custody (jobs.FundRefunds, tested with the
// custody bank in package jobs): the sandbox pays refunds only out of the
// day's money, net of its fee.
func topUp(t *testing.T, sb *payment.Sandbox, rs *refund.Service, ref string) {
	t.Helper()
	if err := rs.FundSandbox(context.Background(), sb, ref); err != nil {
		t.Fatal(err)
	}
}
