package demo

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/disclosure"
	"github.com/carefund/carefund/internal/platform"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// TestDemoMoneyIdentity: after the whole demonstration (requests,
// donations, payouts, refunds, the fraud's recovery, gifts to charity),
// every request's money trail adds up: raised + recovered = fees + paid
// out + refunded + being refunded + to charity + held, as `carefund
// verify` checks it, and between them the demo requests show each figure
// (R-DISC-1).
func TestDemoMoneyIdentity(t *testing.T) {
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
		if _, err := LoadRefunds(ctx, p); err != nil {
			t.Fatal(err)
		}
		checked, err := disclosure.Verify(ctx, db)
		if err != nil {
			t.Fatalf("R-DISC-1: %v", err)
		}
		var ids []int64
		if err := db.Read(ctx, func(tx *store.Tx) error {
			ids = nil
			return store.Each(ctx, tx, func(rows *sql.Rows) error {
				var name string
				if err := rows.Scan(&name); err != nil {
					return err
				}
				id, err := strconv.ParseInt(strings.TrimPrefix(name, "request:"), 10, 64)
				ids = append(ids, id)
				return err
			}, "SELECT name FROM ledger_accounts WHERE name LIKE 'request:%'")
		}); err != nil {
			t.Fatal(err)
		}
		if checked.Requests != len(ids) || len(ids) < 3 {
			t.Errorf("verify checked %d requests; the demo's ledger has %d", checked.Requests, len(ids))
		}
		svc := &disclosure.Service{DB: db}
		var all disclosure.Figures
		for _, id := range ids {
			f, err := svc.Figures(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if !f.Balanced() {
				t.Errorf("R-DISC-1: %s", disclosure.Unbalanced(id, f))
			}
			all.Raised += f.Raised
			all.PaidOut += f.PaidOut
			all.Refunded += f.Refunded
			all.ToCharity += f.ToCharity
			all.Held += f.Held
			all.Recovered += f.Recovered
		}
		if checked.In != all.In() {
			t.Errorf("verify counted %s in, the requests' figures %s", checked.In, all.In())
		}
		// The demo shows every part of the trail, so the identity above
		// was held with each figure in it.
		if all.Raised == 0 || all.PaidOut == 0 || all.Refunded == 0 || all.ToCharity == 0 || all.Held == 0 || all.Recovered == 0 {
			t.Errorf("the demo lacks a figure: %+v", all)
		}
	})
}
