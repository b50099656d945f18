package jobs

import (
	"context"
	"crypto/rsa"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/payment/wechatpay"
	"github.com/carefund/carefund/internal/payment/wechatpay/wechatpaytest"
	"github.com/carefund/carefund/internal/platform"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// moneyPlatform builds a platform whose sandbox provider took one payment
// of amount two days ago, and returns it with the settlement's day.
func moneyPlatform(t *testing.T, db *store.DB, amount money.Fen) (*platform.Platform, time.Time) {
	t.Helper()
	ctx := context.Background()
	paidAt := time.Now().Add(-48 * time.Hour)
	sb := payment.NewSandbox(payment.SandboxConfig{Key: []byte("a sandbox key of at least thirty-two bytes"),
		BaseURL: "http://127.0.0.1", ManualDelivery: true, Merchant: "sandbox", Now: func() time.Time { return paidAt }})
	t.Cleanup(sb.Close)
	o := payment.Order{ID: "money-job-1", Amount: amount, Description: "捐助", NotifyURL: "http://127.0.0.1/n", ClientIP: "203.0.113.1"}
	if _, err := sb.Create(ctx, o); err != nil {
		t.Fatal(err)
	}
	if _, err := sb.Pay(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	p, err := platform.New(ctx, platform.Config{DB: db, Payments: []payment.Provider{sb}, Merchants: map[string]string{"sandbox": "sandbox"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p, chinaDay(paidAt)
}

// TestSettleProviders (R-FUND-1): the sandbox provider's settlement of a
// day is booked at the bank and posted into custody exactly once, however
// often the job runs.
func TestSettleProviders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p, day := moneyPlatform(t, db, 1000_00)
		first, err := SettleProviders(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if first.Posted != 1 || first.Replayed != 0 || first.Quarantined != 0 {
			t.Fatalf("first run: %+v, want one posted", first)
		}
		again, err := SettleProviders(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if again.Posted != 0 || again.Replayed != 1 {
			t.Fatalf("second run: %+v, want one replayed, nothing posted", again)
		}
		ref := payment.SandboxSettlementRef(day)
		e, err := p.Ledger.EntryByKey(ctx, "custody:"+ref)
		if err != nil {
			t.Fatalf("the settlement's entry: %v", err)
		}
		net := money.Fen(1000_00 - (1000_00*payment.SandboxFeePerMille+500)/1000)
		var custody money.Fen
		for _, po := range e.Postings {
			if po.Account == "bank:custody" {
				custody += po.Amount
			}
		}
		if custody != net {
			t.Errorf("custody moved by %s, want the net %s", custody, net)
		}
		bal, err := p.Ledger.Balance(ctx, "bank:custody")
		if err != nil {
			t.Fatal(err)
		}
		if bal != net {
			t.Errorf("bank:custody holds %s after two runs, want %s once", bal, net)
		}
		// The bank booked it once: the statement of today (once over)
		// has one credit line under the reference.
		p.BankSandbox.Advance(24 * time.Hour)
		st, err := p.Bank.Bank.Statement(ctx, chinaDay(p.BankSandbox.Now()).AddDate(0, 0, -1))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, l := range st.Entries {
			if l.EndToEndID == ref {
				n++
			}
		}
		if n != 1 {
			t.Errorf("the bank booked the settlement %d times, want once", n)
		}
	})
}

// TestImportStatements (R-FUND-4): each day that is over at the bank is
// reconciled once, without anyone running a command; the settlement's
// credit line finds its entry; a second run, or the same day asked again,
// reconciles nothing twice.
func TestImportStatements(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p, _ := moneyPlatform(t, db, 500_00)
		if _, err := SettleProviders(ctx, p); err != nil {
			t.Fatal(err)
		}
		// Nothing is over yet today: the sandbox's today has no statement.
		p.BankSandbox.Advance(24 * time.Hour)
		res, err := ImportStatements(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if res.Runs != MoneyLookback || res.Differences != 0 {
			t.Fatalf("first run: %+v, want %d runs and no difference", res, MoneyLookback)
		}
		again, err := ImportStatements(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if again.Runs != 0 {
			t.Fatalf("second run reconciled %d statements again", again.Runs)
		}
		runs, err := p.Reconcile.Runs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) != MoneyLookback {
			t.Fatalf("%d runs stored, want %d", len(runs), MoneyLookback)
		}
		last := runs[0]
		if last.Lines != 1 || last.Matched != 1 || last.Differences != 0 || last.Actor != StatementActor {
			t.Errorf("the settlement day's run: %+v", last)
		}
		seen := map[string]bool{}
		for _, r := range runs {
			if seen[r.StatementID] {
				t.Errorf("statement %s reconciled twice", r.StatementID)
			}
			seen[r.StatementID] = true
		}
		// The same statement asked for again is a replay, not a new run.
		st, err := p.Bank.Bank.Statement(ctx, last.To)
		if err != nil {
			t.Fatal(err)
		}
		hash, err := StatementHash(st)
		if err != nil {
			t.Fatal(err)
		}
		if hash != last.FileHash {
			t.Errorf("the statement's hash changed when asked again")
		}
		// A day is over at the bank only by its clock: the next run finds
		// the next day, once.
		p.BankSandbox.Advance(24 * time.Hour)
		next, err := ImportStatements(ctx, p)
		if err != nil || next.Runs != 1 {
			t.Fatalf("after a day: %+v, %v; want one run", next, err)
		}
	})
}

// TestMoneyJobsScheduled: the platform runs both money jobs.
func TestMoneyJobsScheduled(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		p := newPlatform(t, db, &clock{})
		names := map[string]bool{}
		for _, j := range Platform(p, nil) {
			names[j.Name] = true
		}
		if !names[SettleProvidersJob] || !names[ImportStatementsJob] {
			t.Fatalf("the platform's jobs are %v", names)
		}
	})
}

// TestMoneyJobsTwiceAtOnce (R-FUND-1, R-FUND-4): the money jobs run twice
// at the same moment, as an old leader finishing its run and a new one
// starting may: whatever either reports, once a later run has gone
// through, the settlement is posted once, booked at the bank once, and
// each statement is reconciled once.
func TestMoneyJobsTwiceAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p, day := moneyPlatform(t, db, 300_00)
		twice := func(run func()) {
			var wg sync.WaitGroup
			for range 2 {
				wg.Add(1)
				go func() { defer wg.Done(); run() }()
			}
			wg.Wait()
		}
		// Either run may lose a race and fail; the next run finishes.
		twice(func() { SettleProviders(ctx, p) })
		if _, err := SettleProviders(ctx, p); err != nil {
			t.Fatal(err)
		}
		p.BankSandbox.Advance(24 * time.Hour)
		twice(func() { ImportStatements(ctx, p) })
		if _, err := ImportStatements(ctx, p); err != nil {
			t.Fatal(err)
		}
		ref := payment.SandboxSettlementRef(day)
		bal, err := p.Ledger.Balance(ctx, "bank:custody")
		if err != nil {
			t.Fatal(err)
		}
		net := money.Fen(300_00 - (300_00*payment.SandboxFeePerMille+500)/1000)
		if bal != net {
			t.Errorf("bank:custody holds %s, want the settlement %s once", bal, net)
		}
		runs, err := p.Reconcile.Runs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, r := range runs {
			if seen[r.StatementID] {
				t.Errorf("statement %s reconciled twice", r.StatementID)
			}
			seen[r.StatementID] = true
		}
		st, err := p.Bank.Bank.Statement(ctx, chinaDay(p.BankSandbox.Now()).AddDate(0, 0, -1))
		if err != nil {
			t.Fatal(err)
		}
		lines := 0
		for _, l := range st.Entries {
			if l.EndToEndID == ref {
				lines++
			}
		}
		if lines != 1 {
			t.Errorf("the bank booked the settlement %d times, want once", lines)
		}
		if len(runs) == 0 || runs[0].Matched != 1 || runs[0].Differences != 0 {
			t.Errorf("the settlement day's run: %+v", runs)
		}
	})
}

// TestSettleWeChatPay (R-FUND-1): with WeChat Pay, the job downloads the
// trade and fund-flow bills of each day, posts the day's withdrawal into
// custody once under its record id, and passes over the days without a
// payment.
func TestSettleWeChatPay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		fake := wechatpaytest.New(t, wechatpaytest.Options{})
		t.Cleanup(fake.Close)
		serial, key, err := wechatpay.ParseCertificate(fake.PlatformCertificatePEM())
		if err != nil {
			t.Fatal(err)
		}
		wc, err := wechatpay.New(wechatpay.Config{MchID: fake.MchID, AppID: fake.AppID, PrivateKey: fake.MerchantKeyPEM(),
			CertSerial: fake.MerchantSerial, APIv3Key: fake.APIv3Key,
			PlatformKeys: map[string]*rsa.PublicKey{serial: key}, BaseURL: fake.URL, Now: fake.Clock().Now})
		if err != nil {
			t.Fatal(err)
		}
		notify := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
		t.Cleanup(notify.Close)
		o := payment.Order{ID: "wx-settle-1", Amount: 200_00, Description: "捐助", NotifyURL: notify.URL + "/n", ClientIP: "203.0.113.7"}
		if _, err := wc.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
		if err := fake.Pay(o.ID); err != nil {
			t.Fatal(err)
		}
		paid, _ := fake.Order(o.ID)
		// The platform's today is the day after the payment: the bills of
		// the payment's day are out.
		p, err := platform.New(ctx, platform.Config{DB: db, Payments: []payment.Provider{wc},
			Merchants: map[string]string{"wechatpay": fake.MchID}, Now: func() time.Time { return paid.SuccessTime.Add(24 * time.Hour) }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		first, err := SettleProviders(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		again, err := SettleProviders(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if first.Posted != 1 || again.Posted != 0 || again.Replayed != 1 {
			t.Fatalf("runs: %+v then %+v, want one posted then one replayed", first, again)
		}
		ref := wechatpaytest.WithdrawalID(chinaDay(paid.SuccessTime).Format(time.DateOnly))
		if _, err := p.Ledger.EntryByKey(ctx, "custody:"+ref); err != nil {
			t.Fatalf("the withdrawal's entry: %v", err)
		}
		bal, err := p.Ledger.Balance(ctx, "bank:custody")
		if want := money.Fen(200_00 - (200_00*wechatpaytest.FeePerMille+500)/1000); err != nil || bal != want {
			t.Errorf("bank:custody holds %s (%v), want %s once", bal, err, want)
		}
	})
}
