package refundfund

import (
	"context"
	"errors"
	"testing"

	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

func newService(t *testing.T, db *store.DB) (*Service, context.Context) {
	l := ledger.New(db, ledger.Options{})
	t.Cleanup(l.Close)
	ctx := context.Background()
	// Custody holds the settled donations.
	if _, err := l.Post(ctx, ledger.Transfer("donation:sandbox:1", "donation", "psp:sandbox", "request:1", 1000_00)); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Post(ctx, ledger.Transfer("custody:CFST-1", "settlement", "bank:custody", "psp:sandbox", 1000_00)); err != nil {
		t.Fatal(err)
	}
	return &Service{DB: db, Ledger: l}, ctx
}

func balance(t *testing.T, s *Service, account string) money.Fen {
	t.Helper()
	b, err := s.Ledger.Balance(context.Background(), account)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPlanAndSettle (R-FUND-2, R-DON-2): a shortfall is planned once
// however often the job looks while it is on its way; the bank's paid
// outcome posts psp:sandbox ← bank:custody, kind refund, key
// custody:<transfer>, once; a contradicting or unknown outcome is refused
// and applies nothing; a rejected top-up moves nothing and the shortfall
// is planned again; every step is audited.
func TestPlanAndSettle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, ctx := newService(t, db)
		f, ok, err := s.Plan(ctx, "sandbox", 170_60, 10_00)
		if err != nil || !ok || f.Amount != 161_00 || f.State != Planned || f.Due != 170_60 || f.Balance != 10_00 {
			t.Fatalf("plan %+v %v %v", f, ok, err)
		}
		if _, ok, err := s.Plan(ctx, "sandbox", 170_60, 10_00); err != nil || ok {
			t.Fatalf("planned again while one is on its way: %v %v", ok, err)
		}
		// More refunds due: only what the first does not cover.
		g, ok, err := s.Plan(ctx, "sandbox", 200_00, 10_00)
		if err != nil || !ok || g.Amount != 29_00 {
			t.Fatalf("the rest: %+v %v %v", g, ok, err)
		}
		ready, err := s.Ready(ctx, 10)
		if err != nil || len(ready) != 2 {
			t.Fatalf("ready %+v %v", ready, err)
		}
		for range 2 {
			if err := s.Sending(ctx, f.ID); err != nil {
				t.Fatal(err)
			}
		}
		for range 2 {
			if err := s.Settle(ctx, f.TransferID, "paid", ""); err != nil {
				t.Fatal(err)
			}
		}
		if got := balance(t, s, "psp:sandbox"); got != 161_00 {
			t.Fatalf("psp:sandbox = %s, want the top-up once", got)
		}
		if got := balance(t, s, "bank:custody"); got != 1000_00-161_00 {
			t.Fatalf("bank:custody = %s", got)
		}
		e, err := s.Ledger.EntryByKey(ctx, "custody:"+f.TransferID)
		if err != nil || e.Kind != "refund" {
			t.Fatalf("entry %+v %v", e, err)
		}
		if err := s.Settle(ctx, f.TransferID, "rejected", "late"); !errors.Is(err, ErrState) {
			t.Fatalf("rejected after paid: %v", err)
		}
		if err := s.Settle(ctx, f.TransferID, "returned", ""); !errors.Is(err, ErrState) {
			t.Fatalf("returned after paid: %v", err)
		}
		for _, id := range []string{"CFRT999", "CFCT1", "CFRT0" + f.TransferID[4:]} {
			if err := s.Settle(ctx, id, "paid", ""); !errors.Is(err, ErrUnknownTransfer) {
				t.Fatalf("%s: %v", id, err)
			}
		}
		// The second is rejected (planned still: the outbox had it before
		// a crash kept it from being marked): nothing moves, and the
		// shortfall is planned again.
		if err := s.Settle(ctx, g.TransferID, "rejected", "AM04"); err != nil {
			t.Fatal(err)
		}
		if got := balance(t, s, "psp:sandbox"); got != 161_00 {
			t.Fatalf("a rejected top-up moved psp:sandbox to %s", got)
		}
		// Paid but not yet credited by the provider: still on its way.
		if _, ok, err := s.Plan(ctx, "sandbox", 170_60, 10_00); err != nil || ok {
			t.Fatalf("planned again before the provider was told: %v %v", ok, err)
		}
		un, err := s.Uncredited(ctx, 10)
		if err != nil || len(un) != 1 || un[0].ID != f.ID {
			t.Fatalf("uncredited %+v %v", un, err)
		}
		for range 2 {
			if err := s.Credited(ctx, f.ID); err != nil {
				t.Fatal(err)
			}
		}
		if un, _ := s.Uncredited(ctx, 10); len(un) != 0 {
			t.Fatalf("still uncredited: %+v", un)
		}
		// Credited: the provider's balance now holds it.
		if _, ok, err := s.Plan(ctx, "sandbox", 200_00, 171_00); err != nil || !ok {
			t.Fatalf("the rejected shortfall is not planned again: %v %v", ok, err)
		}
		var n int64
		if err := db.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_log WHERE object LIKE 'refund_funding:%'").Scan(&n)
		}); err != nil {
			t.Fatal(err)
		}
		// plan ×3, paid, rejected, credited once.
		if n != 6 {
			t.Fatalf("%d audit records, want 6", n)
		}
		if _, err := ledger.Verify(ctx, db); err != nil {
			t.Fatal(err)
		}
	})
}
