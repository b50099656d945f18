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

func bookSandboxRefund(ctx context.Context, tx *store.Tx, e payment.SandboxRefundEntry, decide func(int) string, covered func(refunded, funded money.Fen) bool) (payment.SandboxRefundEntry, error) {
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
	if e.Outcome == payment.RefundSuccess {
		from, to := payment.SandboxDay(e.ReceivedAt)
		var refunded, funded int64
		if err := tx.QueryRowContext(ctx, `SELECT
			(SELECT COALESCE(SUM(amount_fen), 0) FROM sandbox_psp_refunds WHERE outcome = 'success' AND received_at >= $1 AND received_at < $2),
			(SELECT COALESCE(SUM(amount_fen), 0) FROM sandbox_psp_fundings WHERE received_at >= $1 AND received_at < $2)`,
			micros(from), micros(to)).Scan(&refunded, &funded); err != nil {
			return e, err
		}
		if !covered(money.Fen(refunded), money.Fen(funded)) {
			return e, payment.ErrNotEnough
		}
	}
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

// fundSandbox records a top-up of the sandbox's balance once by its
// reference.
func fundSandbox(ctx context.Context, tx *store.Tx, f payment.SandboxFunding) (payment.SandboxFunding, error) {
	var amount, at int64
	err := tx.QueryRowContext(ctx, `SELECT amount_fen, received_at FROM sandbox_psp_fundings WHERE ref = $1`, f.Ref).Scan(&amount, &at)
	switch {
	case err == nil && money.Fen(amount) != f.Amount:
		return f, apperr.New(apperr.Conflict, "payment.funding_conflict")
	case err == nil:
		return payment.SandboxFunding{Ref: f.Ref, Amount: money.Fen(amount), ReceivedAt: time.UnixMicro(at).UTC()}, nil
	case !errors.Is(err, sql.ErrNoRows):
		return f, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO sandbox_psp_fundings (ref, amount_fen, received_at) VALUES ($1, $2, $3)`,
		f.Ref, int64(f.Amount), micros(f.ReceivedAt))
	return f, err
}

// sandboxDay returns the successful refunds and the top-ups received in
// [from, to), in the order of their numbers.
func sandboxDay(ctx context.Context, tx *store.Tx, from, to time.Time) ([]payment.SandboxRefundEntry, []payment.SandboxFunding, error) {
	rs, err := store.All(ctx, tx, func(rows *sql.Rows) (payment.SandboxRefundEntry, error) {
		var e payment.SandboxRefundEntry
		var amount, total, at int64
		err := rows.Scan(&e.RefundID, &e.OrderID, &e.TransactionID, &amount, &total, &e.Outcome, &e.ProviderRefundID, &at)
		e.Amount, e.Total, e.ReceivedAt = money.Fen(amount), money.Fen(total), time.UnixMicro(at).UTC()
		return e, err
	}, `SELECT refund_no, order_no, transaction_id, amount_fen, total_fen, outcome, provider_refund_id, received_at
		FROM sandbox_psp_refunds WHERE outcome = 'success' AND received_at >= $1 AND received_at < $2 ORDER BY refund_no`,
		micros(from), micros(to))
	if err != nil {
		return nil, nil, err
	}
	fs, err := store.All(ctx, tx, func(rows *sql.Rows) (payment.SandboxFunding, error) {
		var f payment.SandboxFunding
		var amount, at int64
		err := rows.Scan(&f.Ref, &amount, &at)
		f.Amount, f.ReceivedAt = money.Fen(amount), time.UnixMicro(at).UTC()
		return f, err
	}, `SELECT ref, amount_fen, received_at FROM sandbox_psp_fundings WHERE received_at >= $1 AND received_at < $2 ORDER BY ref`,
		micros(from), micros(to))
	return rs, fs, err
}
