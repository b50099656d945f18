package donation

import (
	"context"
	"slices"
	"testing"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// TestSources: where a request's support came from, per share link and by
// no link, before the channel closed; another request's shares and
// donations are not counted, nor a share that brought nothing.
func TestSources(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		byDonor, err := f.s.NewShare(ctx, f.req, f.donor)
		if err != nil {
			t.Fatal(err)
		}
		byVisitor, err := f.s.NewShare(ctx, f.req, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.NewShare(ctx, f.req, f.publisher); err != nil { // brings nothing
			t.Fatal(err)
		}
		for _, tok := range []string{byDonor, byDonor, byVisitor, byVisitor, byVisitor} {
			if err := f.s.Visit(ctx, tok); err != nil {
				t.Fatal(err)
			}
		}
		give := func(req int64, amount, token string) Order {
			in := f.input(amount)
			in.RequestID, in.ShareToken = req, token
			o := f.order(in)
			f.confirm(f.paid(o))
			return o
		}
		give(f.req, "10", byDonor)
		give(f.req, "20.5", byDonor)
		give(f.req, "3", byVisitor)
		give(f.req, "1", "")
		give(f.req, "2.25", "")
		other := f.fundraising()
		otherShare, err := f.s.NewShare(ctx, other, f.donor)
		if err != nil {
			t.Fatal(err)
		}
		give(other, "99", otherShare)
		give(other, "98", "")
		// A share token of another request does not count for it.
		give(f.req, "5", otherShare)

		var src Sources
		f.read(func(ctx context.Context, tx *store.Tx) (err error) {
			src, err = SourcesOf(ctx, tx, f.req)
			return err
		})
		type row struct {
			sharer            int64
			visits, donations int
			raised            money.Fen
		}
		var got []row
		for _, sh := range src.Shares {
			if sh.RequestID != f.req {
				t.Errorf("share %d of request %d listed for %d", sh.ID, sh.RequestID, f.req)
			}
			got = append(got, row{sh.SharerUserID, sh.Visits, sh.Donations, sh.Raised})
		}
		want := []row{{f.donor, 2, 2, 30_50}, {0, 3, 1, 3_00}}
		if !slices.Equal(got, want) {
			t.Errorf("shares %+v, want %+v", got, want)
		}
		if src.More != 0 {
			t.Errorf("More %d", src.More)
		}
		// The donation with another request's token came by no link of this one.
		if src.Direct.Donations != 3 || src.Direct.Raised != 8_25 {
			t.Errorf("direct %d donations, %s; want 3, 8.25", src.Direct.Donations, src.Direct.Raised)
		}
		raised, n := f.totals(f.req)
		sum, count := src.Direct.Raised, src.Direct.Donations
		for _, sh := range src.Shares {
			sum, count = sum+sh.Raised, count+sh.Donations
		}
		if sum != raised || count != n {
			t.Errorf("sources add up to %s in %d donations; totals say %s in %d", sum, count, raised, n)
		}

		// A payment after the channel closed is not support: it waits for
		// its refund (R-PUB-4).
		late := f.order(func() OrderInput { in := f.input("50"); in.ShareToken = byDonor; return in }())
		direct := f.order(f.input("60"))
		f.write(func(ctx context.Context, tx *store.Tx) error {
			_, err := f.s.Campaigns.Close(ctx, tx, f.req, campaign.Closing{Reason: campaign.PurposeAchieved}, "", "staff:7")
			return err
		})
		f.confirm(f.paid(late))
		f.confirm(f.paid(direct))
		f.read(func(ctx context.Context, tx *store.Tx) (err error) {
			after, err := SourcesOf(ctx, tx, f.req)
			if err != nil {
				return err
			}
			if after.Direct != src.Direct || after.Shares[0].Raised != 30_50 {
				t.Errorf("late payments counted: %+v", after)
			}
			sh, err := ShareByToken(ctx, tx, byDonor)
			if err != nil {
				return err
			}
			if sh.RequestID != f.req || sh.SharerUserID != f.donor || sh.Visits != 2 || sh.Donations != 2 || sh.Raised != 30_50 {
				t.Errorf("ShareByToken: %+v", sh)
			}
			if _, err := ShareByToken(ctx, tx, "NoSuchShareToken"); apperr.CodeOf(err) != apperr.NotFound {
				t.Errorf("unknown token: %v", err)
			}
			return nil
		})
	})
}

// TestSourcesBounded: at most MaxSources share links, the rest counted.
func TestSourcesBounded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		for range MaxSources + 2 {
			tok, err := f.s.NewShare(ctx, f.req, 0)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.s.Visit(ctx, tok); err != nil {
				t.Fatal(err)
			}
		}
		f.read(func(ctx context.Context, tx *store.Tx) error {
			src, err := SourcesOf(ctx, tx, f.req)
			if err != nil {
				return err
			}
			if len(src.Shares) != MaxSources || src.More != 2 {
				t.Errorf("%d shares and %d more, want %d and 2", len(src.Shares), src.More, MaxSources)
			}
			return nil
		})
	})
}

// TestRaisedOf: the totals of listed requests in one query; none for a
// request without donations.
func TestRaisedOf(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		other := f.fundraising()
		quiet := f.fundraising()
		for _, in := range []OrderInput{f.input("10"), f.input("5.5")} {
			f.confirm(f.paid(f.order(in)))
		}
		in := f.input("7")
		in.RequestID = other
		f.confirm(f.paid(f.order(in)))
		f.read(func(ctx context.Context, tx *store.Tx) error {
			got, err := RaisedOf(ctx, tx, []int64{f.req, other, quiet})
			if err != nil {
				return err
			}
			if len(got) != 2 || got[f.req] != 15_50 || got[other] != 7_00 {
				t.Errorf("RaisedOf: %v", got)
			}
			if none, err := RaisedOf(ctx, tx, nil); err != nil || len(none) != 0 {
				t.Errorf("RaisedOf(nil): %v, %v", none, err)
			}
			return nil
		})
	})
}

// TestSharesPayNobody (R-REF-3): a share carries no money to its sharer.
// The share tables hold who shared and what the link brought, and nothing
// that could name a payee or an amount owed; a donation through a share
// posts to the provider's account and the request's account only, and no
// ledger account exists for the sharer.
func TestSharesPayNobody(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		token, err := f.s.NewShare(ctx, f.req, f.donor)
		if err != nil {
			t.Fatal(err)
		}
		in := f.input("100")
		in.ShareToken = token
		in.DonorUserID = f.user("friend of the sharer")
		f.confirm(f.paid(f.order(in)))

		columns := func(table string) []string {
			var cols []string
			f.read(func(ctx context.Context, tx *store.Tx) error {
				rows, err := tx.QueryContext(ctx, "SELECT * FROM "+table+" WHERE 1 = 0")
				if err != nil {
					return err
				}
				defer rows.Close()
				cols, err = rows.Columns()
				return err
			})
			slices.Sort(cols)
			return cols
		}
		// A new column in either table must be judged against R-REF-3:
		// this list changes only with that judgement.
		if got, want := columns("shares"), []string{"created_at", "id", "request_id", "sharer_order_id", "sharer_user_id", "token"}; !slices.Equal(got, want) {
			t.Errorf("shares has columns %v, want %v", got, want)
		}
		if got, want := columns("share_counts"), []string{"donations", "raised_fen", "share_id", "visits"}; !slices.Equal(got, want) {
			t.Errorf("share_counts has columns %v, want %v", got, want)
		}

		var accounts []string
		f.read(func(ctx context.Context, tx *store.Tx) error {
			rows, err := tx.QueryContext(ctx, `SELECT a.name, p.amount FROM ledger_postings p
				JOIN ledger_accounts a ON a.id = p.account_id
				WHERE p.entry_id = (SELECT entry_id FROM donations WHERE share_id IS NOT NULL)
				ORDER BY a.name`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var name string
				var amount int64
				if err := rows.Scan(&name, &amount); err != nil {
					return err
				}
				accounts = append(accounts, name)
			}
			return rows.Err()
		})
		if want := []string{"psp:sandbox", requestAccount(f.req)}; !slices.Equal(accounts, want) {
			t.Errorf("the donation through a share posts to %v, want %v", accounts, want)
		}
		if n := f.count("SELECT count(*) FROM ledger_accounts WHERE name NOT LIKE 'psp:%' AND name NOT LIKE 'request:%'"); n != 0 {
			t.Errorf("%d ledger accounts other than the provider's and the request's", n)
		}
		if got := f.balance(f.req); got != 100_00 {
			t.Errorf("the request's account holds %s, want 100.00", got)
		}
	})
}
