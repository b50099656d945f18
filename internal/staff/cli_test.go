package staff

import (
	"context"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/staff/stafftest"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

func auditEntries(t *testing.T, db *store.DB, f audit.Filter) []audit.Entry {
	t.Helper()
	var got []audit.Entry
	if err := db.Read(context.Background(), func(tx *store.Tx) (err error) {
		got, err = audit.List(context.Background(), tx, f)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

// R-STAFF-1, R-ACC-2: a privileged account created from the command line,
// once the installation has a security admin, is not active: it waits for a
// second staff member's approval on the approvals page; it cannot approve
// itself, nor can a role that may not approve; an approval activates it.
// The first security admin (bootstrap) and unprivileged roles are active at
// once. Every creation is in the audit log under the command line's actor,
// without the password.
func TestCreateAccountFromCLI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := &Service{DB: db, Sealer: stafftest.Sealer(t), Approvals: NewApprovals()}
		rec := audit.Record{Actor: "cli:root", Action: "staff.create", Result: audit.ResultOK, Source: "cli"}
		create := func(name string, role Role) Created {
			t.Helper()
			c, err := s.CreateAccount(ctx, rec, name, role, testPassword)
			if err != nil {
				t.Fatalf("CreateAccount(%s, %s): %v", name, role, err)
			}
			return c
		}

		// Bootstrap: no security admin yet, so even an admin is active.
		first := create("first.admin", Admin)
		sec := create("sec", SecurityAdmin)
		if first.Proposal != 0 || first.Disabled || sec.Proposal != 0 || sec.Disabled {
			t.Fatalf("bootstrap accounts pending: %+v %+v", first, sec)
		}
		// Unprivileged roles never wait.
		rev := create("rita", Reviewer)
		if rev.Proposal != 0 || rev.Disabled {
			t.Fatalf("reviewer pending: %+v", rev)
		}
		for _, role := range []Role{Admin, SecurityAdmin, Finance} {
			c := create("new."+strings.ReplaceAll(string(role), "_", "-"), role)
			if c.Proposal == 0 || !get(t, db, c.ID).Disabled {
				t.Fatalf("%s created active from the command line with a security admin present: %+v", role, c)
			}
		}
		pending := create("mallory", Admin)

		// The pending account cannot sign in.
		signer := newSigner(t, db)
		if _, err := signer.signIn("mallory", testPassword, "000000"); apperr.CodeOf(err) != apperr.Unauthorized {
			t.Fatalf("pending account signs in: %v", err)
		}

		decide := func(by Staff, approve bool) error {
			return s.Decide(ctx, audit.Record{Actor: by.Actor(), Action: "approval.decide", Result: audit.ResultOK}, by, pending.Proposal, approve, "")
		}
		// Not by itself, not by a reviewer.
		if err := decide(pending.Staff, true); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("the pending account approved itself: %v", err)
		}
		if err := decide(rev.Staff, true); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("a reviewer approved an admin account: %v", err)
		}
		if get(t, db, pending.ID).Disabled != true {
			t.Fatal("activated without a valid approval")
		}
		// A different security admin approves: the account is active.
		if err := decide(sec.Staff, true); err != nil {
			t.Fatalf("approval: %v", err)
		}
		if get(t, db, pending.ID).Disabled {
			t.Fatal("still disabled after the approval")
		}
		if err := decide(first.Staff, true); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("decided twice: %v", err)
		}

		// Audit: one entry per creation, by the command line, naming the
		// account, never the password.
		got := auditEntries(t, db, audit.Filter{Actor: "cli:root", Action: "staff.create"})
		if len(got) != 7 {
			t.Fatalf("%d creation entries, want 7: %+v", len(got), got)
		}
		for _, e := range got {
			if !strings.HasPrefix(e.Object, "staff:") || strings.Contains(e.Detail, testPassword) {
				t.Errorf("entry %+v", e.Record)
			}
		}
		if e := auditEntries(t, db, audit.Filter{Object: pending.Actor(), Action: "staff.create"}); len(e) != 1 ||
			!strings.Contains(e[0].Detail, "pending approval") {
			t.Errorf("the pending creation's entry: %+v", e)
		}
	})
}

// R-STAFF-1: a rejected account stays disabled.
func TestCreateAccountRejected(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := &Service{DB: db, Sealer: stafftest.Sealer(t), Approvals: NewApprovals()}
		rec := audit.Record{Actor: "cli:root", Action: "staff.create", Result: audit.ResultOK}
		sec, err := s.CreateAccount(ctx, rec, "sec", SecurityAdmin, testPassword)
		if err != nil {
			t.Fatal(err)
		}
		fin, err := s.CreateAccount(ctx, rec, "fred", Finance, testPassword)
		if err != nil || fin.Proposal == 0 {
			t.Fatalf("%+v %v", fin, err)
		}
		if err := s.Decide(ctx, audit.Record{Actor: sec.Actor(), Action: "approval.decide", Result: audit.ResultOK}, sec.Staff, fin.Proposal, false, "unknown person"); err != nil {
			t.Fatal(err)
		}
		if !get(t, db, fin.ID).Disabled {
			t.Error("a rejected account is active")
		}
	})
}

// R-ACC-2: unlocking from the command line lifts the lock and is audited.
func TestUnlockUsername(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := mustCreate(t, db, "alice", Finance)
		sg := newSigner(t, db)
		for range MaxFailures {
			sg.signIn("alice", "wrong password!", sg.code(a))
		}
		if !get(t, db, a.ID).Locked {
			t.Fatal("not locked")
		}
		s := &Service{DB: db, Sealer: stafftest.Sealer(t)}
		rec := audit.Record{Actor: "cli:root", Action: "staff.unlock", Result: audit.ResultOK}
		if _, err := s.UnlockUsername(ctx, rec, "ALICE"); err != nil {
			t.Fatal(err)
		}
		if get(t, db, a.ID).Locked {
			t.Error("still locked")
		}
		if e := auditEntries(t, db, audit.Filter{Actor: "cli:root", Action: "staff.unlock", Object: a.Actor()}); len(e) != 1 {
			t.Errorf("unlock entries %+v", e)
		}
		if _, err := s.UnlockUsername(ctx, rec, "nobody"); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("unknown username: %v", err)
		}
	})
}
