package refund

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/vault"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// fixture is a refund service on a fresh database with a real ledger, the
// sandbox provider keeping its book in the database, and one fundraising
// request with a publisher.
type fixture struct {
	t         testing.TB
	ctx       context.Context
	db        *store.DB
	s         *Service
	l         *ledger.Ledger
	sb        *payment.Sandbox
	book      SandboxBook
	cs        campaign.Store
	v         *vault.Vault
	mu        sync.Mutex
	now       time.Time
	publisher int64
	req       int64
	n         int
}

// each runs fn on a fresh fixture on every database.
func each(t *testing.T, fn func(t *testing.T, f *fixture)) {
	for _, d := range storetest.Databases(t) {
		t.Run(d.Name, func(t *testing.T) {
			ctx := context.Background()
			db, err := store.Open(ctx, d.DSN)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			fn(t, newFixture(t, db))
		})
	}
}

func newFixture(t testing.TB, db *store.DB) *fixture {
	keys := &keyring.Keys{}
	rand.Read(keys.Master[:])
	rand.Read(keys.Index[:])
	f := &fixture{t: t, ctx: context.Background(), db: db, now: t0}
	db.SetClock(f.clock)
	f.l = ledger.New(db, ledger.Options{})
	t.Cleanup(f.l.Close)
	f.v = vault.New(keys)
	f.cs = campaign.Store{Vault: f.v}
	f.book = SandboxBook{DB: db}
	f.sb = payment.NewSandbox(payment.SandboxConfig{Key: []byte(strings.Repeat("s", 32)), ManualDelivery: true,
		RefundBook: f.book, Now: f.clock})
	t.Cleanup(f.sb.Close)
	f.s = &Service{DB: db, Ledger: f.l, Providers: map[string]payment.Provider{"sandbox": f.sb},
		Options: Options{RatePerSecond: 1e6, Workers: 64, Page: 100, Chunk: 37}, Now: f.clock}
	f.publisher = f.user("publisher")
	f.req = f.request(f.publisher)
	return f
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

func (f *fixture) write(fn func(ctx context.Context, tx *store.Tx) error) {
	f.t.Helper()
	if err := f.db.Write(f.ctx, func(tx *store.Tx) error { return fn(f.ctx, tx) }); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) user(name string) int64 {
	f.t.Helper()
	var id int64
	f.write(func(ctx context.Context, tx *store.Tx) (err error) {
		id, err = campaigntest.User(ctx, tx, f.v, name)
		return err
	})
	return id
}

func (f *fixture) request(publisher int64) int64 {
	f.t.Helper()
	var id int64
	f.write(func(ctx context.Context, tx *store.Tx) (err error) {
		id, err = campaigntest.Fundraising(ctx, tx, f.cs, publisher, campaigntest.Filing(), 0)
		return err
	})
	return id
}

// close closes the request's channel for reason.
func (f *fixture) close(reason campaign.CloseReason) {
	f.t.Helper()
	f.write(func(ctx context.Context, tx *store.Tx) error {
		_, err := f.cs.Close(ctx, tx, f.req, campaign.Closing{Reason: reason}, "", "staff:1")
		return err
	})
}

// donation is one test donation: its id, order and amount.
type donation struct {
	id      int64
	order   string
	amount  money.Fen
	donor   int64
	afterCl bool
}

// donate records a paid donation of amount by donor to the request as the
// donation service would: an order paid at the sandbox, its ledger entry
// psp:sandbox → request:R, and the donation row.
func (f *fixture) donate(donor int64, amount money.Fen, afterClose bool) donation {
	f.t.Helper()
	f.n++
	order := fmt.Sprintf("ord%021d", f.n)
	if _, err := f.sb.Create(f.ctx, payment.Order{ID: order, Amount: amount, Description: "gift", NotifyURL: "http://x/n"}); err != nil {
		f.t.Fatal(err)
	}
	p, err := f.sb.Pay(f.ctx, order)
	if err != nil {
		f.t.Fatal(err)
	}
	posted, err := f.l.Post(f.ctx, ledger.Transfer("sandbox:"+p.TransactionID, "donation", "psp:sandbox", RequestAccount(f.req), amount))
	if err != nil {
		f.t.Fatal(err)
	}
	d := donation{order: order, amount: amount, donor: donor, afterCl: afterClose}
	after := 0
	if afterClose {
		after = 1
	}
	var donorArg any
	if donor > 0 {
		donorArg = donor
	}
	f.write(func(ctx context.Context, tx *store.Tx) error {
		now := tx.Now.UnixMicro()
		var oid int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO donation_orders (order_no, request_id, amount_fen, donor_user_id,
			anonymous, message_flagged, provider, client_token, state, created_at, expires_at, paid_at)
			VALUES ($1, $2, $3, $4, 0, 0, 'sandbox', $1, 'paid', $5, $5, $5) RETURNING id`,
			order, f.req, int64(amount), donorArg, now).Scan(&oid); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO donations (order_id, request_id, amount_fen, entry_id, provider,
			transaction_id, donor_user_id, anonymous, message_flagged, after_close, paid_at, created_at)
			VALUES ($1, $2, $3, $4, 'sandbox', $5, $6, 0, 0, $7, $8, $8) RETURNING id`,
			oid, f.req, int64(amount), posted.ID, p.TransactionID, donorArg, after, now).Scan(&d.id)
	})
	return d
}

func (f *fixture) balance(name string) money.Fen {
	f.t.Helper()
	b, err := f.l.Balance(f.ctx, name)
	if err != nil {
		f.t.Fatal(err)
	}
	return b
}

func (f *fixture) count(query string, args ...any) int64 {
	f.t.Helper()
	var n int64
	if err := f.db.Read(f.ctx, func(tx *store.Tx) error { return tx.QueryRowContext(f.ctx, query, args...).Scan(&n) }); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// execute dispatches and polls until every refund is final, moving the
// clock past each retry; bounded by rounds, not by time.
func (f *fixture) execute(run int64) Run {
	f.t.Helper()
	for range 20 {
		for range 50 {
			res, err := f.s.Dispatch(f.ctx, 1000)
			if err != nil {
				f.t.Fatal(err)
			}
			n, err := f.s.Poll(f.ctx, 1000)
			if err != nil {
				f.t.Fatal(err)
			}
			if res.Sent == 0 && n == 0 {
				break
			}
		}
		r, err := f.s.Run(f.ctx, run)
		if err != nil {
			f.t.Fatal(err)
		}
		if r.State == RunFinished {
			return r
		}
		f.advance(4 * 24 * time.Hour)
	}
	r, _ := f.s.Run(f.ctx, run)
	f.t.Fatalf("run %d never finished: %+v", run, r.Progress)
	return r
}

// verify runs the ledger's and the refunds' checks.
func (f *fixture) verify() {
	f.t.Helper()
	if _, err := ledger.Verify(f.ctx, f.db); err != nil {
		f.t.Fatalf("ledger.Verify: %v", err)
	}
	if _, err := Verify(f.ctx, f.db); err != nil {
		f.t.Fatalf("refund.Verify: %v", err)
	}
}
