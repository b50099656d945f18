package refund

import (
	"context"
	"errors"
	"strconv"
	"sync"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/payment"
	"github.com/carefund/carefund/internal/store"
)

// DispatchResult counts what one Dispatch did.
type DispatchResult struct {
	Sent, Succeeded, Processing, Retry, Charity, Quarantined, Failed int
}

func (s *Service) bucket(provider string) *bucket {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.buckets[provider]
	if !ok {
		b = newBucket(s.Options.RatePerSecond)
		s.buckets[provider] = b
	}
	return b
}

// Dispatch sends up to limit due refunds to their own provider (R-DON-2),
// only those its balance covers when it reports one (covered):
// each is marked sending first (so that after a crash it is sent again
// under the same number, and the provider refunds once), then asked at the
// provider's rate (Options.RatePerSecond), and the answer settled. A
// provider's ErrRateLimited or a failed call leaves the refund sending,
// to be sent again with the same number after Options.Backoff.
func (s *Service) Dispatch(ctx context.Context, limit int) (DispatchResult, error) {
	s.init()
	var res DispatchResult
	now := s.now()
	bal := s.balances(ctx)
	var items []sendItem
	err := s.DB.Write(ctx, func(tx *store.Tx) error {
		var err error
		items, err = due(ctx, tx, now, limit)
		if err != nil {
			return err
		}
		items = covered(items, bal)
		ids := make([]int64, len(items))
		for i, it := range items {
			ids[i] = it.ID
		}
		marked, err := markSending(ctx, tx, ids, now, now.Add(s.Options.ResendAfter))
		if err != nil {
			return err
		}
		keep := items[:0:0]
		for i, it := range items {
			if i < len(ids) && contains(marked, it.ID) {
				keep = append(keep, it)
			}
		}
		items = keep
		return nil
	})
	if err != nil {
		return res, err
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	work := make(chan sendItem)
	var firstErr error
	for range min(s.Options.Senders, max(1, len(items))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range work {
				out, err := s.send(ctx, it)
				mu.Lock()
				res.Sent++
				switch {
				case err != nil:
					res.Failed++
					if firstErr == nil && ctx.Err() != nil {
						firstErr = err
					}
				case out == OutcomeSucceeded:
					res.Succeeded++
				case out == OutcomeProcessing:
					res.Processing++
				case out == OutcomeRetry:
					res.Retry++
				case out == OutcomeCharity:
					res.Charity++
				case out == OutcomeQuarantined:
					res.Quarantined++
				}
				mu.Unlock()
			}
		}()
	}
	for _, it := range items {
		if ctx.Err() != nil {
			break
		}
		work <- it
	}
	close(work)
	wg.Wait()
	return res, firstErr
}

// RefundBalancer is a provider that reports what it holds for us to pay
// refunds from (the sandbox; WeChat Pay's balance query is not wired).
type RefundBalancer interface {
	RefundBalance(ctx context.Context) (money.Fen, error)
}

// balances returns the balance of each provider that reports one; a
// provider that cannot answer now is left out (its refunds are sent, and
// it answers NOT_ENOUGH for the ones it cannot pay).
func (s *Service) balances(ctx context.Context) map[string]money.Fen {
	out := map[string]money.Fen{}
	for name, p := range s.Providers {
		if b, ok := p.(RefundBalancer); ok {
			if v, err := b.RefundBalance(ctx); err == nil {
				out[name] = v
			}
		}
	}
	return out
}

// covered returns the items a dispatch sends: in their order, each
// refund whose provider reports no balance, and each whose provider's
// balance, less the refunds kept before it, covers it (R-DON-2). The
// others stay due, unsent, until the provider's balance is topped up from
// custody (package refundfund): a scandal's refunds do not each cost a
// refused call to the provider. balance is not changed.
func covered(items []sendItem, balance map[string]money.Fen) []sendItem {
	left := make(map[string]money.Fen, len(balance))
	for k, v := range balance {
		left[k] = v
	}
	kept := make([]sendItem, 0, len(items))
	for _, it := range items {
		if b, ok := left[it.Provider]; ok {
			if it.Amount > b {
				continue
			}
			left[it.Provider] = b - it.Amount
		}
		kept = append(kept, it)
	}
	return kept
}

func contains(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// send asks the refund's provider once and settles its answer.
func (s *Service) send(ctx context.Context, it sendItem) (Outcome, error) {
	p, ok := s.Providers[it.Provider]
	if !ok {
		return OutcomeNone, s.failed(ctx, it.ID, "provider_unavailable")
	}
	if err := s.bucket(it.Provider).wait(ctx); err != nil {
		return OutcomeNone, err
	}
	notify := ""
	if s.Options.NotifyURL != nil {
		notify = s.Options.NotifyURL(it.Provider)
	}
	r, err := p.Refund(ctx, payment.Refund{OrderID: it.orderNo, TransactionID: it.transactionID, RefundID: it.RefundNo,
		Amount: it.Amount, Total: it.total, Reason: "carefund refund", NotifyURL: notify})
	switch {
	case errors.Is(err, payment.ErrRateLimited):
		return OutcomeNone, s.failed(ctx, it.ID, "rate_limited")
	case errors.Is(err, payment.ErrNotEnough):
		// The provider's balance does not cover it: nothing was refunded;
		// it waits, same number, for the top-up from custody (package
		// refundfund) that Due asks for.
		return OutcomeNone, s.failed(ctx, it.ID, "not_enough")
	case err != nil && apperr.CodeOf(err) == apperr.Invalid, errors.Is(err, payment.ErrUnknownOrder), err != nil && apperr.CodeOf(err) == apperr.Conflict:
		// The provider refuses this refund as it stands: an abnormal
		// attempt, retried on the schedule and then sent to charity.
		s.Log.Warn("a provider refused a refund", "provider", it.Provider, "refund", it.RefundNo, "err", err)
		return s.Settle(ctx, it.Provider, payment.RefundResult{RefundID: it.RefundNo, State: payment.RefundAbnormal})
	case err != nil:
		return OutcomeNone, s.failed(ctx, it.ID, errorf("%v", apperr.CodeOf(err)))
	}
	if r.RefundID == "" {
		r.RefundID = it.RefundNo
	}
	return s.Settle(ctx, it.Provider, r)
}

// failed leaves a refund to be sent again, same number, after Backoff.
func (s *Service) failed(ctx context.Context, id int64, code string) error {
	at := s.now().Add(s.Options.Backoff)
	return s.DB.Write(ctx, func(tx *store.Tx) error { return setError(ctx, tx, id, at, code) })
}

// Settle records a provider's word on a refund: the answer to Refund, to
// QueryRefund, or its notification (verified by the caller through the
// provider's ParseRefundNotification). Success posts refund_paid
// (payable:refund:<run> → psp:<provider>); processing waits (Poll asks
// later); closed or abnormal schedules the next attempt under a new
// number, or after the last posts refund_to_charity (R-CHAR-1). A word on
// an unknown refund number, another order or transaction, another
// provider, or a wrong amount is quarantined (kept once for staff, never
// credited) and answered nil, so that the provider stops once it is
// recorded; so is a success for a refund already given to charity. A
// replay changes nothing.
func (s *Service) Settle(ctx context.Context, provider string, r payment.RefundResult) (Outcome, error) {
	s.init()
	out, err := s.settle(ctx, provider, r)
	if hasKey(err, "refund.already_settled") {
		// Settled meanwhile by another path (staff, a second copy): look
		// again, now that it is final.
		out, err = s.settle(ctx, provider, r)
	}
	return out, err
}

func (s *Service) settle(ctx context.Context, provider string, r payment.RefundResult) (Outcome, error) {
	var row settleRow
	var reason string
	var found bool
	err := s.DB.Read(ctx, func(tx *store.Tx) error {
		var err error
		row, found, err = refundByNo(ctx, tx, r.RefundID)
		if err != nil || found {
			return err
		}
		reason = qUnknown
		if run, donation, _, ok := ParseRefundNo(r.RefundID); ok {
			if _, exists, err := refundByRunDonation(ctx, tx, run, donation); err != nil {
				return err
			} else if exists {
				reason = qStale
			}
		}
		return nil
	})
	if err != nil {
		return OutcomeNone, err
	}
	switch {
	case !found && reason == qStale && r.State != payment.RefundSuccess:
		return OutcomeNone, nil // an earlier attempt's failure, already acted on
	case !found:
	case row.Provider != provider,
		r.OrderID != "" && r.OrderID != row.orderNo,
		r.TransactionID != "" && r.TransactionID != row.transactionID:
		reason = qOrder
	case r.Amount != 0 && r.Amount != row.Amount:
		reason = qAmount
	case row.State == ToCharity && r.State == payment.RefundSuccess:
		reason = qAfterCharity
	case row.State.Final(), row.State == Planned:
		return OutcomeNone, nil
	}
	if reason != "" {
		s.Log.Warn("quarantined a refund answer", "provider", provider, "refund", r.RefundID, "reason", reason)
		return OutcomeQuarantined, s.DB.Write(ctx, func(tx *store.Tx) error { return quarantine(ctx, tx, provider, reason, r) })
	}
	now := s.now()
	switch r.State {
	case payment.RefundSuccess:
		return OutcomeSucceeded, s.final(ctx, row.Refund, Succeeded, r.ProviderRefundID, r.Account, nil)
	case payment.RefundProcessing:
		return OutcomeProcessing, s.DB.Write(ctx, func(tx *store.Tx) error {
			return setProcessing(ctx, tx, row.ID, r.ProviderRefundID, now.Add(s.Options.PollAfter))
		})
	case payment.RefundClosed, payment.RefundAbnormal:
		next, at, charity := Retry(row.Attempt, s.Options.Schedule, now)
		if charity {
			return OutcomeCharity, s.final(ctx, row.Refund, ToCharity, "", "", nil)
		}
		st := Retrying
		if r.State == payment.RefundAbnormal {
			st = Abnormal
		}
		return OutcomeRetry, s.DB.Write(ctx, func(tx *store.Tx) error {
			return setRetry(ctx, tx, row.Refund, st, next, at, r.State)
		})
	}
	return OutcomeNone, apperr.Wrap(payment.ErrMalformed, apperr.Invalid, "payment.malformed")
}

// final posts a refund's outcome entry: refund_paid, or refund_to_charity
// (R-CHAR-1); its After hook marks the refund and counts it in its run,
// and appends rec when given.
func (s *Service) final(ctx context.Context, f Refund, st State, providerID, account string, rec *audit.Record) error {
	payable := PayableAccount(f.RunID)
	e := ledger.Transfer(paidKey(f.ID), "refund_paid", payable, "psp:"+f.Provider, f.Amount)
	if st == ToCharity {
		e = ledger.Transfer(charityKey(f.ID), "refund_to_charity", payable, "charity:payable", f.Amount)
	}
	e.After = func(ctx context.Context, tx *store.Tx, _ ledger.Posted) error {
		if rec != nil {
			if _, err := audit.Append(ctx, tx, *rec); err != nil {
				return err
			}
		}
		return setFinal(ctx, tx, f, st, providerID, account)
	}
	_, err := s.Ledger.Post(ctx, e)
	return err
}

// Poll asks the providers about up to limit refunds processing past
// Options.PollAfter, for when a notification never comes, and settles
// their answers; a refund the provider does not know is sent again under
// the same number.
func (s *Service) Poll(ctx context.Context, limit int) (int, error) {
	s.init()
	var rs []Refund
	if err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		rs, err = pollDue(ctx, tx, s.now(), limit)
		return err
	}); err != nil {
		return 0, err
	}
	n := 0
	for _, f := range rs {
		p, ok := s.Providers[f.Provider]
		if !ok {
			continue
		}
		if err := s.bucket(f.Provider).wait(ctx); err != nil {
			return n, err
		}
		r, err := p.QueryRefund(ctx, f.RefundNo)
		switch {
		case errors.Is(err, payment.ErrUnknownRefund):
			err = s.DB.Write(ctx, func(tx *store.Tx) error { return resend(ctx, tx, f.ID) })
		case err != nil:
			err = s.failed(ctx, f.ID, errorf("%v", apperr.CodeOf(err)))
		default:
			if r.RefundID == "" {
				r.RefundID = f.RefundNo
			}
			_, err = s.Settle(ctx, f.Provider, r)
		}
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// StaffToCharity is staff deciding that a failing refund (abnormal or
// retrying) will not be paid back, and giving it to charity now
// (R-CHAR-1); audited with the reason.
func (s *Service) StaffToCharity(ctx context.Context, actor string, refundID int64, reason string) error {
	s.init()
	var f Refund
	if err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		f, err = refundByID(ctx, tx, refundID)
		return err
	}); err != nil {
		return err
	}
	if f.State != Abnormal && f.State != Retrying {
		return apperr.New(apperr.Conflict, KeyNotChariable)
	}
	rec := audit.Record{Actor: actor, Action: "refund.to_charity", Object: "refund:" + strconv.FormatInt(refundID, 10),
		Result: audit.ResultOK, Detail: errorf("%s", reason)}
	return s.final(ctx, f, ToCharity, "", "", &rec)
}
