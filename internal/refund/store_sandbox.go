package refund

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/store"
)

func findSandboxRefund(ctx context.Context, tx *store.Tx, no string) (payment.SandboxRefundEntry, error) {
	var e payment.SandboxRefundEntry
	var amount, total, at int64
	err := tx.QueryRowContext(ctx, `SELECT refund_no, order_no, transaction_id, amount_fen, total_fen, outcome,
		provider_refund_id, received_at FROM sandbox_psp_refunds WHERE refund_no = $1`, no).
		Scan(&e.RefundID, &e.OrderID, &e.TransactionID, &amount, &total, &e.Outcome, &e.ProviderRefundID, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return e, payment.ErrUnknownRefund
	}
	e.Amount, e.Total, e.ReceivedAt = money.Fen(amount), money.Fen(total), time.UnixMicro(at).UTC()
	return e, err
}

func bookSandboxRefund(ctx context.Context, tx *store.Tx, e payment.SandboxRefundEntry, decide func(int) string) (payment.SandboxRefundEntry, error) {
	if old, err := findSandboxRefund(ctx, tx, e.RefundID); err == nil {
		return old, nil
	} else if !errors.Is(err, payment.ErrUnknownRefund) {
		return e, err
	}
	var used int64
	var closed int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(CASE WHEN outcome = 'success' THEN amount_fen ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN outcome = 'closed' THEN 1 ELSE 0 END), 0) FROM sandbox_psp_refunds WHERE order_no = $1`,
		e.OrderID).Scan(&used, &closed); err != nil {
		return e, err
	}
	if e.Amount > e.Total-money.Fen(used) {
		return e, apperr.New(apperr.Invalid, "payment.refund_too_much")
	}
	e.Outcome = decide(closed)
	_, err := tx.ExecContext(ctx, `INSERT INTO sandbox_psp_refunds (refund_no, order_no, transaction_id, total_fen, amount_fen,
		outcome, provider_refund_id, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		e.RefundID, e.OrderID, e.TransactionID, int64(e.Total), int64(e.Amount), e.Outcome, e.ProviderRefundID, micros(e.ReceivedAt))
	return e, err
}

// sandboxPaid returns how much the sandbox paid back for each order, for
// tests and the crash test: at most once per refund.
func sandboxPaid(ctx context.Context, tx *store.Tx) (map[string]money.Fen, error) {
	out := map[string]money.Fen{}
	err := store.Each(ctx, tx, func(rows *sql.Rows) error {
		var o string
		var a int64
		if err := rows.Scan(&o, &a); err != nil {
			return err
		}
		out[o] = money.Fen(a)
		return nil
	}, `SELECT order_no, SUM(amount_fen) FROM sandbox_psp_refunds WHERE outcome = 'success' GROUP BY order_no`)
	return out, err
}
