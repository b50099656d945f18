package jobs

import (
	"context"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/bank"
	"github.com/carefund/carefund/internal/charitypay"
	"github.com/carefund/carefund/internal/platform"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/staff/stafftest"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// importAll runs the statement job until it has nothing more to import,
// a bounded number of times.
func importAll(t *testing.T, p *platform.Platform) {
	t.Helper()
	for range 10 {
		res, err := ImportStatements(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		if res.Runs == 0 {
			return
		}
	}
	t.Fatal("the statement job kept finding statements")
}

// TestInterestToCharityAndTransfer runs the money to charity through the
// sandbox bank and the jobs: the bank credits its quarterly interest, the
// statement job posts it to charity:payable once and reconciles the line
// as matched; a transfer proposed and approved by two finance officers is
// sent through the bank outbox, paid, posted once, and the next statement
// reconciles its debit; custody mirrors the statement throughout.
// R-CHAR-1, R-FIN-1, R-FUND-2, R-FUND-4, R-STAFF-1.
func TestInterestToCharityAndTransfer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p, _ := moneyPlatform(t, db, 500_00)
		if _, err := SettleProviders(ctx, p); err != nil {
			t.Fatal(err)
		}
		now := p.BankSandbox.Now()
		due := bank.InterestDays(now, now.AddDate(0, 4, 0))
		if len(due) == 0 {
			t.Fatal("no interest day within four months")
		}
		p.BankSandbox.Advance(due[0].Add(24 * time.Hour).Sub(now))
		importAll(t, p)
		held, err := p.Ledger.Balance(ctx, "bank:custody")
		if err != nil {
			t.Fatal(err)
		}
		interest, err := p.Ledger.Balance(ctx, "charity:payable")
		if err != nil {
			t.Fatal(err)
		}
		if want := bank.Interest(held - interest); interest != want || want == 0 {
			t.Fatalf("charity:payable = %s after the interest day, want the quarter's interest %s on %s", interest, want, held-interest)
		}
		diffs, err := p.Reconcile.Differences(ctx, true)
		if err != nil || len(diffs) != 0 {
			t.Fatalf("open differences %+v %v, want none", diffs, err)
		}
		// The same statements again post nothing.
		importAll(t, p)
		if again, _ := p.Ledger.Balance(ctx, "charity:payable"); again != interest {
			t.Fatalf("charity:payable = %s after a second import, want %s", again, interest)
		}

		// Two finance officers pay it to a foundation.
		who := map[string]staff.Staff{}
		for _, name := range []string{"fay", "fred"} {
			if err := db.Write(ctx, func(tx *store.Tx) (err error) {
				who[name], _, err = staff.Create(ctx, tx, stafftest.Sealer(t), name, staff.Finance, "correct horse battery")
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		r := audit.Record{Actor: who["fay"].Actor(), Action: "charity.propose", Result: audit.ResultOK}
		prop, err := p.CharityPay.ProposeRecipient(ctx, r, who["fay"], charitypay.Draft{Name: "某某慈善基金会", CreditCode: "5310000050001234X6",
			CertificateRef: "登记证书 1", BankName: "某银行", Account: "0200001234567890123", Reason: "checked"})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Staff.Decide(ctx, audit.Record{Actor: who["fred"].Actor(), Action: "approval.decide", Result: audit.ResultOK}, who["fred"], prop.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		rs, err := p.CharityPay.Recipients(ctx)
		if err != nil || len(rs) != 1 {
			t.Fatalf("recipients %+v %v", rs, err)
		}
		a, err := p.CharityPay.Available(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var sources []charitypay.Source
		for k, v := range a.BySource {
			if v > 0 {
				sources = append(sources, charitypay.Source{Kind: charitypay.SourceInterest, Period: k[len("interest/"):], Amount: v})
			}
		}
		tr, err := p.CharityPay.Propose(ctx, r, who["fay"], charitypay.Proposal{RecipientID: rs[0].ID, Amount: interest, Sources: sources, Note: "the quarter's interest"})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Staff.Decide(ctx, audit.Record{Actor: who["fred"].Actor(), Action: "approval.decide", Result: audit.ResultOK}, who["fred"], tr.ProposalID, true, ""); err != nil {
			t.Fatal(err)
		}
		exec := RouteOutcomes(PayoutsExecutor(p.Payouts), p.CharityPay)
		for range 2 {
			if _, err := DispatchCharity(ctx, p.CharityPay, p.Bank, 10); err != nil {
				t.Fatal(err)
			}
		}
		// The bank executes it by the next working day's opening.
		p.BankSandbox.Advance(3 * 24 * time.Hour)
		for range 2 {
			if _, err := PollPayouts(ctx, exec, p.Bank); err != nil {
				t.Fatal(err)
			}
		}
		if got, _ := p.Ledger.Balance(ctx, "charity:payable"); got != 0 {
			t.Errorf("charity:payable = %s after the transfer was paid, want 0", got)
		}
		ts, err := p.CharityPay.Transfers(ctx)
		if err != nil || len(ts) != 1 || ts[0].State != charitypay.Paid {
			t.Fatalf("transfers %+v %v", ts, err)
		}
		importAll(t, p)
		diffs, err = p.Reconcile.Differences(ctx, true)
		if err != nil || len(diffs) != 0 {
			t.Fatalf("open differences after the transfer %+v %v, want none", diffs, err)
		}
		c, ok, err := p.Reconcile.CheckCustody(ctx)
		if err != nil || !ok || c.Gap() != 0 {
			t.Errorf("custody check: gap %s %v %v", c.Gap(), ok, err)
		}
		sum, err := p.CharityPay.Public(ctx)
		if err != nil || !sum.Consistent() || sum.Interest != interest || sum.Paid != interest || len(sum.Transfers) != 1 {
			t.Errorf("public account %+v %v", sum, err)
		}
	})
}
