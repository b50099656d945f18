package hospital

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/payeeid"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/vault"
)

// Service holds the directory's use cases, one transaction each. Methods
// that take an audit.Record append it in the transaction that does the
// action; the caller records a refusal on its own.
type Service struct {
	DB        *store.DB
	Vault     *vault.Vault
	Approvals *staff.Approvals
	// Now is the caller's clock, kept for the payout service's adapter;
	// the directory's own times are its transactions'.
	Now func() time.Time
}

// revealers are the roles that may see an entry's full account number:
// finance, who pays, and admins, who approve changes. Auditors read the
// directory masked.
var revealers = []staff.Role{staff.Finance, staff.Admin}

// Propose proposes adding d (d.ID 0) or changing entry d.ID to d; the
// change is made only when another finance officer or an admin approves it
// (R-STAFF-1). The typed number is stored sealed in a draft; the proposal
// names the draft and carries only the masked number. It returns the
// Validate errors, apperr.Conflict with a message for field "credit_code"
// or "account" when another active entry has them, apperr.Conflict
// "hospital.inactive" for a change of a deactivated entry, apperr.NotFound,
// and what staff.Approvals.Propose returns (apperr.Forbidden for a role
// that may not propose).
func (s *Service) Propose(ctx context.Context, rec audit.Record, by staff.Staff, d Draft) (staff.Proposal, error) {
	var p staff.Proposal
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		if !slices.Contains(staff.Policies[staff.KindHospital].Proposers, by.Role) {
			return apperr.New(apperr.Forbidden, "staff.not_proposer")
		}
		d, err := CheckDraft(ctx, tx, s.Vault, d)
		if err != nil {
			return err
		}
		draftID, err := SaveDraft(ctx, tx, s.Vault, d)
		if err != nil {
			return err
		}
		c := Change{Action: ActionAdd, HospitalID: d.ID, DraftID: draftID, Name: d.Name, CreditCode: d.CreditCode,
			BankName: d.BankName, City: d.City, Masked: payeeid.MaskAccount(d.Account)}
		object := "hospital:new"
		if d.ID != 0 {
			c.Action, object = ActionChange, "hospital:"+strconv.FormatInt(d.ID, 10)
		}
		got, err := s.Approvals.Propose(ctx, tx, by, staff.KindHospital, object, c, d.Reason)
		if err != nil {
			return err
		}
		if err := appendRecord(ctx, tx, rec, got); err != nil {
			return err
		}
		p = got
		return nil
	})
	return p, err
}

// ProposeDeactivation proposes taking active entry id out of the directory
// for the reason; it is done when another finance officer or an admin
// approves it. It returns apperr.Invalid for a missing reason (field
// "reason"), apperr.NotFound, apperr.Conflict "hospital.inactive", and what
// staff.Approvals.Propose returns.
func (s *Service) ProposeDeactivation(ctx context.Context, rec audit.Record, by staff.Staff, id int64, reason string) (staff.Proposal, error) {
	var p staff.Proposal
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		if err := CheckDeactivation(reason); err != nil {
			return err
		}
		h, err := Get(ctx, tx, id)
		if err != nil {
			return err
		}
		if !h.Active {
			return apperr.New(apperr.Conflict, "hospital.inactive")
		}
		c := Change{Action: ActionDeactivate, HospitalID: id, Name: h.Name, CreditCode: h.CreditCode, Masked: h.Masked}
		got, err := s.Approvals.Propose(ctx, tx, by, staff.KindHospital, "hospital:"+strconv.FormatInt(id, 10), c, strings.TrimSpace(reason))
		if err != nil {
			return err
		}
		if err := appendRecord(ctx, tx, rec, got); err != nil {
			return err
		}
		p = got
		return nil
	})
	return p, err
}

// appendRecord appends rec naming the proposal it made.
func appendRecord(ctx context.Context, tx *store.Tx, rec audit.Record, p staff.Proposal) error {
	rec.Detail = strings.TrimSpace(rec.Detail + fmt.Sprintf(" proposal:%d", p.ID))
	_, err := audit.Append(ctx, tx, rec)
	return err
}

// List returns the entries, masked; only active ones if activeOnly.
func (s *Service) List(ctx context.Context, activeOnly bool) ([]Hospital, error) {
	var all []Hospital
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		all, err = List(ctx, tx, activeOnly)
		return err
	})
	return all, err
}

// Get returns entry id, masked, or apperr.NotFound.
func (s *Service) Get(ctx context.Context, id int64) (Hospital, error) {
	var h Hospital
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		h, err = Get(ctx, tx, id)
		return err
	})
	return h, err
}

// Reveal returns entry id's full account number to staff member by,
// appending rec in the same transaction: no unmasked view goes unrecorded
// (R-PII-1). Deactivated entries can be revealed too, for the payouts that
// named them. It returns apperr.Forbidden for a member whose role may not
// see it (re-read from the database, not the session's copy) and
// apperr.NotFound.
func (s *Service) Reveal(ctx context.Context, rec audit.Record, id int64, by staff.Staff) (string, error) {
	var number string
	err := audit.Write(ctx, s.DB, rec, func(tx *store.Tx) error {
		m, err := staff.Get(ctx, tx, by.ID)
		if err != nil {
			return err
		}
		if m.Disabled || m.Locked || !slices.Contains(revealers, m.Role) {
			return apperr.New(apperr.Forbidden, "hospital.reveal_forbidden")
		}
		n, err := account(ctx, tx, s.Vault, id)
		if err != nil {
			return err
		}
		number = n
		return nil
	})
	if err != nil {
		return "", err
	}
	return number, nil
}

// Seed adds the demo hospitals (Seed) in a transaction of its own.
func (s *Service) Seed(ctx context.Context) (int, error) {
	var n int
	err := s.DB.Write(ctx, func(tx *store.Tx) (err error) {
		n, err = Seed(ctx, tx, s.Vault)
		return err
	})
	return n, err
}
