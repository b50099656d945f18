package charitypay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
)

// transferPayload is the payload of a KindCharityTransfer proposal: what
// the approver reads. The transfer row is found by the proposal's id.
type transferPayload struct {
	RecipientID int64     `json:"recipient_id"`
	Recipient   string    `json:"recipient"`
	CreditCode  string    `json:"credit_code"`
	Amount      money.Fen `json:"amount"`
	Sources     []Source  `json:"sources"`
}

// Available returns what may be transferred now.
func (s *Service) Available(ctx context.Context) (Available, error) {
	var a Available
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		a, err = available(ctx, tx, 0)
		return err
	})
	return a, err
}

// Propose proposes transfer p by finance officer by (R-CHAR-1): no more
// than charity:payable less the transfers in flight, each source no more
// than it has left (CheckProposal), to an active recipient. It waits for
// another finance officer or an admin (staff.KindCharityTransfer,
// R-STAFF-1). It returns CheckProposal's errors, ErrRecipient, and what
// staff.Approvals.Propose returns.
func (s *Service) Propose(ctx context.Context, rec audit.Record, by staff.Staff, p Proposal) (Transfer, error) {
	var t Transfer
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		if !slices.Contains(staff.Policies[staff.KindCharityTransfer].Proposers, by.Role) {
			return apperr.New(apperr.Forbidden, "staff.not_proposer")
		}
		r, err := getRecipient(ctx, tx, p.RecipientID)
		if apperr.CodeOf(err) == apperr.NotFound || err == nil && !r.Active {
			return ErrRecipient
		}
		if err != nil {
			return err
		}
		a, err := available(ctx, tx, 0)
		if err != nil {
			return err
		}
		if p, err = CheckProposal(p, a); err != nil {
			return err
		}
		prop, err := s.Approvals.Propose(ctx, tx, by, staff.KindCharityTransfer, "charity_transfer:new",
			transferPayload{RecipientID: r.ID, Recipient: r.Name, CreditCode: r.CreditCode, Amount: p.Amount, Sources: p.Sources}, p.Note)
		if err != nil {
			return err
		}
		id, err := insertTransfer(ctx, tx, p, prop.ID, by.ID)
		if err != nil {
			return err
		}
		rec.Object = "charity_transfer:" + strconv.FormatInt(id, 10)
		if err := appendRecord(ctx, tx, rec, prop); err != nil {
			return err
		}
		t, err = getTransfer(ctx, tx, id)
		return err
	})
	return t, err
}

// TransferExecutor carries out an approved KindCharityTransfer proposal in
// the approving transaction: the transfer, still proposed, to a recipient
// still active, and still within what is available without it, is
// approved and given its bank transfer id; it is then the bank jobs'. A
// proposal that no longer holds fails here and stays pending, for the
// approver to reject. staff.Approvals has already refused an approver who
// proposed it.
func TransferExecutor() staff.Executor {
	return func(ctx context.Context, tx *store.Tx, p staff.Proposal) error {
		var pl transferPayload
		if err := json.Unmarshal(p.Payload, &pl); err != nil {
			return apperr.Wrap(err, apperr.Invalid, "charitypay.payload_invalid")
		}
		t, err := transferByProposal(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		if t.State != Proposed || t.Amount != pl.Amount || t.RecipientID != pl.RecipientID || t.ProposedBy == p.DecidedBy {
			return ErrState
		}
		r, err := getRecipient(ctx, tx, t.RecipientID)
		if err != nil {
			return err
		}
		if !r.Active {
			return ErrRecipient
		}
		a, err := available(ctx, tx, t.ID)
		if err != nil {
			return err
		}
		if _, err := CheckProposal(Proposal{RecipientID: t.RecipientID, Amount: t.Amount, Sources: t.Sources, Note: t.Note}, a); err != nil {
			return err
		}
		ok, err := setState(ctx, tx, t.ID, Proposed, Approved, map[string]any{"approved_by": p.DecidedBy,
			"approved_at": tx.Now.UnixMicro(), "transfer_id": BankTransferID(t.ID)})
		if err != nil || !ok {
			return nonNil(err, ErrState)
		}
		_, err = audit.Append(ctx, tx, audit.Record{Actor: fmt.Sprintf("staff:%d", p.DecidedBy), Action: "charity_transfer.approve",
			Object: fmt.Sprintf("charity_transfer:%d", t.ID), Result: audit.ResultOK,
			Detail: fmt.Sprintf("proposal:%d proposed by staff:%d, %s", p.ID, p.ProposedBy, t.Amount)})
		return err
	}
}

// Transfers returns every transfer, oldest first, with the recipient's
// account masked. A proposal its approver rejected shows as withdrawn.
func (s *Service) Transfers(ctx context.Context) ([]Transfer, error) {
	var out []Transfer
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		out, err = transfersWithDecisions(ctx, tx)
		return err
	})
	return out, err
}

// Instruction is an approved transfer ready for the custody bank, with the
// recipient's account unsealed for the instruction only.
type Instruction struct {
	ID         int64
	TransferID string
	Amount     money.Fen
	Name       string
	BankName   string
	Account    string
}

// systemActor is the actor of the bank side's steps.
const systemActor = "system"

// Ready returns up to limit approved transfers not yet handed to the bank,
// each with its recipient's account unsealed; each unsealing is recorded
// in the audit log (R-PII-1).
func (s *Service) Ready(ctx context.Context, limit int) ([]Instruction, error) {
	var out []Instruction
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		out = nil
		ts, err := listTransfers(ctx, tx, "t.id IN (SELECT id FROM charity_transfers WHERE state = 'approved' ORDER BY id LIMIT $1)", max(limit, 0))
		if err != nil {
			return err
		}
		for _, t := range ts {
			if _, err := audit.Append(ctx, tx, audit.Record{Actor: systemActor, Action: "charity_transfer.instruction",
				Object: "charity_transfer:" + strconv.FormatInt(t.ID, 10), Result: audit.ResultOK,
				Detail: "recipient account unsealed for the bank's instruction"}); err != nil {
				return err
			}
			r, err := payee(ctx, tx, s.Vault, t.RecipientID)
			if err != nil {
				return err
			}
			out = append(out, Instruction{ID: t.ID, TransferID: t.TransferID, Amount: t.Amount, Name: r.Name, BankName: r.BankName, Account: r.Account})
		}
		return nil
	})
	return out, err
}

// Sending records that the bank's outbox has transfer id: approved →
// paying. Again is a no-op.
func (s *Service) Sending(ctx context.Context, id int64) error {
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		t, err := getTransfer(ctx, tx, id)
		if err != nil {
			return err
		}
		if t.State != Approved {
			if t.State == Paying || t.State == Paid || t.State == Rejected || t.State == Returned {
				return nil
			}
			return ErrState
		}
		_, err = setState(ctx, tx, id, Approved, Paying, map[string]any{"sent_at": tx.Now.UnixMicro()})
		return err
	})
}

// MaxReason bounds the bank's reason as stored.
const MaxReason = 500

// Settle applies the custody bank's outcome of bank transfer transferID,
// exactly once (R-CHAR-1, R-FUND-2): paid posts charity:payable →
// bank:custody, kind charity_transfer, key custody:<transferID>, and the
// transfer is paid; rejected posts nothing, and the amount is free again;
// returned after payment posts bank:custody → charity:payable, kind
// charity_transfer_return, key custody:<transferID>:return. The same
// outcome again does nothing; one for a transfer id no charity transfer
// was sent under, or one that contradicts what was recorded, is refused
// with ErrUnknownTransfer or ErrState and never applied.
func (s *Service) Settle(ctx context.Context, transferID string, o Outcome) error {
	id, ok := ParseBankTransferID(transferID)
	if !ok {
		return ErrUnknownTransfer
	}
	o.Reason = strings.TrimSpace(strings.ToValidUTF8(strings.ReplaceAll(o.Reason, "\x00", ""), "?"))
	if utf8.RuneCountInString(o.Reason) > MaxReason {
		o.Reason = string([]rune(o.Reason)[:MaxReason])
	}
	for range 3 {
		var t Transfer
		if err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
			t, err = getTransfer(ctx, tx, id)
			return err
		}); err != nil {
			if apperr.CodeOf(err) == apperr.NotFound {
				return ErrUnknownTransfer
			}
			return err
		}
		if t.TransferID != transferID {
			return ErrUnknownTransfer
		}
		var err error
		switch Decide(t.State, o.Status) {
		case StepNone:
			return nil
		case StepRefuse:
			return ErrState
		case StepReject:
			return s.DB.Write(ctx, func(tx *store.Tx) error {
				ok, err := setState(ctx, tx, id, Paying, Rejected, map[string]any{"ended_at": tx.Now.UnixMicro(), "reason": o.Reason})
				if err != nil || !ok {
					return nonNil(err, ErrState)
				}
				_, err = audit.Append(ctx, tx, audit.Record{Actor: systemActor, Action: "charity_transfer.rejected",
					Object: "charity_transfer:" + strconv.FormatInt(id, 10), Result: audit.ResultOK, Detail: o.Reason})
				return err
			})
		case StepPay, StepPayFirst:
			err = s.post(ctx, t, ledger.Transfer("custody:"+transferID, "charity_transfer", "charity:payable", "bank:custody", t.Amount),
				Paying, Paid, map[string]any{"paid_at": "now", "entry_id": "entry"})
		case StepReturn:
			err = s.post(ctx, t, ledger.Transfer("custody:"+transferID+":return", "charity_transfer_return", "bank:custody", "charity:payable", t.Amount),
				Paid, Returned, map[string]any{"ended_at": "now", "reason": o.Reason})
		}
		if err != nil && !errors.Is(err, ErrState) {
			return err
		}
		// Posted, or lost a race: look again (a payment first, then its
		// return, takes two rounds).
	}
	return nil
}

// post posts e, moving transfer t from one state to the next in its
// hook; "now" and "entry" in set stand for the transaction's time and the
// entry's id.
func (s *Service) post(ctx context.Context, t Transfer, e ledger.Entry, from, to State, set map[string]any) error {
	e.Memo = "charity transfer " + strconv.FormatInt(t.ID, 10) + " " + string(to)
	e.After = func(ctx context.Context, tx *store.Tx, p ledger.Posted) error {
		cols := map[string]any{}
		for k, v := range set {
			switch v {
			case "now":
				cols[k] = tx.Now.UnixMicro()
			case "entry":
				cols[k] = p.ID
			default:
				cols[k] = v
			}
		}
		ok, err := setState(ctx, tx, t.ID, from, to, cols)
		if err != nil || !ok {
			return nonNil(err, ErrState)
		}
		_, err = audit.Append(ctx, tx, audit.Record{Actor: systemActor, Action: "charity_transfer." + string(to),
			Object: "charity_transfer:" + strconv.FormatInt(t.ID, 10), Result: audit.ResultOK, Detail: t.Amount.String()})
		return err
	}
	_, err := s.Ledger.Post(ctx, e)
	return err
}

// Public returns the public account of money to charity (R-CHAR-1,
// R-DISC-2): every transfer paid, to whom (name and credit code), how
// much, when and what it came from; and the totals, read from the ledger
// in the same transaction, so that they equal it. No personal data: a
// recipient is an organisation, its account is not shown, and a refund
// source names only the request's number.
func (s *Service) Public(ctx context.Context) (Summary, error) {
	var sum Summary
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		ts, err := listTransfers(ctx, tx, "t.state IN ('paid', 'returned')")
		if err != nil {
			return err
		}
		for _, t := range ts {
			sum.Transfers = append(sum.Transfers, PublicTransfer{ID: t.ID, Recipient: t.RecipientName, CreditCode: t.CreditCode,
				Amount: t.Amount, PaidOn: t.PaidAt, Sources: t.Sources, Returned: t.State == Returned})
		}
		k, err := kindTotals(ctx, tx)
		if err != nil {
			return err
		}
		sum.Interest, sum.Unrefundable = k["interest"], k["refund_to_charity"]
		sum.Paid = -(k["charity_transfer"] + k["charity_transfer_return"])
		if sum.Held, err = payableBalance(ctx, tx); err != nil {
			return err
		}
		return nil
	})
	return sum, err
}

// Board is what the finance console shows, read in one transaction.
type Board struct {
	Available  Available
	Recipients []Recipient
	Transfers  []Transfer
}

// Board returns what is available, the recipients (masked) and the
// transfers, a proposal its approver rejected shown as withdrawn.
func (s *Service) Board(ctx context.Context) (Board, error) {
	var b Board
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		if b.Available, err = available(ctx, tx, 0); err != nil {
			return err
		}
		if b.Recipients, err = listRecipients(ctx, tx); err != nil {
			return err
		}
		b.Transfers, err = transfersWithDecisions(ctx, tx)
		return err
	})
	return b, err
}
