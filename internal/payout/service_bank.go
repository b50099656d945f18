package payout

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/store"
)

// CustodyKey is the ledger key of the payment of transfer transferID, and
// ReturnKey that of its return: reconciliation matches the custody bank's
// statement lines to ledger entries by exactly these keys.
func CustodyKey(transferID string) string { return "custody:" + transferID }

// ReturnKey: see CustodyKey.
func ReturnKey(transferID string) string { return "custody:" + transferID + ":return" }

// reverseKey is the ledger key of the reversal of payout id's approval
// after the bank refused transfer transferID.
func reverseKey(transferID string) string { return "payout:reverse:" + transferID }

// systemActor is the actor of the bank side's moves.
const systemActor = "system"

// Ready returns up to limit approved payouts not yet sent, oldest approval
// first, each with the payee's plain account, unsealed for the bank's
// instruction only, and the transfer id of its next attempt. A payout of a
// request suspended or terminated meanwhile waits (no payouts while under
// investigation). Every unsealing is recorded in the audit log, by the
// system, payout by payout (R-PII-1).
func (s *Service) Ready(ctx context.Context, limit int) ([]Instruction, error) {
	var out []Instruction
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		out = nil
		rows, err := list(ctx, tx, `p.id IN (SELECT x.id FROM payouts x JOIN requests y ON y.id = x.request_id
			WHERE x.state = 'approved' AND y.state IN ('approved', 'fundraising', 'closed', 'settling')
			ORDER BY x.approved_at, x.id LIMIT $1)`, max(limit, 0))
		if err != nil {
			return err
		}
		for _, r := range rows {
			if _, err := audit.Append(ctx, tx, audit.Record{Actor: systemActor, Action: "payout.instruction",
				Object: "payout:" + strconv.FormatInt(r.ID, 10), Result: audit.ResultOK,
				Detail: "payee account unsealed for the bank's instruction"}); err != nil {
				return err
			}
			p, err := payee(ctx, tx, s.Vault, r)
			if err != nil {
				return err
			}
			name := p.Name
			if name == "" && r.Payee == ToHospital {
				name = r.HospitalName
			}
			out = append(out, Instruction{PayoutID: r.ID, TransferID: TransferID(r.ID, r.attempts+1), Amount: r.Amount,
				PayeeName: name, BankName: r.BankName, Account: p.Account})
		}
		return nil
	})
	return out, err
}

// Sending records that transfer transferID of payout payoutID was handed
// to the bank: approved → paying, and the payment clock stops (R-DISB-1).
// Calling it again with the same transfer does nothing; another transfer
// of a payout already sent is apperr.Conflict KeyTransfer.
func (s *Service) Sending(ctx context.Context, payoutID int64, transferID string) error {
	id, attempt, ok := ParseTransferID(transferID)
	if !ok || id != payoutID {
		return apperr.New(apperr.Invalid, KeyTransfer)
	}
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		r, err := load(ctx, tx, payoutID)
		if err != nil {
			return err
		}
		if r.TransferID == transferID {
			return nil
		}
		if r.State != Approved || attempt != r.attempts+1 {
			return apperr.New(apperr.Conflict, KeyTransfer)
		}
		_, err = move(ctx, tx, r, EvSend, systemActor, transferID,
			map[string]any{"transfer_id": transferID, "attempts": attempt, "sent_at": txNow})
		return err
	})
}

// MaxReason bounds the bank's reason as stored.
const MaxReason = 500

// Settle applies the custody bank's outcome o of transfer transferID,
// exactly once:
//   - paid: payable:payout:X → bank:custody under CustodyKey, kind payout;
//     the payout is paid and its usage clock starts (R-DISB-4);
//   - rejected before payment: the approval entry is reversed (the money is
//     back on the request), the payout failed;
//   - returned after payment: bank:custody → request:R under ReturnKey,
//     kind payout_return, the payout returned.
//
// Each entry's After hook records the outcome and moves the payout in the
// entry's transaction. The same outcome again does nothing; one that
// contradicts what was recorded (or that the payout's state cannot take) is
// kept as a quarantined copy and refused with apperr.Conflict KeyOutcome,
// never applied.
func (s *Service) Settle(ctx context.Context, transferID string, o Outcome) error {
	id, _, ok := ParseTransferID(transferID)
	if !ok || !o.Status.Valid() {
		return apperr.New(apperr.Invalid, KeyTransfer)
	}
	o.Reason = strings.TrimSpace(strings.ToValidUTF8(strings.ReplaceAll(o.Reason, "\x00", ""), "?"))
	if utf8.RuneCountInString(o.Reason) > MaxReason {
		o.Reason = string([]rune(o.Reason)[:MaxReason])
	}
	if o.At.IsZero() {
		o.At = s.now()
	}
	// Bounded: each round either applies, replays or quarantines; a round
	// that lost a race to another outcome looks again, and the second look
	// sees it recorded.
	for range 3 {
		var act Action
		var r row
		err := s.DB.Read(ctx, func(tx *store.Tx) error {
			var err error
			r, err = load(ctx, tx, id)
			if apperr.CodeOf(err) == apperr.NotFound {
				// Not ours: kept, never dropped.
				act = Quarantine
				return nil
			}
			if err != nil {
				return err
			}
			if r.TransferID != transferID {
				act = Quarantine
				return nil
			}
			rec, err := outcomes(ctx, tx, transferID)
			act = DecideSettle(r.State, rec, o.Status)
			return err
		})
		if err != nil {
			return err
		}
		switch act {
		case Replay:
			return nil
		case Quarantine:
			if err := s.DB.Write(ctx, func(tx *store.Tx) error { return quarantine(ctx, tx, transferID, o) }); err != nil {
				return err
			}
			return apperr.New(apperr.Conflict, KeyOutcome)
		case PayThenReturn:
			err = s.post(ctx, r, transferID, Outcome{Status: StatusPaid, Reason: "", At: o.At})
			if err == nil {
				continue // the return, next round, on the paid payout
			}
		default:
			err = s.post(ctx, r, transferID, o)
			if err == nil {
				return nil
			}
		}
		if apperr.CodeOf(err) != apperr.Conflict {
			return err
		}
		// Conflict: the payout moved in between; decide again.
	}
	return apperr.New(apperr.Conflict, KeyOutcome)
}

// post posts the entry of outcome o of payout r's transfer with the hook
// that records it.
func (s *Service) post(ctx context.Context, r row, transferID string, o Outcome) error {
	var e ledger.Entry
	var ev Event
	set := map[string]any{}
	switch o.Status {
	case StatusPaid:
		e = ledger.Transfer(CustodyKey(transferID), "payout", payableAccount(r.ID), "bank:custody", r.Amount)
		ev, set["paid_at"] = EvPay, txNow
	case StatusRejected:
		orig, err := s.Ledger.EntryByID(ctx, r.entryID)
		if err != nil {
			return err
		}
		e = ledger.Entry{Key: reverseKey(transferID), Kind: "reversal", Reverses: orig.ID}
		for _, p := range orig.Postings {
			e.Postings = append(e.Postings, ledger.Posting{Account: p.Account, Amount: -p.Amount})
		}
		ev, set["failed_at"], set["reason"] = EvFail, txNow, o.Reason
	case StatusReturned:
		e = ledger.Transfer(ReturnKey(transferID), "payout_return", "bank:custody", requestAccount(r.RequestID), r.Amount)
		ev, set["returned_at"], set["reason"] = EvReturn, txNow, o.Reason
	}
	e.Memo = "payout " + strconv.FormatInt(r.ID, 10) + " " + string(o.Status)
	e.After = func(ctx context.Context, tx *store.Tx, _ ledger.Posted) error {
		cur, err := load(ctx, tx, r.ID)
		if err != nil {
			return err
		}
		if cur.TransferID != transferID {
			return apperr.New(apperr.Conflict, KeyTransfer)
		}
		if err := recordOutcome(ctx, tx, transferID, r.ID, o); err != nil {
			return err
		}
		_, err = move(ctx, tx, cur, ev, systemActor, o.Reason, set)
		return err
	}
	_, err := s.Ledger.Post(ctx, e)
	if errors.Is(err, ledger.ErrAlreadyReversed) {
		return apperr.Wrap(err, apperr.Conflict, KeyOutcome)
	}
	return hookError(err)
}
