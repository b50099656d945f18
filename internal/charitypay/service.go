package charitypay

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/payeeid"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/vault"
)

// Service holds the use cases of money to charity, one transaction (or
// one ledger posting) each. Register RecipientExecutor and
// TransferExecutor with Approvals for their kinds.
type Service struct {
	DB        *store.DB
	Ledger    *ledger.Ledger
	Vault     *vault.Vault
	Approvals *staff.Approvals
}

// appendRecord appends rec naming the proposal it made.
func appendRecord(ctx context.Context, tx *store.Tx, rec audit.Record, p staff.Proposal) error {
	rec.Detail = fmt.Sprintf("%s proposal:%d", rec.Detail, p.ID)
	_, err := audit.Append(ctx, tx, rec)
	return err
}

// ProposeRecipient proposes adding a recipient; it is added when another
// finance officer or an admin approves (R-STAFF-1). The number is kept
// sealed in a draft; the proposal holds it masked. It returns Validate's
// errors, apperr.Conflict "charitypay.credit_code_taken" for a code an
// active recipient has, and what staff.Approvals.Propose returns.
func (s *Service) ProposeRecipient(ctx context.Context, rec audit.Record, by staff.Staff, d Draft) (staff.Proposal, error) {
	var p staff.Proposal
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		if !slices.Contains(staff.Policies[staff.KindCharityRecipient].Proposers, by.Role) {
			return apperr.New(apperr.Forbidden, "staff.not_proposer")
		}
		d, err := Validate(d)
		if err != nil {
			return err
		}
		if taken, err := codeTaken(ctx, tx, d.CreditCode); err != nil || taken {
			return nonNil(err, apperr.New(apperr.Conflict, "charitypay.credit_code_taken"))
		}
		draftID, err := saveDraft(ctx, tx, s.Vault, d)
		if err != nil {
			return err
		}
		c := RecipientChange{Action: ActionAdd, DraftID: draftID, Name: d.Name, CreditCode: d.CreditCode, Masked: payeeid.MaskAccount(d.Account)}
		got, err := s.Approvals.Propose(ctx, tx, by, staff.KindCharityRecipient, "charity_recipient:new", c, d.Reason)
		if err != nil {
			return err
		}
		p = got
		return appendRecord(ctx, tx, rec, got)
	})
	return p, err
}

// ProposeDeactivation proposes taking recipient id off the list.
func (s *Service) ProposeDeactivation(ctx context.Context, rec audit.Record, by staff.Staff, id int64, reason string) (staff.Proposal, error) {
	var p staff.Proposal
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		r, err := getRecipient(ctx, tx, id)
		if err != nil {
			return err
		}
		if !r.Active {
			return ErrRecipient
		}
		c := RecipientChange{Action: ActionDeactivate, RecipientID: id, Name: r.Name, CreditCode: r.CreditCode, Masked: r.Masked}
		got, err := s.Approvals.Propose(ctx, tx, by, staff.KindCharityRecipient, "charity_recipient:"+strconv.FormatInt(id, 10), c, reason)
		if err != nil {
			return err
		}
		p = got
		return appendRecord(ctx, tx, rec, got)
	})
	return p, err
}

func nonNil(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

// RecipientExecutor carries out an approved KindCharityRecipient proposal
// in the approving transaction: it adds the recipient from the sealed
// draft, checked again, or deactivates it, and records who did.
func RecipientExecutor(v *vault.Vault) staff.Executor {
	return func(ctx context.Context, tx *store.Tx, p staff.Proposal) error {
		var c RecipientChange
		if err := json.Unmarshal(p.Payload, &c); err != nil {
			return apperr.Wrap(err, apperr.Invalid, "charitypay.payload_invalid")
		}
		id := c.RecipientID
		switch c.Action {
		case ActionAdd:
			d, err := loadDraft(ctx, tx, v, c.DraftID)
			if err != nil {
				return err
			}
			d.Reason = p.Reason
			if d, err = Validate(d); err != nil {
				return err
			}
			if taken, err := codeTaken(ctx, tx, d.CreditCode); err != nil || taken {
				return nonNil(err, apperr.New(apperr.Conflict, "charitypay.credit_code_taken"))
			}
			if id, err = insertRecipient(ctx, tx, v, d, p.ProposedBy, p.DecidedBy); err != nil {
				return err
			}
		case ActionDeactivate:
			if err := deactivateRecipient(ctx, tx, id); err != nil {
				return err
			}
		default:
			return apperr.New(apperr.Invalid, "charitypay.payload_invalid")
		}
		_, err := audit.Append(ctx, tx, audit.Record{Actor: fmt.Sprintf("staff:%d", p.DecidedBy), Action: "charity_recipient." + c.Action,
			Object: fmt.Sprintf("charity_recipient:%d", id), Result: audit.ResultOK,
			Detail: fmt.Sprintf("proposal:%d proposed by staff:%d", p.ID, p.ProposedBy)})
		return err
	}
}

// Recipients returns every recipient, masked.
func (s *Service) Recipients(ctx context.Context) ([]Recipient, error) {
	var out []Recipient
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		out, err = listRecipients(ctx, tx)
		return err
	})
	return out, err
}
