package termination

import (
	"context"
	"testing"

	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"pgregory.net/rapid"
)

// R-REF-2: whatever was given and paid out, and however many times the
// follow-up runs, a termination posts a receivable equal to what was paid
// out, leaves the request holding everything it raised (what it still
// holds plus what is to be recovered), asks for one refund run, and the
// ledger stays balanced.
func TestTerminationMoneyProperty(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		rapid.Check(t, func(rt *rapid.T) {
			// A new request of the same publisher for each case.
			fl := campaigntest.Filing()
			fl.PatientID = f.idNumber()
			f.write(func(ctx context.Context, tx *store.Tx) (err error) {
				f.req, err = campaigntest.Fundraising(ctx, tx, f.s.Campaigns, f.publisher, fl, 0)
				return err
			})
			var raised money.Fen
			for _, a := range rapid.SliceOfN(rapid.Int64Range(1, 50_000_00), 1, 6).Draw(rt, "donations") {
				f.fund(money.Fen(a))
				raised += money.Fen(a)
			}
			var paid money.Fen
			for _, share := range rapid.SliceOfN(rapid.Int64Range(1, 100), 0, 3).Draw(rt, "payouts") {
				amount := (raised - paid) * money.Fen(share) / 300
				if amount > 0 {
					f.paid(amount)
					paid += amount
				}
			}
			f.suspend()
			tm := f.propose(f.rev1)
			before := f.refunder.count()
			if _, err := f.s.Decide(ctx, rec(f.adm1, "termination.decide"), f.adm1, tm.ID, true, ""); err != nil {
				rt.Fatalf("Decide: %s", describe(err))
			}
			for range rapid.IntRange(0, 3).Draw(rt, "follow-ups") {
				if err := f.s.FollowUp(ctx, tm.ID); err != nil {
					rt.Fatalf("FollowUp: %v", err)
				}
			}
			if got := f.balance(ReceivableAccount(f.req)); got != paid {
				rt.Fatalf("receivable %s, paid out %s", got, paid)
			}
			if got := f.balance(RequestAccount(f.req)); got != raised {
				rt.Fatalf("request holds %s, raised %s", got, raised)
			}
			if got := f.refunder.count() - before; got != 1 {
				rt.Fatalf("refund runs asked: %d", got)
			}
		})
		f.verify()
	})
}
