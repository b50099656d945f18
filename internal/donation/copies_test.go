package donation

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// R-DON-1: the verdict on a copy of a notification, from what was recorded
// for its transaction and the order it names.
func TestJudge(t *testing.T) {
	created := &Order{ID: 7, OrderNo: "A", Amount: 100_00, State: Created, Provider: "sandbox"}
	held := &Order{ID: 7, OrderNo: "A", Amount: 100_00, State: Quarantined, Provider: "sandbox"}
	paid := &Order{ID: 7, OrderNo: "A", Amount: 100_00, State: Paid, Provider: "sandbox"}
	other := &Order{ID: 8, OrderNo: "B", Amount: 50_00, State: Created, Provider: "sandbox"}
	genuine := payment.Payment{Provider: "sandbox", OrderID: "A", TransactionID: "T", Merchant: merchant, Amount: 100_00}
	with := func(change func(*payment.Payment)) payment.Payment {
		p := genuine
		change(&p)
		return p
	}
	otherAmount := with(func(p *payment.Payment) { p.Amount = 1_00 })
	otherMerchant := with(func(p *payment.Payment) { p.Merchant = "someone-else" })
	otherOrder := with(func(p *payment.Payment) { p.OrderID, p.Amount = "B", 50_00 })
	credited := &credit{DonationID: 3, OrderNo: "A", Amount: 100_00}

	tests := []struct {
		name string
		p    payment.Payment
		st   copyState
		want verdict
	}{
		{"New", genuine, copyState{Order: created}, verdict{Action: actCredit}},
		{"NewOnHeldOrder", genuine, copyState{Order: held}, verdict{Action: actCredit}},
		{"Duplicate", genuine, copyState{Credited: credited, Order: paid}, verdict{Action: actReplay}},
		{"UnknownOrder", with(func(p *payment.Payment) { p.OrderID = "X" }), copyState{},
			verdict{Action: actQuarantine, Reason: UnknownOrder}},
		{"AmountMismatch", otherAmount, copyState{Order: created}, verdict{Action: actQuarantine, Reason: AmountMismatch, HoldOrder: 7}},
		{"MerchantMismatch", otherMerchant, copyState{Order: created}, verdict{Action: actQuarantine, Reason: MerchantMismatch, HoldOrder: 7}},
		{"OtherProvider", with(func(p *payment.Payment) { p.Provider = "wechatpay" }), copyState{Order: created},
			verdict{Action: actQuarantine, Reason: MerchantMismatch, HoldOrder: 7}},
		{"PaidByAnotherTransaction", with(func(p *payment.Payment) { p.TransactionID = "U" }), copyState{Order: paid},
			verdict{Action: actQuarantine, Reason: AlreadyPaid}},
		{"QuarantinedCopyAgain", otherAmount, copyState{Quarantined: true, Order: held}, verdict{Action: actReplayQuarantine}},
		// A transaction credited, then a copy that says something else.
		{"CreditedThenOtherAmount", otherAmount, copyState{Credited: credited, Order: paid},
			verdict{Action: actQuarantine, Reason: AmountMismatch}},
		{"CreditedThenOtherMerchant", otherMerchant, copyState{Credited: credited, Order: paid},
			verdict{Action: actQuarantine, Reason: MerchantMismatch}},
		{"CreditedThenOtherOrder", otherOrder, copyState{Credited: credited, Order: other},
			verdict{Action: actQuarantine, Reason: TransactionReused}},
		{"CreditedThenUnknownOrder", with(func(p *payment.Payment) { p.OrderID = "X" }), copyState{Credited: credited},
			verdict{Action: actQuarantine, Reason: UnknownOrder}},
		{"CreditedThenQuarantinedCopyAgain", otherAmount, copyState{Credited: credited, Quarantined: true, Order: paid},
			verdict{Action: actReplayQuarantine}},
		// A conflicting copy quarantined first does not stop the genuine one.
		{"QuarantinedOtherCopyThenGenuine", genuine, copyState{Order: held}, verdict{Action: actCredit}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := judge(tt.p, merchant, true, tt.st); got != tt.want {
				t.Errorf("judge = %+v, want %+v", got, tt.want)
			}
		})
	}
	t.Run("NoMerchantConfigured", func(t *testing.T) {
		got := judge(genuine, "", false, copyState{Order: created})
		if want := (verdict{Action: actQuarantine, Reason: MerchantMismatch, HoldOrder: 7}); got != want {
			t.Errorf("judge = %+v, want %+v", got, want)
		}
	})
}

// R-DON-1 (issue 13, 8c): a notification that reuses a transaction id with
// another amount, merchant or order is quarantined on its own row — never
// dropped, never credited — whether it comes after the genuine payment or
// before it; the genuine payment is credited exactly once either way; and
// duplicates of each copy change nothing.
func TestConfirmReusedTransaction(t *testing.T) {
	conflicts := []struct {
		name   string
		change func(f *fixture, p *payment.Payment)
		reason string
		// holds: arriving first, the copy holds the genuine payment's order.
		holds bool
		// genuineFirstOnly: a copy that matches another order exactly cannot
		// be told from a genuine payment when it comes first; the first of
		// two such claims is credited and the other quarantined, which is
		// this same case with the roles swapped.
		genuineFirstOnly bool
	}{
		{"OtherAmount", func(_ *fixture, p *payment.Payment) { p.Amount = 1_00 }, AmountMismatch, true, false},
		{"OtherMerchant", func(_ *fixture, p *payment.Payment) { p.Merchant = "1900000099" }, MerchantMismatch, true, false},
		{"OtherOrder", func(f *fixture, p *payment.Payment) {
			b := f.order(f.input("20"))
			p.OrderID, p.Amount = b.OrderNo, b.Amount
		}, TransactionReused, false, true},
	}
	for _, c := range conflicts {
		for _, conflictFirst := range []bool{false, true} {
			name := c.name + "/GenuineFirst"
			if conflictFirst {
				if c.genuineFirstOnly {
					continue
				}
				name = c.name + "/ConflictFirst"
			}
			t.Run(name, func(t *testing.T) {
				storetest.Each(t, func(t *testing.T, db *store.DB) {
					f := newFixture(t, db)
					o := f.order(f.input("100"))
					genuine := f.paid(o)
					conflict := genuine
					c.change(f, &conflict)

					var donationID int64
					creditGenuine := func() {
						t.Helper()
						out := f.confirm(genuine)
						if out.Replayed || out.Quarantined || out.DonationID == 0 {
							t.Fatalf("the genuine payment: %+v, want a new donation", out)
						}
						donationID = out.DonationID
					}
					quarantineConflict := func() {
						t.Helper()
						if out := f.confirm(conflict); !out.Quarantined || out.Replayed || out.DonationID != 0 {
							t.Fatalf("the conflicting copy: %+v, want newly quarantined", out)
						}
					}
					if conflictFirst {
						quarantineConflict()
						if c.holds {
							if got := f.count("SELECT COUNT(*) FROM donation_orders WHERE id = $1 AND state = 'quarantined'", o.ID); got != 1 {
								t.Errorf("the order named by the conflicting copy is not held")
							}
						}
						creditGenuine()
					} else {
						creditGenuine()
						quarantineConflict()
					}
					// Duplicates of each, in both orders, change nothing.
					for range 2 {
						if out := f.confirm(genuine); !out.Replayed || out.Quarantined || out.DonationID != donationID {
							t.Errorf("a duplicate of the genuine payment: %+v, want donation %d replayed", out, donationID)
						}
						if out := f.confirm(conflict); !out.Replayed || !out.Quarantined || out.DonationID != 0 {
							t.Errorf("a duplicate of the conflicting copy: %+v, want a quarantine replayed", out)
						}
					}

					if got := f.count("SELECT COUNT(*) FROM donations WHERE transaction_id = $1", genuine.TransactionID); got != 1 {
						t.Errorf("%d donations of the transaction, want 1", got)
					}
					if got := f.count("SELECT COUNT(*) FROM donations WHERE order_id = $1", o.ID); got != 1 {
						t.Errorf("%d donations of the order, want 1", got)
					}
					if got := f.count("SELECT COUNT(*) FROM donation_orders WHERE id = $1 AND state = 'paid'", o.ID); got != 1 {
						t.Errorf("the genuine payment's order is not paid")
					}
					if got := f.count(`SELECT COUNT(*) FROM donation_quarantine WHERE transaction_id = $1 AND order_no = $2
						AND amount_fen = $3 AND merchant = $4 AND reason = $5`, conflict.TransactionID, conflict.OrderID,
						int64(conflict.Amount), conflict.Merchant, c.reason); got != 1 {
						t.Errorf("%d quarantine rows of the conflicting copy with reason %s, want 1", got, c.reason)
					}
					if got := f.count("SELECT COUNT(*) FROM donation_quarantine"); got != 1 {
						t.Errorf("%d quarantine rows, want 1", got)
					}
					if raised, n := f.totals(f.req); raised != 100_00 || n != 1 {
						t.Errorf("totals = %s, %d; want 100.00 from 1", raised, n)
					}
					if b := f.balance(f.req); b != 100_00 {
						t.Errorf("balance %s, want 100.00", b)
					}
					f.verify()
					if _, err := Verify(context.Background(), db); err != nil {
						t.Errorf("donation.Verify: %v", err)
					}
				})
			})
		}
	}
}

// R-DON-1: a genuine payment and copies reusing its transaction id, all at
// once, end as one donation and one quarantined copy of each kind, with no
// call failing and none answered without its copy recorded.
func TestConfirmReusedTransactionConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		o := f.order(f.input("100"))
		genuine := f.paid(o)
		short := genuine
		short.Amount = 1_00
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, 2*n)
		for i := range n {
			wg.Go(func() { _, errs[i] = f.s.Confirm(context.Background(), genuine) })
			wg.Go(func() { _, errs[n+i] = f.s.Confirm(context.Background(), short) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("call %d: %v", i, err)
			}
		}
		if got := f.count("SELECT COUNT(*) FROM donations WHERE transaction_id = $1", genuine.TransactionID); got != 1 {
			t.Errorf("%d donations, want 1", got)
		}
		if got := f.count("SELECT COUNT(*) FROM donation_quarantine WHERE transaction_id = $1 AND reason = $2",
			genuine.TransactionID, AmountMismatch); got != 1 {
			t.Errorf("%d quarantined copies, want 1", got)
		}
		if b := f.balance(f.req); b != 100_00 {
			t.Errorf("balance %s, want 100.00", b)
		}
		if _, err := Verify(context.Background(), db); err != nil {
			t.Errorf("donation.Verify: %v", err)
		}
	})
}

// TestHeldOrderIsAskedAbout checks that an order held by a conflicting copy
// that came first is still asked about by the query job: when the genuine
// payment's notifications never arrive, the provider's answer credits it
// once (R-DON-1), and an answer that conflicts again leaves the order held,
// never given up, and credits nothing.
func TestHeldOrderIsAskedAbout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		sb := payment.NewSandbox(payment.SandboxConfig{Key: make([]byte, 32), Merchant: merchant, ManualDelivery: true})
		t.Cleanup(sb.Close)
		providers := map[string]payment.Provider{"sandbox": sb}
		later := time.Now().Add(OrderTTL + time.Hour)

		o := f.order(f.input("100"))
		if _, err := sb.Create(ctx, payment.Order{ID: o.OrderNo, Amount: o.Amount, Description: "test",
			NotifyURL: "http://127.0.0.1:1/pay/notify/sandbox"}); err != nil {
			t.Fatal(err)
		}
		if _, err := sb.Pay(ctx, o.OrderNo); err != nil {
			t.Fatal(err)
		}
		genuine, err := sb.Query(ctx, o.OrderNo)
		if err != nil {
			t.Fatal(err)
		}
		conflict := genuine
		conflict.Provider, conflict.Amount = "sandbox", 1_00
		if out := f.confirm(conflict); !out.Quarantined {
			t.Fatalf("the conflicting copy: %+v, want quarantined", out)
		}
		if got := f.count("SELECT COUNT(*) FROM donation_orders WHERE id = $1 AND state = 'quarantined'", o.ID); got != 1 {
			t.Fatal("the order named by the conflicting copy is not held")
		}

		// No notification of the genuine payment ever comes: the job asks.
		res, err := f.s.Reconcile(ctx, providers, later, 100)
		if err != nil {
			t.Fatal(err)
		}
		if res != (ReconcileResult{Asked: 1, Confirmed: 1}) {
			t.Errorf("Reconcile = %+v; want the held order asked about and confirmed", res)
		}
		if got := f.count("SELECT COUNT(*) FROM donations WHERE order_id = $1", o.ID); got != 1 {
			t.Errorf("%d donations of the held order, want 1", got)
		}
		if res, err := f.s.Reconcile(ctx, providers, later, 100); err != nil || res != (ReconcileResult{}) {
			t.Errorf("Reconcile again = %+v, %v; want nothing left to ask", res, err)
		}

		// A held order whose provider answers with another conflicting
		// payment stays held and credits nothing.
		o2 := f.order(f.input("50"))
		if out := f.confirm(payment.Payment{Provider: "sandbox", OrderID: o2.OrderNo, TransactionID: "tx-conflict-2",
			Merchant: merchant, Amount: 1_00, State: payment.Paid, PaidAt: today}); !out.Quarantined {
			t.Fatalf("the conflicting copy of the second order: %+v, want quarantined", out)
		}
		lying := &answering{Provider: sb, answer: payment.Payment{OrderID: o2.OrderNo, TransactionID: "tx-conflict-2",
			Merchant: merchant, Amount: 1_00, State: payment.Paid, PaidAt: today}}
		res, err = f.s.Reconcile(ctx, map[string]payment.Provider{"sandbox": lying}, later, 100)
		if err != nil || res != (ReconcileResult{Left: 1}) {
			t.Errorf("Reconcile of a held order answered in conflict = %+v, %v; want it left held", res, err)
		}
		if got := f.count("SELECT COUNT(*) FROM donations WHERE order_id = $1", o2.ID); got != 0 {
			t.Errorf("%d donations of the order answered in conflict, want none", got)
		}
		if got := f.count("SELECT COUNT(*) FROM donation_order_lapses WHERE order_id = $1", o2.ID); got != 0 {
			t.Errorf("the order answered in conflict was given up")
		}
	})
}

// answering is a provider whose Query always gives one answer.
type answering struct {
	payment.Provider
	answer payment.Payment
}

func (a *answering) Query(context.Context, string) (payment.Payment, error) { return a.answer, nil }
