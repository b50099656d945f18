package donation

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

// The states of a donation as its donor sees it.
const (
	// StatePending: the order is placed and the payment not yet confirmed.
	StatePending = "pending"
	// StatePaid: the payment is confirmed and counted.
	StatePaid = "paid"
	// StateRefundPending: the payment came after the channel closed and
	// waits for its refund (R-PUB-4).
	StateRefundPending = "refund_pending"
	// StateRefunded: the money went back by its original route.
	StateRefunded = "refunded"
	// StateLapsed: the order was never paid and the platform gave up on it.
	StateLapsed = "lapsed"
	// StateHeld: the payment did not match the order and is with finance
	// staff (quarantine).
	StateHeld = "held"
)

// Receipt is an order with what became of it.
type Receipt struct {
	Order
	// State is one of the State* constants.
	State string
	// DonationID, TransactionID and PaidAt are set once the payment is
	// confirmed.
	DonationID    int64
	TransactionID string
	PaidAt        time.Time
	// EntryID is the ledger entry of the donation.
	EntryID int64
}

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

// Public is a donation as the public sees it: never who paid when the donor
// chose to be anonymous (R-DON-2), and never a message staff have not let
// through (a flagged one waits for the patrol).
type Public struct {
	Amount money.Fen
	// DonorUserID is 0 when the donation is anonymous or the donor was not
	// signed in.
	DonorUserID int64
	Anonymous   bool
	Message     string
	PaidAt      time.Time
}

// Recent returns the newest donations to a request, at most limit, as the
// public sees them. Payments that came after the channel closed are not
// donations to it and are left out.
func Recent(ctx context.Context, tx *store.Tx, requestID int64, limit int) ([]Public, error) {
	return store.All(ctx, tx, func(rows *sql.Rows) (Public, error) {
		var p Public
		var amount, anon, flagged, paid int64
		var donor sql.NullInt64
		var msg sql.NullString
		if err := rows.Scan(&amount, &donor, &anon, &msg, &flagged, &paid); err != nil {
			return p, err
		}
		p.Amount, p.Anonymous, p.PaidAt = money.Fen(amount), anon == 1, time.UnixMicro(paid).UTC()
		if !p.Anonymous {
			p.DonorUserID = donor.Int64
		}
		if flagged == 0 {
			p.Message = msg.String
		}
		return p, nil
	}, `SELECT amount_fen, donor_user_id, anonymous, message, message_flagged, paid_at
		FROM donations WHERE request_id = $1 AND after_close = 0 ORDER BY id DESC LIMIT $2`, requestID, limit)
}

// ReconcileResult says what one run of Reconcile did.
type ReconcileResult struct {
	Asked     int // orders the providers were asked about
	Confirmed int // of them, paid after all, and now donations
	Lapsed    int // of them, given up
	// Left is how many were left for a later run: their provider is not
	// configured, could not be reached, or answered about another order.
	Left int
}

// reconcilePage is how many unpaid orders Reconcile reads at a time (a
// variable for tests).
var reconcilePage = 100

// Reconcile asks the providers about up to limit orders still unpaid at
// olderThan, whose notification never came (R-DON-1). A paid one is
// confirmed through Confirm, under the same key a notification would use,
// so a notification arriving later still counts it once. One the provider
// reports unpaid, closed, failed or unknown is recorded as lapsed and not
// asked about again; its payment, should one still come, is still credited.
// An order of a provider missing from providers, or whose provider cannot
// be reached, is left for the next run, and the run goes on past it, so such
// orders never keep the others from being asked about.
func (s *Service) Reconcile(ctx context.Context, providers map[string]payment.Provider, olderThan time.Time, limit int) (ReconcileResult, error) {
	var (
		res   ReconcileResult
		errs  []error
		after Order
	)
	for res.Asked+res.Left < limit {
		want := min(reconcilePage, limit-res.Asked-res.Left)
		orders, err := s.unpaidAfter(ctx, olderThan, after, want)
		if err != nil {
			return res, errors.Join(append(errs, err)...)
		}
		for _, o := range orders {
			after = o
			if err := s.reconcile(ctx, providers, o, &res); err != nil {
				res.Left++
				errs = append(errs, err)
			}
		}
		if len(orders) < want || ctx.Err() != nil {
			break
		}
	}
	return res, errors.Join(errs...)
}

// reconcile asks about one order and confirms or lapses it, counting what
// it did in res; an order it leaves is an error, or no error for a
// provider that is not configured.
func (s *Service) reconcile(ctx context.Context, providers map[string]payment.Provider, o Order, res *ReconcileResult) error {
	p, ok := providers[o.Provider]
	if !ok {
		res.Left++
		return nil
	}
	res.Asked++
	pay, err := p.Query(ctx, o.OrderNo)
	state := ""
	switch {
	case errors.Is(err, payment.ErrUnknownOrder):
		state = "unknown"
	case err != nil:
		res.Asked--
		return wrapf("asking %s about order %s: %w", o.Provider, o.OrderNo, err)
	case pay.State == payment.Paid:
		if pay.OrderID != o.OrderNo {
			// Never believe an answer about another order.
			res.Asked--
			return wrapf("%s answered about order %q when asked about %s", o.Provider, pay.OrderID, o.OrderNo)
		}
		pay.Provider = o.Provider
		if _, err := s.Confirm(ctx, pay); err != nil {
			res.Asked--
			return err
		}
		res.Confirmed++
		return nil
	default:
		state = string(pay.State)
	}
	switch state {
	case "not_paid", "closed", "failed", "refunded", "unknown":
	default:
		state = "unknown"
	}
	if err := s.lapse(ctx, o.ID, state); err != nil {
		res.Asked--
		return err
	}
	res.Lapsed++
	return nil
}

func (s *Service) lapse(ctx context.Context, orderID int64, providerState string) error {
	return s.DB.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO donation_order_lapses (order_id, provider_state, lapsed_at)
			VALUES ($1, $2, $3) ON CONFLICT (order_id) DO NOTHING`, orderID, providerState, tx.Now.UnixMicro())
		return err
	})
}
