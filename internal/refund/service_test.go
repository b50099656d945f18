package refund

import (
	"context"
	"testing"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/store"
)

// R-REF-1, R-DON-2, R-CHAR-1: the publisher declares the purpose achieved;
// the unspent balance of a few hundred donors goes back pro rata, each
// refund through its own donation's order and transaction at the sandbox;
// abnormal refunds are retried on the schedule and then go to charity,
// closed ones are retried under a new number and paid; the sums equal the
// ledger, and the sandbox paid each donation at most once.
func TestPurposeEndedRunThroughSandbox(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		donor := f.user("donor")
		var ds []donation
		var raised money.Fen
		for i := range 240 {
			amount := money.Fen(1 + (i*7919)%20000)
			switch i % 40 {
			case 0:
				amount = 1 // 1-fen donations
			case 1:
				amount = 5007 // abnormal at the sandbox
			case 2:
				amount = 3008 // closed once at the sandbox
			case 3:
				amount = 2009 // processing first
			}
			ds = append(ds, f.donate(donor, amount, false))
			raised += amount
		}
		f.close(campaign.PurposeAchieved)
		if _, err := f.s.DeclarePurposeEnded(f.ctx, donor, f.req, "k1"); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("a stranger declares the purpose ended: %v, want NotFound", err)
		}
		run, err := f.s.DeclarePurposeEnded(f.ctx, f.publisher, f.req, "k1")
		if err != nil {
			t.Fatal(err)
		}
		if run.Amount != raised || run.State != RunLedgered || run.Progress.Ledgered.Fen != raised {
			t.Fatalf("run %+v, raised %d", run, raised)
		}
		if f.balance(RequestAccount(f.req)) != 0 || f.balance(PayableAccount(run.ID)) != raised {
			t.Fatal("the refund entries do not move the request's balance to the run's payable")
		}
		again, err := f.s.DeclarePurposeEnded(f.ctx, f.publisher, f.req, "k1")
		if err != nil || again.ID != run.ID || !again.Replayed {
			t.Fatalf("the same key again: %+v, %v", again, err)
		}
		if n := f.count("SELECT COUNT(*) FROM ledger_entries WHERE kind = 'refund'"); n != run.Refunds {
			t.Fatalf("%d refund entries for %d refunds", n, run.Refunds)
		}
		done := f.execute(run.ID)
		var abnormal money.Fen
		for _, d := range ds {
			if d.amount%100 == 7 {
				abnormal += d.amount
			}
		}
		p := done.Progress
		if p.ToCharity.Fen != abnormal || p.Succeeded.Fen != raised-abnormal || p.Planned.N != int64(len(ds)) {
			t.Fatalf("progress %+v; abnormal %d of %d", p, abnormal, raised)
		}
		if f.balance(PayableAccount(run.ID)) != 0 || f.balance("charity:payable") != abnormal {
			t.Fatal("the payable is not cleared to the provider and charity")
		}
		// R-DON-2: every success went back through the donation's own order,
		// once.
		paid, err := f.book.Paid(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			want := d.amount
			if d.amount%100 == 7 {
				want = 0
			}
			if paid[d.order] != want {
				t.Fatalf("the sandbox paid %d back for order %s of %d", paid[d.order], d.order, d.amount)
			}
		}
		if n := f.count("SELECT COUNT(*) FROM refunds WHERE state = 'succeeded' AND attempt > 1"); n == 0 {
			t.Fatal("no closed refund was retried under a new number")
		}
		if n := f.count("SELECT COUNT(*) FROM ledger_entries WHERE kind IN ('refund_paid', 'refund_to_charity')"); n != int64(len(ds)) {
			t.Fatalf("%d outcome entries for %d refunds", n, len(ds))
		}
		tot, err := f.s.ByRequest(f.ctx, f.req)
		if err != nil || tot.Refunded != raised-abnormal || tot.ToCharity != abnormal || tot.InFlight != 0 {
			t.Fatalf("ByRequest = %+v, %v", tot, err)
		}
		mine, err := f.s.Mine(f.ctx, donor)
		if err != nil || len(mine) != len(ds) {
			t.Fatalf("Mine: %d, %v", len(mine), err)
		}
		f.verify()
	})
}

// Bad input of a donor's refund request, each with its code: someone
// else's donation, twice, an after-close payment, more than given; and the
// donor's own in full, once, by its original route (R-DON-2).
func TestDonorRequest(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		alice, bob := f.user("alice"), f.user("bob")
		a := f.donate(alice, 12345, false)
		b := f.donate(bob, 500, false)
		if _, err := f.s.DonorRequest(f.ctx, bob, a.id, "k"); apperr.CodeOf(err) != apperr.NotFound || !hasKey(err, KeyNotYours) {
			t.Fatalf("someone else's donation: %v", err)
		}
		run, err := f.s.DonorRequest(f.ctx, alice, a.id, "k")
		if err != nil || run.Amount != a.amount || run.Refunds != 1 || run.Cause != CauseDonor {
			t.Fatalf("own donation: %+v, %v", run, err)
		}
		if again, err := f.s.DonorRequest(f.ctx, alice, a.id, "k"); err != nil || again.ID != run.ID || !again.Replayed {
			t.Fatalf("same key: %+v, %v", again, err)
		}
		if _, err := f.s.DonorRequest(f.ctx, alice, a.id, "k2"); apperr.CodeOf(err) != apperr.Conflict || !hasKey(err, KeyAlready) {
			t.Fatalf("twice: %v", err)
		}
		// More than the donation gave: refused by the run and by the database.
		if _, err := f.s.StartRun(f.ctx, RunInput{RequestID: f.req, Cause: CauseDonor, DonationID: b.id, Amount: b.amount + 1,
			Actor: "system", Key: "more"}); !hasKey(err, KeyTooMuch) {
			t.Fatalf("more than given: %v", err)
		}
		err = f.db.Write(f.ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(f.ctx, `INSERT INTO refunds (run_id, donation_id, request_id, provider, order_no,
				transaction_id, total_fen, amount_fen, state, attempt, out_refund_no, next_at, created_at, updated_at)
				VALUES ($1, $2, $3, 'sandbox', 'o', 't', 12345, 1, 'planned', 1, 'CFXXXXXX', 0, 0, 0)`, run.ID, a.id, f.req)
			return err
		})
		if err == nil {
			t.Fatal("the database let a donation be refunded more than it gave")
		}
		late := f.donate(alice, 700, true)
		if _, err := f.s.DonorRequest(f.ctx, alice, late.id, "k3"); !hasKey(err, KeyAfterCloseOwned) {
			t.Fatalf("an after-close payment: %v", err)
		}
		done := f.execute(run.ID)
		if done.Progress.Succeeded.Fen != a.amount {
			t.Fatalf("progress %+v", done.Progress)
		}
		paid, _ := f.book.Paid(f.ctx)
		if paid[a.order] != a.amount || len(paid) != 1 {
			t.Fatalf("sandbox paid %v", paid)
		}
		f.verify()
	})
}

// R-PUB-4: payments after the channel closed are refunded whole, once.
func TestRefundAfterClose(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		u := f.user("u")
		f.donate(u, 10000, false)
		f.close(campaign.TargetReached)
		l1, l2 := f.donate(u, 333, true), f.donate(0, 1, true)
		runs, err := f.s.RefundAfterClose(f.ctx)
		if err != nil || len(runs) != 1 || runs[0].Amount != l1.amount+l2.amount || runs[0].Refunds != 2 {
			t.Fatalf("RefundAfterClose = %+v, %v", runs, err)
		}
		if again, err := f.s.RefundAfterClose(f.ctx); err != nil || len(again) != 0 {
			t.Fatalf("again: %+v, %v", again, err)
		}
		// The ordinary donation stays: a pro-rata run cannot take the late money.
		if r, _ := f.s.Refundable(f.ctx, f.req); r != 10000 {
			t.Fatalf("Refundable = %d", r)
		}
		f.execute(runs[0].ID)
		f.verify()
	})
}

// R-REF-2 (refund side): a terminated request's donors get back what was
// not paid out, pro rata, less what is still to be recovered; a recovery
// run gives back what came in.
func TestTerminatedAndRecovery(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		u := f.user("u")
		for i := range 7 {
			f.donate(u, money.Fen(1000+i), false)
		}
		// 3000 was paid out before the fraud was found.
		if _, err := f.l.Post(f.ctx, ledger.Transfer("payout:1:approve", "payout_approved", RequestAccount(f.req),
			"payable:payout:1", 3000)); err != nil {
			t.Fatal(err)
		}
		held := f.balance(RequestAccount(f.req))
		// To be recovered: the receivable entry.
		if _, err := f.l.Post(f.ctx, ledger.Transfer("termination:1:receivable", "recovery_receivable",
			ReceivableAccount(f.req), RequestAccount(f.req), 3000)); err != nil {
			t.Fatal(err)
		}
		if r, _ := f.s.Refundable(f.ctx, f.req); r != held {
			t.Fatalf("Refundable = %d, want %d", r, held)
		}
		run, err := f.s.StartRun(f.ctx, RunInput{RequestID: f.req, Cause: CauseTerminated, Actor: "staff:2", Key: "t1"})
		if err != nil || run.Amount != held {
			t.Fatalf("terminated run %+v, %v", run, err)
		}
		if _, err := f.s.StartRun(f.ctx, RunInput{RequestID: f.req, Cause: CauseRecovery, Amount: 1, Actor: "system", Key: "r0"}); !hasKey(err, KeyInsufficient) {
			t.Fatalf("a recovery before money came: %v", err)
		}
		if _, err := f.l.Post(f.ctx, ledger.Transfer("statement:x", "recovery", "bank:custody", ReceivableAccount(f.req), 3000)); err != nil {
			t.Fatal(err)
		}
		rec, err := f.s.StartRun(f.ctx, RunInput{RequestID: f.req, Cause: CauseRecovery, Amount: 3000, Actor: "system", Key: "r1"})
		if err != nil || rec.Amount != 3000 || rec.Refunds != 7 {
			t.Fatalf("recovery run %+v, %v", rec, err)
		}
		f.execute(run.ID)
		f.execute(rec.ID)
		f.verify()
	})
}

// Resumable: a run stopped mid-ledger is finished by Resume, each donor's
// entry posted once.
func TestResumeAfterCrash(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		u := f.user("u")
		for i := range 150 {
			f.donate(u, money.Fen(100+i), false)
		}
		f.s.init()
		in := RunInput{RequestID: f.req, Cause: CauseWindDown, Actor: "system", Key: "w"}
		var run Run
		f.write(func(ctx context.Context, tx *store.Tx) (err error) {
			run, _, err = f.s.plan(ctx, tx, in)
			return err
		})
		// Half the entries were posted before the crash.
		var firstHalf []pending
		f.db.Read(f.ctx, func(tx *store.Tx) (err error) {
			firstHalf, err = unposted(f.ctx, tx, run.ID, 0, 75)
			return err
		})
		for _, p := range firstHalf {
			if _, err := f.l.Post(f.ctx, ledger.Transfer(entryKey(p.id), "refund", RequestAccount(f.req), PayableAccount(run.ID), p.amount)); err != nil {
				t.Fatal(err)
			}
		}
		n, err := f.s.Resume(f.ctx)
		if err != nil || n != 1 {
			t.Fatalf("Resume = %d, %v", n, err)
		}
		r, _ := f.s.Run(f.ctx, run.ID)
		if r.State != RunLedgered || r.Progress.Ledgered.N != 150 {
			t.Fatalf("after Resume: %+v", r)
		}
		if n := f.count("SELECT COUNT(*) FROM ledger_entries WHERE kind = 'refund'"); n != 150 {
			t.Fatalf("%d refund entries", n)
		}
		if f.balance(PayableAccount(run.ID)) != r.Amount || f.balance(RequestAccount(f.req)) != 0 {
			t.Fatal("sums differ from the ledger")
		}
		again, err := f.s.StartRun(f.ctx, in)
		if err != nil || !again.Replayed || again.ID != run.ID {
			t.Fatalf("StartRun again: %+v, %v", again, err)
		}
		f.verify()
	})
}

// A provider's word on an unknown refund, on another order, or with a
// wrong amount is quarantined, never credited; a replay changes nothing.
func TestSettleQuarantine(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		u := f.user("u")
		d := f.donate(u, 4200, false)
		run, err := f.s.DonorRequest(f.ctx, u, d.id, "k")
		if err != nil {
			t.Fatal(err)
		}
		no := RefundNo(run.ID, d.id, 1)
		for name, c := range map[string]payment.RefundResult{
			"unknown":      {RefundID: "CF999D999A1", State: payment.RefundSuccess, Amount: 4200},
			"not ours":     {RefundID: "someone-else", State: payment.RefundSuccess, Amount: 4200},
			"wrong amount": {RefundID: no, State: payment.RefundSuccess, Amount: 4201},
			"other order":  {RefundID: no, State: payment.RefundSuccess, Amount: 4200, OrderID: "ord-other-1"},
		} {
			out, err := f.s.Settle(f.ctx, "sandbox", c)
			if err != nil || out != OutcomeQuarantined {
				t.Fatalf("%s: %s, %v", name, out, err)
			}
		}
		if out, err := f.s.Settle(f.ctx, "wechatpay", payment.RefundResult{RefundID: no, State: payment.RefundSuccess, Amount: 4200}); err != nil || out != OutcomeQuarantined {
			t.Fatalf("another provider: %s, %v", out, err)
		}
		if n := f.count("SELECT COUNT(*) FROM refund_quarantine"); n != 5 {
			t.Fatalf("%d quarantined", n)
		}
		if f.balance(PayableAccount(run.ID)) != 4200 {
			t.Fatal("a quarantined word moved money")
		}
		ok := payment.RefundResult{RefundID: no, State: payment.RefundSuccess, Amount: 4200, OrderID: d.order}
		for i := range 3 {
			out, err := f.s.Settle(f.ctx, "sandbox", ok)
			want := OutcomeSucceeded
			if i > 0 {
				want = OutcomeNone
			}
			if err != nil || out != want {
				t.Fatalf("settle %d: %s, %v", i, out, err)
			}
		}
		if f.balance(PayableAccount(run.ID)) != 0 || f.count("SELECT COUNT(*) FROM ledger_entries WHERE kind = 'refund_paid'") != 1 {
			t.Fatal("paid twice or not at all")
		}
		f.verify()
	})
}

// R-REF-1 policy: who may declare the purpose ended, and when.
func TestPolicy(t *testing.T) {
	d := Donation{ID: 1, DonorUserID: 5, Amount: 100}
	open := Request{State: campaign.Fundraising, Publisher: 9}
	cases := []struct {
		name string
		err  error
		key  string
	}{
		{"own, nothing paid out", DonorMay(5, d, open), ""},
		{"someone else's", DonorMay(6, d, open), KeyNotYours},
		{"twice", DonorMay(5, Donation{ID: 1, DonorUserID: 5, Amount: 100, Refunded: 100}, open), KeyAlready},
		{"after a payout", DonorMay(5, d, Request{State: campaign.Settling, PaidOut: true}), KeyPaidOut},
		{"terminated after a payout", DonorMay(5, d, Request{State: campaign.Terminated, PaidOut: true}), ""},
		{"publisher, achieved", PurposeEndedMay(9, false, Request{State: campaign.Closed, Publisher: 9, CloseReason: campaign.PurposeAchieved}), ""},
		{"publisher, still open", PurposeEndedMay(9, false, open), KeyNotEnded},
		{"publisher, target reached", PurposeEndedMay(9, false, Request{State: campaign.Closed, Publisher: 9, CloseReason: campaign.TargetReached}), KeyNotEnded},
		{"staff, target reached", PurposeEndedMay(0, true, Request{State: campaign.Closed, Publisher: 9, CloseReason: campaign.TargetReached}), ""},
		{"not the publisher", PurposeEndedMay(8, false, Request{State: campaign.Closed, Publisher: 9, CloseReason: campaign.PurposeGone}), KeyNotPublisher},
		{"payout in review", PurposeEndedMay(9, false, Request{State: campaign.Closed, Publisher: 9, CloseReason: campaign.PurposeGone, PayoutOpen: true}), KeyPayoutOpen},
	}
	for _, c := range cases {
		if c.key == "" && c.err != nil || c.key != "" && !hasKey(c.err, c.key) {
			t.Errorf("%s: %v, want %q", c.name, c.err, c.key)
		}
	}
	if _, err := DonorAmount(101, d); !hasKey(err, KeyTooMuch) {
		t.Errorf("larger than the donation: %v", err)
	}
	if a, err := DonorAmount(0, d); err != nil || a != 100 {
		t.Errorf("in full: %d, %v", a, err)
	}
}

func TestRefundNo(t *testing.T) {
	for _, c := range [][3]int64{{1, 1, 1}, {999999999999, 999999999999, 5}} {
		no := RefundNo(c[0], c[1], int(c[2]))
		if !payment.ValidOrderID(no) {
			t.Fatalf("%s is not a valid refund number", no)
		}
		r, d, a, ok := ParseRefundNo(no)
		if !ok || r != c[0] || d != c[1] || int64(a) != c[2] {
			t.Fatalf("ParseRefundNo(%s)", no)
		}
	}
	for _, bad := range []string{"", "CF", "CF1D2", "CF01D2A1", "XX1D2A1", "CF1D2A0", "CF1D2A1x"} {
		if _, _, _, ok := ParseRefundNo(bad); ok {
			t.Fatalf("ParseRefundNo(%q) ok", bad)
		}
	}
}

// carefund verify finds a refund marked paid without its refund_paid
// entry (the ledger and the rows must agree).
func TestVerifyFindsBreaks(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		u := f.user("u")
		d := f.donate(u, 900, false)
		run, err := f.s.DonorRequest(f.ctx, u, d.id, "k")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Verify(f.ctx, f.db); err != nil {
			t.Fatalf("a clean run: %v", err)
		}
		f.write(func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE refunds SET state = 'succeeded', settled_at = 1 WHERE run_id = $1`, run.ID)
			return err
		})
		_, err = Verify(f.ctx, f.db)
		v, ok := err.(*Violation)
		if !ok || len(v.Checks) < 2 {
			t.Fatalf("Verify = %v, want the missing refund_paid and the payable named", err)
		}
	})
}

// R-CHAR-1: staff may give a failing (abnormal) refund to charity at once,
// audited; not a refund still on its way.
func TestStaffToCharity(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		u := f.user("u")
		d := f.donate(u, 1207, false) // abnormal at the sandbox
		ok := f.donate(u, 1200, false)
		run, err := f.s.DonorRequest(f.ctx, u, d.id, "k")
		if err != nil {
			t.Fatal(err)
		}
		other, err := f.s.DonorRequest(f.ctx, u, ok.id, "k2")
		if err != nil {
			t.Fatal(err)
		}
		var rid, okID int64
		f.db.Read(f.ctx, func(tx *store.Tx) error {
			if err := tx.QueryRowContext(f.ctx, "SELECT id FROM refunds WHERE run_id = $1", run.ID).Scan(&rid); err != nil {
				return err
			}
			return tx.QueryRowContext(f.ctx, "SELECT id FROM refunds WHERE run_id = $1", other.ID).Scan(&okID)
		})
		if err := f.s.StaffToCharity(f.ctx, "staff:3", okID, "x"); !hasKey(err, KeyNotChariable) {
			t.Fatalf("a decided refund to charity: %v", err)
		}
		if res, err := f.s.Dispatch(f.ctx, 10); err != nil || res.Retry != 1 || res.Succeeded != 1 {
			t.Fatalf("Dispatch = %+v, %v", res, err)
		}
		if err := f.s.StaffToCharity(f.ctx, "staff:3", rid, "card closed"); err != nil {
			t.Fatal(err)
		}
		if f.balance("charity:payable") != d.amount || f.count("SELECT COUNT(*) FROM audit_log WHERE action = 'refund.to_charity'") != 1 {
			t.Fatal("not given to charity, or not audited")
		}
		r, _ := f.s.Run(f.ctx, run.ID)
		if r.State != RunFinished || r.Progress.ToCharity.Fen != d.amount {
			t.Fatalf("run %+v", r)
		}
		f.verify()
	})
}
