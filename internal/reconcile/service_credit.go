package reconcile

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/bank/iso20022"
	"github.com/carefund/carefund/internal/ledger"
	"github.com/carefund/carefund/internal/money"
	"github.com/carefund/carefund/internal/staff"
	"github.com/carefund/carefund/internal/store"
)

// Refunder is what reconciliation needs of the refund service: start the
// refund of money recovered to the request's donors (a run of cause
// refund.CauseRecovery), idempotent by the run's key. The assembly adapts
// refund.Service.StartRun to it.
type Refunder interface {
	StartRecoveryRun(ctx context.Context, r RefundRun) error
}

// receivableAccount is the ledger account of request id's recovery
// receivable.
func receivableAccount(requestID int64) string {
	return "receivable:recovery:" + strconv.FormatInt(requestID, 10)
}

// postLines posts the lines of st the platform did not send: interest
// always, a recovery when its remittance names a request with enough
// outstanding (see credit.go). Each is keyed by its line, so a statement
// imported again posts nothing new. A recovery that cannot be matched
// (nothing or less outstanding) is left for Match to report as extra.
func (s *Service) postLines(ctx context.Context, st iso20022.Statement) error {
	for _, e := range st.Entries {
		switch {
		case e.Interest():
			if err := s.postInterest(ctx, e); err != nil {
				return err
			}
		case Recoverable(e):
			id, ok := ParseRecovery(e.Remittance)
			if !ok {
				continue
			}
			_, err := s.recover(ctx, LineKey(e), e.Amount, e.BookingDate, id, "system", nil)
			if err != nil && apperr.CodeOf(err) != apperr.Conflict {
				return err
			}
		}
	}
	return nil
}

// postInterest posts interest line e: bank:custody → charity:payable
// under statement:<line key> (R-CHAR-1). The same line again is a replay;
// another amount under the key is left to Match, which reports it.
func (s *Service) postInterest(ctx context.Context, e iso20022.Entry) error {
	key := LineKey(e)
	entry := ledger.Transfer(StatementKeyPrefix+key, "interest", "bank:custody", "charity:payable", e.Amount)
	entry.Memo = "interest booked " + e.BookingDate.Format(time.DateOnly)
	entry.After = func(ctx context.Context, tx *store.Tx, p ledger.Posted) error {
		return insertCredit(ctx, tx, credit{lineKey: key, kind: "interest", amount: e.Amount, bookedOn: e.BookingDate,
			entryID: p.ID, matchedBy: "system"})
	}
	_, err := s.Ledger.Post(ctx, entry)
	if errors.Is(err, ledger.ErrKeyReused) {
		return nil
	}
	return err
}

// recover posts a recovery of amount from line lineKey against request
// requestID's receivable, never more than is outstanding (R-REF-2); the
// check is made again inside the posting's transaction, so two lines
// racing for one receivable cannot both take it. then, when not nil, runs
// in the same transaction (the difference's resolution and its audit
// record).
func (s *Service) recover(ctx context.Context, lineKey string, amount money.Fen, bookedOn time.Time, requestID int64,
	actor string, then func(ctx context.Context, tx *store.Tx, entryID int64) error) (ledger.Posted, error) {
	account := receivableAccount(requestID)
	var outstanding money.Fen
	if err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		outstanding, err = receivable(ctx, tx, account)
		return err
	}); err != nil {
		return ledger.Posted{}, err
	}
	if err := CheckRecovery(amount, outstanding); err != nil {
		return ledger.Posted{}, err
	}
	entry := ledger.Transfer(StatementKeyPrefix+lineKey, "recovery", "bank:custody", account, amount)
	entry.Memo = "recovery for request " + strconv.FormatInt(requestID, 10)
	entry.After = func(ctx context.Context, tx *store.Tx, p ledger.Posted) error {
		left, err := receivable(ctx, tx, account)
		if err != nil {
			return err
		}
		if left < 0 {
			return ErrOverRecovery
		}
		if err := insertCredit(ctx, tx, credit{lineKey: lineKey, kind: "recovery", requestID: requestID, amount: amount,
			bookedOn: bookedOn, entryID: p.ID, matchedBy: actor}); err != nil {
			return err
		}
		if then != nil {
			return then(ctx, tx, p.ID)
		}
		return nil
	}
	p, err := s.Ledger.Post(ctx, entry)
	if errors.Is(err, ErrOverRecovery) {
		return ledger.Posted{}, ErrOverRecovery
	}
	return p, err
}

// MatchRecovery matches an open difference, a credit on the statement the
// ledger did not know, to request requestID's recovery receivable
// (R-REF-2): it posts bank:custody → receivable:recovery:R under the
// line's key, no more than is outstanding, and resolves the difference
// with the entry, in one transaction that also appends rec; then it hands
// the money to the refund service (StartRefunds). Only a finance officer
// matches; no second person is needed, as the money only reaches the
// request's donors, by their refund. It returns ErrNotFinance,
// ErrReasonRequired, ErrNotOpen, ErrNotACredit (not an unknown credit
// line), ErrNothingOutstanding and ErrOverRecovery.
func (s *Service) MatchRecovery(ctx context.Context, rec audit.Record, diffID int64, by staff.Staff, requestID int64, reason string) (ledger.Posted, error) {
	reason, err := checkResolver(by, reason)
	if err != nil {
		return ledger.Posted{}, err
	}
	var d Difference
	var run Run
	if err := s.DB.Read(ctx, func(tx *store.Tx) error {
		ds, err := listDifferences(ctx, tx, false, diffID)
		if err != nil || len(ds) != 1 {
			return err
		}
		d = ds[0]
		if d.RunID != 0 {
			run, _, err = runWhere(ctx, tx, "id = $1", d.RunID)
		}
		return err
	}); err != nil {
		return ledger.Posted{}, err
	}
	if d.ID == 0 || !d.Open() {
		return ledger.Posted{}, ErrNotOpen
	}
	if d.Kind != Extra || d.Source != FromStatement || d.LineKey == "" || d.Other == nil || *d.Other <= 0 || d.RunID == 0 {
		return ledger.Posted{}, ErrNotACredit
	}
	rec.Object = "reconcile_difference:" + strconv.FormatInt(diffID, 10)
	rec.Detail = fmt.Sprintf("recovery for request %d", requestID)
	p, err := s.recover(ctx, d.LineKey, *d.Other, run.To, requestID, "staff:"+strconv.FormatInt(by.ID, 10),
		func(ctx context.Context, tx *store.Tx, entryID int64) error {
			ok, err := resolve(ctx, tx, diffID, by.ID, reason, entryID)
			if err == nil && !ok {
				err = ErrNotOpen
			}
			if err != nil {
				return err
			}
			_, err = audit.Append(ctx, tx, rec)
			return err
		})
	if err != nil {
		return ledger.Posted{}, err
	}
	if p.Replayed {
		// The line was matched before, by the import or another officer:
		// this difference is not the line's any more.
		return ledger.Posted{}, ErrNotOpen
	}
	_, _ = s.StartRefunds(ctx, 100)
	return p, nil
}

// StartRefunds hands up to limit recoveries not yet handed over to the
// refund service (Refunder), each under its run key recovery:<entry id>,
// and marks each handed over. A crash between the two hands it over again
// under the same key, which the refund service answers with the first
// run. It returns how many it handed over; without a Refunder, none.
func (s *Service) StartRefunds(ctx context.Context, limit int) (int, error) {
	if s.Refunder == nil {
		return 0, nil
	}
	var rs []Recovery
	if err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		rs, err = listRecoveries(ctx, tx, true, limit)
		return err
	}); err != nil {
		return 0, err
	}
	n := 0
	for _, r := range rs {
		err := s.Refunder.StartRecoveryRun(ctx, RefundRun{RequestID: r.RequestID, Amount: r.Amount,
			Key: RecoveryKey(r.EntryID), Actor: r.MatchedBy})
		if err != nil {
			return n, fmt.Errorf("reconcile: refunding recovery %d of request %d: %w", r.EntryID, r.RequestID, err)
		}
		if err := s.DB.Write(ctx, func(tx *store.Tx) error { return markStarted(ctx, tx, r.EntryID) }); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Recoveries returns every recovery posted from a statement, oldest
// first.
func (s *Service) Recoveries(ctx context.Context) ([]Recovery, error) {
	var out []Recovery
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		out, err = listRecoveries(ctx, tx, false, 1<<30)
		return err
	})
	return out, err
}

// InterestByMonth returns the interest posted from the custody statements,
// by the month the bank booked it.
func (s *Service) InterestByMonth(ctx context.Context) ([]Interest, error) {
	var out []Interest
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		out, err = interestByMonth(ctx, tx)
		return err
	})
	return out, err
}
