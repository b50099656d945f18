package payout

import (
	"context"
	"sync"
	"testing"

	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// Two applications at once for the same money: one is filed, the other
// refused as in flight (available = held − in progress), never both.
func TestConcurrentApplications(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.fund(f.req, 40_000_00)
		const rounds = 4
		for round := range rounds {
			apps := []Application{f.app(30_000_00), f.app(30_000_00)}
			errs := make([]error, len(apps))
			var wg sync.WaitGroup
			for i, a := range apps {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = f.s.Apply(ctx, f.publisher, a)
				}()
			}
			wg.Wait()
			ok := 0
			for _, err := range errs {
				switch describe(err) {
				case "":
					ok++
				case "conflict " + KeyAmountInFlight:
				default:
					t.Fatalf("round %d: %s", round, describe(err))
				}
			}
			if ok != 1 {
				t.Fatalf("round %d: %d applications filed for the same money", round, ok)
			}
			// Free the money for the next round.
			var id int64
			f.read(func(ctx context.Context, tx *store.Tx) error {
				return tx.QueryRowContext(ctx, "SELECT max(id) FROM payouts").Scan(&id)
			})
			if err := f.s.Claim(ctx, rec(f.f1, "c"), id, f.f1); err != nil {
				t.Fatal(err)
			}
			if err := f.s.Reject(ctx, rec(f.f1, "r"), id, f.f1, "test"); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// The bank's paid and rejected for one transfer at once: exactly one
// applies, the other is quarantined, and the ledger agrees with the state.
func TestConcurrentOutcomes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.fund(f.req, 40_000_00)
		if _, err := f.s.Ledger.Post(ctx, ledger.Transfer("test:settle", "settlement", "bank:custody", "psp:sandbox", 40_000_00)); err != nil {
			t.Fatal(err)
		}
		const rounds = 3
		var paid money.Fen
		for round := range rounds {
			p := f.apply(f.publisher, f.app(1_000_00))
			f.approve(p.ID)
			tid := TransferID(p.ID, 1)
			if err := f.s.Sending(ctx, p.ID, tid); err != nil {
				t.Fatal(err)
			}
			outs := []Outcome{{Status: StatusPaid, At: f.now}, {Status: StatusRejected, Reason: "AC04", At: f.now}}
			errs := make([]error, len(outs))
			var wg sync.WaitGroup
			for i, o := range outs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = f.s.Settle(ctx, tid, o)
				}()
			}
			wg.Wait()
			want := Failed
			switch {
			case errs[0] == nil && describe(errs[1]) == "conflict "+KeyOutcome:
				want = Paid
				paid += 1_000_00
			case errs[1] == nil && describe(errs[0]) == "conflict "+KeyOutcome:
			default:
				t.Fatalf("round %d: paid %q, rejected %q", round, describe(errs[0]), describe(errs[1]))
			}
			if st := f.state(p.ID); st != want {
				t.Fatalf("round %d: state %s, want %s", round, st, want)
			}
			if n := f.count("SELECT count(*) FROM payout_outcome_copies WHERE transfer_id = $1", tid); n != 1 {
				t.Fatalf("round %d: %d quarantined copies", round, n)
			}
			if b := f.balance(payableAccount(p.ID)); b != 0 {
				t.Fatalf("round %d: payable holds %s", round, b)
			}
		}
		if b := f.balance(requestAccount(f.req)); b != 40_000_00-paid {
			t.Errorf("request holds %s, %s paid", b, paid)
		}
		f.verify()
	})
}
