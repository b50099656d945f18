package charitypay_test

import (
	"context"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/charitypay"
	"github.com/carefund/carefund/internal/keyring"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/staff/stafftest"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
	"github.com/carefund/carefund/internal/vault"
)

type fixture struct {
	t   *testing.T
	ctx context.Context
	db  *store.DB
	l   *ledger.Ledger
	svc *charitypay.Service
	st  *staff.Service
	who map[string]staff.Staff
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	keys := &keyring.Keys{}
	rand.Read(keys.Master[:])
	rand.Read(keys.Index[:])
	v := vault.New(keys)
	approvals := staff.NewApprovals()
	approvals.Register(staff.KindCharityRecipient, charitypay.RecipientExecutor(v))
	approvals.Register(staff.KindCharityTransfer, charitypay.TransferExecutor())
	l := ledger.New(db, ledger.Options{})
	t.Cleanup(l.Close)
	f := &fixture{t: t, ctx: context.Background(), db: db, l: l,
		svc: &charitypay.Service{DB: db, Ledger: l, Vault: v, Approvals: approvals},
		st:  &staff.Service{DB: db, Approvals: approvals}, who: map[string]staff.Staff{}}
	for name, role := range map[string]staff.Role{"fay": staff.Finance, "fred": staff.Finance, "adam": staff.Admin, "rita": staff.Reviewer} {
		if err := db.Write(f.ctx, func(tx *store.Tx) (err error) {
			f.who[name], _, err = staff.Create(f.ctx, tx, stafftest.Sealer(t), name, role, "correct horse battery")
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func rec(s staff.Staff, action string) audit.Record {
	return audit.Record{Actor: s.Actor(), Action: action, Result: audit.ResultOK}
}

func (f *fixture) decide(name string, id int64, approve bool) error {
	return f.st.Decide(f.ctx, rec(f.who[name], "approval.decide"), f.who[name], id, approve, "")
}

func (f *fixture) post(e ledger.Entry) {
	f.t.Helper()
	if _, err := f.l.Post(f.ctx, e); err != nil {
		f.t.Fatalf("posting %s: %v", e.Key, err)
	}
}

func (f *fixture) balance(account string) money.Fen {
	f.t.Helper()
	b, err := f.l.Balance(f.ctx, account)
	if err != nil {
		f.t.Fatal(err)
	}
	return b
}

var foundation = charitypay.Draft{Name: "某某慈善基金会", CreditCode: "5310000050001234X6", CertificateRef: "基金会法人登记证书 1234",
	BankName: "中国工商银行北京分行", Account: "0200001234567890123", Reason: "registered foundation, certificate checked"}

// addRecipient proposes the foundation as fay and has fred approve it.
func (f *fixture) addRecipient() charitypay.Recipient {
	f.t.Helper()
	p, err := f.svc.ProposeRecipient(f.ctx, rec(f.who["fay"], "charity_recipient.propose"), f.who["fay"], foundation)
	if err != nil {
		f.t.Fatal(err)
	}
	if err := f.decide("fred", p.ID, true); err != nil {
		f.t.Fatal(err)
	}
	rs, err := f.svc.Recipients(f.ctx)
	if err != nil || len(rs) != 1 {
		f.t.Fatalf("recipients %+v %v", rs, err)
	}
	return rs[0]
}

// fund puts interest of December 2026 (80.00) and unrefundable money of
// refund run 4 of request 9 (40.00) on charity:payable, as reconcile and
// the refund service post them.
func (f *fixture) fund() {
	f.t.Helper()
	f.post(ledger.Transfer("statement:SBX1", "interest", "bank:custody", "charity:payable", 80_00))
	storetest.Exec(f.t, f.db, `INSERT INTO statement_credits (line_key, kind, amount, booked_on, entry_id, matched_by, created_at)
		SELECT 'SBX1', 'interest', 8000, '2026-12-21', id, 'system', 0 FROM ledger_entries WHERE idem_key = 'statement:SBX1'`)
	f.post(ledger.Transfer("donation:sandbox:t1", "donation", "psp:sandbox", "request:9", 40_00))
	f.post(ledger.Transfer("refund:77", "refund", "request:9", "payable:refund:4", 40_00))
	f.post(ledger.Transfer("refund:77:charity", "refund_to_charity", "payable:refund:4", "charity:payable", 40_00))
}

// TestRecipientsFourEyes: a recipient is added only when a second person
// approves; its account is sealed and shown masked; a code that is not a
// charity's is refused. R-STAFF-1, R-CHAR-1, R-PII-1.
func TestRecipientsFourEyes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		p, err := f.svc.ProposeRecipient(f.ctx, rec(f.who["fay"], "charity_recipient.propose"), f.who["fay"], foundation)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.decide("fay", p.ID, true); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("the proposer approving: %v, want Forbidden", err)
		}
		if rs, _ := f.svc.Recipients(f.ctx); len(rs) != 0 {
			t.Fatalf("a recipient before approval: %+v", rs)
		}
		if err := f.decide("adam", p.ID, true); err != nil {
			t.Fatal(err)
		}
		rs, err := f.svc.Recipients(f.ctx)
		if err != nil || len(rs) != 1 || !rs[0].Active || rs[0].Masked == foundation.Account || rs[0].Account != "" ||
			rs[0].ProposedBy != f.who["fay"].ID || rs[0].ApprovedBy != f.who["adam"].ID {
			t.Fatalf("recipients %+v %v", rs, err)
		}
		var raw []byte
		if err := db.Read(f.ctx, func(tx *store.Tx) error {
			return tx.QueryRowContext(f.ctx, "SELECT account_sealed FROM charity_recipients").Scan(&raw)
		}); err != nil || len(raw) == 0 || string(raw) == foundation.Account {
			t.Errorf("account stored %q, %v; want sealed", raw, err)
		}
		company := foundation
		company.CreditCode = "91110000100000008J"
		if _, err := f.svc.ProposeRecipient(f.ctx, rec(f.who["fay"], "charity_recipient.propose"), f.who["fay"], company); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("a company's code: %v, want Invalid", err)
		}
		if _, err := f.svc.ProposeRecipient(f.ctx, rec(f.who["rita"], "charity_recipient.propose"), f.who["rita"], foundation); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("a reviewer proposing: %v, want Forbidden", err)
		}
	})
}

func proposal(recipient int64) charitypay.Proposal {
	return charitypay.Proposal{RecipientID: recipient, Amount: 100_00, Note: "interest of Q4 and run 4's unrefundable money",
		Sources: []charitypay.Source{{Kind: charitypay.SourceInterest, Period: "2026-12", Amount: 70_00},
			{Kind: charitypay.SourceRefund, Period: "4", RequestID: 9, Amount: 30_00}}}
}

// TestTransfer: a transfer is refused over the balance and to an
// unapproved recipient; its proposer cannot approve it; approved, it is
// sent once, and paid posts charity:payable → bank:custody once however
// often the bank says so; the public account equals the ledger. R-CHAR-1,
// R-STAFF-1, R-FUND-2, R-DISC-2.
func TestTransfer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.fund()
		// No recipient approved yet.
		if _, err := f.svc.Propose(f.ctx, rec(f.who["fay"], "charity_transfer.propose"), f.who["fay"], proposal(1)); !errors.Is(err, charitypay.ErrRecipient) {
			t.Errorf("to an unapproved recipient: %v, want ErrRecipient", err)
		}
		r := f.addRecipient()
		over := proposal(r.ID)
		over.Amount, over.Sources[0].Amount = 130_00, 100_00
		if _, err := f.svc.Propose(f.ctx, rec(f.who["fay"], "charity_transfer.propose"), f.who["fay"], over); !errors.Is(err, charitypay.ErrOverBalance) {
			t.Errorf("over the balance: %v, want ErrOverBalance", err)
		}
		tr, err := f.svc.Propose(f.ctx, rec(f.who["fay"], "charity_transfer.propose"), f.who["fay"], proposal(r.ID))
		if err != nil {
			t.Fatal(err)
		}
		// The balance left is 20.00 while the first is in flight.
		second := proposal(r.ID)
		second.Amount, second.Sources = 20_01, []charitypay.Source{{Kind: charitypay.SourceInterest, Period: "2026-12", Amount: 10_00},
			{Kind: charitypay.SourceRefund, Period: "4", RequestID: 9, Amount: 10_01}}
		if _, err := f.svc.Propose(f.ctx, rec(f.who["fay"], "charity_transfer.propose"), f.who["fay"], second); !errors.Is(err, charitypay.ErrOverBalance) {
			t.Errorf("over what the first left: %v, want ErrOverBalance", err)
		}
		if err := f.decide("fay", tr.ProposalID, true); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("the proposer approving: %v, want Forbidden", err)
		}
		if ready, _ := f.svc.Ready(f.ctx, 10); len(ready) != 0 {
			t.Fatalf("ready before approval: %+v", ready)
		}
		if err := f.decide("fred", tr.ProposalID, true); err != nil {
			t.Fatal(err)
		}
		ready, err := f.svc.Ready(f.ctx, 10)
		if err != nil || len(ready) != 1 || ready[0].Account != foundation.Account || ready[0].TransferID != charitypay.BankTransferID(tr.ID) || ready[0].Amount != 100_00 {
			t.Fatalf("ready %+v %v", ready, err)
		}
		for range 2 {
			if err := f.svc.Sending(f.ctx, ready[0].ID); err != nil {
				t.Fatal(err)
			}
		}
		if ready, _ := f.svc.Ready(f.ctx, 10); len(ready) != 0 {
			t.Fatalf("ready after sending: %+v", ready)
		}
		for range 3 {
			if err := f.svc.Settle(f.ctx, ready[0].TransferID, charitypay.Outcome{Status: "paid"}); err != nil {
				t.Fatal(err)
			}
		}
		if got := f.balance("charity:payable"); got != 20_00 {
			t.Errorf("charity:payable = %s, want 20.00: the transfer posted once", got)
		}
		e, err := f.l.EntryByKey(f.ctx, "custody:"+ready[0].TransferID)
		if err != nil || e.Kind != "charity_transfer" {
			t.Errorf("entry custody:%s %+v %v", ready[0].TransferID, e, err)
		}
		if err := f.svc.Settle(f.ctx, ready[0].TransferID, charitypay.Outcome{Status: "rejected"}); !errors.Is(err, charitypay.ErrState) {
			t.Errorf("a rejection after payment: %v, want ErrState", err)
		}
		if err := f.svc.Settle(f.ctx, "CFCT99", charitypay.Outcome{Status: "paid"}); !errors.Is(err, charitypay.ErrUnknownTransfer) {
			t.Errorf("an unknown transfer: %v, want ErrUnknownTransfer", err)
		}
		sum, err := f.svc.Public(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !sum.Consistent() || sum.Held != f.balance("charity:payable") || sum.Interest != 80_00 || sum.Unrefundable != 40_00 || sum.Paid != 100_00 {
			t.Errorf("public summary %+v does not equal the ledger", sum)
		}
		if len(sum.Transfers) != 1 || sum.Transfers[0].Recipient != foundation.Name || sum.Transfers[0].CreditCode != foundation.CreditCode ||
			len(sum.Transfers[0].Sources) != 2 || sum.Transfers[0].PaidOn.IsZero() {
			t.Errorf("public transfers %+v", sum.Transfers)
		}
		// What is left by source: interest 10.00, run 4 10.00.
		a, err := f.svc.Available(f.ctx)
		if err != nil || a.Free() != 20_00 || a.BySource["interest/2026-12"] != 10_00 || a.BySource["refund_to_charity/4"] != 10_00 {
			t.Errorf("available %+v %v", a, err)
		}
	})
}

// TestTransferRejectedAndReturned: a transfer the bank rejects posts
// nothing and frees its amount; one returned after payment puts the money
// back on charity:payable, once. R-CHAR-1, R-FUND-2.
func TestTransferRejectedAndReturned(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.fund()
		r := f.addRecipient()
		send := func() string {
			t.Helper()
			tr, err := f.svc.Propose(f.ctx, rec(f.who["fay"], "charity_transfer.propose"), f.who["fay"], proposal(r.ID))
			if err != nil {
				t.Fatal(err)
			}
			if err := f.decide("adam", tr.ProposalID, true); err != nil {
				t.Fatal(err)
			}
			if err := f.svc.Sending(f.ctx, tr.ID); err != nil {
				t.Fatal(err)
			}
			return charitypay.BankTransferID(tr.ID)
		}
		first := send()
		if err := f.svc.Settle(f.ctx, first, charitypay.Outcome{Status: "rejected", Reason: "AC04"}); err != nil {
			t.Fatal(err)
		}
		if got := f.balance("charity:payable"); got != 120_00 {
			t.Errorf("after a rejection charity:payable = %s, want 120.00", got)
		}
		second := send() // the rejected one's amount is free again
		for range 2 {
			if err := f.svc.Settle(f.ctx, second, charitypay.Outcome{Status: "returned", Reason: "AC04"}); err != nil {
				t.Fatal(err)
			}
		}
		if got := f.balance("charity:payable"); got != 120_00 {
			t.Errorf("after paid and returned charity:payable = %s, want 120.00", got)
		}
		ts, err := f.svc.Transfers(f.ctx)
		if err != nil || len(ts) != 2 || ts[0].State != charitypay.Rejected || ts[1].State != charitypay.Returned || ts[0].Reason != "AC04" {
			t.Fatalf("transfers %+v %v", ts, err)
		}
		sum, err := f.svc.Public(f.ctx)
		if err != nil || !sum.Consistent() || sum.Paid != 0 {
			t.Errorf("public summary %+v %v", sum, err)
		}
	})
}
