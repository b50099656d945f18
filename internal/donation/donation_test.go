package donation

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/apperr"
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

const (
	merchant  = "1900000109"
	patientID = "11010519491231002X" // the example number of GB 11643-1999: valid, and nobody's
	target    = 300_000_00           // the filing's target
)

var today = time.Date(2025, 6, 15, 10, 30, 0, 0, time.UTC)

// fixture is a donation service on a fresh database with a real ledger, a
// publisher, a donor, and one fundraising request.
type fixture struct {
	t         *testing.T
	db        *store.DB
	v         *vault.Vault
	s         *Service
	publisher int64
	donor     int64
	req       int64
	n         int // for unique tokens and transaction ids
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	keys := &keyring.Keys{}
	rand.Read(keys.Master[:])
	rand.Read(keys.Index[:])
	v := vault.New(keys)
	l := ledger.New(db, ledger.Options{})
	t.Cleanup(l.Close)
	f := &fixture{t: t, db: db, v: v, s: &Service{DB: db, Ledger: l, Campaigns: campaign.Store{Vault: v},
		Max: 1_000_000_00, Merchant: map[string]string{"sandbox": merchant}}}
	f.publisher = f.user("publisher")
	f.donor = f.user("donor")
	f.req = f.fundraising()
	return f
}

// filing is a valid filing whose target is target.
func filing() campaign.Filing {
	f := campaigntest.Filing()
	f.PatientID, f.Target = patientID, target
	return f
}

func (f *fixture) write(fn func(ctx context.Context, tx *store.Tx) error) {
	f.t.Helper()
	ctx := context.Background()
	if err := f.db.Write(ctx, func(tx *store.Tx) error { return fn(ctx, tx) }); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) read(fn func(ctx context.Context, tx *store.Tx) error) {
	f.t.Helper()
	ctx := context.Background()
	if err := f.db.Read(ctx, func(tx *store.Tx) error { return fn(ctx, tx) }); err != nil {
		f.t.Fatal(err)
	}
}

// user inserts a user row directly: the sign-in flow is package account's.
func (f *fixture) user(name string) int64 {
	f.t.Helper()
	var id int64
	f.write(func(ctx context.Context, tx *store.Tx) error {
		var err error
		id, err = campaigntest.User(ctx, tx, f.v, name)
		return err
	})
	return id
}

// approved files a valid request and takes it to Approved.
func (f *fixture) approved() int64 {
	f.t.Helper()
	cs := f.s.Campaigns
	var id int64
	f.write(func(ctx context.Context, tx *store.Tx) error {
		r, err := cs.CreateDraft(ctx, tx, f.publisher, filing())
		if err != nil {
			return err
		}
		if r, err = cs.Submit(ctx, tx, r.ID, f.publisher, r.Revision, today); err != nil {
			return err
		}
		for _, ev := range []campaign.Event{campaign.Screen, campaign.ScreenPass, campaign.Approve} {
			if _, err := cs.Apply(ctx, tx, r.ID, ev, "staff:7", "test"); err != nil {
				return err
			}
		}
		id = r.ID
		return nil
	})
	return id
}

// fundraising files a request and opens its channel.
func (f *fixture) fundraising() int64 {
	f.t.Helper()
	id := f.approved()
	f.write(func(ctx context.Context, tx *store.Tx) error {
		_, err := f.s.Campaigns.OpenFundraising(ctx, tx, id, campaign.Opening{}, 0, "staff:7")
		return err
	})
	return id
}

func (f *fixture) input(amount string) OrderInput {
	f.n++
	return OrderInput{RequestID: f.req, Amount: amount, DonorUserID: f.donor, Provider: "sandbox",
		ClientToken: fmt.Sprintf("form-%d", f.n)}
}

func (f *fixture) order(in OrderInput) Order {
	f.t.Helper()
	o, err := f.s.CreateOrder(context.Background(), in)
	if err != nil {
		f.t.Fatal(err)
	}
	return o
}

// paid is the provider's word that order o was paid in full to us.
func (f *fixture) paid(o Order) payment.Payment {
	f.n++
	return payment.Payment{Provider: "sandbox", OrderID: o.OrderNo, TransactionID: fmt.Sprintf("tx%d", f.n),
		Merchant: merchant, Amount: o.Amount, State: payment.Paid, PaidAt: today}
}

func (f *fixture) confirm(p payment.Payment) Outcome {
	f.t.Helper()
	out, err := f.s.Confirm(context.Background(), p)
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

func (f *fixture) count(query string, args ...any) int {
	f.t.Helper()
	var n int
	f.read(func(ctx context.Context, tx *store.Tx) error { return tx.QueryRowContext(ctx, query, args...).Scan(&n) })
	return n
}

func (f *fixture) totals(id int64) (raised money.Fen, n int) {
	f.t.Helper()
	f.read(func(ctx context.Context, tx *store.Tx) (err error) {
		raised, n, err = Totals(ctx, tx, id)
		return err
	})
	return raised, n
}

func (f *fixture) balance(id int64) money.Fen {
	f.t.Helper()
	b, err := f.s.Ledger.Balance(context.Background(), requestAccount(id))
	if err != nil {
		f.t.Fatal(err)
	}
	return b
}

func (f *fixture) verify() {
	f.t.Helper()
	if _, err := ledger.Verify(context.Background(), f.db); err != nil {
		f.t.Fatalf("ledger.Verify: %v", err)
	}
}

func (f *fixture) state(id int64) campaign.State {
	f.t.Helper()
	var st campaign.State
	f.read(func(ctx context.Context, tx *store.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT state FROM requests WHERE id = $1", id).Scan(&st)
	})
	return st
}

// R-DON-1: one payment notified 50 times at once is one donation, one
// ledger entry, and counted once in the totals.
func TestConfirmConcurrentDuplicates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		o := f.order(f.input("88.80"))
		p := f.paid(o)
		const n = 50
		outs := make([]Outcome, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { outs[i], errs[i] = f.s.Confirm(context.Background(), p) })
		}
		wg.Wait()
		first := 0
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("call %d: %v", i, errs[i])
			}
			if outs[i].DonationID == 0 || outs[i].DonationID != outs[0].DonationID || outs[i].Quarantined {
				t.Fatalf("call %d = %+v, call 0 = %+v: want the same donation", i, outs[i], outs[0])
			}
			if !outs[i].Replayed {
				first++
			}
		}
		if first != 1 {
			t.Errorf("%d calls say they recorded the donation, want exactly 1", first)
		}
		if got := f.count("SELECT COUNT(*) FROM donations WHERE order_id = $1", o.ID); got != 1 {
			t.Errorf("%d donations, want 1", got)
		}
		if got := f.count("SELECT COUNT(*) FROM ledger_entries WHERE idem_key = $1", LedgerKey("sandbox", p.TransactionID)); got != 1 {
			t.Errorf("%d ledger entries, want 1", got)
		}
		if raised, k := f.totals(f.req); raised != 88_80 || k != 1 {
			t.Errorf("totals = %s, %d; want 88.80 from 1 donation", raised, k)
		}
		if b := f.balance(f.req); b != 88_80 {
			t.Errorf("request balance %s, want 88.80", b)
		}
		if got := f.count("SELECT COUNT(*) FROM donation_orders WHERE id = $1 AND state = 'paid'", o.ID); got != 1 {
			t.Error("the order is not marked paid")
		}
		// A later replay, after the fact, is still the same donation.
		if again := f.confirm(p); !again.Replayed || again.DonationID != outs[0].DonationID {
			t.Errorf("late replay = %+v", again)
		}
		f.verify()
	})
}

// R-DON-1: notifications out of order are each counted once.
func TestConfirmOutOfOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		a := f.order(f.input("10"))
		b := f.order(f.input("20.50"))
		pa, pb := f.paid(a), f.paid(b)
		ob := f.confirm(pb)
		oa := f.confirm(pa)
		if oa.Replayed || ob.Replayed || oa.DonationID == ob.DonationID {
			t.Fatalf("outcomes %+v, %+v: want two new donations", oa, ob)
		}
		if raised, k := f.totals(f.req); raised != 30_50 || k != 2 {
			t.Errorf("totals = %s, %d; want 30.50 from 2", raised, k)
		}
		if b := f.balance(f.req); b != 30_50 {
			t.Errorf("balance %s, want 30.50", b)
		}
		f.verify()
	})
}

// R-DON-1: a payment that does not match an order of ours is quarantined
// for finance staff and never credited.
func TestConfirmQuarantine(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		good := f.order(f.input("100"))
		f.confirm(f.paid(good))

		short := f.order(f.input("100"))
		pShort := f.paid(short)
		pShort.Amount = 1_00
		unknown := f.paid(Order{OrderNo: "NoSuchOrder0000000000000", Amount: 100_00})
		other := f.order(f.input("100"))
		pOther := f.paid(other)
		pOther.Merchant = "someone-else"
		twice := f.paid(good) // the same order paid again, by another transaction

		cases := []struct {
			name   string
			p      payment.Payment
			reason string
		}{
			{"amount", pShort, AmountMismatch},
			{"unknown order", unknown, UnknownOrder},
			{"merchant", pOther, MerchantMismatch},
			{"paid twice", twice, AlreadyPaid},
		}
		for _, c := range cases {
			out := f.confirm(c.p)
			if !out.Quarantined || out.DonationID != 0 || out.Replayed {
				t.Errorf("%s: %+v, want quarantined", c.name, out)
			}
			if again := f.confirm(c.p); !again.Quarantined || !again.Replayed {
				t.Errorf("%s again: %+v, want quarantined, replayed", c.name, again)
			}
			if got := f.count("SELECT COUNT(*) FROM donation_quarantine WHERE transaction_id = $1 AND reason = $2",
				c.p.TransactionID, c.reason); got != 1 {
				t.Errorf("%s: %d quarantine rows with reason %s, want 1", c.name, got, c.reason)
			}
			if got := f.count("SELECT COUNT(*) FROM ledger_entries WHERE idem_key = $1", LedgerKey("sandbox", c.p.TransactionID)); got != 0 {
				t.Errorf("%s: credited in the ledger", c.name)
			}
		}
		if got := f.count("SELECT COUNT(*) FROM donation_orders WHERE id IN ($1, $2) AND state = 'quarantined'", short.ID, other.ID); got != 2 {
			t.Errorf("%d mismatched orders marked quarantined, want 2", got)
		}
		if b := f.balance(f.req); b != 100_00 {
			t.Errorf("balance %s, want only the good donation's 100.00", b)
		}
		if raised, k := f.totals(f.req); raised != 100_00 || k != 1 {
			t.Errorf("totals = %s, %d; want 100.00 from 1", raised, k)
		}
		f.verify()
	})
}

// A payment the provider does not report as paid is not credited.
func TestConfirmIgnoresUnpaid(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		p := f.paid(f.order(f.input("5")))
		p.State = payment.NotPaid
		if out := f.confirm(p); out != (Outcome{}) {
			t.Errorf("not paid: %+v", out)
		}
		if b := f.balance(f.req); b != 0 {
			t.Errorf("balance %s after an unpaid notification", b)
		}
	})
}

// Amounts are parsed strictly, and bounded by Min and Max.
func TestCreateOrderBadAmounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.s.Max = 50_000_00
		for _, c := range []struct{ amount, key string }{
			{"0", KeyAmountMin},
			{"0.99", KeyAmountMin},
			{"-5", "money.sign"},
			{"1e9", "money.syntax"},
			{"12.345", "money.decimals"},
			{"¥", "money.empty"},
			{"", "money.empty"},
			{"50000.01", KeyAmountMax},
		} {
			_, err := f.s.CreateOrder(context.Background(), f.input(c.amount))
			e := apperr.As(err)
			if e == nil || e.Code != apperr.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != "amount" || e.Fields[0].Key != c.key {
				t.Errorf("amount %q: %v, want a field error %s on amount", c.amount, err, c.key)
			}
		}
		if got := f.count("SELECT COUNT(*) FROM donation_orders"); got != 0 {
			t.Errorf("%d orders stored from bad amounts", got)
		}
		for _, ok := range []string{"1", "¥1,000.5", "50000"} {
			f.order(f.input(ok))
		}
	})
}

// R-DON-1: a double click (the same form token for the same request)
// returns the first order.
func TestCreateOrderDoubleClick(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		in := f.input("66")
		a := f.order(in)
		in.Amount = "99" // whatever the second press says
		b := f.order(in)
		if a.ID != b.ID || a.OrderNo != b.OrderNo || b.Amount != 66_00 {
			t.Errorf("second press = %+v, want the first order %+v", b, a)
		}
		if c := f.order(f.input("66")); c.ID == a.ID || c.OrderNo == a.OrderNo {
			t.Error("a new form made no new order")
		}
		if len(a.OrderNo) != 24 || strings.Trim(a.OrderNo, alphabet) != "" {
			t.Errorf("order number %q is not 24 letters and digits", a.OrderNo)
		}
	})
}

// An order is refused for a request that is not fundraising, one that
// does not exist, or a message that reveals the patient (R-PUB-1); a
// message with risky wording is kept, flagged for staff.
func TestCreateOrderRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		in := f.input("10")
		in.RequestID = f.approved()
		if _, err := f.s.CreateOrder(context.Background(), in); apperr.CodeOf(err) != apperr.Conflict || apperr.As(err).Key != KeyClosed {
			t.Errorf("approved, not fundraising: %v", err)
		}
		in = f.input("10")
		in.RequestID = f.req + 1000
		if _, err := f.s.CreateOrder(context.Background(), in); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("unknown request: %v", err)
		}
		in = f.input("10")
		in.Message = "祝张小明早日康复"
		_, err := f.s.CreateOrder(context.Background(), in)
		if e := apperr.As(err); e == nil || len(e.Fields) != 1 || e.Fields[0].Key != campaign.KeyRevealsIdentity {
			t.Errorf("message naming the patient: %v", err)
		}
		in = f.input("10")
		in.Message = strings.Repeat("加", MaxMessage+1)
		if _, err := f.s.CreateOrder(context.Background(), in); apperr.As(err) == nil || apperr.As(err).Fields[0].Key != KeyMessageTooLong {
			t.Errorf("long message: %v", err)
		}
		in = f.input("10")
		in.Message = "加微信私聊"
		if o := f.order(in); !o.MessageFlagged || o.Message != in.Message {
			t.Errorf("risky message: %+v, want kept and flagged", o)
		}
		if o := f.order(f.input("10")); o.MessageFlagged {
			t.Error("an order without a message is flagged")
		}
	})
}

// R-PUB-4: the donation that reaches the target closes fundraising in its
// own transaction; a payment arriving after is recorded once, marked for
// refund, and not counted as raised.
func TestConfirmClosesAtTarget(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		first := f.order(f.input("200000"))
		late := f.order(f.input("50"))       // placed while fundraising, paid after closing
		second := f.order(f.input("100000")) // reaches the target exactly
		if out := f.confirm(f.paid(first)); out.ClosedNow || out.AfterClose {
			t.Fatalf("first donation: %+v", out)
		}
		if st := f.state(f.req); st != campaign.Fundraising {
			t.Fatalf("state %s below the target", st)
		}
		out := f.confirm(f.paid(second))
		if !out.ClosedNow || out.AfterClose {
			t.Fatalf("reaching donation: %+v, want ClosedNow", out)
		}
		if st := f.state(f.req); st != campaign.Closed {
			t.Errorf("state %s, want closed", st)
		}
		f.read(func(ctx context.Context, tx *store.Tx) error {
			ch, err := f.s.Campaigns.Fundraising(ctx, tx, f.req)
			if err != nil {
				return err
			}
			if !ch.Closed || ch.Closing.Reason != campaign.TargetReached || ch.ClosedBy != campaign.SystemActor {
				t.Errorf("channel %+v, want closed with target_reached by the system", ch)
			}
			return nil
		})
		pLate := f.paid(late)
		lo := f.confirm(pLate)
		if !lo.AfterClose || lo.ClosedNow || lo.DonationID == 0 || lo.Replayed {
			t.Errorf("late payment: %+v, want recorded after close", lo)
		}
		if again := f.confirm(pLate); !again.Replayed || again.DonationID != lo.DonationID || !again.AfterClose {
			t.Errorf("late replay: %+v", again)
		}
		if got := f.count("SELECT COUNT(*) FROM donations WHERE order_id = $1 AND after_close = 1", late.ID); got != 1 {
			t.Errorf("%d after-close donations for the late order, want 1", got)
		}
		if raised, k := f.totals(f.req); raised != target || k != 2 {
			t.Errorf("totals = %s, %d; want the target from 2", raised, k)
		}
		if b := f.balance(f.req); b != target+50_00 {
			t.Errorf("balance %s: the late payment is held for its refund", b)
		}
		if _, err := f.s.CreateOrder(context.Background(), f.input("10")); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("order after closing: %v, want Conflict", err)
		}
		f.verify()
	})
}

// R-DON-2: an anonymous donation still records who paid.
func TestAnonymousKeepsDonor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		in := f.input("30")
		in.Anonymous = true
		o := f.order(in)
		if !o.Anonymous || o.DonorUserID != f.donor {
			t.Errorf("order %+v", o)
		}
		out := f.confirm(f.paid(o))
		if got := f.count("SELECT COUNT(*) FROM donations WHERE id = $1 AND anonymous = 1 AND donor_user_id = $2",
			out.DonationID, f.donor); got != 1 {
			t.Error("the anonymous donation does not record its donor")
		}
	})
}

// R-FEE-1: the ledger entry of a donation has exactly two postings, the
// provider to the request, for the whole amount: no fee, no tip.
func TestNoFee(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		o := f.order(f.input("123.45"))
		p := f.paid(o)
		f.confirm(p)
		e, err := f.s.Ledger.EntryByKey(context.Background(), LedgerKey("sandbox", p.TransactionID))
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]money.Fen{"psp:sandbox": 123_45, requestAccount(f.req): -123_45}
		if len(e.Postings) != 2 {
			t.Fatalf("postings %+v, want 2", e.Postings)
		}
		for _, ps := range e.Postings {
			if want[ps.Account] != ps.Amount {
				t.Errorf("posting %+v, want %v", ps, want)
			}
		}
		if e.Kind != "donation" {
			t.Errorf("kind %q", e.Kind)
		}
		if b, _ := f.s.Ledger.Balance(context.Background(), "income:fees"); b != 0 {
			t.Errorf("fees %s", b)
		}
	})
}

// Shares count their visits and the donations they brought, and carry no
// money (R-REF-3).
func TestShares(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		token, err := f.s.NewShare(ctx, f.req, f.donor)
		if err != nil {
			t.Fatal(err)
		}
		if len(token) != 16 {
			t.Errorf("token %q", token)
		}
		for range 3 {
			if err := f.s.Visit(ctx, token); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.s.Visit(ctx, "NoSuchShareToken"); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("unknown token: %v", err)
		}
		if _, err := f.s.NewShare(ctx, f.req+1000, f.donor); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("share of an unknown request: %v", err)
		}
		for _, amount := range []string{"10", "25.5"} {
			in := f.input(amount)
			in.ShareToken = token
			f.confirm(f.paid(f.order(in)))
		}
		f.confirm(f.paid(f.order(f.input("7")))) // not through the share
		in := f.input("8")
		in.ShareToken = "NoSuchShareToken" // a bad link does not stop a donation
		f.confirm(f.paid(f.order(in)))
		f.read(func(ctx context.Context, tx *store.Tx) error {
			visits, n, raised, err := ShareCounts(ctx, tx, token)
			if err != nil {
				return err
			}
			if visits != 3 || n != 2 || raised != 35_50 {
				t.Errorf("share counts %d visits, %d donations, %s; want 3, 2, 35.50", visits, n, raised)
			}
			return nil
		})
		if raised, k := f.totals(f.req); raised != 50_50 || k != 4 {
			t.Errorf("totals %s, %d", raised, k)
		}
	})
}

// Unpaid lists the orders still unpaid after their expiry, for the query
// job, and no paid one.
func TestUnpaid(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		a := f.order(f.input("1"))
		b := f.order(f.input("2"))
		f.confirm(f.paid(b))
		later := a.ExpiresAt.Add(time.Minute)
		got, err := f.s.Unpaid(context.Background(), later, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != a.ID {
			t.Errorf("unpaid = %+v, want only order %d", got, a.ID)
		}
		if got, _ := f.s.Unpaid(context.Background(), a.CreatedAt, 10); len(got) != 0 {
			t.Errorf("unpaid before expiry = %+v", got)
		}
	})
}

// Posted donations and totals cannot be changed or deleted (R-DON-1).
func TestDonationsAppendOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		o := f.order(f.input("9"))
		out := f.confirm(f.paid(o))
		ctx := context.Background()
		for _, q := range []string{
			fmt.Sprintf("UPDATE donations SET amount_fen = 1 WHERE id = %d", out.DonationID),
			fmt.Sprintf("DELETE FROM donations WHERE id = %d", out.DonationID),
			fmt.Sprintf("UPDATE donation_orders SET state = 'created', paid_at = NULL WHERE id = %d", o.ID),
			fmt.Sprintf("UPDATE request_totals SET raised_fen = 0 WHERE request_id = %d", f.req),
			fmt.Sprintf("DELETE FROM request_totals WHERE request_id = %d", f.req),
		} {
			err := db.Write(ctx, func(tx *store.Tx) error { _, err := tx.ExecContext(ctx, q); return err })
			if err == nil {
				t.Errorf("%s: allowed", q)
			}
		}
	})
}

// R-DON-1: one order paid by several transactions at once (the donor paid
// twice) is one donation; every other payment is quarantined for a refund,
// never credited.
func TestConfirmOrderPaidTwiceAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		o := f.order(f.input("40"))
		const n = 10
		ps := make([]payment.Payment, n)
		for i := range ps {
			ps[i] = f.paid(o)
		}
		outs := make([]Outcome, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { outs[i], errs[i] = f.s.Confirm(context.Background(), ps[i]) })
		}
		wg.Wait()
		donated, quarantined := 0, 0
		for i := range n {
			switch {
			case errs[i] != nil:
				t.Fatalf("payment %d: %v", i, errs[i])
			case outs[i].Quarantined:
				quarantined++
			case outs[i].DonationID != 0:
				donated++
			}
		}
		if donated != 1 || quarantined != n-1 {
			t.Errorf("%d donations and %d quarantined, want 1 and %d", donated, quarantined, n-1)
		}
		if b := f.balance(f.req); b != 40_00 {
			t.Errorf("balance %s, want 40.00", b)
		}
		if got := f.count("SELECT COUNT(*) FROM donation_quarantine WHERE reason = $1", AlreadyPaid); got != n-1 {
			t.Errorf("%d quarantined as already paid, want %d", got, n-1)
		}
		f.verify()
	})
}
