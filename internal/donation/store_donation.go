package donation

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
)

// OrderByNo returns the order with our order number no, or apperr.NotFound.
func OrderByNo(ctx context.Context, tx *store.Tx, no string) (Order, error) {
	o, err := scanOrder(tx.QueryRowContext(ctx, "SELECT "+orderColumns+" FROM donation_orders WHERE order_no = $1", no))
	if errors.Is(err, sql.ErrNoRows) {
		return Order{}, apperr.Wrap(err, apperr.NotFound, "")
	}
	return o, err
}

const orderColumns = `id, order_no, request_id, amount_fen, donor_user_id, anonymous, message, message_flagged, share_id,
	state, provider, created_at, expires_at`

type scanner interface{ Scan(...any) error }

func scanOrder(sc scanner) (Order, error) {
	var o Order
	var amount, anon, flagged, created, expires int64
	var donor, share sql.NullInt64
	var msg sql.NullString
	if err := sc.Scan(&o.ID, &o.OrderNo, &o.RequestID, &amount, &donor, &anon, &msg, &flagged, &share, &o.State,
		&o.Provider, &created, &expires); err != nil {
		return Order{}, err
	}
	o.Amount = money.Fen(amount)
	o.DonorUserID = donor.Int64
	o.ShareID = share.Int64
	o.Anonymous, o.MessageFlagged = anon == 1, flagged == 1
	o.Message = msg.String
	o.CreatedAt = time.UnixMicro(created).UTC()
	o.ExpiresAt = time.UnixMicro(expires).UTC()
	return o, nil
}

// Totals returns what request requestID raised before its channel closed,
// and from how many donations: zero before the first.
func Totals(ctx context.Context, tx *store.Tx, requestID int64) (raised money.Fen, donations int, err error) {
	var r int64
	err = tx.QueryRowContext(ctx, "SELECT raised_fen, donations FROM request_totals WHERE request_id = $1",
		requestID).Scan(&r, &donations)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	return money.Fen(r), donations, err
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }
