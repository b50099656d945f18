package server

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/bank"
	"github.com/carefund/carefund/internal/bank/iso20022"
	"github.com/carefund/carefund/internal/charitypay"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payeeid"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// TestCharityPayPages: finance proposes a recipient and a transfer on the
// console, an admin approves both on the approvals page (the proposer may
// not); once the bank paid it, the public /charity page lists the transfer
// with what it came from, its totals equal the ledger, and no account
// number appears; an unknown credit on the statement is matched on the
// console to a terminated request's recovery. R-CHAR-1, R-STAFF-1,
// R-DISC-2, R-PII-1, R-REF-2.
func TestCharityPayPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		p := f.s.platform
		finance, admin := string(staff.Finance), string(staff.Admin)
		const plain = "0200001234567890123"

		// Interest of December on charity:payable, as reconcile posts it.
		if _, err := p.Ledger.Post(ctx, ledger.Transfer("statement:SBXI1", "interest", "bank:custody", "charity:payable", 12_34)); err != nil {
			t.Fatal(err)
		}
		storetest.Exec(t, db, `INSERT INTO statement_credits (line_key, kind, amount, booked_on, entry_id, matched_by, created_at)
			SELECT 'SBXI1', 'interest', 1234, '2026-12-21', id, 'system', 0 FROM ledger_entries WHERE idem_key = 'statement:SBXI1'`)

		// A recipient through four eyes.
		bad := url.Values{"name": {"某公司"}, "credit_code": {"91110000100000008J"}, "certificate": {"x"}, "bank_name": {"b"},
			"account": {plain}, "reason": {"r"}}
		resp := f.as(finance, "POST", "/staff/charity-pay/recipients", bad)
		if body := readBody(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, i18n.T(i18n.ZH, "charitypay.credit_type")) {
			t.Fatalf("a company as recipient: %d", resp.StatusCode)
		}
		good := url.Values{"name": {"某某慈善基金会"}, "credit_code": {"5310000050001234X6"}, "certificate": {"基金会法人登记证书 1"},
			"bank_name": {"中国工商银行北京分行"}, "account": {plain}, "reason": {"登记证书已核验"}}
		if resp := f.as(finance, "POST", "/staff/charity-pay/recipients", good); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("proposing a recipient: %d %s", resp.StatusCode, readBody(t, resp))
		}
		approve := func(kind staff.Kind) {
			t.Helper()
			ps := pendingProposals(t, db)
			if len(ps) != 1 || ps[0].Kind != kind {
				t.Fatalf("pending: %+v", ps)
			}
			pid := strconv.FormatInt(ps[0].ID, 10)
			if resp := f.as(finance, "POST", "/staff/approvals/"+pid, url.Values{"decision": {"approve"}}); resp.StatusCode != http.StatusForbidden {
				t.Errorf("the proposer approved: %d", resp.StatusCode)
			}
			body := readBody(t, f.as(admin, "GET", "/staff/approvals", nil))
			if strings.Contains(body, plain) {
				t.Errorf("the approvals page shows the account number")
			}
			if resp := f.as(admin, "POST", "/staff/approvals/"+pid, url.Values{"decision": {"approve"}}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("approval: %d %s", resp.StatusCode, readBody(t, resp))
			}
		}
		approve(staff.KindCharityRecipient)
		rs, err := p.CharityPay.Recipients(ctx)
		if err != nil || len(rs) != 1 {
			t.Fatalf("recipients %+v %v", rs, err)
		}
		body := readBody(t, f.as(finance, "GET", "/staff/charity-pay", nil))
		if !strings.Contains(body, payeeid.MaskAccount(plain)) || strings.Contains(body, plain) {
			t.Errorf("the console does not show the recipient's account masked")
		}

		// A transfer of the interest, over the balance first.
		form := url.Values{"recipient": {strconv.FormatInt(rs[0].ID, 10)}, "amount:interest/2026-12": {"12.35"}, "note": {"12 月利息"}}
		if resp := f.as(finance, "POST", "/staff/charity-pay/transfers", form); resp.StatusCode != http.StatusConflict && resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("over the balance: %d", resp.StatusCode)
		}
		form.Set("amount:interest/2026-12", "12.34")
		if resp := f.as(finance, "POST", "/staff/charity-pay/transfers", form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("proposing a transfer: %d %s", resp.StatusCode, readBody(t, resp))
		}
		approve(staff.KindCharityTransfer)
		ready, err := p.CharityPay.Ready(ctx, 10)
		if err != nil || len(ready) != 1 {
			t.Fatalf("ready %+v %v", ready, err)
		}
		if err := p.CharityPay.Sending(ctx, ready[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := p.CharityPay.Settle(ctx, ready[0].TransferID, charitypay.Outcome{Status: "paid"}); err != nil {
			t.Fatal(err)
		}

		// The public page, phone-first, no personal data, equal to the
		// ledger.
		resp = f.as("", "GET", "/charity", nil)
		body = readBody(t, resp)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /charity: %d", resp.StatusCode)
		}
		held, _ := p.Ledger.Balance(ctx, "charity:payable")
		for _, want := range []string{"某某慈善基金会", "5310000050001234X6", money.Fen(12_34).Format(i18n.ZH), held.Format(i18n.ZH),
			i18n.T(i18n.ZH, "charity.source.interest", "2026-12", money.Fen(12_34).Format(i18n.ZH))} {
			if !strings.Contains(body, want) {
				t.Errorf("the public page lacks %q", want)
			}
		}
		if strings.Contains(body, plain) || strings.Contains(body, payeeid.MaskAccount(plain)) || strings.Contains(body, "中国工商银行北京分行") {
			t.Errorf("the public page shows the recipient's account")
		}
		if held != 0 {
			t.Errorf("charity:payable = %s after the transfer, want 0", held)
		}

		// A recovery: request 41 owes 100.00; a credit of 60.00 arrives
		// without a reference and is matched by hand.
		if _, err := p.Ledger.Post(ctx, ledger.Transfer("donation:sandbox:r41", "donation", "psp:sandbox", "request:41", 100_00)); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Ledger.Post(ctx, ledger.Transfer("termination:9:receivable", "recovery_receivable",
			"receivable:recovery:41", "request:41", 100_00)); err != nil {
			t.Fatal(err)
		}
		d := bank.Day(time.Now().AddDate(0, 0, -1))
		st := iso20022.Statement{ID: "STMT-REC", Account: p.Reconcile.Custody, Entries: []iso20022.Entry{{Reference: "SBXR1", BankReference: "SBXR1",
			Amount: 60_00, Direction: iso20022.Credit, BookingDate: d, ValueDate: d, Remittance: "还款"}}}
		if _, err := p.Reconcile.Import(ctx, audit.Record{Actor: "system", Action: "reconcile.import", Result: audit.ResultOK}, st, "h-rec", nil); err != nil {
			t.Fatal(err)
		}
		diffs, err := p.Reconcile.Differences(ctx, true)
		if err != nil || len(diffs) != 1 {
			t.Fatalf("differences %+v %v", diffs, err)
		}
		if body := readBody(t, f.as(finance, "GET", "/staff/charity-pay", nil)); !strings.Contains(body, "SBXR1") {
			t.Errorf("the console does not list the unmatched credit")
		}
		target := "/staff/charity-pay/credits/" + strconv.FormatInt(diffs[0].ID, 10) + "/recover"
		if resp := f.as(admin, "POST", target, url.Values{"request": {"41"}, "reason": {"x"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("an admin matching: %d, want 403", resp.StatusCode)
		}
		if resp := f.as(finance, "POST", target, url.Values{"request": {"41"}, "reason": {"请求人亲属还款，电话核实"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("matching: %d %s", resp.StatusCode, readBody(t, resp))
		}
		if owed, _ := p.Ledger.Balance(ctx, "receivable:recovery:41"); owed != 40_00 {
			t.Errorf("receivable after the match = %s, want 40.00", owed)
		}
		if e := lastAudit(t, db, "reconcile.match_recovery"); e.Result != audit.ResultOK {
			t.Errorf("the match is audited as %+v", e.Record)
		}
	})
}
