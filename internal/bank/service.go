package bank

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
	"github.com/carefund/carefund/internal/vault"
)

// Service is the platform's side of the custody bank, one transaction per
// step: the outbox of transfers (Submit, Dispatch), the outcomes read back
// (Poll), and the custody account record (custody.go).
type Service struct {
	DB    *store.DB
	Bank  Bank
	Vault *vault.Vault
	// Approvals carries custody changes through four eyes; register
	// CustodyExecutor with it for staff.KindCustodyChange.
	Approvals *staff.Approvals
	// Log receives the refused copies and quarantined outcomes; nil
	// discards them.
	Log *slog.Logger
	// Batch is how many transfers one Send carries (100 when 0).
	Batch int
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

func (s *Service) batch() int {
	if s.Batch <= 0 {
		return 100
	}
	return s.Batch
}

// payeeAAD binds a sealed payee to its transfer.
func payeeAAD(id string) string { return "bank-transfer:" + id }

// Submit records transfers in the outbox, durably, before anything is
// sent: after it returns, Dispatch sends them however often the server
// dies. It is idempotent by transfer ID: the same transfer again changes
// nothing. A transfer under an ID already recorded with other content is
// refused (ErrConflict), kept in bank_transfer_conflicts and logged; the
// others of the call are recorded all the same. A transfer no bank would
// take is ErrInvalid, and nothing of the call is recorded.
func (s *Service) Submit(ctx context.Context, ts []Transfer) error {
	for _, t := range ts {
		if err := CheckTransfer(t); err != nil {
			return err
		}
	}
	var conflicts []string
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		conflicts = conflicts[:0]
		for _, t := range ts {
			ok, err := s.insertTransfer(ctx, tx, t)
			if err != nil {
				return err
			}
			if !ok {
				conflicts = append(conflicts, t.ID)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range conflicts {
		s.log().Error("bank: a transfer ID was submitted again with other content; the copy is refused and kept",
			"transfer", id, "bank", s.Bank.Name())
	}
	if len(conflicts) > 0 {
		return fmt.Errorf("bank: transfers %v were recorded before with other content: %w", conflicts, ErrConflict)
	}
	return nil
}

// Dispatch sends the transfers not yet acknowledged by the bank, a batch
// at a time, and marks each batch sent once the bank has it. A server
// killed between the two sends the batch again: the bank ignores the IDs
// it has, so nothing is paid twice. It returns how many it sent.
func (s *Service) Dispatch(ctx context.Context) (int, error) {
	sent := 0
	for {
		var ts []Transfer
		err := s.DB.Read(ctx, func(tx *store.Tx) error {
			var err error
			ts, err = s.unsent(ctx, tx, s.batch())
			return err
		})
		if err != nil || len(ts) == 0 {
			return sent, err
		}
		// The network call happens outside any transaction.
		if err := s.Bank.Send(ctx, ts); err != nil {
			return sent, fmt.Errorf("bank: sending %d transfers to %s: %w", len(ts), s.Bank.Name(), err)
		}
		err = s.DB.Write(ctx, func(tx *store.Tx) error { return markSent(ctx, tx, ts) })
		if err != nil {
			return sent, err
		}
		sent += len(ts)
		if len(ts) < s.batch() {
			return sent, nil
		}
	}
}

// Poll reads the bank's outcomes from the stored cursor and calls apply
// for each, in order, advancing the cursor only once every one of them was
// applied; an outcome already applied is not applied again (and apply,
// the payout side's Settle, is idempotent as well). An outcome for a
// transfer the platform never submitted (a pain.002 for an unknown
// instruction) is stored quarantined, logged and never applied. When
// apply fails, Poll stops and returns its error: the outcomes from the
// stored cursor come again at the next Poll. It returns how many outcomes
// it applied.
func (s *Service) Poll(ctx context.Context, apply func(Outcome) error) (int, error) {
	bank := s.Bank.Name()
	var cursor string
	if err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		cursor, err = readCursor(ctx, tx, bank)
		return err
	}); err != nil {
		return 0, err
	}
	applied := 0
	for range maxPolls {
		outs, next, err := s.Bank.Outcomes(ctx, cursor)
		if err != nil {
			return applied, fmt.Errorf("bank: reading outcomes from %s: %w", bank, err)
		}
		for _, o := range outs {
			if !o.Status.Valid() {
				return applied, fmt.Errorf("bank: %s reported status %q for %s: %w", bank, o.Status, o.TransferID, ErrInvalid)
			}
			var state outcomeState
			err := s.DB.Write(ctx, func(tx *store.Tx) (err error) {
				state, err = recordOutcome(ctx, tx, bank, o)
				return err
			})
			if err != nil {
				return applied, err
			}
			switch state {
			case outcomeQuarantined:
				s.log().Error("bank: an outcome names a transfer the platform never submitted; it is kept quarantined and not applied",
					"bank", bank, "transfer", o.TransferID, "status", o.Status)
				continue
			case outcomeApplied:
				continue
			}
			if err := apply(o); err != nil {
				return applied, fmt.Errorf("bank: applying %s %s: %w", o.TransferID, o.Status, err)
			}
			if err := s.DB.Write(ctx, func(tx *store.Tx) error { return markApplied(ctx, tx, bank, o) }); err != nil {
				return applied, err
			}
			applied++
		}
		if next == cursor {
			return applied, nil
		}
		if err := s.DB.Write(ctx, func(tx *store.Tx) error { return writeCursor(ctx, tx, bank, next) }); err != nil {
			return applied, err
		}
		cursor = next
		if len(outs) == 0 {
			return applied, nil
		}
	}
	return applied, nil
}

// maxPolls bounds the rounds of one Poll; the next Poll goes on.
const maxPolls = 100

// TransferState is a transfer as the outbox knows it; the payee is shown
// masked only.
type TransferState struct {
	ID            string
	Amount        int64
	AccountMasked string
	Sent          bool
	Status        Status
}

// Transfers returns the outbox's transfers, in order of submission.
func (s *Service) Transfers(ctx context.Context) ([]TransferState, error) {
	var out []TransferState
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		out, err = listTransfers(ctx, tx)
		return err
	})
	return out, err
}

// Quarantined returns the outcomes refused because they name a transfer
// the platform never submitted.
func (s *Service) Quarantined(ctx context.Context) ([]Outcome, error) {
	var out []Outcome
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		out, err = quarantinedOutcomes(ctx, tx)
		return err
	})
	return out, err
}

// errNoVault is returned when a Service that must seal has no vault.
var errNoVault = apperr.New(apperr.Internal, "")
