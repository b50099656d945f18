package disclosure

import (
	"context"
	"crypto/rand"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/donation"
	"github.com/carefund/carefund/internal/idcard"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/vault"
)

// R-DISC-1: the platform's figures are the sums of every request's
// figures, as each request's page reads them from the ledger, and the
// same identity holds for them: raised + recovered = fees + paid out +
// refunded + being refunded + to charity + held. Interest and what went
// to charitable organisations are read from charity:payable.
func TestPlatformFigures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		keys := &keyring.Keys{}
		rand.Read(keys.Master[:])
		rand.Read(keys.Index[:])
		v := vault.New(keys)
		cs := campaign.Store{Vault: v}
		l := ledger.New(db, ledger.Options{})
		t.Cleanup(l.Close)
		s := &Service{DB: db, Campaigns: cs}

		// Nothing yet: all zero, and still balanced.
		p, err := s.PlatformFigures(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if p != (Platform{}) || !p.Balanced() {
			t.Errorf("an empty platform's figures = %+v", p)
		}

		var ids []int64
		err = db.Write(ctx, func(tx *store.Tx) error {
			ids = nil
			publisher, err := campaigntest.User(ctx, tx, v, "13800138000")
			if err != nil {
				return err
			}
			for i := range 4 {
				f := campaigntest.Filing()
				first17 := fmt.Sprintf("11010519800101%03d", i+1)
				c, err := idcard.CheckChar(first17)
				if err != nil {
					return err
				}
				f.PatientID = first17 + string(c)
				id, err := campaigntest.Fundraising(ctx, tx, cs, publisher, f, 0)
				if err != nil {
					return err
				}
				ids = append(ids, id)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		req := func(i int) string { return "request:" + strconv.FormatInt(ids[i], 10) }
		n := 0
		post := func(kind, debit, credit string, amount money.Fen) {
			t.Helper()
			n++
			if _, err := l.Post(ctx, ledger.Transfer("test:"+strconv.Itoa(n), kind, debit, credit, amount)); err != nil {
				t.Fatalf("%s %s → %s: %v", kind, debit, credit, err)
			}
		}
		// Request 0: two donations, a payout, part of it returned.
		post("donation", "psp:sandbox", req(0), 700_00)
		post("donation", "psp:sandbox", req(0), 300_00)
		post("payout", req(0), "payable:payout:1", 600_00)
		post("payout_return", "payable:payout:1", req(0), 100_00)
		// Request 1: a donation, a refund run: part paid back, part to
		// charity, part still on its way.
		post("donation", "psp:sandbox", req(1), 500_00)
		var run int64
		err = db.Write(ctx, func(tx *store.Tx) error {
			return tx.QueryRowContext(ctx, `INSERT INTO refund_runs (request_id, cause, amount_fen, refunds, state, actor, reason,
				idem_key, created_at, ledgered_at) VALUES ($1, 'purpose_ended', 30000, 3, 'ledgered', 'user:1', '', 'run-1', $2, $2)
				RETURNING id`, ids[1], tx.Now.UnixMicro()).Scan(&run)
		})
		if err != nil {
			t.Fatal(err)
		}
		payable := "payable:refund:" + strconv.FormatInt(run, 10)
		post("refund", req(1), payable, 300_00)
		post("refund_paid", payable, "psp:sandbox", 200_00)
		post("refund_to_charity", payable, "charity:payable", 50_00)
		// Request 2: a donation and money recovered for it.
		post("donation", "psp:sandbox", req(2), 80_00)
		post("recovery_receivable", "receivable:recovery:9", req(2), 20_00)
		// Request 3 has no money. The custody account's interest goes to
		// charity, a transfer to charity, part of it returned.
		post("interest", "bank:custody", "charity:payable", 3_00)
		post("charity_transfer", "charity:payable", "bank:custody", 40_00)
		post("charity_transfer_return", "bank:custody", "charity:payable", 10_00)
		storetest.Exec(t, db,
			fmt.Sprintf("INSERT INTO request_totals (request_id, raised_fen, donations) VALUES (%d, 100000, 2)", ids[0]),
			fmt.Sprintf("INSERT INTO request_totals (request_id, raised_fen, donations) VALUES (%d, 50000, 1)", ids[1]),
			fmt.Sprintf("INSERT INTO request_totals (request_id, raised_fen, donations) VALUES (%d, 8000, 1)", ids[2]))

		p, err = s.PlatformFigures(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var sum Figures
		donors := 0
		err = db.Read(ctx, func(tx *store.Tx) error {
			sum, donors = Figures{}, 0
			for _, id := range ids {
				f, err := readFigures(ctx, tx, id)
				if err != nil {
					return err
				}
				if !f.Balanced() {
					t.Errorf("request %d: %+v does not add up", id, f)
				}
				sum.Raised += f.Raised
				sum.Fees += f.Fees
				sum.PaidOut += f.PaidOut
				sum.Refunded += f.Refunded
				sum.Refunding += f.Refunding
				sum.ToCharity += f.ToCharity
				sum.Held += f.Held
				sum.Recovered += f.Recovered
				_, d, err := donation.Totals(ctx, tx, id)
				if err != nil {
					return err
				}
				donors += d
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if p.Figures != sum {
			t.Errorf("platform figures %+v, the requests' sum %+v", p.Figures, sum)
		}
		want := Figures{Raised: 1580_00, PaidOut: 500_00, Refunded: 200_00, Refunding: 50_00, ToCharity: 50_00,
			Held: 800_00, Recovered: 20_00}
		if p.Figures != want {
			t.Errorf("platform figures %+v, want %+v", p.Figures, want)
		}
		if !p.Balanced() {
			t.Errorf("the platform's figures do not add up: %+v", p.Figures)
		}
		if p.Requests != 3 || p.Donors != donors || p.Donors != 4 {
			t.Errorf("requests %d, donors %d; want 3 and %d (4)", p.Requests, p.Donors, donors)
		}
		if p.Interest != 3_00 || p.CharityPaid != 30_00 {
			t.Errorf("interest %s, paid to charity %s; want 3.00 and 30.00", p.Interest, p.CharityPaid)
		}

		// R-DISC-3: a period's figures are read by the same function; a
		// period holding every entry gives the totals, and one before
		// the first entry gives nothing.
		now := time.Now()
		all, err := s.PlatformFiguresWithin(ctx, time.Time{}, now.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if all != p {
			t.Errorf("figures of a period holding every entry %+v, the totals %+v", all, p)
		}
		none, err := s.PlatformFiguresWithin(ctx, now.Add(-48*time.Hour), now.Add(-24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if none != (Platform{}) {
			t.Errorf("figures of a period before any entry = %+v", none)
		}
	})
}
