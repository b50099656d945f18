package reconcile

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/bank/iso20022"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

var custody = iso20022.Account{ID: "6222020200112233445"}

// fixture is a ledger on a database whose clock the test moves.
type fixture struct {
	t   *testing.T
	ctx context.Context
	db  *store.DB
	l   *ledger.Ledger
	s   *Service
	now atomic.Pointer[time.Time]
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	f := &fixture{t: t, ctx: context.Background(), db: db}
	f.at(cst(2026, 12, 1, 9, 0))
	db.SetClock(func() time.Time { return *f.now.Load() })
	f.l = ledger.New(db, ledger.Options{})
	t.Cleanup(f.l.Close)
	f.s = &Service{DB: db, Ledger: f.l, Custody: custody}
	return f
}

func cst(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, bankZone)
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func (f *fixture) at(t time.Time) { f.now.Store(&t) }

func (f *fixture) post(at time.Time, e ledger.Entry) {
	f.t.Helper()
	f.at(at)
	if _, err := f.l.Post(f.ctx, e); err != nil {
		f.t.Fatalf("posting %s: %v", e.Key, err)
	}
}

// donate records a donation of amount to request 1 under the sandbox's
// transaction tx.
func (f *fixture) donate(at time.Time, tx string, amount money.Fen) {
	f.post(at, ledger.Transfer(DonationKey("sandbox", tx), "donation", "psp:sandbox", "request:1", amount))
}

// pay posts a payout paid by the bank as transfer id: request 1 →
// payable → custody.
func (f *fixture) pay(at time.Time, id string, amount money.Fen) {
	f.post(at, ledger.Transfer("approve:"+id, "payout_approved", "request:1", "payable:payout:"+id, amount))
	f.post(at, ledger.Transfer("custody:"+id, "payout", "payable:payout:"+id, "bank:custody", amount))
}

func (f *fixture) balance(account string) money.Fen {
	f.t.Helper()
	b, err := f.l.Balance(f.ctx, account)
	if err != nil {
		f.t.Fatal(err)
	}
	return b
}

func line(ref string, dir iso20022.Direction, amount money.Fen, booked time.Time) iso20022.Entry {
	return iso20022.Entry{Reference: "L-" + ref, EndToEndID: ref, Amount: amount, Direction: dir, BookingDate: booked, ValueDate: booked}
}

// statement returns a balanced statement of custody with lines.
func statement(id string, opening money.Fen, day time.Time, lines ...iso20022.Entry) iso20022.Statement {
	closing := opening
	for _, l := range lines {
		closing += Signed(l)
	}
	return iso20022.Statement{ID: id, Account: custody, Entries: lines,
		Opening: &iso20022.Balance{Amount: opening, Date: day}, Closing: &iso20022.Balance{Amount: closing, Date: day}}
}

var finance = staff.Staff{ID: 7, Username: "fin", Role: staff.Finance}

func rec(action string) audit.Record {
	return audit.Record{Actor: finance.Actor(), Action: action, Result: audit.ResultOK}
}

func kinds(ds []Difference) map[Kind][]string {
	out := map[Kind][]string{}
	for _, d := range ds {
		out[d.Kind] = append(out[d.Kind], string(d.Source)+":"+d.Reference)
	}
	return out
}

// TestReconcileEveryKind reconciles two daily statements in a chain and
// finds each kind of difference once, and nothing else; it then shows a
// replayed import is a no-op, a conflicting or foreign statement is
// refused whole, and a difference stays open until a finance officer
// resolves it with a reason, with a correcting entry where money moves.
// R-FUND-4, R-FUND-1.
func TestReconcileEveryKind(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := f.ctx
		d1, d2 := date(2026, 12, 6), date(2026, 12, 7)

		// Day 1: donations, their settlement, one payout paid in time and
		// two posted after the bank's cut-off.
		f.donate(cst(2026, 12, 6, 8, 0), "sbx1", 600_00)
		f.donate(cst(2026, 12, 6, 8, 5), "sbx2", 400_00)
		f.donate(cst(2026, 12, 6, 8, 10), "sbx3", 10_000_00)
		bill := payment.Settlement{Provider: "sandbox", Ref: "CFST-sandbox-20261206", Date: d1,
			Gross: 1000_00, Fees: 6_00, Net: 994_00, Lines: []payment.SettlementLine{
				{TransactionID: "sbx1", Amount: 600_00, Fee: 3_60},
				{TransactionID: "sbx2", Amount: 400_00, Fee: 2_40},
			}}
		f.at(cst(2026, 12, 6, 9, 0))
		if _, err := f.s.Settle(ctx, bill); err != nil {
			t.Fatal(err)
		}
		// The bank settles the big donation directly too.
		big := payment.Settlement{Provider: "sandbox", Ref: "CFST-sandbox-big", Date: d1,
			Gross: 10_000_00, Fees: 0, Net: 10_000_00, Lines: []payment.SettlementLine{{TransactionID: "sbx3", Amount: 10_000_00}}}
		if _, err := f.s.Settle(ctx, big); err != nil {
			t.Fatal(err)
		}
		f.pay(cst(2026, 12, 6, 11, 0), "CFPO1", 300_00)
		f.pay(cst(2026, 12, 6, 17, 0), "CFPO2", 50_00)
		f.pay(cst(2026, 12, 6, 17, 30), "CFPO3", 70_00)

		s1 := statement("STMT-1", 0, d1,
			line("CFST-sandbox-20261206", iso20022.Credit, 994_00, d1),
			line("CFST-sandbox-big", iso20022.Credit, 10_000_00, d1),
			line("CFPO1", iso20022.Debit, 300_00, d1))
		f.at(cst(2026, 12, 7, 6, 0))
		r1, err := f.s.Import(ctx, rec("reconcile.import"), s1, "hash-1", &bill)
		if err != nil {
			t.Fatal(err)
		}
		if r1.Differences != 0 || r1.Matched != 3 || r1.InTransitCount != 2 {
			ds, _ := f.s.Differences(ctx, true)
			t.Fatalf("run 1: %d differences %v, %d matched, %d in transit; want 0, 3, 2", r1.Differences, kinds(ds), r1.Matched, r1.InTransitCount)
		}
		// R-FUND-1: the ledger mirrors custody: the statement's closing
		// balance is the ledger's at the day's end less what is in transit.
		if got, want := r1.LedgerAtEnd-r1.InTransit, *r1.Closing; got != want {
			t.Errorf("run 1: ledger at end %s less in transit %s = %s, closing balance %s", r1.LedgerAtEnd, r1.InTransit, got, want)
		}

		if c, ok, err := f.s.CheckCustody(ctx); err != nil || !ok || c.Gap() != 0 {
			t.Errorf("custody check after run 1: %+v %v %v, want no gap", c, ok, err)
		}

		// Day 2: CFPO3 booked, CFPO2 not (overdue); CFPO4 missing; an
		// extra credit; CFPO5 booked for another amount; CFPO6 booked
		// twice; CFPO1 returned by the payee's bank.
		f.pay(cst(2026, 12, 7, 9, 0), "CFPO4", 20_00)
		f.pay(cst(2026, 12, 7, 9, 30), "CFPO5", 500_00)
		f.pay(cst(2026, 12, 7, 9, 45), "CFPO6", 80_00)
		f.post(cst(2026, 12, 7, 10, 0), ledger.Transfer("custody:CFPO1:return", "payout_return", "bank:custody", "request:1", 300_00))
		ret := line("CFPO1", iso20022.Credit, 300_00, d2)
		ret.Reference, ret.Reversal = "L-CFPO1-R", true
		dup := line("CFPO6", iso20022.Debit, 80_00, d2)
		dup.Reference = "L-CFPO6-again"
		s2 := statement("STMT-2", *r1.Closing, d2,
			line("CFPO3", iso20022.Debit, 70_00, d2),
			line("EXTRA1", iso20022.Credit, 1_23, d2),
			line("CFPO5", iso20022.Debit, 600_00, d2),
			line("CFPO6", iso20022.Debit, 80_00, d2),
			dup, ret)
		f.at(cst(2026, 12, 8, 6, 0))
		r2, err := f.s.Import(ctx, rec("reconcile.import"), s2, "hash-2", nil)
		if err != nil {
			t.Fatal(err)
		}
		ds, err := f.s.Differences(ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		got := kinds(ds)
		want := map[Kind][]string{
			InTransitOverdue: {"statement:CFPO2"},
			Missing:          {"statement:CFPO4"},
			Extra:            {"statement:EXTRA1"},
			AmountMismatch:   {"statement:CFPO5"},
			Duplicate:        {"statement:CFPO6"},
		}
		if len(got) != len(want) || len(ds) != 5 {
			t.Fatalf("differences %v, want %v", got, want)
		}
		for k, w := range want {
			if len(got[k]) != 1 || got[k][0] != w[0] {
				t.Errorf("%s: %v, want %v", k, got[k], w)
			}
		}
		if r2.Differences != 5 || r2.Matched != 3 || r2.From != d2 || r2.To != d2 {
			t.Errorf("run 2: %+v", r2)
		}

		// The same file again: nothing new.
		again, err := f.s.Import(ctx, rec("reconcile.import"), s2, "hash-2", nil)
		if err != nil || !again.Replayed || again.ID != r2.ID {
			t.Errorf("second import of the same file: %+v, %v; want the first run, replayed", again, err)
		}
		// Another file with the same statement id: refused.
		if _, err := f.s.Import(ctx, rec("reconcile.import"), s2, "hash-2-other", nil); !errors.Is(err, ErrStatementConflict) {
			t.Errorf("another file with the same id: %v, want ErrStatementConflict", err)
		}
		// A statement of another account: refused whole.
		other := s2
		other.ID, other.Account = "STMT-X", iso20022.Account{ID: "6222020200199999999"}
		if _, err := f.s.Import(ctx, rec("reconcile.import"), other, "hash-x", nil); !errors.Is(err, ErrWrongAccount) {
			t.Errorf("statement of another account: %v, want ErrWrongAccount", err)
		}
		var refusals int
		if err := db.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM reconcile_refusals").Scan(&refusals)
		}); err != nil || refusals != 2 {
			t.Errorf("refusals recorded: %d, %v; want 2", refusals, err)
		}
		if ds2, _ := f.s.Differences(ctx, true); len(ds2) != 5 {
			t.Errorf("after the refused imports, %d open differences, want still 5", len(ds2))
		}

		// Resolution: only finance, only with a reason, only once.
		var extra, missing Difference
		for _, d := range ds {
			switch d.Kind {
			case Extra:
				extra = d
			case Missing:
				missing = d
			}
		}
		reviewer := staff.Staff{ID: 8, Role: staff.Reviewer}
		if err := f.s.Resolve(ctx, rec("reconcile.resolve"), missing.ID, reviewer, "looked at it"); !errors.Is(err, ErrNotFinance) {
			t.Errorf("resolved by a reviewer: %v, want ErrNotFinance", err)
		}
		if err := f.s.Resolve(ctx, rec("reconcile.resolve"), missing.ID, finance, "  "); !errors.Is(err, ErrReasonRequired) {
			t.Errorf("resolved without a reason: %v, want ErrReasonRequired", err)
		}
		if err := f.s.Resolve(ctx, rec("reconcile.resolve"), missing.ID, finance, "booked on 8 December, bank confirmed"); err != nil {
			t.Fatal(err)
		}
		if err := f.s.Resolve(ctx, rec("reconcile.resolve"), missing.ID, finance, "again"); !errors.Is(err, ErrNotOpen) {
			t.Errorf("resolved twice: %v, want ErrNotOpen", err)
		}
		// The extra credit is interest: it moves money, by a correcting
		// entry, never an edit.
		before := f.balance("bank:custody")
		p, err := f.s.Correct(ctx, rec("reconcile.correct"), extra.ID, finance, "interest credited by the bank: owed to charity",
			ledger.Transfer("", "interest", "bank:custody", "charity:payable", 1_23))
		if err != nil {
			t.Fatal(err)
		}
		if got := f.balance("bank:custody") - before; got != 1_23 {
			t.Errorf("correction moved custody by %s, want 1.23", got)
		}
		all, _ := f.s.Differences(ctx, false)
		open, _ := f.s.Differences(ctx, true)
		if len(all) != 5 || len(open) != 3 {
			t.Errorf("%d differences, %d open; want 5 and 3", len(all), len(open))
		}
		for _, d := range all {
			if d.ID == extra.ID && (d.Resolved == nil || d.Resolved.Correction != p.ID || d.Resolved.By != finance.ID) {
				t.Errorf("corrected difference: %+v", d.Resolved)
			}
		}
		// A resolved difference cannot be edited behind the service's back.
		err = db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE reconcile_differences SET reason = 'x' WHERE id = $1", missing.ID)
			return err
		})
		if err == nil {
			t.Error("a resolved difference was changed")
		}
		// Custody does not mirror the statement while differences are open:
		// the statement holds 50.00 (CFPO2) and 20.00 (CFPO4) more, 1.23
		// (EXTRA1) more, and 100.00 (CFPO5) and 80.00 (CFPO6 twice) less.
		if c, _, err := f.s.CheckCustody(ctx); err != nil || c.Gap() != 50_00+20_00+1_23-100_00-80_00 || c.Open != 3 {
			t.Errorf("custody check after run 2: gap %s, %d open, %v; want -108.77 and 3", c.Gap(), c.Open, err)
		}
		if d, err := f.s.Difference(ctx, extra.ID); err != nil || d.Open() || d.Kind != Extra {
			t.Errorf("Difference(%d): %+v %v", extra.ID, d, err)
		}
		if _, err := f.s.Difference(ctx, 1_000_000); !errors.Is(err, ErrNotFound) {
			t.Errorf("Difference of no difference: %v, want ErrNotFound", err)
		}
		last, ok, err := f.s.LastReconciled(ctx)
		if err != nil || !ok || last.ID != r2.ID {
			t.Errorf("LastReconciled: %+v %v %v", last, ok, err)
		}
		runs, _ := f.s.Runs(ctx)
		if len(runs) != 2 {
			t.Errorf("%d runs, want 2", len(runs))
		}
	})
}

// TestSettle posts a settlement exactly once: a replay adds nothing, a
// different file under the same reference is quarantined and never
// credited, and the settlement's transactions are checked against the
// donations. R-FUND-1, R-FUND-4.
func TestSettle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := f.ctx
		f.donate(cst(2026, 12, 6, 8, 0), "sbx1", 600_00)
		f.donate(cst(2026, 12, 6, 8, 5), "sbx2", 500_00)
		bill := payment.Settlement{Provider: "sandbox", Ref: "CFST-sandbox-20261206", Date: date(2026, 12, 6),
			Gross: 1000_00, Fees: 0, Net: 1000_00, Lines: []payment.SettlementLine{
				{TransactionID: "sbx1", Amount: 600_00},
				{TransactionID: "sbx2", Amount: 400_00},
			}}
		first, err := f.s.Settle(ctx, bill)
		if err != nil || first.Replayed || first.EntryID == 0 {
			t.Fatalf("first settle: %+v %v", first, err)
		}
		again, err := f.s.Settle(ctx, bill)
		if err != nil || !again.Replayed || again.EntryID != first.EntryID {
			t.Fatalf("replayed settle: %+v %v", again, err)
		}
		if got := f.balance("bank:custody"); got != 1000_00 {
			t.Errorf("custody %s after a replay, want 1000.00 once", got)
		}
		changed := bill
		changed.Lines = []payment.SettlementLine{{TransactionID: "sbx1", Amount: 600_00}, {TransactionID: "sbx2", Amount: 500_00}}
		changed.Gross, changed.Net = 1100_00, 1100_00
		for range 2 {
			q, err := f.s.Settle(ctx, changed)
			if !errors.Is(err, ErrSettlementQuarantined) || !q.Quarantined {
				t.Fatalf("conflicting settle: %+v %v, want quarantined", q, err)
			}
		}
		if got := f.balance("bank:custody"); got != 1000_00 {
			t.Errorf("custody %s after a conflicting file, want 1000.00: never credited twice", got)
		}
		ds, _ := f.s.Differences(ctx, true)
		if len(ds) != 1 || ds[0].Kind != AmountMismatch || ds[0].Source != FromSettlement || *ds[0].Ledger != 1000_00 || *ds[0].Other != 1100_00 {
			t.Fatalf("differences after the quarantine: %+v, want one amount mismatch", ds)
		}
		// Three ways: the settlement's transactions against the donations.
		f.at(cst(2026, 12, 7, 6, 0))
		withGhost := bill
		withGhost.Ref = "CFST-sandbox-2"
		withGhost.Lines = append(withGhost.Lines[:2:2], payment.SettlementLine{TransactionID: "ghost", Amount: 5_00})
		withGhost.Gross, withGhost.Net = 1005_00, 1005_00
		st := statement("S", 0, date(2026, 12, 6), line("CFST-sandbox-2", iso20022.Credit, 1005_00, date(2026, 12, 6)),
			line("CFST-sandbox-20261206", iso20022.Credit, 1000_00, date(2026, 12, 6)))
		if _, err := f.s.Import(ctx, rec("reconcile.import"), st, "h", &withGhost); err != nil {
			t.Fatal(err)
		}
		ds, _ = f.s.Differences(ctx, true)
		got := kinds(ds)
		if len(ds) != 3 || len(got[Extra]) != 1 || got[Extra][0] != "settlement:ghost" || len(got[AmountMismatch]) != 2 {
			t.Errorf("differences: %v; want the quarantine, sbx2's amount and the ghost transaction", got)
		}
	})
}

// TestSettleRefundsAndFunding (R-FUND-1, R-FUND-4): a settlement that nets
// refunds and returns a top-up's rest, with no payment that day, is posted
// once by its net; the same file again is a replay; the same reference
// with other refunds is set aside, never credited.
func TestSettleRefundsAndFunding(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := f.ctx
		st := payment.Settlement{Provider: "sandbox", Ref: "CFST-sandbox-20261207", Date: date(2026, 12, 7),
			Refunds: 170_60, Funding: 171_00, Net: 40,
			RefundLines:  []payment.SettlementRefund{{RefundID: "CF1D1A1abcdef", Amount: 100_00}, {RefundID: "CF1D2A1abcdef", Amount: 70_60}},
			FundingLines: []payment.SettlementFunding{{Ref: "CFRT1", Amount: 171_00}}}
		f.at(cst(2026, 12, 8, 9, 0))
		first, err := f.s.Settle(ctx, st)
		if err != nil || first.Replayed {
			t.Fatalf("%+v %v", first, err)
		}
		again, err := f.s.Settle(ctx, st)
		if err != nil || !again.Replayed {
			t.Fatalf("the same file again: %+v %v", again, err)
		}
		other := st
		other.RefundLines = []payment.SettlementRefund{{RefundID: "CF1D1A1abcdef", Amount: 100_00}, {RefundID: "CF1D3A1abcdef", Amount: 70_60}}
		if _, err := f.s.Settle(ctx, other); !errors.Is(err, ErrSettlementQuarantined) {
			t.Fatalf("other refunds under the same reference: %v", err)
		}
		if b, err := f.l.Balance(ctx, "bank:custody"); err != nil || b != 40 {
			t.Fatalf("bank:custody = %s %v, want the net once", b, err)
		}
	})
}
