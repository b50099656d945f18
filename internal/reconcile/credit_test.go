package reconcile

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/carefund/carefund/internal/bank/iso20022"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// fakeRefunder counts the runs asked for, by key, as the refund service
// would: a key asked again returns the first run.
type fakeRefunder struct {
	mu    sync.Mutex
	calls int
	runs  map[string]RefundRun
}

func (r *fakeRefunder) StartRecoveryRun(_ context.Context, in RefundRun) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.runs == nil {
		r.runs = map[string]RefundRun{}
	}
	if _, ok := r.runs[in.Key]; !ok {
		r.runs[in.Key] = in
	}
	return nil
}

func interestLine(ref string, amount money.Fen, day iso20022.Entry) iso20022.Entry {
	day.Reference, day.BankReference, day.Amount, day.Direction, day.TxCode = ref, ref, amount, iso20022.Credit, iso20022.InterestCode
	day.EndToEndID = ""
	return day
}

// TestInterestPostedOnce imports a statement with an interest line twice,
// and a second statement file that repeats the line: the interest is
// posted to charity:payable once, the line is matched rather than a
// difference, and custody mirrors the statement. R-CHAR-1, R-FIN-1,
// R-FUND-4.
func TestInterestPostedOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := f.ctx
		d1 := date(2026, 12, 21)
		f.donate(cst(2026, 12, 21, 8, 0), "sbx1", 1000_00)
		bill := payment.Settlement{Provider: "sandbox", Ref: "CFST-1", Date: d1, Gross: 1000_00, Net: 1000_00,
			Lines: []payment.SettlementLine{{TransactionID: "sbx1", Amount: 1000_00}}}
		f.at(cst(2026, 12, 21, 9, 0))
		if _, err := f.s.Settle(ctx, bill); err != nil {
			t.Fatal(err)
		}
		in := interestLine("SBX000000000009", 87, iso20022.Entry{BookingDate: d1, ValueDate: d1})
		st := statement("STMT-I", 0, d1, line("CFST-1", iso20022.Credit, 1000_00, d1), in)
		f.at(cst(2026, 12, 22, 6, 0))
		run, err := f.s.Import(ctx, rec("reconcile.import"), st, "hash-i", nil)
		if err != nil {
			t.Fatal(err)
		}
		if run.Differences != 0 || run.Matched != 2 {
			ds, _ := f.s.Differences(ctx, true)
			t.Fatalf("run: %d differences %v, %d matched; want 0 and 2", run.Differences, kinds(ds), run.Matched)
		}
		if got := f.balance("charity:payable"); got != 87 {
			t.Errorf("charity:payable = %s, want 0.87", got)
		}
		if c, ok, err := f.s.CheckCustody(ctx); err != nil || !ok || c.Gap() != 0 {
			t.Errorf("custody check: gap %s %v %v, want none", c.Gap(), ok, err)
		}
		// The same file again, and another file repeating the line.
		if _, err := f.s.Import(ctx, rec("reconcile.import"), st, "hash-i", nil); err != nil {
			t.Fatal(err)
		}
		again := statement("STMT-I2", *run.Closing, date(2026, 12, 22), in)
		again.Closing.Amount = *run.Closing
		if err := f.s.postLines(ctx, again); err != nil {
			t.Fatal(err)
		}
		if got := f.balance("charity:payable"); got != 87 {
			t.Errorf("charity:payable after replays = %s, want 0.87: interest posted more than once", got)
		}
		months, err := f.s.InterestByMonth(ctx)
		if err != nil || len(months) != 1 || months[0] != (Interest{Period: "2026-12", Amount: 87}) {
			t.Errorf("InterestByMonth = %+v, %v", months, err)
		}
		e, err := f.l.EntryByKey(ctx, StatementKey(in))
		if err != nil || e.Kind != "interest" {
			t.Errorf("entry %s: %+v %v, want kind interest", StatementKey(in), e, err)
		}
	})
}

// TestRecovery: a credit naming a request's recovery reference is matched
// at import, up to the outstanding receivable; one without a reference is
// an extra difference a finance officer matches by hand; more than is
// outstanding is refused; each recovery reaches the refund service once
// however often StartRefunds runs. R-REF-2.
func TestRecovery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := f.ctx
		refunder := &fakeRefunder{}
		f.s.Refunder = refunder
		d1 := date(2026, 12, 8)
		// Request 5 was paid 500.00 out and then terminated: 500.00 to
		// claw back.
		f.post(cst(2026, 12, 7, 9, 0), ledger.Transfer("termination:1:receivable", "recovery_receivable",
			"receivable:recovery:5", "request:5", 500_00))
		// Custody held the 500 (the payout's money had come in and gone
		// out before); here only the receivable matters.
		auto := iso20022.Entry{Reference: "SBX1", BankReference: "SBX1", Amount: 200_00, Direction: iso20022.Credit,
			BookingDate: d1, ValueDate: d1, Remittance: "退回 CFRC5"}
		unknown := iso20022.Entry{Reference: "SBX2", BankReference: "SBX2", Amount: 250_00, Direction: iso20022.Credit,
			BookingDate: d1, ValueDate: d1, Remittance: "张三 还款"}
		tooMuch := iso20022.Entry{Reference: "SBX3", BankReference: "SBX3", Amount: 900_00, Direction: iso20022.Credit,
			BookingDate: d1, ValueDate: d1, Remittance: "CFRC5"}
		st := statement("STMT-R", 0, d1, auto, unknown, tooMuch)
		f.at(cst(2026, 12, 9, 6, 0))
		run, err := f.s.Import(ctx, rec("reconcile.import"), st, "hash-r", nil)
		if err != nil {
			t.Fatal(err)
		}
		if run.Matched != 1 || run.Differences != 2 {
			ds, _ := f.s.Differences(ctx, true)
			t.Fatalf("run: %d matched, %d differences %v; want 1 and 2 extra", run.Matched, run.Differences, kinds(ds))
		}
		if got := f.balance("receivable:recovery:5"); got != 300_00 {
			t.Errorf("receivable after the auto match = %s, want 300.00", got)
		}
		ds, err := f.s.Differences(ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		byKey := map[string]Difference{}
		for _, d := range ds {
			byKey[d.LineKey] = d
		}
		// More than outstanding: refused, the difference stays open.
		if _, err := f.s.MatchRecovery(ctx, rec("reconcile.match_recovery"), byKey["SBX3"].ID, finance, 5, "paid back"); !errors.Is(err, ErrOverRecovery) {
			t.Errorf("matching 900.00 against 300.00 outstanding: %v, want ErrOverRecovery", err)
		}
		// Nothing outstanding on request 6.
		if _, err := f.s.MatchRecovery(ctx, rec("reconcile.match_recovery"), byKey["SBX2"].ID, finance, 6, "paid back"); !errors.Is(err, ErrNothingOutstanding) {
			t.Errorf("matching to a request with no receivable: %v, want ErrNothingOutstanding", err)
		}
		// Only finance matches.
		other := finance
		other.Role = "reviewer"
		if _, err := f.s.MatchRecovery(ctx, rec("reconcile.match_recovery"), byKey["SBX2"].ID, other, 5, "paid back"); !errors.Is(err, ErrNotFinance) {
			t.Errorf("a reviewer matching: %v, want ErrNotFinance", err)
		}
		p, err := f.s.MatchRecovery(ctx, rec("reconcile.match_recovery"), byKey["SBX2"].ID, finance, 5, "the requester's brother paid it back")
		if err != nil {
			t.Fatal(err)
		}
		if got := f.balance("receivable:recovery:5"); got != 50_00 {
			t.Errorf("receivable after the hand match = %s, want 50.00", got)
		}
		if d, err := f.s.Difference(ctx, byKey["SBX2"].ID); err != nil || d.Open() || d.Resolved.Correction != p.ID {
			t.Errorf("difference after the match: %+v %v, want resolved with entry %d", d, err, p.ID)
		}
		if _, err := f.s.MatchRecovery(ctx, rec("reconcile.match_recovery"), byKey["SBX2"].ID, finance, 5, "again"); !errors.Is(err, ErrNotOpen) {
			t.Errorf("matching twice: %v, want ErrNotOpen", err)
		}
		// The refund service got each recovery once, with its amount.
		for range 3 {
			if _, err := f.s.StartRefunds(ctx, 10); err != nil {
				t.Fatal(err)
			}
		}
		if refunder.calls != 2 || len(refunder.runs) != 2 {
			t.Errorf("refunder called %d times for %d runs, want 2 and 2", refunder.calls, len(refunder.runs))
		}
		var sum money.Fen
		for _, r := range refunder.runs {
			if r.RequestID != 5 {
				t.Errorf("run %+v for another request", r)
			}
			sum += r.Amount
		}
		if sum != 450_00 {
			t.Errorf("refund runs total %s, want 450.00 recovered", sum)
		}
		// The statement imported again posts no recovery twice.
		if err := f.s.postLines(ctx, st); err != nil {
			t.Fatal(err)
		}
		if got := f.balance("receivable:recovery:5"); got != 50_00 {
			t.Errorf("receivable after a replay = %s, want 50.00", got)
		}
	})
}

func TestParseRecovery(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
	}{
		{"CFRC12", 12}, {"退款 CFRC12", 12}, {"cfrc7/张三", 7}, {"CFRC12 CFRC12", 12},
		{"CFRC12 CFRC13", 0}, {"CFRC12X", 0}, {"XCFRC12", 0}, {"CFRC", 0}, {"CFRC012", 0}, {"", 0},
		{"CFRC99999999999999999999", 0}, {"CFRC-1", 0},
	} {
		got, ok := ParseRecovery(tt.in)
		if got != tt.want || ok != (tt.want != 0) {
			t.Errorf("ParseRecovery(%q) = %d, %v; want %d", tt.in, got, ok, tt.want)
		}
	}
}

// FuzzParseRecovery: whatever the remittance, a reference found names a
// positive request whose reference appears in the text.
func FuzzParseRecovery(f *testing.F) {
	for _, s := range []string{"CFRC12", "退款 CFRC12", "CFRC1 CFRC2", "cfrc9/x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, ok := ParseRecovery(s)
		if ok && (id <= 0 || !containsFold(s, RecoveryReference(id))) {
			t.Fatalf("ParseRecovery(%q) = %d", s, id)
		}
	})
}

func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		match := true
		for j := 0; j < len(sub); j++ {
			a, b := s[i+j], sub[j]
			if 'a' <= a && a <= 'z' {
				a -= 'a' - 'A'
			}
			if a != b {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// TestSettlementNetOfRefunds: a provider's settlement nets out the refunds
// it paid that day out of the same money, so that after a refund paid by
// the original route (refund_paid credits psp:P) and the next day's
// settlement net of it, psp:P is back at zero and the statement reconciles
// without a difference. R-DON-2, R-FUND-1, R-FUND-4.
func TestSettlementNetOfRefunds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := f.ctx
		d1, d2 := date(2026, 12, 6), date(2026, 12, 7)
		f.donate(cst(2026, 12, 6, 8, 0), "sbx1", 100_00)
		day1 := payment.Settlement{Provider: "sandbox", Ref: "CFST-sandbox-20261206", Date: d1, Gross: 100_00, Net: 100_00,
			Lines: []payment.SettlementLine{{TransactionID: "sbx1", Amount: 100_00}}}
		f.at(cst(2026, 12, 6, 9, 0))
		if _, err := f.s.Settle(ctx, day1); err != nil {
			t.Fatal(err)
		}
		st1 := statement("STMT-N1", 0, d1, line(day1.Ref, iso20022.Credit, 100_00, d1))
		f.at(cst(2026, 12, 7, 6, 0))
		if r, err := f.s.Import(ctx, rec("reconcile.import"), st1, "hash-n1", nil); err != nil || r.Differences != 0 {
			t.Fatalf("day 1: %+v %v", r, err)
		}
		// Day 2: a new donation, and 30.00 of the first refunded by the
		// original route, as the refund contract posts it.
		f.donate(cst(2026, 12, 7, 8, 0), "sbx2", 50_00)
		f.post(cst(2026, 12, 7, 8, 30), ledger.Transfer("refund:1", "refund", "request:1", "payable:refund:1", 30_00))
		f.post(cst(2026, 12, 7, 8, 31), ledger.Transfer("refund:1:paid", "refund_paid", "payable:refund:1", "psp:sandbox", 30_00))
		day2 := payment.Settlement{Provider: "sandbox", Ref: "CFST-sandbox-20261207", Date: d2, Gross: 50_00, Refunds: 30_00, Net: 20_00,
			Lines: []payment.SettlementLine{{TransactionID: "sbx2", Amount: 50_00}}}
		f.at(cst(2026, 12, 7, 9, 0))
		if _, err := f.s.Settle(ctx, day2); err != nil {
			t.Fatal(err)
		}
		st2 := statement("STMT-N2", 100_00, d2, line(day2.Ref, iso20022.Credit, 20_00, d2))
		f.at(cst(2026, 12, 8, 6, 0))
		r2, err := f.s.Import(ctx, rec("reconcile.import"), st2, "hash-n2", &day2)
		if err != nil {
			t.Fatal(err)
		}
		if r2.Differences != 0 {
			ds, _ := f.s.Differences(ctx, true)
			t.Errorf("day 2: %d differences %v, want none", r2.Differences, kinds(ds))
		}
		for acct, want := range map[string]money.Fen{"psp:sandbox": 0, "bank:custody": 120_00, "request:1": 120_00, "payable:refund:1": 0} {
			if got := f.balance(acct); got != want {
				t.Errorf("%s = %s, want %s", acct, got, want)
			}
		}
		if c, ok, err := f.s.CheckCustody(ctx); err != nil || !ok || c.Gap() != 0 {
			t.Errorf("custody check: gap %s %v %v", c.Gap(), ok, err)
		}
	})
}
