package donation

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/content"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/store"
)

const receiptQuery = `SELECT o.id, o.order_no, o.request_id, o.amount_fen, o.donor_user_id, o.anonymous, o.message,
	o.message_flagged, o.share_id, o.state, o.provider, o.created_at, o.expires_at,
	d.id, d.transaction_id, d.paid_at, d.entry_id, d.after_close, l.order_id
	FROM donation_orders o
	LEFT JOIN donations d ON d.order_id = o.id
	LEFT JOIN donation_order_lapses l ON l.order_id = o.id`

func scanReceipt(sc scanner) (Receipt, error) {
	var r Receipt
	var amount, anon, flagged, created, expires int64
	var donor, share, donationID, paidAt, entryID, afterClose, lapsed sql.NullInt64
	var msg, txID sql.NullString
	if err := sc.Scan(&r.ID, &r.OrderNo, &r.RequestID, &amount, &donor, &anon, &msg, &flagged, &share, &r.Order.State,
		&r.Provider, &created, &expires, &donationID, &txID, &paidAt, &entryID, &afterClose, &lapsed); err != nil {
		return Receipt{}, err
	}
	r.Amount = money.Fen(amount)
	r.DonorUserID, r.ShareID = donor.Int64, share.Int64
	r.Anonymous, r.MessageFlagged = anon == 1, flagged == 1
	r.Message = msg.String
	r.CreatedAt = time.UnixMicro(created).UTC()
	r.ExpiresAt = time.UnixMicro(expires).UTC()
	r.DonationID, r.TransactionID, r.EntryID = donationID.Int64, txID.String, entryID.Int64
	switch {
	case donationID.Valid && afterClose.Int64 == 1:
		r.State = StateRefundPending
	case donationID.Valid:
		r.State = StatePaid
	case r.Order.State == Quarantined:
		r.State = StateHeld
	case lapsed.Valid:
		r.State = StateLapsed
	default:
		r.State = StatePending
	}
	if paidAt.Valid {
		r.PaidAt = time.UnixMicro(paidAt.Int64).UTC()
	}
	return r, nil
}

// ReceiptByOrder returns the order with our order number no and what became
// of it, or apperr.NotFound.
func ReceiptByOrder(ctx context.Context, tx *store.Tx, no string) (Receipt, error) {
	r, err := scanReceipt(tx.QueryRowContext(ctx, receiptQuery+" WHERE o.order_no = $1", no))
	if errors.Is(err, sql.ErrNoRows) {
		return Receipt{}, apperr.Wrap(err, apperr.NotFound, "")
	}
	return r, err
}

// ReceiptsByDonor returns the orders of a signed-in donor that were paid,
// or are still waiting for their payment, newest first, at most limit.
// Orders given up unpaid are left out, they are not donations, unless a
// payment for one came after all.
func ReceiptsByDonor(ctx context.Context, tx *store.Tx, userID int64, limit int) ([]Receipt, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (Receipt, error) { return scanReceipt(rows) },
		receiptQuery+` WHERE o.donor_user_id = $1 AND (d.id IS NOT NULL OR l.order_id IS NULL)
		ORDER BY o.id DESC LIMIT $2`, userID, limit)
}

// Recent returns the newest donations to a request, at most limit, as the
// public sees them. Payments that came after the channel closed are not
// donations to it and are left out. A message is shown only when the
// content screen let it through or staff cleared it, and a message staff
// took down gives its public reason instead (R-CONT-1).
func Recent(ctx context.Context, tx *store.Tx, requestID int64, limit int) ([]Public, error) {
	type row struct {
		Public
		orderNo string
		msg     string
		flagged bool
	}
	rows, err := store.All(ctx, tx, func(rows *sql.Rows) (row, error) {
		var p row
		var amount, anon, flagged, paid int64
		var donor sql.NullInt64
		var msg sql.NullString
		if err := rows.Scan(&amount, &donor, &anon, &msg, &flagged, &paid, &p.orderNo); err != nil {
			return p, err
		}
		p.Amount, p.Anonymous, p.PaidAt = money.Fen(amount), anon == 1, time.UnixMicro(paid).UTC()
		if !p.Anonymous {
			p.DonorUserID = donor.Int64
		}
		p.msg, p.flagged = msg.String, flagged == 1
		return p, nil
	}, `SELECT d.amount_fen, d.donor_user_id, d.anonymous, d.message, d.message_flagged, d.paid_at, o.order_no
		FROM donations d JOIN donation_orders o ON o.id = d.order_id
		WHERE d.request_id = $1 AND d.after_close = 0 ORDER BY d.id DESC LIMIT $2`, requestID, limit)
	if err != nil {
		return nil, err
	}
	var refs []string
	for _, r := range rows {
		if r.msg != "" {
			refs = append(refs, r.orderNo)
		}
	}
	st, err := content.Statuses(ctx, tx, content.PlaceDonationMessage, refs)
	if err != nil {
		return nil, err
	}
	out := make([]Public, 0, len(rows))
	for _, r := range rows {
		s := st[r.orderNo]
		switch {
		case r.msg == "":
		case s.TakenDown:
			r.MessageRemoved = s.Reason
		case s.Public() && (!r.flagged || s.Cleared):
			// A message flagged before the handling record existed has
			// no record to clear it, and stays hidden as it was.
			r.Message = r.msg
		}
		out = append(out, r.Public)
	}
	return out, nil
}

// MessageText returns the message of the order with number ref for the
// content screen's queue (R-CONT-1, content.TextFunc); an unknown order is
// apperr.NotFound.
func MessageText(ctx context.Context, tx *store.Tx, ref string) (content.Text, error) {
	var msg sql.NullString
	var request int64
	err := tx.QueryRowContext(ctx, "SELECT message, request_id FROM donation_orders WHERE order_no = $1", ref).Scan(&msg, &request)
	if errors.Is(err, sql.ErrNoRows) {
		return content.Text{}, apperr.Wrap(err, apperr.NotFound, "")
	}
	if err != nil {
		return content.Text{}, err
	}
	return content.Text{Body: msg.String, Link: "/requests/" + strconv.FormatInt(request, 10)}, nil
}
