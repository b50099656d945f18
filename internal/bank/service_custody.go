package bank

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
)

// CustodyAccounts returns the custody accounts as they are in effect, the
// numbers masked.
func (s *Service) CustodyAccounts(ctx context.Context) ([]CustodyAccount, error) {
	var out []CustodyAccount
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		out, err = listCustodyAccounts(ctx, tx)
		return err
	})
	return out, err
}

// CustodyChanges returns every custody change, newest first: the record
// the ministry and auditors read (R-FUND-3).
func (s *Service) CustodyChanges(ctx context.Context) ([]CustodyChange, error) {
	var out []CustodyChange
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		out, err = listCustodyChanges(ctx, tx)
		return err
	})
	return out, err
}

// ProposeChange records a change of the custody account proposed by a
// finance officer, with its four-eyes proposal (staff.KindCustodyChange),
// recording rec with it. The request is checked by CheckChange; an account
// to change, close or revoke must be open (apperr.NotFound otherwise), and
// only one change may be under way at a time (apperr.Conflict
// "bank.custody.pending"). A proposer whose role may not propose is
// apperr.Forbidden.
func (s *Service) ProposeChange(ctx context.Context, rec audit.Record, by staff.Staff, r ChangeRequest) (CustodyChange, error) {
	r, err := CheckChange(r)
	if err != nil {
		return CustodyChange{}, err
	}
	if s.Approvals == nil || s.Vault == nil {
		return CustodyChange{}, errNoVault
	}
	var ch CustodyChange
	err = audit.Write(ctx, s.DB, rec, func(tx *store.Tx) error {
		if n, err := pendingCustodyChanges(ctx, tx); err != nil {
			return err
		} else if n > 0 {
			return apperr.New(apperr.Conflict, "bank.custody.pending")
		}
		if r.AccountID != 0 {
			a, err := getCustodyAccount(ctx, tx, r.AccountID)
			if err != nil {
				return err
			}
			if a.State != "open" {
				return apperr.New(apperr.Conflict, "bank.custody.not_open")
			}
		}
		p, err := s.Approvals.Propose(ctx, tx, by, staff.KindCustodyChange, "custody", r.Action, r.Reason)
		if err != nil {
			return err
		}
		ch, err = s.insertCustodyChange(ctx, tx, r, p)
		return err
	})
	return ch, err
}

// CustodyExecutor returns the executor of staff.KindCustodyChange
// proposals, to register with staff.Approvals.Register: the admin's
// approval moves the change from proposed to approved, in the approving
// transaction. The change is not yet in effect: it must still be reported
// to the ministry (ReportToMinistry) and made effective (MakeEffective).
func CustodyExecutor() staff.Executor {
	return func(ctx context.Context, tx *store.Tx, p staff.Proposal) error {
		return approveCustodyChange(ctx, tx, p.ID, p.DecidedBy)
	}
}

// canRecord reports whether a staff member may record the ministry's
// report or put a change into effect.
func canRecord(by staff.Staff) bool {
	return slices.Contains([]staff.Role{staff.Finance, staff.Admin}, by.Role) && !by.Disabled && !by.Locked
}

// ReportToMinistry records that approved change id was reported to the
// Ministry of Civil Affairs on reportedOn under reference ref (R-FUND-3),
// recording rec with it. A change that is not approved is apperr.Conflict
// "bank.custody.not_approved"; the date and reference are checked by
// CheckReport. Only finance and admins record it (apperr.Forbidden).
func (s *Service) ReportToMinistry(ctx context.Context, rec audit.Record, id int64, reportedOn time.Time, ref string, by staff.Staff) error {
	if !canRecord(by) {
		return apperr.New(apperr.Forbidden, "staff.not_proposer")
	}
	return audit.Write(ctx, s.DB, rec, func(tx *store.Tx) error {
		ch, err := getCustodyChange(ctx, tx, id)
		if err != nil {
			return err
		}
		if ch.State != ChangeApproved {
			return apperr.New(apperr.Conflict, "bank.custody.not_approved")
		}
		if err := CheckReport(reportedOn, ref, ch.ProposedAt, tx.Now); err != nil {
			return err
		}
		return reportCustodyChange(ctx, tx, id, Day(reportedOn), strings.TrimSpace(ref), by.ID)
	})
}

// MakeEffective puts reported change id into effect on the custody account
// record, recording rec with it: an account opened, its bank or number
// changed, or it closed or revoked. A change not reported to the ministry
// is apperr.Conflict "bank.custody.not_reported" (R-FUND-3); the proposer
// does not also put it in force (apperr.Forbidden "bank.custody.own").
func (s *Service) MakeEffective(ctx context.Context, rec audit.Record, id int64, by staff.Staff) error {
	if !canRecord(by) {
		return apperr.New(apperr.Forbidden, "staff.not_proposer")
	}
	return audit.Write(ctx, s.DB, rec, func(tx *store.Tx) error {
		ch, err := getCustodyChange(ctx, tx, id)
		if err != nil {
			return err
		}
		switch {
		case ch.ProposedBy == by.ID:
			return apperr.New(apperr.Forbidden, "bank.custody.own")
		case ch.State != ChangeReported:
			return apperr.New(apperr.Conflict, "bank.custody.not_reported")
		}
		if err := s.applyCustodyChange(ctx, tx, ch, by.ID); err != nil {
			return fmt.Errorf("bank: putting custody change %d into effect: %w", id, err)
		}
		return nil
	})
}
