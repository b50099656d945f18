package refund

import (
	"context"
	"database/sql"
	"time"

	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
)

// attention returns up to limit refunds of run that are not settled and not
// merely waiting their turn: sent and unanswered, closed or abnormal and
// waiting for their next attempt. The ones that failed come first.
func attention(ctx context.Context, tx *store.Tx, run int64, limit int) ([]Refund, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (Refund, error) { return scanRefund(rows) },
		`SELECT `+refundColumns+` FROM refunds r JOIN refund_runs u ON u.id = r.run_id
		WHERE r.run_id = $1 AND r.state IN ('abnormal', 'retrying', 'sending', 'processing')
		ORDER BY CASE r.state WHEN 'abnormal' THEN 0 WHEN 'retrying' THEN 1 ELSE 2 END, r.id LIMIT $2`, run, limit)
}

// Quarantined is a provider's word on a refund that was kept for staff and
// never believed: an unknown refund number, an amount or order that does
// not match, an answer for an old attempt or one given to charity.
type Quarantined struct {
	ID                 int64
	Provider, RefundNo string
	Reason, State      string
	Amount             money.Fen
	OrderNo            string
	ReceivedAt         time.Time
}

// quarantined returns the unresolved quarantined answers, newest first.
func quarantined(ctx context.Context, tx *store.Tx, limit int) ([]Quarantined, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (Quarantined, error) {
		var q Quarantined
		var amount, at int64
		err := rows.Scan(&q.ID, &q.Provider, &q.RefundNo, &q.Reason, &q.State, &amount, &q.OrderNo, &at)
		q.Amount, q.ReceivedAt = money.Fen(amount), time.UnixMicro(at).UTC()
		return q, err
	}, `SELECT id, provider, refund_no, reason, state, amount_fen, order_no, received_at
		FROM refund_quarantine WHERE resolved_at IS NULL ORDER BY id DESC LIMIT $1`, limit)
}
