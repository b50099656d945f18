package server

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/bank"
	"github.com/carefund/carefund/internal/bank/iso20022"
	"github.com/carefund/carefund/internal/i18n"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payeeid"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// upload posts files (and fields) as a multipart form, as the statement
// upload's browser does.
func (f *fixture) upload(who, target string, files map[string][]byte) *http.Response {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for field, data := range files {
		w, _ := mw.CreateFormFile(field, field+".csv")
		w.Write(data)
	}
	mw.Close()
	req := httptest.NewRequest("POST", target, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.AddCookie(&http.Cookie{Name: staffCookie, Value: f.staff[staff.Role(who)]})
	rec := httptest.NewRecorder()
	f.s.Handler().ServeHTTP(rec, req)
	return rec.Result()
}

// noPlain fails when a page shows an account number in full (R-PII-1).
func noPlain(t *testing.T, where, body string, plain ...string) {
	t.Helper()
	for _, n := range plain {
		if strings.Contains(body, n) {
			t.Errorf("%s shows the account number %s unmasked", where, n)
		}
	}
}

// TestBankConsole: the outbox shows each transfer with its payee masked
// (R-PII-1) to finance, admins and auditors, nobody else (R-STAFF-1);
// finance may move the sandbox bank's clock to the next working day's
// opening and run the money jobs once, each recorded in the audit log;
// other roles may not.
func TestBankConsole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		p := f.s.platform
		finance, admin, auditor, reviewer := string(staff.Finance), string(staff.Admin), string(staff.Auditor), string(staff.Reviewer)
		const plain = "6222020200112233445"
		tr := bank.Transfer{ID: "CFPO42A1", Amount: 1234_56, Remittance: "carefund payout CFPO42A1",
			Payee: iso20022.Party{Name: "张三", Account: iso20022.Account{ID: plain}, Bank: iso20022.Agent{Name: "工商银行"}}}
		if err := p.Bank.Submit(ctx, []bank.Transfer{tr}); err != nil {
			t.Fatal(err)
		}
		// A top-up of the sandbox's balance for refunds is shown with the
		// refunds due and the balance it was decided on (R-DON-2).
		top, ok, err := p.RefundFund.Plan(ctx, "sandbox", 170_60, 0)
		if err != nil || !ok {
			t.Fatal(ok, err)
		}
		for _, who := range []string{finance, admin, auditor} {
			resp := f.as(who, "GET", "/staff/bank", nil)
			body := readBody(t, resp)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s GET /staff/bank: %d", who, resp.StatusCode)
			}
			if !strings.Contains(body, `id="fundings"`) || !strings.Contains(body, ">"+top.TransferID+"<") ||
				!strings.Contains(body, money.Fen(171_00).Format(i18n.ZH)) || !strings.Contains(body, money.Fen(170_60).Format(i18n.ZH)) {
				t.Errorf("%s: the bank page does not show the refund top-up", who)
			}
			if !strings.Contains(body, "CFPO42A1") || !strings.Contains(body, payeeid.MaskAccount(plain)) ||
				!strings.Contains(body, money.Fen(1234_56).Format(i18n.ZH)) {
				t.Errorf("%s: the outbox does not show the transfer masked with its amount", who)
			}
			noPlain(t, "the outbox", body, plain)
			noPlain(t, "the outbox", body, "张三")
			if who != finance && strings.Contains(body, `action="/staff/bank/advance"`) {
				t.Errorf("%s is offered the sandbox's clock", who)
			}
		}
		if resp := f.as(reviewer, "GET", "/staff/bank", nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("reviewer GET /staff/bank: %d, want 403", resp.StatusCode)
		}
		for _, target := range []string{"/staff/bank/advance", "/staff/bank/settle", "/staff/bank/statements"} {
			for _, who := range []string{admin, auditor, reviewer} {
				if resp := f.as(who, "POST", target, url.Values{}); resp.StatusCode != http.StatusForbidden {
					t.Errorf("%s POST %s: %d, want 403", who, target, resp.StatusCode)
				}
			}
		}

		// The sandbox's clock moves to the next working day's opening.
		before := p.BankSandbox.Now()
		resp := f.as(finance, "POST", "/staff/bank/advance", url.Values{})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("advance: %d %s", resp.StatusCode, readBody(t, resp))
		}
		after := p.BankSandbox.Now()
		if want := bank.NextWorkingOpening(before); after.Sub(want) > time.Minute || after.Before(want) {
			t.Errorf("the sandbox's clock reads %s, want %s", after, want)
		}
		if e := lastAudit(t, db, "bank.sandbox_advance"); e.Result != audit.ResultOK || !strings.Contains(e.Detail, "sandbox clock") {
			t.Errorf("the advance is audited as %+v", e.Record)
		}

		// The jobs run once from the console, audited.
		resp = f.as(finance, "POST", "/staff/bank/statements", url.Values{})
		body := readBody(t, resp)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, i18n.T(i18n.ZH, "money.bank.notice.imported", 0, 0)[:12]) {
			t.Errorf("fetch statements now: %d", resp.StatusCode)
		}
		if e := lastAudit(t, db, "bank.statements_now"); e.Result != audit.ResultOK {
			t.Errorf("fetching statements is audited as %+v", e.Record)
		}
		runs, err := p.Reconcile.Runs(ctx)
		if err != nil || len(runs) == 0 {
			t.Errorf("fetching statements now reconciled nothing: %v", err)
		}
		resp = f.as(finance, "POST", "/staff/bank/settle", url.Values{})
		if resp.StatusCode != http.StatusOK {
			t.Errorf("settle now: %d %s", resp.StatusCode, readBody(t, resp))
		}
		if e := lastAudit(t, db, "bank.settle_now"); e.Result != audit.ResultOK {
			t.Errorf("settling is audited as %+v", e.Record)
		}
	})
}

// TestCustodyConsole (R-FUND-3): finance proposes opening the custody
// account, a refused form comes back with each message next to its field
// and what was typed, and nothing is proposed; an admin approves on the
// approvals page (four eyes, R-STAFF-1) reading the number masked; the
// report to the ministry is recorded with its date and reference; the
// proposer cannot also put it into effect, an admin does; the number is
// never shown in full on these pages (R-PII-1).
func TestCustodyConsole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		p := f.s.platform
		finance, admin, auditor := string(staff.Finance), string(staff.Admin), string(staff.Auditor)
		const plain = "110060149018800012345"
		masked := payeeid.MaskAccount(plain)
		today := time.Now().In(bank.Zone).Format("2006-01-02")

		bad := url.Values{"action": {"open"}, "bank_name": {""}, "number": {"12AB"}, "effective_on": {today}, "reason": {"开立托管账户"}}
		resp := f.as(finance, "POST", "/staff/custody", bad)
		body := readBody(t, resp)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("bad proposal: %d", resp.StatusCode)
		}
		for _, want := range []string{i18n.T(i18n.ZH, "bank.custody.bank_name"), i18n.T(i18n.ZH, "bank.custody.number"),
			`value="12AB"`, "开立托管账户"} {
			if !strings.Contains(body, want) {
				t.Errorf("the refused form lacks %q", want)
			}
		}
		if n := len(pendingProposals(t, db)); n != 0 {
			t.Fatalf("a refused form proposed something: %d", n)
		}
		good := url.Values{"action": {"open"}, "bank_name": {"中国银行北京分行"}, "number": {plain}, "effective_on": {today},
			"reason": {"开立托管账户"}}
		if resp := f.as(auditor, "POST", "/staff/custody", good); resp.StatusCode != http.StatusForbidden {
			t.Errorf("auditor proposal: %d, want 403", resp.StatusCode)
		}
		if resp := f.as(admin, "POST", "/staff/custody", good); resp.StatusCode != http.StatusForbidden {
			t.Errorf("admin proposal: %d, want 403 (admins approve)", resp.StatusCode)
		}
		if resp := f.as(finance, "POST", "/staff/custody", good); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("proposal: %d %s", resp.StatusCode, readBody(t, resp))
		}
		if accounts, _ := p.Bank.CustodyAccounts(ctx); len(accounts) != 0 {
			t.Fatalf("an account exists before approval: %+v", accounts)
		}
		ps := pendingProposals(t, db)
		if len(ps) != 1 || ps[0].Kind != staff.KindCustodyChange {
			t.Fatalf("pending: %+v", ps)
		}
		body = readBody(t, f.as(admin, "GET", "/staff/approvals", nil))
		if !strings.Contains(body, masked) || !strings.Contains(body, "中国银行北京分行") {
			t.Errorf("the approvals page does not say what is approved, masked")
		}
		noPlain(t, "the approvals page", body, plain)
		pid := strconv.FormatInt(ps[0].ID, 10)
		if resp := f.as(finance, "POST", "/staff/approvals/"+pid, url.Values{"decision": {"approve"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("finance approved a custody change: %d", resp.StatusCode)
		}
		if resp := f.as(admin, "POST", "/staff/approvals/"+pid, url.Values{"decision": {"approve"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("approval: %d %s", resp.StatusCode, readBody(t, resp))
		}
		changes, err := p.Bank.CustodyChanges(ctx)
		if err != nil || len(changes) != 1 || changes[0].State != bank.ChangeApproved {
			t.Fatalf("after approval: %+v %v", changes, err)
		}
		cid := strconv.FormatInt(changes[0].ID, 10)

		// Not in effect before it is reported.
		resp = f.as(admin, "POST", "/staff/custody/"+cid+"/effective", url.Values{})
		if body := readBody(t, resp); resp.StatusCode != http.StatusConflict || !strings.Contains(body, i18n.T(i18n.ZH, "bank.custody.not_reported")) {
			t.Errorf("effect before the report: %d", resp.StatusCode)
		}
		resp = f.as(finance, "POST", "/staff/custody/"+cid+"/report", url.Values{"reported_on": {today}, "report_ref": {""}})
		if body := readBody(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, i18n.T(i18n.ZH, "bank.custody.report_ref")) {
			t.Errorf("a report without a reference: %d", resp.StatusCode)
		}
		resp = f.as(finance, "POST", "/staff/custody/"+cid+"/report", url.Values{"reported_on": {today}, "report_ref": {"民函〔2026〕88号"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("report: %d %s", resp.StatusCode, readBody(t, resp))
		}
		// The proposer does not also put it in force.
		resp = f.as(finance, "POST", "/staff/custody/"+cid+"/effective", url.Values{})
		if body := readBody(t, resp); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, i18n.T(i18n.ZH, "bank.custody.own")) {
			t.Errorf("the proposer put it into effect: %d", resp.StatusCode)
		}
		if resp := f.as(admin, "POST", "/staff/custody/"+cid+"/effective", url.Values{}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("effect: %d %s", resp.StatusCode, readBody(t, resp))
		}
		accounts, err := p.Bank.CustodyAccounts(ctx)
		if err != nil || len(accounts) != 1 || accounts[0].State != "open" {
			t.Fatalf("accounts: %+v %v", accounts, err)
		}
		for _, who := range []string{finance, admin, auditor} {
			body := readBody(t, f.as(who, "GET", "/staff/custody", nil))
			if !strings.Contains(body, masked) || !strings.Contains(body, "民函〔2026〕88号") {
				t.Errorf("%s: the custody page lacks the account or the report", who)
			}
			noPlain(t, "the custody page", body, plain)
		}
		if e := lastAudit(t, db, "custody.change.make_effective"); e.Result != audit.ResultOK {
			t.Errorf("putting into effect is audited as %+v", e.Record)
		}
	})
}

// csvStatement is a CSV statement of lines "account,date,amount,direction,reference".
func csvStatement(lines ...string) []byte {
	var b strings.Builder
	b.WriteString(iso20022.CSVHeader + "\n")
	for _, l := range lines {
		f := strings.Split(l, ",")
		b.WriteString(strings.Join([]string{f[0], f[1], f[1], f[2], f[3], f[4], "对方"}, ",") + "\n")
	}
	return []byte(b.String())
}

// TestReconcileConsole (R-FUND-4): a statement file the parser refuses (a
// wrong closing balance, a line for another account, a line twice) or
// the service refuses (another account's statement) is answered in a
// finance officer's words and changes nothing; a good one is reconciled
// and its difference listed open; only finance resolves it, with a reason
// (R-STAFF-1), and the resolved difference shows who and why; account
// numbers never appear in full (R-PII-1).
func TestReconcileConsole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		p := f.s.platform
		finance, admin, auditor, reviewer := string(staff.Finance), string(staff.Admin), string(staff.Auditor), string(staff.Reviewer)
		custody := p.BankSandbox.Account.ID
		const other = "6222000000000000009"
		day := time.Now().In(bank.Zone).AddDate(0, 0, -1).Format("2006-01-02")

		// A camt.053 of the sandbox, and the same with its closing balance
		// altered.
		if err := p.BankSandbox.Credit(ctx, bank.Credit{Reference: "CFST-console-1", Amount: 100_00, From: "sandbox"}); err != nil {
			t.Fatal(err)
		}
		p.BankSandbox.Advance(24 * time.Hour)
		var camt bytes.Buffer
		if err := p.BankSandbox.WriteStatement(ctx, &camt, bank.Day(p.BankSandbox.Now()).AddDate(0, 0, -1)); err != nil {
			t.Fatal(err)
		}
		good := camt.Bytes()
		i := bytes.Index(good, []byte("CLBD"))
		j := bytes.Index(good[i:], []byte(">100.00<"))
		if i < 0 || j < 0 {
			t.Fatalf("no closing balance of 100.00 in the sandbox's camt.053:\n%s", good)
		}
		unbalanced := append(append(append([]byte{}, good[:i+j]...), []byte(">999.00<")...), good[i+j+len(">100.00<"):]...)

		refusals := []struct {
			name  string
			file  []byte
			want  string
			field string
		}{
			{"wrong closing balance", unbalanced, i18n.T(i18n.ZH, "money.reconcile.refused.unbalanced", "statement.csv"), "statement"},
			{"a line for another account", csvStatement(custody+","+day+",1.00,CRDT,R1", other+","+day+",2.00,CRDT,R2"),
				i18n.T(i18n.ZH, "money.reconcile.refused.other_account_line", "statement.csv") + " " + i18n.T(i18n.ZH, "money.reconcile.refused.line", "3"), "statement"},
			{"a line twice", csvStatement(custody+","+day+",1.00,CRDT,R1", custody+","+day+",1.00,CRDT,R1"),
				i18n.T(i18n.ZH, "money.reconcile.refused.duplicate", "statement.csv"), "statement"},
			{"another account's statement", csvStatement(other + "," + day + ",1.00,CRDT,R1"),
				i18n.T(i18n.ZH, "money.reconcile.refused.wrong_account", "statement.csv"), "statement"},
		}
		for _, tt := range refusals {
			t.Run(tt.name, func(t *testing.T) {
				resp := f.upload(finance, "/staff/reconcile/upload", map[string][]byte{tt.field: tt.file})
				body := readBody(t, resp)
				if resp.StatusCode != http.StatusUnprocessableEntity {
					t.Errorf("status %d, want 422", resp.StatusCode)
				}
				if !strings.Contains(body, tt.want) {
					t.Errorf("the page does not say %q", tt.want)
				}
				noPlain(t, "the refusal", body, custody, other)
				runs, err := p.Reconcile.Runs(ctx)
				if err != nil || len(runs) != 0 {
					t.Errorf("a refused file made runs: %d %v", len(runs), err)
				}
				ds, err := p.Reconcile.Differences(ctx, false)
				if err != nil || len(ds) != 0 {
					t.Errorf("a refused file opened differences: %d %v", len(ds), err)
				}
			})
		}
		if e := lastAudit(t, db, "reconcile.import"); e.Result == audit.ResultOK {
			t.Errorf("a refused upload is audited as %+v", e.Record)
		}
		// Only finance uploads.
		for _, who := range []string{admin, auditor, reviewer} {
			if resp := f.upload(who, "/staff/reconcile/upload", map[string][]byte{"statement": good}); resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s upload: %d, want 403", who, resp.StatusCode)
			}
		}

		// The good camt.053: the credit is not in the ledger, a difference.
		resp := f.upload(finance, "/staff/reconcile/upload", map[string][]byte{"statement": good})
		body := readBody(t, resp)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="upload-result"`) {
			t.Fatalf("upload: %d %s", resp.StatusCode, body)
		}
		noPlain(t, "the reconciliation page", body, custody)
		open, err := p.Reconcile.Differences(ctx, true)
		if err != nil || len(open) != 1 || open[0].Reference != "CFST-console-1" {
			t.Fatalf("open differences: %+v %v", open, err)
		}
		did := strconv.FormatInt(open[0].ID, 10)
		for _, who := range []string{finance, admin, auditor} {
			body := readBody(t, f.as(who, "GET", "/staff/reconcile", nil))
			if !strings.Contains(body, "CFST-console-1") || !strings.Contains(body, i18n.T(i18n.ZH, "money.reconcile.kind."+string(open[0].Kind))) {
				t.Errorf("%s: the page does not list the open difference", who)
			}
			noPlain(t, "the reconciliation page", body, custody)
		}
		// A reviewer, an admin or an auditor cannot resolve (R-STAFF-1).
		for _, who := range []string{reviewer, admin, auditor} {
			if resp := f.as(who, "POST", "/staff/reconcile/"+did+"/resolve", url.Values{"reason": {"ok"}}); resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s resolved a difference: %d", who, resp.StatusCode)
			}
		}
		resp = f.as(finance, "POST", "/staff/reconcile/"+did+"/resolve", url.Values{"reason": {"  "}})
		if body := readBody(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, i18n.T(i18n.ZH, "reconcile.reason_required")) {
			t.Errorf("a resolution without a reason: %d", resp.StatusCode)
		}
		resp = f.as(finance, "POST", "/staff/reconcile/"+did+"/correct", url.Values{"debit": {"bank:custody"}, "credit": {"psp:sandbox"},
			"amount": {"abc"}, "reason": {"入账"}})
		if body := readBody(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, i18n.T(i18n.ZH, "money.reconcile.amount")) ||
			!strings.Contains(body, `value="abc"`) {
			t.Errorf("a correction with a bad amount: %d", resp.StatusCode)
		}
		if open, _ := p.Reconcile.Differences(ctx, true); len(open) != 1 {
			t.Fatalf("a refused resolution closed the difference")
		}
		const why = "银行测试入账，已与银行核实"
		if resp := f.as(finance, "POST", "/staff/reconcile/"+did+"/resolve", url.Values{"reason": {why}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("resolve: %d %s", resp.StatusCode, readBody(t, resp))
		}
		body = readBody(t, f.as(auditor, "GET", "/staff/reconcile", nil))
		if !strings.Contains(body, why) || !strings.Contains(body, "u-finance") {
			t.Errorf("the resolved difference does not show who and why")
		}
		if e := lastAudit(t, db, "reconcile.resolve"); e.Result != audit.ResultOK || e.Actor != "staff:"+strconv.FormatInt(f.ids[staff.Finance], 10) {
			t.Errorf("the resolution is audited as %+v", e.Record)
		}
		// A correcting entry closes the next statement's extra line: the
		// ledger refuses one that takes money out of custody (R-FUND-2),
		// and posts one that books it in.
		next := bank.Day(p.BankSandbox.Now()).Format("2006-01-02")
		resp = f.upload(finance, "/staff/reconcile/upload", map[string][]byte{"statement": csvStatement(custody + "," + next + ",5.00,CRDT,R-EXTRA-1")})
		if body := readBody(t, resp); resp.StatusCode != http.StatusOK {
			t.Fatalf("CSV upload: %d %s", resp.StatusCode, body)
		}
		open, err = p.Reconcile.Differences(ctx, true)
		if err != nil || len(open) != 1 || open[0].Reference != "R-EXTRA-1" {
			t.Fatalf("open differences: %+v %v", open, err)
		}
		cid := strconv.FormatInt(open[0].ID, 10)
		resp = f.as(finance, "POST", "/staff/reconcile/"+cid+"/correct", url.Values{"debit": {"psp:sandbox"}, "credit": {"bank:custody"},
			"amount": {"5.00"}, "reason": {"银行入账"}})
		if body := readBody(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, i18n.T(i18n.ZH, "money.reconcile.entry_refused")) {
			t.Errorf("a correction taking money out of custody: %d", resp.StatusCode)
		}
		resp = f.as(finance, "POST", "/staff/reconcile/"+cid+"/correct", url.Values{"debit": {"bank:custody"}, "credit": {"psp:sandbox"},
			"amount": {"5.00"}, "memo": {"银行入账更正"}, "reason": {"银行入账，账本补记"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("correct: %d %s", resp.StatusCode, readBody(t, resp))
		}
		d, err := p.Reconcile.Difference(ctx, open[0].ID)
		if err != nil || d.Open() || d.Resolved.Correction == 0 {
			t.Fatalf("after the correction: %+v %v", d, err)
		}
		if e, err := p.Ledger.EntryByKey(ctx, "reconcile:correction:"+cid); err != nil || e.ID != d.Resolved.Correction {
			t.Errorf("the correcting entry: %+v %v", e, err)
		}
		body = readBody(t, f.as(auditor, "GET", "/staff/reconcile", nil))
		if !strings.Contains(body, "#"+strconv.FormatInt(d.Resolved.Correction, 10)) {
			t.Errorf("the resolved difference does not name its correcting entry")
		}

		// The same file again is a replay: no second run.
		resp = f.upload(finance, "/staff/reconcile/upload", map[string][]byte{"statement": good})
		if body := readBody(t, resp); resp.StatusCode != http.StatusOK || !strings.Contains(body, i18n.T(i18n.ZH, "money.reconcile.replayed", "statement.csv", 1, 1, 0, 0, 1)[:20]) {
			t.Errorf("the same file again: %d", resp.StatusCode)
		}
		if runs, _ := p.Reconcile.Runs(ctx); len(runs) != 2 {
			t.Errorf("two files made %d runs", len(runs))
		}
	})
}
