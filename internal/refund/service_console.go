package refund

import (
	"context"

	"github.com/carefund/carefund/internal/apperr"
	"github.com/carefund/carefund/internal/audit"
	"github.com/carefund/carefund/internal/store"
)

// Attention returns up to limit refunds of a run that need a look: those
// the provider could not pay back (abnormal) or closed (retrying), with
// their last error and next attempt, then those sent and not yet
// answered. A finance officer decides from it whether to wait or to give
// a refund to charity (StaffToCharity).
func (s *Service) Attention(ctx context.Context, runID int64, limit int) ([]Refund, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var rs []Refund
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		rs, err = attention(ctx, tx, runID, limit)
		return err
	})
	return rs, err
}

// Quarantined returns the providers' answers about refunds that were set
// aside, unresolved, newest first (at most limit).
func (s *Service) Quarantined(ctx context.Context, limit int) ([]Quarantined, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var qs []Quarantined
	err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		qs, err = quarantined(ctx, tx, limit)
		return err
	})
	return qs, err
}

// GiveToCharity is a finance officer deciding that a refund of run runID
// the provider could not pay back (abnormal, or closed and retrying) will
// not be tried again: its money goes to charity now (R-CHAR-1), under the
// refund's refund_to_charity entry, with rec appended in its transaction.
// NotFound when the refund is not of that run; Conflict KeyNotChariable
// when it is not failing.
func (s *Service) GiveToCharity(ctx context.Context, rec audit.Record, runID, refundID int64, reason string) error {
	s.init()
	var f Refund
	if err := s.DB.Read(ctx, func(tx *store.Tx) (err error) {
		f, err = refundByID(ctx, tx, refundID)
		return err
	}); err != nil {
		return err
	}
	if f.RunID != runID {
		return apperr.New(apperr.NotFound, "")
	}
	if f.State != Abnormal && f.State != Retrying {
		return apperr.New(apperr.Conflict, KeyNotChariable)
	}
	return s.final(ctx, f, ToCharity, "", "", &rec)
}
