package donation

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/store"
)

// Confirm applies a payment a provider has verified (from
// payment.Provider.ParseNotification or Query), exactly once (R-DON-1).
// A payment whose State is not payment.Paid is ignored.
//
// Every copy is first compared with what was recorded for its transaction
// (see copies.go): a duplicate of a donation or of a quarantined copy
// returns the first outcome with Replayed set, however many times and
// however concurrently it comes; a copy that reuses a recorded transaction
// id with another order, amount or merchant is quarantined on its own row,
// never credited. A copy never recorded is judged against its order: one
// whose order is unknown, whose amount or merchant differ from the order's,
// or whose order was already paid by another transaction is quarantined.
// Otherwise the ledger entry psp:<provider> → request:<id>, for the whole
// amount (R-FEE-1), is posted under LedgerKey, and its After hook, in the
// same transaction, records the donation, marks the order paid (also one
// held because a mismatching copy named it first), adds to the request's
// totals and the share's counts, and closes the channel with
// campaign.TargetReached when the new total reaches the target (R-PUB-4). A
// payment on a request that is no longer fundraising is recorded all the
// same, marked AfterClose, and not added to the totals. No copy is ever
// answered without being recorded: Confirm returns an error, and the
// provider is asked to send it again, when it could not record it.
func (s *Service) Confirm(ctx context.Context, p payment.Payment) (Outcome, error) {
	if p.State != payment.Paid {
		return Outcome{}, nil
	}
	if !validName(p.Provider) || p.TransactionID == "" || len(p.TransactionID) > 64 ||
		strings.ContainsFunc(p.TransactionID, isControl) {
		return Outcome{}, apperr.New(apperr.Invalid, KeyPaymentInvalid)
	}
	ours, hasMerchant := s.Merchant[p.Provider]
	st, err := s.copyState(ctx, p)
	if err != nil {
		return Outcome{}, err
	}
	v := judge(p, ours, hasMerchant, st)
	if v.Action != actCredit {
		return s.apply(ctx, p, st, v)
	}

	o := *st.Order
	paidAt := p.PaidAt.UTC().Truncate(time.Microsecond)
	var out Outcome
	e := ledger.Transfer(LedgerKey(p.Provider, p.TransactionID), "donation", "psp:"+p.Provider,
		requestAccount(o.RequestID), o.Amount)
	e.After = func(ctx context.Context, tx *store.Tx, posted ledger.Posted) error {
		// The hook may run more than once (a batch retried); only the run
		// that commits counts, so start afresh each time.
		out = Outcome{}
		var err error
		out, err = s.record(ctx, tx, o, p, posted.ID, paidAt)
		return err
	}
	posted, err := s.Ledger.Post(ctx, e)
	switch {
	case errors.Is(err, errSettled):
		// Another transaction paid this order first: this second payment is
		// for finance staff, who refund it.
		return s.quarantine(ctx, p, 0, AlreadyPaid)
	case errors.Is(err, ledger.ErrKeyReused), err == nil && posted.Replayed:
		// Another copy of this transaction was credited in the meantime
		// (the same payment, or, with a reused key, another claim): judge
		// this copy again against what is recorded now.
		if st, err = s.copyState(ctx, p); err != nil {
			return Outcome{}, err
		}
		if st.Credited == nil {
			return Outcome{}, wrapf("entry %s has no donation", e.Key)
		}
		return s.apply(ctx, p, st, judge(p, ours, hasMerchant, st))
	case err != nil:
		return Outcome{}, err
	}
	return out, nil
}

// apply carries out a verdict other than a credit.
func (s *Service) apply(ctx context.Context, p payment.Payment, st copyState, v verdict) (Outcome, error) {
	switch v.Action {
	case actReplay:
		c := st.Credited
		return Outcome{DonationID: c.DonationID, Replayed: true, AfterClose: c.AfterClose}, nil
	case actReplayQuarantine:
		return Outcome{Replayed: true, Quarantined: true}, nil
	case actQuarantine:
		return s.quarantine(ctx, p, v.HoldOrder, v.Reason)
	}
	return Outcome{}, wrapf("no verdict to apply for %s %s", p.Provider, p.TransactionID)
}

// copyState reads, in one transaction, what was recorded for the
// transaction of copy p and the order it names.
func (s *Service) copyState(ctx context.Context, p payment.Payment) (copyState, error) {
	var st copyState
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		st = copyState{}
		var c credit
		var after, amount int64
		err := tx.QueryRowContext(ctx, `SELECT d.id, o.order_no, d.amount_fen, d.after_close
			FROM donations d JOIN donation_orders o ON o.id = d.order_id
			WHERE d.provider = $1 AND d.transaction_id = $2`,
			p.Provider, p.TransactionID).Scan(&c.DonationID, &c.OrderNo, &amount, &after)
		switch {
		case err == nil:
			c.Amount, c.AfterClose = money.Fen(amount), after == 1
			st.Credited = &c
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		var one int
		err = tx.QueryRowContext(ctx, `SELECT 1 FROM donation_quarantine WHERE provider = $1 AND transaction_id = $2
			AND order_no = $3 AND amount_fen = $4 AND merchant = $5`,
			p.Provider, p.TransactionID, p.OrderID, int64(p.Amount), p.Merchant).Scan(&one)
		switch {
		case err == nil:
			st.Quarantined = true
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		o, err := OrderByNo(ctx, tx, p.OrderID)
		switch {
		case err == nil:
			st.Order = &o
		case apperr.CodeOf(err) != apperr.NotFound:
			return err
		}
		return nil
	})
	return st, err
}

// quarantine sets a copy of a payment aside for finance staff, once per
// provider, transaction id, order, amount and merchant, and marks its order, if it names one still unpaid, as
// quarantined, so the query job stops asking about it.
func (s *Service) quarantine(ctx context.Context, p payment.Payment, orderID int64, reason string) (Outcome, error) {
	out := Outcome{Quarantined: true}
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		out.Replayed = false
		res, err := tx.ExecContext(ctx, `INSERT INTO donation_quarantine (provider, transaction_id, order_no, reason,
			amount_fen, merchant, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (provider, transaction_id, order_no, amount_fen, merchant) DO NOTHING`,
			p.Provider, p.TransactionID, p.OrderID, reason, int64(p.Amount), p.Merchant, tx.Now.UnixMicro())
		if err != nil {
			return wrapf("quarantining %s %s: %w", p.Provider, p.TransactionID, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			out.Replayed = true
			return nil
		}
		if orderID != 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE donation_orders SET state = $1 WHERE id = $2 AND state = $3`,
				Quarantined, orderID, Created); err != nil {
				return wrapf("quarantining order %d: %w", orderID, err)
			}
		}
		return nil
	})
	if err != nil {
		return Outcome{}, err
	}
	return out, nil
}
