package donation

import (
	"context"
	"time"

	"github.com/carefund/carefund/internal/campaign"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/store"
)

// record writes what commits with the ledger entry of a donation: it runs
// inside the ledger's batch transaction, so it does bounded, indexed SQL
// only.
func (s *Service) record(ctx context.Context, tx *store.Tx, o Order, p payment.Payment, entryID int64, paidAt time.Time) (Outcome, error) {
	// An order held because a mismatching copy named it first is paid all
	// the same by the payment that matches it (see copies.go).
	res, err := tx.ExecPrepared(ctx, `UPDATE donation_orders SET state = $1, paid_at = $2
		WHERE id = $3 AND state IN ($4, $5)`, Paid, paidAt.UnixMicro(), o.ID, Created, Quarantined)
	if err != nil {
		return Outcome{}, wrapf("marking order %d paid: %w", o.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return Outcome{}, err
	} else if n != 1 {
		return Outcome{}, errSettled
	}
	var state campaign.State
	var target int64
	if err := tx.QueryRowPrepared(ctx, "SELECT state, target_fen FROM requests WHERE id = $1",
		o.RequestID).Scan(&state, &target); err != nil {
		return Outcome{}, wrapf("reading request %d: %w", o.RequestID, err)
	}
	out := Outcome{AfterClose: state != campaign.Fundraising}
	// The donation copies the order, so who paid is kept even when the
	// public sees "anonymous" (R-DON-2). The order's fields come from o, read
	// before the post; what could change since (its state) the UPDATE above
	// has just checked. A single-row INSERT … VALUES, unlike INSERT …
	// SELECT, needs no statement journal on SQLite: it is the hot path of
	// every donation, inside the ledger's batch.
	share := nullID(o.ShareID)
	if err := tx.QueryRowPrepared(ctx, `INSERT INTO donations (order_id, request_id, amount_fen, entry_id, provider,
		transaction_id, donor_user_id, anonymous, message, message_flagged, share_id, after_close, paid_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
		o.ID, o.RequestID, int64(o.Amount), entryID, o.Provider, p.TransactionID, nullID(o.DonorUserID), bit(o.Anonymous),
		nullString(o.Message), bit(o.MessageFlagged), share, bit(out.AfterClose), paidAt.UnixMicro(),
		tx.Now.UnixMicro()).Scan(&out.DonationID); err != nil {
		return Outcome{}, wrapf("recording the donation of order %d: %w", o.ID, err)
	}
	if out.AfterClose {
		// Money that came too late is not raised: it waits for its refund.
		return out, nil
	}
	// The running total in arrival order: the donation that crosses the
	// target is the one that closes the channel.
	var raised int64
	if err := tx.QueryRowPrepared(ctx, `INSERT INTO request_totals (request_id, raised_fen, donations) VALUES ($1, $2, 1)
		ON CONFLICT (request_id) DO UPDATE SET raised_fen = request_totals.raised_fen + excluded.raised_fen,
		donations = request_totals.donations + 1 RETURNING raised_fen`, o.RequestID, int64(o.Amount)).Scan(&raised); err != nil {
		return Outcome{}, wrapf("adding to the totals of request %d: %w", o.RequestID, err)
	}
	if share.Valid {
		if _, err := tx.ExecPrepared(ctx, `UPDATE share_counts SET donations = donations + 1, raised_fen = raised_fen + $1
			WHERE share_id = $2`, int64(o.Amount), share.Int64); err != nil {
			return Outcome{}, wrapf("counting share %d: %w", share.Int64, err)
		}
	}
	if money.Fen(raised) >= money.Fen(target) {
		if _, err := s.Campaigns.Close(ctx, tx, o.RequestID, campaign.Closing{Reason: campaign.TargetReached}, "",
			campaign.SystemActor); err != nil {
			return Outcome{}, wrapf("closing request %d at its target: %w", o.RequestID, err)
		}
		out.ClosedNow = true
	}
	return out, nil
}
