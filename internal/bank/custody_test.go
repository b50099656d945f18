package bank

import (
	"context"
	"testing"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/staff/stafftest"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

func mustStaff(t *testing.T, db *store.DB, name string, role staff.Role) staff.Staff {
	t.Helper()
	var s staff.Staff
	err := db.Write(context.Background(), func(tx *store.Tx) (err error) {
		s, _, err = staff.Create(context.Background(), tx, stafftest.Sealer(t), name, role, "correct horse battery staple 42")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func rec(by staff.Staff, action string) audit.Record {
	return audit.Record{Actor: by.Actor(), Action: action, Result: audit.ResultOK}
}

// TestCustodyRecord proves R-FUND-3: every change of the custody account
// (open, change, close) is proposed by finance, approved by an admin (four
// eyes, R-STAFF-1), recorded as reported to the ministry with date and
// reference, and only then in effect; the number is sealed and masked
// (R-PII-1).
func TestCustodyRecord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		approvals := staff.NewApprovals()
		approvals.Register(staff.KindCustodyChange, CustodyExecutor())
		s := &Service{DB: db, Bank: NewSandbox(db, nil), Vault: testVault(), Approvals: approvals}
		fin := mustStaff(t, db, "fiona", staff.Finance)
		fin2 := mustStaff(t, db, "frank", staff.Finance)
		admin := mustStaff(t, db, "adam", staff.Admin)
		reviewer := mustStaff(t, db, "rita", staff.Reviewer)
		today := time.Now()
		open := ChangeRequest{Action: ActionOpen, BankName: "中国工商银行北京分行", Number: "0200 0012 3456 7890 123", EffectiveOn: today, Reason: "开立慈善募捐专用托管账户"}

		if _, err := s.ProposeChange(ctx, rec(reviewer, "custody.propose"), reviewer, open); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("a reviewer proposing: %v, want Forbidden", err)
		}
		if _, err := s.ProposeChange(ctx, rec(fin, "custody.propose"), fin, ChangeRequest{Action: ActionOpen, Number: "12"}); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("an incomplete request: %v, want Invalid", err)
		}
		ch, err := s.ProposeChange(ctx, rec(fin, "custody.propose"), fin, open)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.ProposeChange(ctx, rec(fin2, "custody.propose"), fin2, open); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("a second change while one is under way: %v, want Conflict", err)
		}
		// Not yet approved: it cannot be reported, nor take effect.
		if err := s.ReportToMinistry(ctx, rec(fin, "custody.report"), ch.ID, today, "民函〔2026〕1号", fin); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("reporting an unapproved change: %v, want Conflict", err)
		}
		decide := func(by staff.Staff) error {
			return db.Write(ctx, func(tx *store.Tx) error {
				_, err := approvals.Decide(ctx, tx, by, ch.ProposalID, true, "")
				return err
			})
		}
		if err := decide(fin2); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("finance approving: %v, want Forbidden (admins approve)", err)
		}
		if err := decide(admin); err != nil {
			t.Fatal(err)
		}
		if err := s.MakeEffective(ctx, rec(fin2, "custody.effective"), ch.ID, fin2); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("making an unreported change effective: %v, want Conflict", err)
		}
		if err := s.ReportToMinistry(ctx, rec(fin, "custody.report"), ch.ID, today.AddDate(0, 0, 2), "民函〔2026〕1号", fin); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("a report dated in the future: %v, want Invalid", err)
		}
		if err := s.ReportToMinistry(ctx, rec(fin, "custody.report"), ch.ID, today, "民函〔2026〕1号", fin); err != nil {
			t.Fatal(err)
		}
		if err := s.MakeEffective(ctx, rec(fin, "custody.effective"), ch.ID, fin); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("the proposer putting it in force: %v, want Forbidden", err)
		}
		if accts, _ := s.CustodyAccounts(ctx); len(accts) != 0 {
			t.Errorf("an account exists before the change took effect: %v", accts)
		}
		if err := s.MakeEffective(ctx, rec(admin, "custody.effective"), ch.ID, admin); err != nil {
			t.Fatal(err)
		}
		accts, err := s.CustodyAccounts(ctx)
		if err != nil || len(accts) != 1 || accts[0].State != "open" || accts[0].AccountMasked == "" {
			t.Fatalf("CustodyAccounts = %v, %v; want one open account", accts, err)
		}
		var n int
		if err := db.Read(ctx, func(tx *store.Tx) error {
			return tx.QueryRowContext(ctx, `SELECT count(*) FROM custody_accounts WHERE account_masked LIKE '%34567890%'`).Scan(&n)
		}); err != nil || n != 0 {
			t.Errorf("the number is not masked (%d, %v)", n, err)
		}

		// Closing goes the same way.
		closing, err := s.ProposeChange(ctx, rec(fin, "custody.propose"), fin,
			ChangeRequest{Action: ActionClose, AccountID: accts[0].ID, EffectiveOn: today, Reason: "更换托管银行"})
		if err != nil {
			t.Fatal(err)
		}
		ch = closing
		if err := decide(admin); err != nil {
			t.Fatal(err)
		}
		if err := s.ReportToMinistry(ctx, rec(fin2, "custody.report"), ch.ID, today, "民函〔2026〕2号", fin2); err != nil {
			t.Fatal(err)
		}
		if err := s.MakeEffective(ctx, rec(fin2, "custody.effective"), ch.ID, fin2); err != nil {
			t.Fatal(err)
		}
		changes, err := s.CustodyChanges(ctx)
		if err != nil || len(changes) != 2 {
			t.Fatalf("CustodyChanges = %v, %v", changes, err)
		}
		for _, c := range changes {
			if c.State != ChangeEffective || c.ReportRef == "" || c.ReportedOn.IsZero() || c.ApprovedBy != admin.ID {
				t.Errorf("change %+v, want effective, reported with a reference, approved by the admin", c)
			}
		}
		if accts, _ := s.CustodyAccounts(ctx); accts[0].State != "closed" {
			t.Errorf("the account is %s, want closed", accts[0].State)
		}
	})
}
