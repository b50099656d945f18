package demo

import (
	"context"
	"testing"

	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/platform"
	"github.com/carefund/carefund/internal/refund"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// refundTables are the tables LoadRefunds writes to, with counted.
var refundTables = []string{"request_suspensions", "terminations", "police_referrals", "termination_documents",
	"refund_runs", "refunds", "charity_recipients", "charity_transfers", "charity_transfer_sources"}

// TestLoadRefunds: the demonstration of issue 15, loaded through the
// platform's services, leaves a request terminated for fraud with its
// receivable and referral (R-REF-2), a purpose-ended request whose run
// finished with every state shown, one refund given to charity (R-REF-1,
// R-CHAR-1), a payment after closing refunded whole, a donor's own refund,
// and a charity transfer proposed and approved by two officers; loading
// again changes nothing, and the ledger verifies.
func TestLoadRefunds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p, err := platform.New(ctx, platform.Config{DB: db})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		if _, err := Load(ctx, db, p.Sealer, p.Vault, p.Donations); err != nil {
			t.Fatal(err)
		}
		tables := append(append([]string{}, counted...), refundTables...)
		count := func() map[string]int {
			out := map[string]int{}
			if err := db.Read(ctx, func(tx *store.Tx) error {
				for _, table := range tables {
					var n int
					if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
						return err
					}
					out[table] = n
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			return out
		}
		var after map[string]int
		for i, want := range []bool{true, false} {
			loaded, err := LoadRefunds(ctx, p)
			if err != nil || loaded != want {
				t.Fatalf("LoadRefunds #%d = %v, %v; want %v", i+1, loaded, err, want)
			}
			now := count()
			if after != nil && !mapsEqual(after, now) {
				t.Errorf("the second load changed the row counts:\n%v\n%v", after, now)
			}
			after = now
		}
		for _, table := range refundTables {
			if after[table] == 0 {
				t.Errorf("nothing in %s", table)
			}
		}
		l := &refundLoader{ctx: ctx, p: p}
		if err := l.prepare(); err != nil {
			t.Fatal(err)
		}
		// R-REF-2: terminated, the paid-out payout a receivable.
		if st, err := l.state(l.fraud.id); err != nil || st != campaign.Terminated {
			t.Errorf("the fraud request is %s (%v)", st, err)
		}
		var receivable money.Fen
		if err := db.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRowContext(ctx, "SELECT paid_out_fen FROM terminations WHERE request_id = $1", l.fraud.id).Scan(&receivable)
		}); err != nil || receivable != amountOverdue {
			t.Errorf("the receivable is %s (%v), want the payout paid, %s", receivable, err, amountOverdue)
		}
		var proposals int
		if err := db.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRowContext(ctx, "SELECT count(*) FROM staff_proposals WHERE kind = 'blacklist.change'").Scan(&proposals)
		}); err != nil || proposals == 0 {
			t.Errorf("no blacklist proposal (%v)", err)
		}
		// R-REF-1, R-CHAR-1: the purpose run finished; each refund's state
		// is final, and the abnormal one went to charity.
		runs, err := p.Refunds.Runs(ctx, refund.RunFilter{})
		if err != nil {
			t.Fatal(err)
		}
		causes := map[refund.Cause]int{}
		for _, r := range runs {
			causes[r.Cause]++
		}
		for _, c := range []refund.Cause{refund.CauseTerminated, refund.CausePurposeEnded, refund.CauseAfterClose, refund.CauseDonor} {
			if causes[c] == 0 {
				t.Errorf("no %s run: %v", c, causes)
			}
		}
		states := map[string]int{}
		if err := db.Read(ctx, func(tx *store.Tx) error {
			rows, err := tx.QueryContext(ctx, "SELECT state FROM refunds WHERE request_id = $1", l.purpose.id)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					return err
				}
				states[s]++
			}
			return rows.Err()
		}); err != nil {
			t.Fatal(err)
		}
		if states[string(refund.Succeeded)] == 0 || states[string(refund.ToCharity)] != 1 || len(states) != 2 {
			t.Errorf("the purpose request's refunds: %v; want succeeded and one to charity", states)
		}
		// The books balance.
		if _, err := ledger.Verify(ctx, db); err != nil {
			t.Errorf("ledger: %v", err)
		}
	})
}

// TestLoadRefundsWithoutRequests: on a database without the demonstration
// requests (demo data of an earlier version), LoadRefunds does nothing and
// says so, so that serve --demo still starts.
func TestLoadRefundsWithoutRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p, err := platform.New(ctx, platform.Config{DB: db})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		before := counts(t, db)
		if loaded, err := LoadRefunds(ctx, p); err != nil || loaded {
			t.Fatalf("LoadRefunds = %v, %v; want false, nil", loaded, err)
		}
		if after := counts(t, db); !mapsEqual(before, after) {
			t.Errorf("LoadRefunds without requests wrote:\n%v\n%v", before, after)
		}
	})
}
