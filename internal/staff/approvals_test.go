package staff

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/store/storetest"
)

// R-STAFF-1: the four-eyes table covers every sensitive kind, names only
// real roles, and never lets an auditor change anything.
func TestPolicies(t *testing.T) {
	for _, k := range []Kind{KindPayout, KindPublishHighRisk, KindBlacklist, KindRoleChange, KindHospital, KindCustodyChange, KindTermination} {
		p, ok := Policies[k]
		if !ok || len(p.Proposers) == 0 || len(p.Approvers) == 0 {
			t.Errorf("%s: policy %+v", k, p)
		}
		for _, r := range slices.Concat(p.Proposers, p.Approvers) {
			if _, err := ParseRole(string(r)); err != nil {
				t.Errorf("%s names unknown role %q", k, r)
			}
			if r == Auditor {
				t.Errorf("%s lets an auditor act", k)
			}
		}
	}
	if !slices.Contains(Policies[KindPayout].Proposers, Finance) || slices.Contains(Policies[KindPayout].Proposers, Reviewer) {
		t.Errorf("payout proposers %v: finance proposes, reviewers never", Policies[KindPayout].Proposers)
	}
}

// team is a set of staff for approval tests.
type team struct {
	admin1, admin2, sec, reviewer, finance Staff
}

func newTeam(t *testing.T, db *store.DB) team {
	return team{
		admin1:   mustCreate(t, db, "admin1", Admin).Staff,
		admin2:   mustCreate(t, db, "admin2", Admin).Staff,
		sec:      mustCreate(t, db, "sec", SecurityAdmin).Staff,
		reviewer: mustCreate(t, db, "rita", Reviewer).Staff,
		finance:  mustCreate(t, db, "fred", Finance).Staff,
	}
}

func propose(t *testing.T, db *store.DB, a *Approvals, by Staff, k Kind, object string, payload any, reason string) (Proposal, error) {
	t.Helper()
	var p Proposal
	err := db.Write(context.Background(), func(tx *store.Tx) (err error) {
		p, err = a.Propose(context.Background(), tx, by, k, object, payload, reason)
		return err
	})
	return p, err
}

func decide(t *testing.T, db *store.DB, a *Approvals, by Staff, id int64, approve bool, note string) (Proposal, error) {
	t.Helper()
	var p Proposal
	err := db.Write(context.Background(), func(tx *store.Tx) (err error) {
		p, err = a.Decide(context.Background(), tx, by, id, approve, note)
		return err
	})
	return p, err
}

func proposal(t *testing.T, db *store.DB, id int64) Proposal {
	t.Helper()
	var p Proposal
	if err := db.Read(context.Background(), func(tx *store.Tx) (err error) {
		p, err = GetProposal(context.Background(), tx, id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return p
}

// R-STAFF-1: who may propose what.
func TestPropose(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		tm := newTeam(t, db)
		a := NewApprovals()
		toFinance := RoleChange{StaffID: tm.reviewer.ID, Role: Finance}
		tests := []struct {
			name    string
			by      Staff
			kind    Kind
			payload any
			reason  string
			code    apperr.Code
			key     string
		}{
			{"admin proposes a role change", tm.admin1, KindRoleChange, toFinance, "moves to finance", "", ""},
			{"security admin proposes a role change", tm.sec, KindRoleChange, toFinance, "moves to finance", "", ""},
			{"finance proposes a payout", tm.finance, KindPayout, map[string]int64{"payout_id": 3}, "hospital invoice", "", ""},
			{"reviewer may not change roles", tm.reviewer, KindRoleChange, RoleChange{StaffID: tm.finance.ID, Role: Admin}, "why not", apperr.Forbidden, "staff.not_proposer"},
			{"reviewer may not pay out", tm.reviewer, KindPayout, map[string]int64{"payout_id": 3}, "hospital invoice", apperr.Forbidden, "staff.not_proposer"},
			{"own role change", tm.admin1, KindRoleChange, RoleChange{StaffID: tm.admin1.ID, Role: SecurityAdmin}, "promote me", apperr.Forbidden, "staff.own_role_change"},
			{"stale role claimed", Staff{ID: tm.reviewer.ID, Role: Admin}, KindRoleChange, toFinance, "claims admin", apperr.Forbidden, "staff.not_proposer"},
			{"no reason", tm.admin1, KindRoleChange, toFinance, "  ", apperr.Invalid, "staff.reason_required"},
			{"unknown kind", tm.admin1, "ledger.rewrite", nil, "because", apperr.Invalid, "staff.kind_unknown"},
			{"unknown role", tm.admin1, KindRoleChange, RoleChange{StaffID: tm.reviewer.ID, Role: "root"}, "because", apperr.Invalid, "staff.role_unknown"},
			{"unknown staff", tm.admin1, KindRoleChange, RoleChange{StaffID: 999, Role: Finance}, "because", apperr.NotFound, "staff.not_found"},
			{"same role", tm.admin1, KindRoleChange, RoleChange{StaffID: tm.reviewer.ID, Role: Reviewer}, "because", apperr.Invalid, "staff.role_unchanged"},
			{"bad payload", tm.admin1, KindRoleChange, "staff 4 to finance", "because", apperr.Invalid, "staff.payload_invalid"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p, err := propose(t, db, a, tt.by, tt.kind, "staff:4", tt.payload, tt.reason)
				if tt.code != "" {
					wantCode(t, err, tt.code, tt.key)
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if p.Status != Pending || p.ProposedBy != tt.by.ID || p.ProposedAt.IsZero() || p.DecidedBy != 0 || !p.DecidedAt.IsZero() {
					t.Errorf("Propose = %+v", p)
				}
				if got := proposal(t, db, p.ID); got.ProposedAt != p.ProposedAt || string(got.Payload) != string(p.Payload) || got.Reason != tt.reason {
					t.Errorf("GetProposal = %+v, want %+v", got, p)
				}
			})
		}
		t.Run("disabled proposer", func(t *testing.T) {
			write(t, db, func(ctx context.Context, tx *store.Tx) error { return SetDisabled(ctx, tx, tm.sec.ID, true) })
			_, err := propose(t, db, a, tm.sec, KindRoleChange, "staff:4", toFinance, "moves to finance")
			wantCode(t, err, apperr.Forbidden, "staff.account_inactive")
		})
	})
}

// R-STAFF-1: a role change takes effect only when a second, different staff
// member with an approving role approves it, and then in the approving
// transaction.
func TestDecideRoleChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tm := newTeam(t, db)
		a := NewApprovals()
		p, err := propose(t, db, a, tm.admin1, KindRoleChange, tm.reviewer.Actor(), RoleChange{StaffID: tm.reviewer.ID, Role: Finance}, "moves to the finance team")
		if err != nil {
			t.Fatal(err)
		}

		t.Run("own proposal refused", func(t *testing.T) {
			_, err := decide(t, db, a, tm.admin1, p.ID, true, "")
			wantCode(t, err, apperr.Forbidden, "staff.own_proposal")
		})
		t.Run("wrong role refused", func(t *testing.T) {
			_, err := decide(t, db, a, tm.finance, p.ID, true, "")
			wantCode(t, err, apperr.Forbidden, "staff.not_approver")
		})
		t.Run("subject refused", func(t *testing.T) {
			q, err := propose(t, db, a, tm.admin1, KindRoleChange, tm.sec.Actor(), RoleChange{StaffID: tm.sec.ID, Role: Admin}, "reorganisation")
			if err != nil {
				t.Fatal(err)
			}
			_, err = decide(t, db, a, tm.sec, q.ID, true, "")
			wantCode(t, err, apperr.Forbidden, "staff.own_role_change")
		})
		if got := get(t, db, tm.reviewer.ID).Role; got != Reviewer {
			t.Fatalf("role %s before approval", got)
		}
		if got := proposal(t, db, p.ID).Status; got != Pending {
			t.Fatalf("status %s after refused decisions", got)
		}

		t.Run("approval executes in the same transaction", func(t *testing.T) {
			rollback := errors.New("roll back")
			err := db.Write(ctx, func(tx *store.Tx) error {
				if _, err := a.Decide(ctx, tx, tm.admin2, p.ID, true, "agreed"); err != nil {
					return err
				}
				s, err := Get(ctx, tx, tm.reviewer.ID)
				if err != nil {
					return err
				}
				if s.Role != Finance {
					t.Errorf("role %s inside the approving transaction, want finance", s.Role)
				}
				return rollback
			})
			if !errors.Is(err, rollback) {
				t.Fatal(err)
			}
			// Rolled back together: the role and the approval.
			if got := get(t, db, tm.reviewer.ID).Role; got != Reviewer {
				t.Errorf("role %s after the approval rolled back", got)
			}
			if got := proposal(t, db, p.ID).Status; got != Pending {
				t.Errorf("status %s after the approval rolled back", got)
			}
		})
		t.Run("approval by a second admin", func(t *testing.T) {
			got, err := decide(t, db, a, tm.admin2, p.ID, true, "agreed")
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != Approved || got.DecidedBy != tm.admin2.ID || got.DecidedAt.IsZero() || got.DecisionNote != "agreed" || got.ProposedBy != tm.admin1.ID {
				t.Errorf("Decide = %+v", got)
			}
			if stored := proposal(t, db, p.ID); stored.Status != Approved || stored.DecidedBy != tm.admin2.ID || stored.DecidedAt != got.DecidedAt {
				t.Errorf("stored %+v", stored)
			}
			if role := get(t, db, tm.reviewer.ID).Role; role != Finance {
				t.Errorf("role %s after approval, want finance", role)
			}
		})
		t.Run("double decide refused", func(t *testing.T) {
			_, err := decide(t, db, a, tm.sec, p.ID, false, "too late")
			wantCode(t, err, apperr.Conflict, "staff.proposal_decided")
			if got := proposal(t, db, p.ID); got.Status != Approved || got.DecidedBy != tm.admin2.ID {
				t.Errorf("after a second decision: %+v", got)
			}
		})
		t.Run("unknown proposal", func(t *testing.T) {
			_, err := decide(t, db, a, tm.admin2, 999, true, "")
			wantCode(t, err, apperr.NotFound, "staff.proposal_not_found")
		})
	})
}

// R-STAFF-1: a rejected role change leaves the role as it was.
func TestDecideReject(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		tm := newTeam(t, db)
		a := NewApprovals()
		p, err := propose(t, db, a, tm.sec, KindRoleChange, tm.reviewer.Actor(), RoleChange{StaffID: tm.reviewer.ID, Role: Admin}, "needs admin")
		if err != nil {
			t.Fatal(err)
		}
		got, err := decide(t, db, a, tm.admin1, p.ID, false, "no need")
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != Rejected || got.DecidedBy != tm.admin1.ID || got.DecisionNote != "no need" {
			t.Errorf("Decide = %+v", got)
		}
		if role := get(t, db, tm.reviewer.ID).Role; role != Reviewer {
			t.Errorf("role %s after rejection", role)
		}
		_, err = decide(t, db, a, tm.admin2, p.ID, true, "")
		wantCode(t, err, apperr.Conflict, "staff.proposal_decided")
		if role := get(t, db, tm.reviewer.ID).Role; role != Reviewer {
			t.Errorf("role %s after approving a rejected proposal", role)
		}
	})
}

// R-STAFF-1: an executor that fails leaves the proposal pending; a kind
// without an executor cannot be approved.
func TestDecideExecutors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		tm := newTeam(t, db)
		a := NewApprovals()
		p, err := propose(t, db, a, tm.finance, KindPayout, "payout:3", map[string]int64{"payout_id": 3}, "hospital invoice")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := decide(t, db, a, tm.admin1, p.ID, true, ""); err == nil {
			t.Fatal("approved a kind with no executor")
		}
		boom := apperr.New(apperr.Conflict, "payout.insufficient")
		// The executors assign, not append: a transaction may run twice.
		var failed, ran Proposal
		a.Register(KindPayout, func(_ context.Context, _ *store.Tx, p Proposal) error {
			failed = p
			return boom
		})
		if _, err := decide(t, db, a, tm.admin1, p.ID, true, ""); !errors.Is(err, boom) {
			t.Fatalf("Decide: %v, want the executor's error", err)
		}
		if got := proposal(t, db, p.ID).Status; got != Pending {
			t.Errorf("status %s after the executor failed", got)
		}
		a.Register(KindPayout, func(_ context.Context, _ *store.Tx, p Proposal) error {
			ran = p
			return nil
		})
		if _, err := decide(t, db, a, tm.admin1, p.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		if failed.ID != p.ID {
			t.Errorf("the failing executor saw %+v", failed)
		}
		if ran.ID != p.ID || ran.DecidedBy != tm.admin1.ID || string(ran.Payload) != `{"payout_id":3}` {
			t.Errorf("executor saw %+v", ran)
		}
		var pending, all []Proposal
		if err := db.Read(context.Background(), func(tx *store.Tx) (err error) {
			if pending, err = ListProposals(context.Background(), tx, Pending); err != nil {
				return err
			}
			all, err = ListProposals(context.Background(), tx, "")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(pending) != 0 || len(all) != 1 || all[0].Status != Approved {
			t.Errorf("ListProposals: pending %+v, all %+v", pending, all)
		}
	})
}

// R-STAFF-1: the database itself refuses a proposal decided by its proposer
// and any change to a decided proposal, whatever the application does.
func TestProposalSchema(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tm := newTeam(t, db)
		a := NewApprovals()
		p, err := propose(t, db, a, tm.admin1, KindRoleChange, "", RoleChange{StaffID: tm.reviewer.ID, Role: Finance}, "moves")
		if err != nil {
			t.Fatal(err)
		}
		q, err := propose(t, db, a, tm.admin1, KindRoleChange, "", RoleChange{StaffID: tm.finance.ID, Role: Reviewer}, "moves")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := decide(t, db, a, tm.admin2, q.ID, false, "no"); err != nil {
			t.Fatal(err)
		}
		for name, stmt := range map[string]string{
			"self-approval":      "UPDATE staff_proposals SET status = 'approved', decided_by = proposed_by, decided_at = 1 WHERE id = " + itoa(p.ID),
			"approve undecided":  "UPDATE staff_proposals SET status = 'approved' WHERE id = " + itoa(p.ID),
			"change decided":     "UPDATE staff_proposals SET status = 'approved' WHERE id = " + itoa(q.ID),
			"rewrite payload":    "UPDATE staff_proposals SET payload = '{}' WHERE id = " + itoa(p.ID),
			"delete proposal":    "DELETE FROM staff_proposals WHERE id = " + itoa(p.ID),
			"delete staff":       "DELETE FROM staff WHERE id = " + itoa(tm.finance.ID),
			"rename staff":       "UPDATE staff SET username = 'other' WHERE id = " + itoa(tm.finance.ID),
			"upper-case account": "INSERT INTO staff (username, role, password_hash, totp_sealed, created_at, updated_at) VALUES ('Bob', 'admin', '$argon2id$x', 'x', 1, 1)",
		} {
			t.Run(name, func(t *testing.T) {
				err := db.Write(ctx, func(tx *store.Tx) error {
					_, err := tx.ExecContext(ctx, stmt)
					return err
				})
				if err == nil {
					t.Errorf("the database accepted %s", stmt)
				}
			})
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// R-STAFF-1: a reason or note too long to read is refused, not stored.
func TestProposalTextLimits(t *testing.T) {
	long := strings.Repeat("长", MaxReason+1)
	a := NewApprovals()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := a.Propose(ctx, tx, Staff{ID: 1, Role: Admin}, KindRoleChange, "staff:2", RoleChange{StaffID: 2, Role: Finance}, long)
			return err
		})
		if e := apperr.As(err); e == nil || len(e.Fields) == 0 || e.Fields[0].Key != "staff.reason_long" {
			t.Errorf("an over-long reason: %v", err)
		}
		err = db.Write(ctx, func(tx *store.Tx) error {
			_, err := a.Decide(ctx, tx, Staff{ID: 3, Role: Admin}, 1, false, long)
			return err
		})
		if e := apperr.As(err); e == nil || len(e.Fields) == 0 || e.Fields[0].Key != "staff.reason_long" {
			t.Errorf("an over-long note: %v", err)
		}
	})
}

// R-STAFF-1: a proposal stands only while its proposer could still make it;
// once they are disabled, the second person can reject it but not approve it.
func TestDecideAfterProposerDisabled(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		tm := newTeam(t, db)
		a := NewApprovals()
		p, err := propose(t, db, a, tm.admin1, KindRoleChange, tm.reviewer.Actor(), RoleChange{StaffID: tm.reviewer.ID, Role: Finance}, "moves to the finance team")
		if err != nil {
			t.Fatal(err)
		}
		write(t, db, func(ctx context.Context, tx *store.Tx) error { return SetDisabled(ctx, tx, tm.admin1.ID, true) })
		_, err = decide(t, db, a, tm.sec, p.ID, true, "")
		wantCode(t, err, apperr.Conflict, "staff.proposer_inactive")
		if got := get(t, db, tm.reviewer.ID).Role; got != Reviewer {
			t.Errorf("the role changed on a disabled proposer's proposal: %s", got)
		}
		if _, err := decide(t, db, a, tm.sec, p.ID, false, "proposer left"); err != nil {
			t.Errorf("rejecting it: %v", err)
		}
	})
}
