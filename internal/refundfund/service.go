package refundfund

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
)

// Service holds the use cases of refund funding, one transaction (or one
// ledger posting) each.
type Service struct {
	DB     *store.DB
	Ledger *ledger.Ledger
}

// Actor is the audit log's actor of every step: the platform's jobs.
const Actor = "system"

func object(id int64) string { return "refund_funding:" + strconv.FormatInt(id, 10) }

// Plan decides a top-up of provider when the refunds due through it (due)
// exceed what it holds for us (balance) and the top-ups on their way:
// the Shortfall, audited, planned for the bank's outbox. ok is false when
// nothing is short. The top-ups on their way are read in the same
// transaction as the new one is written, so that two runs never plan the
// same shortfall twice.
func (s *Service) Plan(ctx context.Context, provider string, due, balance money.Fen) (f Funding, ok bool, err error) {
	if provider == "" || due < 0 || due > money.MaxFen {
		return Funding{}, false, apperr.New(apperr.Invalid, "refundfund.plan_invalid")
	}
	err = s.DB.Write(ctx, func(tx *store.Tx) error {
		f, ok = Funding{}, false
		flying, err := inFlight(ctx, tx, provider)
		if err != nil {
			return err
		}
		short := Shortfall(due, balance, flying)
		if short == 0 {
			return nil
		}
		id, err := insertFunding(ctx, tx, provider, short, due, balance)
		if err != nil {
			return err
		}
		if _, err := audit.Append(ctx, tx, audit.Record{Actor: Actor, Action: "refund_funding.plan", Object: object(id), Result: audit.ResultOK,
			Detail: "provider " + provider + ": refunds due " + due.String() + ", balance " + balance.String() +
				", on the way " + flying.String() + ", top-up " + short.String()}); err != nil {
			return err
		}
		f, err = getFunding(ctx, tx, id)
		ok = err == nil
		return err
	})
	return f, ok, err
}

// Ready returns up to limit planned top-ups, oldest first, for the bank's
// outbox.
func (s *Service) Ready(ctx context.Context, limit int) ([]Funding, error) {
	var out []Funding
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		out, err = listFundings(ctx, tx, "state = 'planned' ORDER BY id LIMIT $1", max(limit, 0))
		return err
	})
	return out, err
}

// Sending records that the bank's outbox has the top-up: planned →
// sending. Again, or after its outcome, is a no-op.
func (s *Service) Sending(ctx context.Context, id int64) error {
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		_, err := setState(ctx, tx, id, Planned, Sending, map[string]any{"sent_at": tx.Now.UnixMicro()})
		return err
	})
}

// MaxReason bounds the bank's reason as stored.
const MaxReason = 500

// Settle applies the custody bank's outcome of transfer transferID
// (status paid, rejected, returned or pending), exactly once: paid posts
// psp:<provider> ← bank:custody, kind refund, key custody:<transferID>
// (R-FUND-2: a custody outflow kind), and the top-up is paid; rejected
// posts nothing. The same outcome again does nothing; an outcome for a
// transfer id no top-up was sent under is ErrUnknownTransfer, one that
// contradicts the record ErrState, never applied.
func (s *Service) Settle(ctx context.Context, transferID, status, reason string) error {
	id, ok := ParseBankTransferID(transferID)
	if !ok {
		return ErrUnknownTransfer
	}
	reason = strings.TrimSpace(strings.ToValidUTF8(strings.ReplaceAll(reason, "\x00", ""), "?"))
	if utf8.RuneCountInString(reason) > MaxReason {
		reason = string([]rune(reason)[:MaxReason])
	}
	for range 3 {
		var f Funding
		if err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
			f, err = getFunding(ctx, tx, id)
			return err
		}); err != nil {
			if apperr.CodeOf(err) == apperr.NotFound {
				return ErrUnknownTransfer
			}
			return err
		}
		var err error
		switch Decide(f.State, status) {
		case StepNone:
			return nil
		case StepRefuse:
			return ErrState
		case StepReject:
			err = s.DB.Write(ctx, func(tx *store.Tx) error {
				ok, err := setState(ctx, tx, id, f.State, Rejected, map[string]any{"ended_at": tx.Now.UnixMicro(), "reason": reason})
				if err != nil || !ok {
					return nonNil(err, ErrState)
				}
				_, err = audit.Append(ctx, tx, audit.Record{Actor: Actor, Action: "refund_funding.rejected", Object: object(id),
					Result: audit.ResultOK, Detail: reason})
				return err
			})
		case StepPay:
			e := ledger.Transfer("custody:"+transferID, "refund", "psp:"+f.Provider, "bank:custody", f.Amount)
			e.Memo = "refund funding " + transferID + " to " + f.Provider
			from := f.State
			e.After = func(ctx context.Context, tx *store.Tx, p ledger.Posted) error {
				ok, err := setState(ctx, tx, id, from, Paid, map[string]any{"ended_at": tx.Now.UnixMicro(), "entry_id": p.ID})
				if err != nil || !ok {
					return nonNil(err, ErrState)
				}
				_, err = audit.Append(ctx, tx, audit.Record{Actor: Actor, Action: "refund_funding.paid", Object: object(id),
					Result: audit.ResultOK, Detail: f.Amount.String() + " to " + f.Provider})
				return err
			}
			_, err = s.Ledger.Post(ctx, e)
		}
		if err == nil {
			return nil
		}
		if !errors.Is(err, ErrState) {
			return err
		}
		// Lost a race: look again.
	}
	return nil
}

func nonNil(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

// Uncredited returns up to limit paid top-ups the provider has not been
// told of.
func (s *Service) Uncredited(ctx context.Context, limit int) ([]Funding, error) {
	var out []Funding
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		out, err = listFundings(ctx, tx, "state = 'paid' AND credited_at IS NULL ORDER BY id LIMIT $1", max(limit, 0))
		return err
	})
	return out, err
}

// Credited records that the provider was told of paid top-up id, audited.
func (s *Service) Credited(ctx context.Context, id int64) error {
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		if ok, err := setCredited(ctx, tx, id); err != nil || !ok {
			return err
		}
		_, err := audit.Append(ctx, tx, audit.Record{Actor: Actor, Action: "refund_funding.credited", Object: object(id), Result: audit.ResultOK})
		return err
	})
}

// List returns the last limit top-ups, newest first, for the console.
func (s *Service) List(ctx context.Context, limit int) ([]Funding, error) {
	var out []Funding
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		out, err = listFundings(ctx, tx, "1 = 1 ORDER BY id DESC LIMIT $1", max(limit, 0))
		return err
	})
	return out, err
}
