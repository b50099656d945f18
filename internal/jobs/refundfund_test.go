package jobs

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/campaign/campaigntest"
	"github.com/carefund/carefund/internal/donation"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/platform"
	"github.com/carefund/carefund/internal/refund"
	"github.com/carefund/carefund/internal/refundfund"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// fundEnv is a platform whose sandbox provider's clock, and whose refund
// service's clock, the test moves.
type fundEnv struct {
	t   *testing.T
	ctx context.Context
	p   *platform.Platform
	sb  *payment.Sandbox
	mu  sync.Mutex
	now time.Time
	// later moves the refund service's clock ahead of the bank's, which
	// dates the database's rows.
	later    time.Duration
	tokens   int
	requests []int64
}

func (e *fundEnv) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *fundEnv) set(t time.Time) {
	e.mu.Lock()
	e.now = t
	e.mu.Unlock()
}

func newFundEnv(t *testing.T, db *store.DB) *fundEnv {
	e := &fundEnv{t: t, ctx: context.Background(), now: time.Now().Add(-96 * time.Hour)}
	e.sb = payment.NewSandbox(payment.SandboxConfig{Key: []byte("a sandbox key of at least thirty-two bytes"),
		BaseURL: "http://127.0.0.1", ManualDelivery: true, Merchant: "sandbox", Now: e.clock,
		RefundBook: refund.SandboxBook{DB: db}})
	t.Cleanup(e.sb.Close)
	p, err := platform.New(e.ctx, platform.Config{DB: db, Payments: []payment.Provider{e.sb}, Merchants: map[string]string{"sandbox": "sandbox"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	// The ledger dates its entries by the bank's clock, which the test
	// moves, so that an entry and its statement line fall on one day.
	db.SetClock(p.BankSandbox.Now)
	p.Refunds.Now = func() time.Time {
		e.mu.Lock()
		defer e.mu.Unlock()
		return p.BankSandbox.Now().Add(e.later)
	}
	e.p = p
	for i := range 2 {
		if err := db.Write(e.ctx, func(tx *store.Tx) error {
			u, err := campaigntest.User(e.ctx, tx, p.Vault, "publisher"+strconv.Itoa(i))
			if err != nil {
				return err
			}
			id, err := campaigntest.Fundraising(e.ctx, tx, p.Campaigns, u, campaigntest.Filing(), 0)
			e.requests = append(e.requests[:i], id)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// donate places a donation to request and pays it at the sandbox now.
func (e *fundEnv) donate(request int64, amount string) {
	e.t.Helper()
	e.tokens++
	placed, err := e.p.Donations.Place(e.ctx, e.p.Providers, donation.PlaceInput{OrderInput: donation.OrderInput{RequestID: request,
		Amount: amount, Provider: "sandbox", ClientToken: "fund-" + strconv.Itoa(e.tokens)},
		NotifyURL: func(string) string { return "http://127.0.0.1/notify" }, ReturnURL: func(string) string { return "http://127.0.0.1/r" },
		ClientIP: "203.0.113.1", Agreement: donation.Agreement{Rules: donorRules(e.t, e.p), Source: "test"}})
	if err != nil {
		e.t.Fatal(err)
	}
	paid, err := e.sb.Pay(e.ctx, placed.Order.OrderNo)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.p.Donations.Confirm(e.ctx, paid); err != nil {
		e.t.Fatal(err)
	}
}

func (e *fundEnv) balance(account string) money.Fen {
	e.t.Helper()
	b, err := e.p.Ledger.Balance(e.ctx, account)
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

// settled returns the fees of the sandbox's posted settlements: what
// stays on psp:sandbox by decision 0018 (fees are not yet posted).
func (e *fundEnv) fees(days ...time.Time) money.Fen {
	var fees money.Fen
	for _, d := range days {
		st, ok, err := e.sb.Settlement(e.ctx, d)
		if err != nil || !ok {
			e.t.Fatalf("settlement of %s: %v %v", d, ok, err)
		}
		fees += st.Fees
	}
	return fees
}

// TestRefundFundedFromCustody runs a request's donations settled into
// custody, then a refund run of all of it long after: the sandbox refuses
// the refunds NOT_ENOUGH (its balance went to custody), the funding job
// tops it up from custody through the bank outbox (CFRT<id>, psp:sandbox ←
// bank:custody, kind refund), the refunds go out once, the day's
// settlement nets the refunds against the top-up and a new donation,
// psp:sandbox holds nothing but the settlements' fees, every statement
// line finds its entry with no difference, custody equals the statement,
// and verify is clean. R-FUND-1, R-FUND-2, R-FUND-4, R-REF-1, R-DON-2.
func TestRefundFundedFromCustody(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newFundEnv(t, db)
		ctx, p := e.ctx, e.p
		req, other := e.requests[0], e.requests[1]
		day1 := chinaDay(e.clock())
		for _, a := range []string{"100.00", "50.50", "20.10"} {
			e.donate(req, a)
		}
		const raised = money.Fen(170_60)
		// Another request's money is in custody too.
		e.donate(other, "300.00")
		res, err := SettleProviders(ctx, p)
		if err != nil || res.Posted != 1 {
			t.Fatalf("settlement of the donations: %+v %v", res, err)
		}
		fees1 := e.fees(day1)
		if got := e.balance("psp:sandbox"); got != fees1 {
			t.Fatalf("psp:sandbox = %s after the day's settlement, want its fees %s", got, fees1)
		}
		if got := e.balance("bank:custody"); got != raised+300_00-fees1 {
			t.Fatalf("bank:custody = %s, want %s", got, raised+300_00-fees1)
		}

		// Two days later every fen is refunded (R-REF-1).
		e.set(e.clock().Add(48 * time.Hour))
		day3 := chinaDay(e.clock())
		run, err := p.Refunds.StartRun(ctx, refund.RunInput{RequestID: req, Cause: refund.CausePurposeEnded, Reason: "康复出院", Actor: "system", Key: "fund-1"})
		if err != nil || run.Amount != raised {
			t.Fatalf("run %+v %v", run, err)
		}
		// The sandbox's balance of the day is nothing: no refund is sent.
		d, err := p.Refunds.Dispatch(ctx, 100)
		if err != nil || d.Sent != 0 {
			t.Fatalf("dispatch before the top-up: %+v %v; want nothing sent", d, err)
		}
		// A provider asked anyway refuses it NOT_ENOUGH, and books nothing.
		if _, err := e.sb.Refund(ctx, payment.Refund{OrderID: "none", RefundID: "fund-probe-1", TransactionID: "sbxnone", Amount: 1_00, Total: 1_00}); !errors.Is(err, payment.ErrNotEnough) {
			t.Fatalf("a refund beyond the balance: %v, want ErrNotEnough", err)
		}
		if got := e.balance("psp:sandbox"); got != fees1 {
			t.Fatalf("a refused refund moved psp:sandbox to %s", got)
		}
		f, ok := PlatformFunding(p)
		if !ok {
			t.Fatal("no funding for the sandbox")
		}
		fr, err := FundRefunds(ctx, f, 10)
		if err != nil || fr.Planned != 1 || fr.Sent != 1 {
			t.Fatalf("funding: %+v %v", fr, err)
		}
		// Again: the top-up on its way covers the refunds; nothing more.
		if fr, err := FundRefunds(ctx, f, 10); err != nil || fr.Planned != 0 {
			t.Fatalf("funding again: %+v %v", fr, err)
		}
		tops, err := p.RefundFund.List(ctx, 10)
		const topUp = money.Fen(171_00) // 170.60 in whole yuan
		if err != nil || len(tops) != 1 || tops[0].Amount != topUp || tops[0].Due != raised || tops[0].State != refundfund.Sending || tops[0].TransferID != refundfund.BankTransferID(tops[0].ID) {
			t.Fatalf("top-ups %+v %v", tops, err)
		}
		// The bank pays it by the next working day's opening; the poll
		// job, which runs every few seconds, reads it within the hour here,
		// the day the bank booked it.
		exec := RouteFunding(RouteOutcomes(PayoutsExecutor(p.Payouts), p.CharityPay), p.RefundFund)
		for range 4 * 24 {
			p.BankSandbox.Advance(time.Hour)
			if _, err := PollPayouts(ctx, exec, p.Bank); err != nil {
				t.Fatal(err)
			}
		}
		if tops, _ = p.RefundFund.List(ctx, 10); tops[0].State != refundfund.Paid {
			t.Fatalf("the top-up: %+v", tops[0])
		}
		entry, err := p.Ledger.EntryByKey(ctx, "custody:"+tops[0].TransferID)
		if err != nil || entry.Kind != "refund" {
			t.Fatalf("the top-up's entry: %+v %v", entry, err)
		}
		if got := e.balance("psp:sandbox"); got != fees1+topUp {
			t.Fatalf("psp:sandbox = %s after the top-up, want %s", got, fees1+topUp)
		}
		// The job tells the sandbox, once; then the refunds go out.
		for range 2 {
			if _, err := FundRefunds(ctx, f, 10); err != nil {
				t.Fatal(err)
			}
		}
		if b, err := e.sb.RefundBalance(ctx); err != nil || b != topUp {
			t.Fatalf("the sandbox's balance %s, %v; want the top-up %s once", b, err, topUp)
		}
		d, err = p.Refunds.Dispatch(ctx, 100)
		if err != nil || d.Succeeded != 3 {
			t.Fatalf("dispatch after the top-up: %+v %v", d, err)
		}
		done, err := p.Refunds.Run(ctx, run.ID)
		if err != nil || done.State != refund.RunFinished || done.Progress.Succeeded.Fen != raised {
			t.Fatalf("run %+v %v", done, err)
		}
		// A donation to another request the same day: the day's settlement
		// nets the refunds and returns what the top-up left.
		e.donate(other, "200.00")
		st, ok, err := e.sb.Settlement(ctx, day3)
		if err != nil || !ok || st.Refunds != raised || st.Funding != topUp || st.Net != 200_00-st.Fees-raised+topUp {
			t.Fatalf("the refund day's settlement %+v %v %v", st, ok, err)
		}
		if _, err := SettleProviders(ctx, p); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Ledger.EntryByKey(ctx, "custody:"+payment.SandboxSettlementRef(day3)); err != nil {
			t.Fatalf("the refund day's settlement was not posted: %v", err)
		}
		fees := fees1 + e.fees(day3)
		if got := e.balance("psp:sandbox"); got != fees {
			t.Fatalf("psp:sandbox = %s after the settlements, want only their fees %s", got, fees)
		}
		if got, want := e.balance("bank:custody"), raised+300_00-fees1-topUp+st.Net; got != want {
			t.Fatalf("bank:custody = %s, want %s", got, want)
		}
		if got := e.balance(refund.PayableAccount(run.ID)); got != 0 {
			t.Fatalf("the run's payable holds %s", got)
		}

		// Reconciliation: the top-up's debit line and the netted
		// settlement's credit line find their entries; nothing differs.
		p.BankSandbox.Advance(24 * time.Hour)
		importAll(t, p)
		diffs, err := p.Reconcile.Differences(ctx, true)
		if err != nil || len(diffs) != 0 {
			t.Fatalf("open differences %+v %v, want none", diffs, err)
		}
		c, ok, err := p.Reconcile.CheckCustody(ctx)
		if err != nil || !ok || c.Gap() != 0 {
			runs, _ := p.Reconcile.Runs(ctx)
			for _, r := range runs {
				t.Logf("run %s..%s open %v close %v ledger %s transit %s lines %d", r.From.Format(time.DateOnly), r.To.Format(time.DateOnly), r.Opening, r.Closing, r.LedgerAtEnd, r.InTransit, r.Lines)
			}
			t.Fatalf("custody check: gap %s %v %v %+v", c.Gap(), ok, err, c)
		}
		if _, err := ledger.Verify(ctx, db); err != nil {
			t.Fatal(err)
		}
		if _, err := refund.Verify(ctx, db); err != nil {
			t.Fatal(err)
		}
		if _, err := donation.Verify(ctx, db); err != nil {
			t.Fatal(err)
		}
		if n, err := audit.Verify(ctx, db); err != nil {
			t.Fatal(n, err)
		}
	})
}
