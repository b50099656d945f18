package bank

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/carefund/carefund/internal/bank/iso20022"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
)

// insertTransfer records t in the outbox. It reports false, having kept
// the copy in bank_transfer_conflicts, when t's ID is recorded with other
// content; a replay of the same transfer is true and changes nothing.
func (s *Service) insertTransfer(ctx context.Context, tx *store.Tx, t Transfer) (bool, error) {
	h := Hash(t)
	var have string
	err := tx.QueryRowContext(ctx, "SELECT content_hash FROM bank_transfers WHERE id = $1", t.ID).Scan(&have)
	switch {
	case err == nil && have == h:
		return true, nil
	case err == nil:
		_, err := tx.ExecContext(ctx, `INSERT INTO bank_transfer_conflicts (transfer_id, content_hash, amount_fen, received_at)
			VALUES ($1, $2, $3, $4) ON CONFLICT (transfer_id, content_hash) DO NOTHING`, t.ID, h, int64(t.Amount), tx.Now.UnixMicro())
		return false, err
	case !errors.Is(err, sql.ErrNoRows):
		return false, err
	}
	if s.Vault == nil {
		return false, errNoVault
	}
	payee, err := json.Marshal(t.Payee)
	if err != nil {
		return false, err
	}
	key, err := s.Vault.NewKey(ctx, tx)
	if err != nil {
		return false, err
	}
	sealed := key.Seal(payeeAAD(t.ID), payee)
	_, err = tx.ExecContext(ctx, `INSERT INTO bank_transfers (id, bank, content_hash, amount_fen, key_id, payee_sealed,
		account_masked, remittance, submitted_at, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '')`,
		t.ID, s.Bank.Name(), h, int64(t.Amount), key.ID, sealed, maskAccount(t.Payee.Account), t.Remittance, tx.Now.UnixMicro())
	if err != nil {
		return false, fmt.Errorf("bank: recording transfer %s: %w", t.ID, err)
	}
	return true, nil
}

// unsent returns up to limit transfers of the service's bank not yet
// acknowledged, oldest first, with their payees unsealed for sending.
func (s *Service) unsent(ctx context.Context, tx *store.Tx, limit int) ([]Transfer, error) {
	type row struct {
		t      Transfer
		keyID  int64
		sealed []byte
	}
	rows, err := store.All(ctx, tx, func(r *sql.Rows) (row, error) {
		var x row
		var amount int64
		err := r.Scan(&x.t.ID, &amount, &x.t.Remittance, &x.keyID, &x.sealed)
		x.t.Amount = money.Fen(amount)
		return x, err
	}, `SELECT id, amount_fen, remittance, key_id, payee_sealed FROM bank_transfers
		WHERE bank = $1 AND sent_at IS NULL ORDER BY submitted_at, id LIMIT $2`, s.Bank.Name(), limit)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	if s.Vault == nil {
		return nil, errNoVault
	}
	out := make([]Transfer, len(rows))
	for i, x := range rows {
		key, err := s.Vault.Key(ctx, tx, x.keyID)
		if err != nil {
			return nil, err
		}
		plain, err := key.Open(payeeAAD(x.t.ID), x.sealed)
		if err != nil {
			return nil, fmt.Errorf("bank: opening the payee of %s: %w", x.t.ID, err)
		}
		var p iso20022.Party
		if err := json.Unmarshal(plain, &p); err != nil {
			return nil, fmt.Errorf("bank: the payee of %s: %w", x.t.ID, err)
		}
		x.t.Payee = p
		out[i] = x.t
	}
	return out, nil
}

// markSent records that the bank has the transfers.
func markSent(ctx context.Context, tx *store.Tx, ts []Transfer) error {
	for _, t := range ts {
		if _, err := tx.ExecContext(ctx, "UPDATE bank_transfers SET sent_at = $1 WHERE id = $2 AND sent_at IS NULL",
			tx.Now.UnixMicro(), t.ID); err != nil {
			return err
		}
	}
	return nil
}

func readCursor(ctx context.Context, tx *store.Tx, bank string) (string, error) {
	var c string
	err := tx.QueryRowContext(ctx, "SELECT read_to FROM bank_cursors WHERE bank = $1", bank).Scan(&c)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return c, err
}

func writeCursor(ctx context.Context, tx *store.Tx, bank, cursor string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO bank_cursors (bank, read_to, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (bank) DO UPDATE SET read_to = excluded.read_to, updated_at = excluded.updated_at`,
		bank, cursor, tx.Now.UnixMicro())
	return err
}

// outcomeState is where a stored outcome stands.
type outcomeState int

const (
	outcomeToApply outcomeState = iota
	outcomeApplied
	outcomeQuarantined
)

// recordOutcome stores an outcome once (per transfer and status) and says
// whether it is still to be applied. One for a transfer the outbox never
// held is stored quarantined. One for a transfer not yet marked sent
// marks it sent: the bank evidently has it.
func recordOutcome(ctx context.Context, tx *store.Tx, bank string, o Outcome) (outcomeState, error) {
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM bank_transfers WHERE id = $1 AND bank = $2",
		o.TransferID, bank).Scan(&n); err != nil {
		return 0, err
	}
	known := n == 1
	quarantined := 0
	if !known {
		quarantined = 1
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO bank_outcomes (bank, transfer_id, status, reason, at, seq, received_at, quarantined)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (bank, transfer_id, status) DO NOTHING`,
		bank, o.TransferID, string(o.Status), o.Reason, o.At.UnixMicro(), o.Seq, tx.Now.UnixMicro(), quarantined); err != nil {
		return 0, err
	}
	var q int
	var applied sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT quarantined, applied_at FROM bank_outcomes WHERE bank = $1 AND transfer_id = $2 AND status = $3`,
		bank, o.TransferID, string(o.Status)).Scan(&q, &applied); err != nil {
		return 0, err
	}
	switch {
	case q == 1:
		return outcomeQuarantined, nil
	case applied.Valid:
		return outcomeApplied, nil
	}
	_, err := tx.ExecContext(ctx, "UPDATE bank_transfers SET sent_at = $1 WHERE id = $2 AND sent_at IS NULL", tx.Now.UnixMicro(), o.TransferID)
	return outcomeToApply, err
}

// statusRank orders statuses so that a late copy of an earlier status
// never moves a transfer back.
var statusRank = map[Status]int{"": 0, Pending: 1, Paid: 2, Rejected: 2, Returned: 3}

// markApplied records that the payout side took the outcome, and moves the
// transfer's status forward.
func markApplied(ctx context.Context, tx *store.Tx, bank string, o Outcome) error {
	if _, err := tx.ExecContext(ctx, `UPDATE bank_outcomes SET applied_at = $1
		WHERE bank = $2 AND transfer_id = $3 AND status = $4 AND applied_at IS NULL`,
		tx.Now.UnixMicro(), bank, o.TransferID, string(o.Status)); err != nil {
		return err
	}
	var cur string
	if err := tx.QueryRowContext(ctx, "SELECT status FROM bank_transfers WHERE id = $1", o.TransferID).Scan(&cur); err != nil {
		return err
	}
	if statusRank[o.Status] <= statusRank[Status(cur)] {
		return nil
	}
	_, err := tx.ExecContext(ctx, "UPDATE bank_transfers SET status = $1, status_at = $2 WHERE id = $3",
		string(o.Status), o.At.UnixMicro(), o.TransferID)
	return err
}

func listTransfers(ctx context.Context, tx *store.Tx) ([]TransferState, error) {
	return store.All(ctx, tx, func(r *sql.Rows) (TransferState, error) {
		var t TransferState
		var sent sql.NullInt64
		var st string
		err := r.Scan(&t.ID, &t.Amount, &t.AccountMasked, &sent, &st)
		t.Sent, t.Status = sent.Valid, Status(st)
		return t, err
	}, "SELECT id, amount_fen, account_masked, sent_at, status FROM bank_transfers ORDER BY submitted_at, id")
}

func quarantinedOutcomes(ctx context.Context, tx *store.Tx) ([]Outcome, error) {
	return store.All(ctx, tx, func(r *sql.Rows) (Outcome, error) {
		var o Outcome
		var at int64
		err := r.Scan(&o.TransferID, &o.Status, &o.Reason, &at, &o.Seq)
		o.At = time.UnixMicro(at).UTC()
		return o, err
	}, "SELECT transfer_id, status, reason, at, seq FROM bank_outcomes WHERE quarantined = 1 ORDER BY id")
}
