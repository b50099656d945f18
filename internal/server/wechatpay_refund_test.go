package server

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment/wechatpay/wechatpaytest"
	"github.com/carefund/carefund/internal/refund"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// TestWeChatPayRefundsEndToEnd: a request's balance goes back to its donors
// by the original route, WeChat Pay (R-REF-1, R-DON-2): each donation's
// refund is applied for at the (fake) WeChat Pay under its own
// out_refund_no, whose encrypted, signed REFUND.* notification comes to
// /notify/wechatpay/refund. A refund that succeeds is booked once, however
// often its notification comes again; one WeChat Pay closes is tried again
// under a new number; one that stays abnormal or closed through the whole
// schedule goes to charity (R-CHAR-1). In the end every yuan is either
// back with its donor or owed to charity, and the ledger and the refunds
// verify.
func TestWeChatPayRefundsEndToEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWeChatPayEnv(t, db, wechatpaytest.Options{HoldRefunds: true}, false)
		e, fake, s := w.payEnv, w.pay, w.s
		ctx := context.Background()
		p := s.platform

		id := e.fundraising(t, 0)
		// The fake's habits by the refund's last two fen: 07 abnormal, 08
		// closed, anything else paid back.
		amounts := map[string]money.Fen{"88.80": 88_80, "10.07": 10_07, "20.08": 20_08}
		orders := map[money.Fen]string{}
		for text, fen := range amounts {
			st, out := e.apiCall(t, "POST", "/api/v1/requests/"+itoa(id)+"/donations",
				map[string]any{"amount": text, "client_token": newClientToken(), "agree_rules": donorRules(t, e.s)}, "")
			no, _ := out["order_no"].(string)
			if st != http.StatusCreated || no == "" {
				t.Fatalf("placing %s: %d %v", text, st, out)
			}
			if err := fake.Pay(no); err != nil {
				t.Fatal(err)
			}
			orders[fen] = no
		}
		fake.Drain()
		if err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := e.s.campaigns.Close(ctx, tx, id, campaign.Closing{Reason: campaign.PurposeAchieved}, "", "user:1")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		run, err := p.Refunds.StaffDeclarePurposeEnded(ctx, "staff:1", id, "患者已康复", "wx-e2e")
		if err != nil || run.Amount != 118_95 || run.Refunds != 3 {
			t.Fatalf("the run: %+v, %v; want ¥118.95 to 3 donations", run, err)
		}

		// complete finishes every refund WeChat Pay is processing and lets
		// its notifications arrive.
		complete := func() {
			for _, no := range orders {
				for _, r := range fake.Refunds(no) {
					if r.Status == "PROCESSING" {
						if r.NotifyURL != e.url+"/notify/wechatpay/refund" {
							t.Errorf("refund %s notifies %q", r.OutRefundNo, r.NotifyURL)
						}
						if err := fake.CompleteRefund(r.OutRefundNo); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
			fake.Drain()
		}
		if _, err := p.Refunds.Dispatch(ctx, 10); err != nil {
			t.Fatal(err)
		}
		complete()

		paid := fake.Refunds(orders[88_80])
		if len(paid) != 1 || paid[0].Status != "SUCCESS" || paid[0].Amount != 88_80 || paid[0].TransactionID == "" {
			t.Fatalf("WeChat Pay's refunds of the 88.80 order: %+v; want one SUCCESS of 88.80 by its transaction", paid)
		}
		e1, err := p.Ledger.EntryByKey(ctx, "refund:"+refundOf(t, db, run.ID, orders[88_80])+":paid")
		if err != nil || e1.Kind != "refund_paid" {
			t.Fatalf("the refund_paid entry: %+v, %v", e1, err)
		}
		// R-DON-1 for refunds: the same notification again books nothing.
		if st, err := fake.ReplayRefundNotification(paid[0].OutRefundNo); err != nil || st/100 != 2 {
			t.Errorf("the replayed notification: %d, %v; want 2xx", st, err)
		}
		if bal, _ := p.Ledger.Balance(ctx, "psp:wechatpay"); bal != 10_07+20_08 {
			t.Errorf("psp:wechatpay %v after the replay; want %v (one 88.80 refund)", bal, money.Fen(10_07+20_08))
		}

		// The abnormal and the closed ones are tried again on the schedule,
		// under new numbers, and finally go to charity. Bounded by the
		// schedule's length, not by time.
		for round := 0; round < len(refund.DefaultSchedule)+2; round++ {
			e.advance(4 * 24 * time.Hour)
			if _, err := p.Refunds.Dispatch(ctx, 10); err != nil {
				t.Fatal(err)
			}
			complete()
		}
		// A closed refund is applied for again under a new number; an
		// abnormal one is not (WeChat Pay counts it against the order), and
		// its later attempts are refused and count as failures.
		if rs := fake.Refunds(orders[20_08]); len(rs) < 2 {
			t.Errorf("the closed refund: %d attempts at WeChat Pay; want it tried again under a new number", len(rs))
		}
		if rs := fake.Refunds(orders[10_07]); len(rs) != 1 || rs[0].Status != "ABNORMAL" {
			t.Errorf("the abnormal refund at WeChat Pay: %+v; want the one ABNORMAL", rs)
		}
		for _, fen := range []money.Fen{10_07, 20_08} {
			for _, r := range fake.Refunds(orders[fen]) {
				if r.Status == "SUCCESS" {
					t.Errorf("the %v order was paid back by %s; the fake's habit never pays it", fen, r.OutRefundNo)
				}
			}
		}
		got, err := p.Refunds.Run(ctx, run.ID)
		if err != nil || got.State != refund.RunFinished || got.Progress.Succeeded.Fen != 88_80 || got.Progress.ToCharity.Fen != 10_07+20_08 {
			t.Fatalf("the run at the end: %+v, %v", got, err)
		}
		for name, want := range map[string]money.Fen{"charity:payable": 10_07 + 20_08, refund.PayableAccount(run.ID): 0,
			"request:" + itoa(id): 0, "psp:wechatpay": 10_07 + 20_08} {
			if bal, err := p.Ledger.Balance(ctx, name); err != nil || bal != want {
				t.Errorf("%s = %v (%v), want %v", name, bal, err, want)
			}
		}
		if sum, err := ledger.Verify(ctx, db); err != nil {
			t.Errorf("ledger: %+v, %v", sum, err)
		}
		if sum, err := refund.Verify(ctx, db); err != nil {
			t.Errorf("refunds: %+v, %v", sum, err)
		}
	})
}

// refundOf returns the id of run's refund of the donation of order no.
func refundOf(t *testing.T, db *store.DB, run int64, no string) string {
	t.Helper()
	var id int64
	if err := db.Read(context.Background(), func(tx *store.Tx) error {
		return tx.QueryRowContext(context.Background(), `SELECT r.id FROM refunds r JOIN donations d ON d.id = r.donation_id
			JOIN donation_orders o ON o.id = d.order_id WHERE r.run_id = $1 AND o.order_no = $2`, run, no).Scan(&id)
	}); err != nil {
		t.Fatal(err)
	}
	return itoa(id)
}
