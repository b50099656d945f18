package bank

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/bank/iso20022"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
)

// sandboxReceive records a transfer at the sandbox and schedules its
// outcomes, unless its ID is already there.
func sandboxReceive(ctx context.Context, tx *store.Tx, t Transfer, now time.Time) error {
	h := HabitOf(t)
	res, err := tx.ExecContext(ctx, `INSERT INTO sandbox_bank_transfers (id, content_hash, amount_fen, account_masked, habit, received_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
		t.ID, Hash(t), int64(t.Amount), maskAccount(t.Payee.Account), string(h), now.UnixMicro())
	if err != nil {
		return fmt.Errorf("bank: sandbox receiving %s: %w", t.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err
	}
	for _, e := range Schedule(h, now) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sandbox_bank_events (transfer_id, status, reason, due_at)
			VALUES ($1, $2, $3, $4)`, t.ID, string(e.Status), e.Reason, e.Due.UnixMicro()); err != nil {
			return err
		}
	}
	return nil
}

type dueEvent struct {
	id         int64
	transferID string
	status     Status
	due        time.Time
	amount     money.Fen
	masked     string
}

// sandboxBook numbers the events due by now, in the order they came due,
// and books the money they move: a payment debits the custody account (or
// is rejected for insufficient funds, its return then cancelled), a return
// credits it back.
func sandboxBook(ctx context.Context, tx *store.Tx, now time.Time) error {
	if err := sandboxEvents(ctx, tx, now); err != nil {
		return err
	}
	return sandboxInterest(ctx, tx, now)
}

// sandboxEvents books the transfers' events due by now (see sandboxBook).
func sandboxEvents(ctx context.Context, tx *store.Tx, now time.Time) error {
	due, err := store.All(ctx, tx, func(rows *sql.Rows) (dueEvent, error) {
		var e dueEvent
		var at, amount int64
		err := rows.Scan(&e.id, &e.transferID, &e.status, &at, &amount, &e.masked)
		e.due, e.amount = time.UnixMicro(at), money.Fen(amount)
		return e, err
	}, `SELECT e.id, e.transfer_id, e.status, e.due_at, t.amount_fen, t.account_masked
		FROM sandbox_bank_events e JOIN sandbox_bank_transfers t ON t.id = e.transfer_id
		WHERE e.seq IS NULL AND e.due_at <= $1 ORDER BY e.due_at, e.id`, now.UnixMicro())
	if err != nil || len(due) == 0 {
		return err
	}
	var seq int64
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(seq), 0) FROM sandbox_bank_events").Scan(&seq); err != nil {
		return err
	}
	balance, err := sandboxBalance(ctx, tx, "9999-12-31")
	if err != nil {
		return err
	}
	cancelled := map[string]bool{}
	for _, e := range due {
		if cancelled[e.transferID] {
			continue
		}
		switch e.status {
		case Paid:
			if balance < e.amount {
				// The bank does not overdraw the custody account.
				if _, err := tx.ExecContext(ctx, `UPDATE sandbox_bank_events SET status = 'rejected', reason = $1 WHERE id = $2`,
					ReasonInsufficientFunds, e.id); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `DELETE FROM sandbox_bank_events WHERE transfer_id = $1 AND status = 'returned' AND seq IS NULL`,
					e.transferID); err != nil {
					return err
				}
				cancelled[e.transferID] = true
				break
			}
			balance -= e.amount
			if err := insertBooking(ctx, tx, "payout", e.transferID, e.amount, e.due, e.masked, ""); err != nil {
				return err
			}
		case Returned:
			balance += e.amount
			if err := insertBooking(ctx, tx, "return", e.transferID, e.amount, e.due, e.masked, ""); err != nil {
				return err
			}
		}
		seq++
		if _, err := tx.ExecContext(ctx, "UPDATE sandbox_bank_events SET seq = $1 WHERE id = $2", seq, e.id); err != nil {
			return err
		}
	}
	return nil
}

// sandboxInterest books the interest due by now (InterestDays) that is
// not booked yet, from the account's first booking on, each on the
// balance before its day. The bookings before it stand whatever comes
// later, as a bank's books do, so the same interest is computed however
// often this runs.
func sandboxInterest(ctx context.Context, tx *store.Tx, now time.Time) error {
	var first sql.NullInt64
	if err := tx.QueryRowContext(ctx, "SELECT MIN(at) FROM sandbox_bank_bookings").Scan(&first); err != nil || !first.Valid {
		return err
	}
	var last sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT MAX(end_to_end_id) FROM sandbox_bank_bookings
		WHERE kind = 'credit' AND end_to_end_id LIKE 'SBXINT%'`).Scan(&last); err != nil {
		return err
	}
	from := time.UnixMicro(first.Int64)
	if last.Valid {
		if d, err := time.ParseInLocation("20060102", last.String[len(InterestPrefix):], Zone); err == nil {
			from = d.Add(interestHour)
		}
	}
	for _, at := range InterestDays(from, now) {
		balance, err := sandboxBalance(ctx, tx, Day(at).Format(time.DateOnly))
		if err != nil {
			return err
		}
		amount := Interest(balance)
		if amount <= 0 {
			continue
		}
		remittance := "结息 interest " + at.In(Zone).Format("2006-01")
		if err := insertBooking(ctx, tx, "credit", InterestRef(at), amount, at, "", remittance); err != nil {
			return err
		}
	}
	return nil
}

func insertBooking(ctx context.Context, tx *store.Tx, kind, ref string, amount money.Fen, at time.Time, counterparty, remittance string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO sandbox_bank_bookings (kind, end_to_end_id, amount_fen, booked_on, counterparty, remittance, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, kind, ref, int64(amount), Day(at).Format(time.DateOnly), counterparty, remittance, at.UnixMicro())
	if err != nil {
		return fmt.Errorf("bank: sandbox booking %s %s: %w", kind, ref, err)
	}
	return nil
}

// sandboxBalance returns the custody account's balance before the day
// (YYYY-MM-DD): credits and returns less payments.
func sandboxBalance(ctx context.Context, tx *store.Tx, before string) (money.Fen, error) {
	var b int64
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(CASE WHEN kind = 'payout' THEN -amount_fen ELSE amount_fen END), 0)
		FROM sandbox_bank_bookings WHERE booked_on < $1`, before).Scan(&b)
	return money.Fen(b), err
}

func sandboxOutcomes(ctx context.Context, tx *store.Tx, after int64, limit int) ([]Outcome, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (Outcome, error) {
		var o Outcome
		var at int64
		err := rows.Scan(&o.TransferID, &o.Status, &o.Reason, &at, &o.Seq)
		o.At = time.UnixMicro(at).UTC()
		return o, err
	}, `SELECT transfer_id, status, reason, due_at, seq FROM sandbox_bank_events
		WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
}

func sandboxStatement(ctx context.Context, tx *store.Tx, acct iso20022.Account, day time.Time) (iso20022.Statement, error) {
	d := day.Format(time.DateOnly)
	open, err := sandboxBalance(ctx, tx, d)
	if err != nil {
		return iso20022.Statement{}, err
	}
	st := iso20022.Statement{ID: "SBX-" + day.Format("20060102"), Account: acct}
	closing := open
	err = store.Each(ctx, tx, func(rows *sql.Rows) error {
		var id, amount int64
		var kind string
		e := iso20022.Entry{BookingDate: day, ValueDate: day}
		if err := rows.Scan(&id, &kind, &e.EndToEndID, &amount, &e.Counterparty, &e.Remittance); err != nil {
			return err
		}
		e.Reference = fmt.Sprintf("SBX%012d", id)
		e.BankReference = e.Reference
		e.Amount = money.Fen(amount)
		switch kind {
		case "payout":
			e.Direction = iso20022.Debit
			closing -= e.Amount
			// The sandbox keeps only the masked account, which a
			// statement cannot carry as an account number.
			e.Counterparty = ""
		case "return":
			e.Direction, e.Reversal = iso20022.Credit, true
			closing += e.Amount
			e.Counterparty = ""
		default:
			e.Direction = iso20022.Credit
			closing += e.Amount
			if strings.HasPrefix(e.EndToEndID, InterestPrefix) {
				// Interest has no end-to-end id: the bank books it
				// under its own reference and ISO's interest code.
				e.EndToEndID, e.TxCode = "", iso20022.InterestCode
			}
		}
		st.Entries = append(st.Entries, e)
		return nil
	}, `SELECT id, kind, end_to_end_id, amount_fen, counterparty, remittance FROM sandbox_bank_bookings
		WHERE booked_on = $1 ORDER BY id`, d)
	if err != nil {
		return iso20022.Statement{}, err
	}
	st.Opening = &iso20022.Balance{Amount: open, Date: day}
	st.Closing = &iso20022.Balance{Amount: closing, Date: day}
	return st, nil
}

func sandboxCredit(ctx context.Context, tx *store.Tx, c Credit, now time.Time) error {
	var amount int64
	err := tx.QueryRowContext(ctx, `SELECT amount_fen FROM sandbox_bank_bookings WHERE kind = 'credit' AND end_to_end_id = $1`,
		c.Reference).Scan(&amount)
	switch {
	case err == nil && money.Fen(amount) == c.Amount:
		return nil
	case err == nil:
		return fmt.Errorf("bank: sandbox credit %s was booked with another amount: %w", c.Reference, ErrConflict)
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	return insertBooking(ctx, tx, "credit", c.Reference, c.Amount, now, c.From, c.Remittance)
}
