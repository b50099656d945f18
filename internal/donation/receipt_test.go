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

// TestReconcileGoesPastOrdersItLeaves checks that orders the query job
// cannot settle (their provider is not configured) never keep it from the
// orders behind them (R-DON-1: a payment whose notification never came is
// still found), and that a lapsed order paid after all is the donor's
// donation with its share.
func TestReconcileGoesPastOrdersItLeaves(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		defer func(n int) { reconcilePage = n }(reconcilePage)
		reconcilePage = 2

		for range 3 {
			in := f.input("10")
			in.Provider = "retired" // a provider no longer configured
			f.order(in)
		}
		share, err := f.s.NewShare(ctx, f.req, 0)
		if err != nil {
			t.Fatal(err)
		}
		in := f.input("20")
		in.ShareToken = share
		paid := f.order(in)
		unpaid := f.order(f.input("30"))

		sb := payment.NewSandbox(payment.SandboxConfig{Key: make([]byte, 32), Merchant: merchant, ManualDelivery: true})
		t.Cleanup(sb.Close)
		for _, o := range []Order{paid, unpaid} {
			if _, err := sb.Create(ctx, payment.Order{ID: o.OrderNo, Amount: o.Amount, Description: "test",
				NotifyURL: "http://127.0.0.1:1/pay/notify/sandbox"}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := sb.Pay(ctx, paid.OrderNo); err != nil {
			t.Fatal(err)
		}
		providers := map[string]payment.Provider{"sandbox": sb}
		later := time.Now().Add(OrderTTL + time.Hour)
		res, err := f.s.Reconcile(ctx, providers, later, 100)
		if err != nil {
			t.Fatal(err)
		}
		if res != (ReconcileResult{Asked: 2, Confirmed: 1, Lapsed: 1, Left: 3}) {
			t.Errorf("Reconcile = %+v; want 2 asked (1 confirmed, 1 lapsed), 3 left", res)
		}
		// The limit bounds one run, orders left included.
		if res, err := f.s.Reconcile(ctx, providers, later, 2); err != nil || res != (ReconcileResult{Left: 2}) {
			t.Errorf("Reconcile with limit 2 = %+v, %v; want 2 left", res, err)
		}

		// The lapsed order is paid after all: credited, and listed.
		out := f.confirm(f.paid(unpaid))
		if out.DonationID == 0 {
			t.Fatalf("the late payment of a lapsed order was not credited: %+v", out)
		}
		f.read(func(ctx context.Context, tx *store.Tx) error {
			rs, err := ReceiptsByDonor(ctx, tx, f.donor, 10)
			if err != nil {
				return err
			}
			states := map[string]string{}
			for _, r := range rs {
				states[r.OrderNo] = r.State
			}
			if states[unpaid.OrderNo] != StatePaid || states[paid.OrderNo] != StatePaid {
				t.Errorf("my donations: %v; want both the reconciled and the late-paid order paid", states)
			}
			r, err := ReceiptByOrder(ctx, tx, paid.OrderNo)
			if err != nil {
				return err
			}
			if r.ShareID == 0 {
				t.Error("the receipt of an order placed through a share has no share")
			}
			return nil
		})
	})
}

// TestCreateOrderDoubleClickAtOnce checks that presses of one form that
// arrive together, in one batch of the group writer or in transactions
// racing each other, make one order (R-DON-1).
func TestCreateOrderDoubleClickAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		g := store.NewGroup(db, 0)
		t.Cleanup(g.Close)
		for _, orders := range []*store.Group{g, nil} {
			s := *f.s
			s.Orders = orders
			in := f.input("50")
			const presses = 16
			nos := make(chan string, presses)
			var wg sync.WaitGroup
			for range presses {
				wg.Go(func() {
					o, err := s.CreateOrder(context.Background(), in)
					if err != nil {
						t.Error(err)
					}
					nos <- o.OrderNo
				})
			}
			wg.Wait()
			close(nos)
			seen := map[string]bool{}
			for no := range nos {
				seen[no] = true
			}
			var n int
			f.read(func(ctx context.Context, tx *store.Tx) error {
				return tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM donation_orders WHERE client_token = $1",
					in.ClientToken).Scan(&n)
			})
			if len(seen) != 1 || n != 1 {
				t.Errorf("group %v: %d presses gave order numbers %v and %d stored orders; want one", orders != nil, presses, seen, n)
			}
		}
	})
}
